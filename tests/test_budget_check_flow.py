"""A budget check moves request → review (⇄ questions) → result → approval (⇄ reviewer) →
document → acknowledgement over HTTP, and every role outside its step is refused."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from viewflow.workflow.status import STATUS

from forms import budget as budget_forms
from governance import permissions
from governance.budget import services
from governance.models import (
    AuditEvent,
    BudgetCheck,
    CaseMessage,
    CaseStatus,
    DocumentVersion,
    GuidanceItem,
    Notification,
)
from governance.roles import Role
from tests import budget_support as support
from tests.factories import InformationSystemFactory, make_user
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(dept_a: Any) -> Any:
    return InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )


def _post_ok(client: Any, url: str, data: dict[str, Any]) -> Any:
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:4000]
    return response


def _review_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "decision": "record",
        "check_configuration": "adequate",
        "check_continuity": "adequate",
        "check_cost": "guidance",
        "check_operation": "adequate",
        "check_network_security": "not_applicable",
        "result": "confirmed_with_guidance",
        "review_notes": "",
        "questions": "",
        "guidance-TOTAL_FORMS": "3",
        "guidance-INITIAL_FORMS": "0",
        "guidance-MIN_NUM_FORMS": "0",
        "guidance-MAX_NUM_FORMS": "30",
    }
    data.update(overrides)
    return data


def _answer_post(check: BudgetCheck, answer: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "answer": answer,
        "initial_cost": f"{check.initial_cost:,}",
        "running_cost": f"{check.running_cost:,}",
        "purpose": check.purpose,
        "configuration": check.configuration,
        "continuity": check.continuity,
        "operating_structure": check.operating_structure,
        "network_security": check.network_security,
    }
    data.update(overrides)
    return data


def test_budget_check_goes_from_request_to_acknowledgement_over_http_as_each_role(
    cast: Any, login: Any, system: Any, run_jobs: Any
) -> None:
    staff = login(cast["staff_a"])
    reviewer = login(cast["reviewer"])
    approver = login(cast["approver"])
    start_url = BudgetCheckFlow.start.reverse("execute")

    # 1. Request, with full-width amounts and an attachment.
    assert staff.get(start_url).status_code == 200
    data = support.request_post(system)
    data["attachments"] = [io.BytesIO(b"estimate,1200000\n")]
    data["attachments"][0].name = "見積.csv"
    _post_ok(staff, start_url, data)
    check = BudgetCheck.objects.get()
    assert check.status == CaseStatus.SUBMITTED
    assert (check.initial_cost, check.running_cost) == (1_200_000, 3_400_000)
    assert check.fiscal_year == support.next_fiscal_year()
    assert check.number == f"BC-{check.fiscal_year}-0001"
    assert check.attachments.get().original_name == "見積.csv"

    # 2. The liaison finds it in the inbox and sends it back with questions, twice.
    assert check.number in reviewer.get("/home/").content.decode()
    for round_number, (question, answer, revised) in enumerate(
        [
            ("ランニングコストの内訳を示してください。", "保守 2,400,000円です。", "3,000,000"),
            ("保守契約の期間は？", "単年度契約です。", "３，０００，０００"),
        ],
        start=1,
    ):
        task = support.open_task(check, BudgetCheckFlow.review)
        assert task.owner == cast["reviewer"]
        page = reviewer.get(support.execute_url(task)).content.decode()
        assert "経費の推移" in page  # the karte's cost history beside the review form
        _post_ok(
            reviewer,
            support.execute_url(task),
            _review_post(decision="send_back", questions=question, result=""),
        )
        check.refresh_from_db()
        assert check.status == CaseStatus.RETURNED
        assert check.send_back_count == round_number
        assert Notification.objects.filter(recipient=cast["staff_a"], case=check).exists()

        task = support.open_task(check, BudgetCheckFlow.answer_questions)
        assert task.owner == cast["staff_a"]
        assert question in staff.get(support.execute_url(task)).content.decode()
        _post_ok(
            staff,
            support.execute_url(task),
            _answer_post(check, answer, running_cost=revised),
        )
        check.refresh_from_db()
        assert check.status == CaseStatus.UNDER_REVIEW
        assert check.running_cost == 3_000_000
    assert list(check.messages.values_list("kind", flat=True)) == [
        CaseMessage.Kind.QUESTION,
        CaseMessage.Kind.ANSWER,
        CaseMessage.Kind.QUESTION,
        CaseMessage.Kind.ANSWER,
    ]

    # 3. The reviewer records the result with guidance items (era date in full width).
    task = support.open_task(check, BudgetCheckFlow.review)
    assert task.owner == cast["reviewer"]  # back to the same reviewer after the answer
    _post_ok(
        reviewer,
        support.execute_url(task),
        _review_post(
            **{
                "guidance-0-text": "複数事業者から見積を取得すること",
                "guidance-0-perspective": "cost",
                "guidance-0-due_date": support.in_days(90).isoformat(),
                "guidance-1-text": "障害時の連絡体制を文書化すること",
                "guidance-1-due_date": f"令和{check.fiscal_year - 2018}年３月３１日",
            }
        ),
    )
    check.refresh_from_db()
    assert check.status == CaseStatus.AWAITING_APPROVAL
    assert check.reviewer == cast["reviewer"]
    assert check.guidanceitems.count() == 2

    # 4. The approver picks it up from the queue and returns it to the reviewer.
    task = support.open_task(check, BudgetCheckFlow.approve)
    assert task.owner is None and task.status == STATUS.NEW
    assert check.number in approver.get("/home/").content.decode()
    _post_ok(approver, support.assign_url(task), {})
    task.refresh_from_db()
    assert task.owner == cast["approver"]
    _post_ok(
        approver,
        support.execute_url(task),
        {"decision": "return", "comment": "指導事項1の期限を早めてください。"},
    )
    check.refresh_from_db()
    assert check.status == CaseStatus.UNDER_REVIEW
    assert check.approval_return_count == 1

    # The review comes back to the same reviewer, with the items prefilled.
    task = support.open_task(check, BudgetCheckFlow.review)
    assert task.owner == cast["reviewer"]
    page = reviewer.get(support.execute_url(task)).content.decode()
    assert "複数事業者から見積を取得すること" in page
    assert "指導事項1の期限を早めてください。" in page
    _post_ok(
        reviewer,
        support.execute_url(task),
        _review_post(
            **{
                "guidance-0-text": "複数事業者から見積を取得すること",
                "guidance-0-due_date": support.in_days(30).isoformat(),
                "guidance-1-text": "障害時の連絡体制を文書化すること",
                "guidance-1-due_date": support.in_days(120).isoformat(),
            }
        ),
    )
    check.refresh_from_db()
    assert check.status == CaseStatus.AWAITING_APPROVAL
    assert list(check.guidanceitems.values_list("sequence", "due_date")) == [
        (1, support.in_days(30)),
        (2, support.in_days(120)),
    ]

    # 5. Approval: the advisory document is generated by a background job.
    task = support.open_task(check, BudgetCheckFlow.approve)
    _post_ok(approver, support.assign_url(task), {})
    _post_ok(approver, support.execute_url(task), {"decision": "approve", "comment": ""})
    check.refresh_from_db()
    assert check.status == CaseStatus.AWAITING_ACKNOWLEDGEMENT
    assert check.approver == cast["approver"]
    assert run_jobs() >= 1
    version = DocumentVersion.objects.get(document__case=check)
    text = "\n".join(p.text for p in docx.Document(version.file.open("rb")).paragraphs)
    assert "予算確認結果通知（技術的助言）" in text

    # 6. The department acknowledges; the case ends.
    page = staff.get(f"/home/cases/{check.pk}/", follow=True).content.decode()
    assert "障害時の連絡体制を文書化すること" in page
    task = support.open_task(check, BudgetCheckFlow.acknowledge)
    assert task.owner == cast["staff_a"]
    response = staff.post(support.execute_url(task), {"comment": "了解しました。"})
    assert response.status_code == 200  # the confirmation box is required
    assert "このフィールドは必須です。" in response.content.decode()
    _post_ok(staff, support.execute_url(task), {"confirmed": "on", "comment": "了解しました。"})
    check.refresh_from_db()
    assert check.status == CaseStatus.CLOSED
    assert check.acknowledged_by == cast["staff_a"]
    assert check.process is not None
    check.process.refresh_from_db()
    assert check.process.status == "DONE"

    actions = list(AuditEvent.objects.filter(case_id=check.pk).values_list("action", flat=True))
    assert [a for a in actions if a.startswith("budget_check.")] == [
        "budget_check.request",
        "budget_check.send_back",
        "budget_check.resubmit",
        "budget_check.send_back",
        "budget_check.resubmit",
        "budget_check.record_result",
        "budget_check.return_from_approval",
        "budget_check.record_result",
        "budget_check.approve",
        "budget_check.acknowledge",
    ]
    assert "document.generate" in actions


def test_department_staff_of_another_department_cannot_see_or_answer_the_case(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    check = support.step(
        check,
        BudgetCheckFlow.review,
        cast["reviewer"],
        budget_forms.review_data(questions="内訳は？"),
    )
    task = support.open_task(check, BudgetCheckFlow.answer_questions)
    outsider = login(cast["staff_b"])
    assert outsider.get(f"/home/cases/{check.pk}/").status_code == 404
    assert outsider.get(support.execute_url(task)).status_code == 403
    response = outsider.post(support.execute_url(task), _answer_post(check, "回答"))
    assert response.status_code == 403
    check.refresh_from_db()
    assert check.status == CaseStatus.RETURNED
    with pytest.raises(PermissionDenied, match=permissions.OTHER_DEPARTMENT):
        services.resubmit_budget_check(
            actor=cast["staff_b"], budget_check=check, answer="回答", facts=support.facts()
        )
    # A colleague in the same department may not take the requester's assigned task either,
    # but the requester can.
    assert login(cast["staff_a2"]).get(support.execute_url(task)).status_code == 403
    assert login(cast["staff_a"]).get(support.execute_url(task)).status_code == 200


def test_roles_other_than_the_steps_own_are_refused(
    cast: Any, login: Any, dept_a: Any, system: Any
) -> None:
    dept_a.liaison = None  # the review waits in the governance queue
    dept_a.save()
    check = support.start(cast["staff_a"], system)
    task = support.open_task(check, BudgetCheckFlow.review)
    assert task.owner is None
    for name in ("staff_a", "approver", "csirt"):
        client = login(cast[name])
        assert client.post(support.assign_url(task), {}).status_code == 403, name
    task.refresh_from_db()
    assert task.owner is None
    with pytest.raises(PermissionDenied):
        services.send_back_budget_check(actor=cast["approver"], budget_check=check, questions="？")
    # A reviewer may pick it up; then the approval is refused to reviewers without the role.
    _post_ok(login(cast["reviewer2"]), support.assign_url(task), {})
    check = support.drive_to_approval(check, cast["reviewer2"])
    approval = support.open_task(check, BudgetCheckFlow.approve)
    assert login(cast["reviewer"]).post(support.assign_url(approval), {}).status_code == 403
    assert login(cast["staff_a"]).post(support.assign_url(approval), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.approve_budget_check(actor=cast["staff_a"], budget_check=check)
    check.refresh_from_db()
    assert check.status == CaseStatus.AWAITING_APPROVAL


def test_requester_holding_governance_roles_can_neither_review_nor_approve_their_own_case(
    cast: Any, login: Any, dept_a: Any, system: Any
) -> None:
    dual = make_user("dual", Role.DEPARTMENT_STAFF, dept_a)
    dual.groups.add(
        Group.objects.get(name=Role.GOVERNANCE_REVIEWER),
        Group.objects.get(name=Role.GOVERNANCE_APPROVER),
    )
    dept_a.liaison = dual
    dept_a.save()
    check = support.start(dual, system)
    task = support.open_task(check, BudgetCheckFlow.review)
    assert task.owner is None  # the liaison is the requester: routed to the queue instead
    client = login(dual)
    assert client.post(support.assign_url(task), {}).status_code == 403
    with pytest.raises(PermissionDenied, match=permissions.REQUESTER_CANNOT_REVIEW):
        services.send_back_budget_check(actor=dual, budget_check=check, questions="？")

    _post_ok(login(cast["reviewer"]), support.assign_url(task), {})
    check = support.drive_to_approval(check, cast["reviewer"])
    approval = support.open_task(check, BudgetCheckFlow.approve)
    assert client.post(support.assign_url(approval), {}).status_code == 403
    with pytest.raises(PermissionDenied, match=permissions.REQUESTER_CANNOT_APPROVE):
        services.approve_budget_check(actor=dual, budget_check=check)
    check.refresh_from_db()
    assert check.status == CaseStatus.AWAITING_APPROVAL
    assert check.approver is None


def test_reviewer_who_is_also_an_approver_cannot_approve_the_case_they_reviewed(
    cast: Any, login: Any, dept_a: Any, system: Any
) -> None:
    both = make_user("both", Role.GOVERNANCE_REVIEWER)
    both.groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    dept_a.liaison = both
    dept_a.save()
    check = support.start(cast["staff_a"], system)
    check = support.drive_to_approval(check, both)
    approval = support.open_task(check, BudgetCheckFlow.approve)
    assert login(both).post(support.assign_url(approval), {}).status_code == 403
    with pytest.raises(PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        services.approve_budget_check(actor=both, budget_check=check)
    home = login(both).get("/home/").content.decode()
    # Neither held nor offered (the notice of the review they were assigned may name it).
    assert check.number not in home[home.index('id="inbox-count"') :]
    # Another approver may approve.
    _post_ok(login(cast["approver"]), support.assign_url(approval), {})
    approval.refresh_from_db()
    assert approval.owner == cast["approver"]


def test_auditor_reads_the_case_but_every_action_is_refused(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    auditor = login(cast["auditor"])
    page = auditor.get(f"/home/cases/{check.pk}/", follow=True)
    assert page.status_code == 200
    assert check.number in page.content.decode()
    assert auditor.get(BudgetCheckFlow.start.reverse("execute")).status_code == 403
    task = support.open_task(check, BudgetCheckFlow.review)
    assert auditor.get(support.execute_url(task)).status_code == 403
    assert auditor.post(support.execute_url(task), _review_post()).status_code == 403
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match=permissions.AUDITORS_NEVER_ACT):
        services.send_back_budget_check(actor=cast["auditor"], budget_check=check, questions="？")
    assert AuditEvent.objects.count() == events
    assert GuidanceItem.objects.count() == 0


def test_anonymous_visitor_is_sent_to_the_login_page(client: Any, cast: Any) -> None:
    response = client.get(BudgetCheckFlow.start.reverse("execute"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

"""A spec review moves department → reviewer ⇄ department → approver over HTTP, and every
person who must not act at a step is refused there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from viewflow.workflow.status import STATUS

from governance import permissions
from governance.cases import selectors
from governance.models import (
    AuditEvent,
    CaseStatus,
    DocumentVersion,
    Finding,
    LedgerStatus,
    Perspective,
    SpecReview,
    SpecScanResult,
)
from governance.roles import Role
from governance.spec_review import services
from tests.spec_cases import locked_in_system
from tests.spec_docs import clean_spec, docx_upload, locked_in_spec, make_spec, pdf_upload
from workflows.spec_review import SpecReviewFlow

pytestmark = pytest.mark.django_db

CHECKLIST_ALL_OK = {f"result_{p.value}": "ok" for p in Perspective}


def open_task(review: SpecReview, node: Any) -> Any:
    assert review.process is not None
    return review.process.task_set.get(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def execute_url(task: Any) -> str:
    return str(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


def assign_url(task: Any) -> str:
    return str(task.flow_task.reverse("assign", args=[task.process_id, task.pk]))


def register(client: Any, **overrides: Any) -> Any:
    data = {
        "title": "税務システム再構築",
        "fiscal_year": "令和7",
        "procurement_type": "service",
        "estimated_price": "３６，０００，０００円",
        "contract_board_date": "令和7年10月1日",
        "spec_file": docx_upload(locked_in_spec()),
        "reference_file": pdf_upload(),
    }
    data.update(overrides)
    return client.post(SpecReviewFlow.start.reverse("execute"), data)


@pytest.fixture
def system(cast: Any, dept_a: Any) -> Any:
    return locked_in_system(dept_a)


def test_department_registers_a_mandatory_review_with_full_width_price(
    cast: Any, login: Any, system: Any
) -> None:
    staff = login(cast["staff_a"])
    assert staff.get(SpecReviewFlow.start.reverse("execute")).status_code == 200
    response = register(staff, system=system.pk)
    assert response.status_code == 302, response.content.decode()[:3000]
    review = SpecReview.objects.get()
    assert review.estimated_price == 36_000_000
    assert review.mandatory is True
    assert review.rule is not None and review.rule.value == 36_000_000
    assert (
        review.routing_reason == "予定価格 36,000,000円 ≥ 基準額 36,000,000円（契約局審査会案件）"
    )
    assert review.contract_board_date is not None and review.contract_board_date.isoformat() == (
        "2025-10-01"
    )
    assert review.status == CaseStatus.SUBMITTED
    assert review.attachments.filter(purpose="reference").count() == 1
    kinds = set(
        SpecScanResult.objects.filter(version__review=review).values_list("kind", flat=True)
    )
    assert kinds == {"brand", "no_equivalent", "proprietary_format", "required_clause"}

    task = open_task(review, SpecReviewFlow.review)
    assert task.owner == cast["reviewer"]

    page = staff.get(f"/home/cases/{review.pk}/", follow=True).content.decode()
    assert "予定価格 36,000,000円 ≥ 基準額 36,000,000円（契約局審査会案件）" in page
    assert "ロックインの可能性あり" in page
    assert "大阪情報サービス株式会社 が 12 年継続" in page
    assert "Oracle" in page


def test_the_registration_form_offers_the_current_fiscal_year(
    cast: Any, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by the browser journey: the form's default was dropped because FormView always
    # passes ``initial``, so the field came up empty and the first submit was refused.
    # 15:30 UTC on 31 March 2027 is 00:30 on 1 April in Tokyo: fiscal year 2027 has begun.
    moment = dt.datetime(2027, 3, 31, 15, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    response = login(cast["staff_a"]).get(SpecReviewFlow.start.reverse("execute"))
    assert response.status_code == 200
    assert response.context["form"]["fiscal_year"].value() == 2027
    assert 'name="fiscal_year" value="2027"' in response.content.decode()


def test_the_whole_review_with_two_resubmissions_and_a_return_by_the_approver(
    cast: Any, login: Any, system: Any, run_jobs: Any
) -> None:
    staff, reviewer, approver = (
        login(cast["staff_a"]),
        login(cast["reviewer"]),
        login(cast["approver"]),
    )
    assert register(staff, system=system.pk).status_code == 302
    review = SpecReview.objects.get()
    case_page = f"/home/cases/{review.pk}/"

    # Not ready for the contract board before approval.
    ready = staff.post(f"/spec_review/cases/{review.pk}/ready-for-board/", follow=True)
    assert services.MANDATORY_NOT_APPROVED in ready.content.decode()
    review.refresh_from_db()
    assert review.ready_for_board_at is None

    # Round 1: the reviewer cannot finish while the scan's drafts are undecided.
    task = open_task(review, SpecReviewFlow.review)
    url = execute_url(task)
    page = reviewer.get(url)
    assert page.status_code == 200
    assert "指摘事項に採用" in page.content.decode()
    refused = reviewer.post(url, {**CHECKLIST_ALL_OK, "decision": "to_approval"})
    assert refused.status_code == 200
    assert "未判断の自動検出結果が 6 件あります" in refused.content.decode()

    results = {r.phrase: r for r in SpecScanResult.objects.filter(version__review=review)}
    no_reason = reviewer.post(
        url, {"action": "dismiss", "result": results["独自形式"].pk, "reason": ""}, follow=True
    )
    assert services.DISMISS_REASON_REQUIRED in no_reason.content.decode()
    assert SpecScanResult.objects.get(pk=results["独自形式"].pk).status == "pending"
    for phrase in ("Oracle", "同等品不可", "契約終了時のデータ移行・提供"):
        result = results[phrase]
        response = reviewer.post(
            url,
            {
                "action": "accept",
                "result": result.pk,
                "perspective": "neutrality",
                "text": result.suggested_text,
                "requested_revision": result.suggested_revision,
            },
        )
        assert response.status_code == 302
    for phrase in ("独自形式", "引継ぎ資料の作成・提供", "成果物の権利の帰属（著作権）"):
        response = reviewer.post(
            url, {"action": "dismiss", "result": results[phrase].pk, "reason": "別紙で規定済み"}
        )
        assert response.status_code == 302
    response = reviewer.post(
        url,
        {
            "action": "add_finding",
            "perspective": "security",
            "text": "ログの保存期間が定められていません。",
            "requested_revision": "操作ログを1年以上保存することを明記してください。",
        },
    )
    assert response.status_code == 302
    assert Finding.objects.filter(case=review).count() == 4
    incomplete = reviewer.post(
        url, {"action": "add_finding", "perspective": "security"}, follow=True
    )
    assert "指摘事項: " in incomplete.content.decode()
    assert Finding.objects.filter(case=review).count() == 4
    assert set(Finding.objects.filter(case=review).values_list("due_date", flat=True)) == {
        review.contract_board_date
    }

    checklist = {**CHECKLIST_ALL_OK, "result_neutrality": "issue", "result_security": "issue"}
    response = reviewer.post(
        url, {**checklist, "decision": "returned", "comment": "指摘事項を確認してください。"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    review.refresh_from_db()
    assert review.status == CaseStatus.RETURNED
    assert review.reviewer == cast["reviewer"]

    # The other department cannot see or answer it.
    outsider = login(cast["staff_b"])
    task = open_task(review, SpecReviewFlow.resubmit)
    assert task.owner == cast["staff_a"]
    assert outsider.get(case_page).status_code == 404
    assert outsider.get(execute_url(task)).status_code == 403

    # Resubmission 1: every open finding needs an answer; the brand name is still there.
    findings = list(Finding.objects.filter(case=review).order_by("number"))
    answers = {f"answer_{f.pk}": f"指摘{f.number}に対応しました。" for f in findings}
    missing = dict(answers)
    missing.pop(f"answer_{findings[0].pk}")
    response = staff.post(
        execute_url(task), {**missing, "spec_file": docx_upload(clean_spec(), "仕様書v2.docx")}
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.status == CaseStatus.RETURNED
    still_oracle = make_spec(paragraphs=["データベースは Oracle Database 19c 又は同等品とする。"])
    response = staff.post(
        execute_url(task),
        {**answers, "spec_file": docx_upload(still_oracle, "仕様書v2.docx"), "note": "第2版"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    review.refresh_from_db()
    assert review.status == CaseStatus.UNDER_REVIEW
    assert review.versions.count() == 2
    v2_results = SpecScanResult.objects.filter(version__review=review, version__number=2)
    assert [(r.phrase, r.status) for r in v2_results] == [("Oracle", "decided_before")]
    assert Finding.objects.get(pk=findings[0].pk).department_answer == "指摘1に対応しました。"

    # Round 2: the brand finding stays open, the others are resolved; back to the department.
    task = open_task(review, SpecReviewFlow.review)
    assert task.owner == cast["reviewer"]
    url = execute_url(task)
    for finding in findings[1:]:
        response = reviewer.post(
            url,
            {
                "action": "settle",
                "finding": finding.pk,
                "status": "resolved",
                "resolution": "第2版で修正済み",
            },
        )
        assert response.status_code == 302
    checklist = {**CHECKLIST_ALL_OK, "result_neutrality": "issue"}
    response = reviewer.post(url, {**checklist, "decision": "returned"})
    assert response.status_code == 302, response.content.decode()[:3000]

    # Resubmission 2 answers only the finding still open.
    task = open_task(review, SpecReviewFlow.resubmit)
    response = staff.post(
        execute_url(task),
        {
            f"answer_{findings[0].pk}": "製品名を削除し、性能要件で記述しました。",
            "spec_file": docx_upload(clean_spec(), "仕様書v3.docx"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    # Round 3: everything resolved, to approval.
    task = open_task(review, SpecReviewFlow.review)
    url = execute_url(task)
    reviewer.post(
        url,
        {
            "action": "settle",
            "finding": findings[0].pk,
            "status": "resolved",
            "resolution": "第3版で製品名を削除",
        },
    )
    response = reviewer.post(url, {**CHECKLIST_ALL_OK, "decision": "to_approval"})
    assert response.status_code == 302, response.content.decode()[:3000]
    review.refresh_from_db()
    assert review.status == CaseStatus.AWAITING_APPROVAL
    assert review.rounds.count() == 3

    # The approver returns it once; the reviewer sends it back up.
    task = open_task(review, SpecReviewFlow.approve)
    assert task.owner is None
    assert approver.post(assign_url(task)).status_code == 302
    response = approver.post(execute_url(task), {"decision": "return", "comment": ""})
    assert response.status_code == 200  # a return needs a reason
    response = approver.post(
        execute_url(task), {"decision": "return", "comment": "確認観点の所見を記入してください。"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    review.refresh_from_db()
    assert review.status == CaseStatus.UNDER_REVIEW
    task = open_task(review, SpecReviewFlow.review)
    assert task.owner == cast["reviewer"]
    notes = {f"note_{p.value}": "問題なし" for p in Perspective}
    response = reviewer.post(
        execute_url(task), {**CHECKLIST_ALL_OK, **notes, "decision": "to_approval"}
    )
    assert response.status_code == 302

    task = open_task(review, SpecReviewFlow.approve)
    approver.post(assign_url(task))
    response = approver.post(execute_url(task), {"decision": "approve", "comment": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    review.refresh_from_db()
    assert review.status == CaseStatus.APPROVED
    assert review.approver == cast["approver"]
    assert review.process is not None
    review.process.refresh_from_db()
    assert review.process.status == "DONE"
    run_jobs()
    assert DocumentVersion.objects.filter(document__case=review).count() == 1

    # Now the department may mark it ready for the contract board, once.
    response = staff.post(f"/spec_review/cases/{review.pk}/ready-for-board/")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.ready_for_board_at is not None
    again = staff.post(f"/spec_review/cases/{review.pk}/ready-for-board/", follow=True)
    assert services.ALREADY_READY in again.content.decode()

    actions = list(AuditEvent.objects.filter(case_id=review.pk).values_list("action", flat=True))
    for expected in (
        "spec_review.register",
        "spec_review.scan.accept",
        "spec_review.scan.dismiss",
        "spec_review.finding.add",
        "spec_review.complete_round",
        "spec_review.resubmit",
        "spec_review.finding.settle",
        "spec_review.return_to_reviewer",
        "spec_review.approve",
        "document.generate",
        "spec_review.ready_for_board",
    ):
        assert expected in actions
    auditor_page = login(cast["auditor"]).get(case_page, follow=True).content.decode()
    assert "spec_review.approve" in auditor_page
    assert "仕様書確認結果" in auditor_page


@pytest.fixture
def awaiting_approval(cast: Any, login: Any, system: Any) -> SpecReview:
    """A case whose only round went straight to approval."""
    staff, reviewer = login(cast["staff_a"]), login(cast["reviewer"])
    assert register(staff, spec_file=docx_upload(clean_spec())).status_code == 302
    review = SpecReview.objects.get()
    task = open_task(review, SpecReviewFlow.review)
    response = reviewer.post(execute_url(task), {**CHECKLIST_ALL_OK, "decision": "to_approval"})
    assert response.status_code == 302, response.content.decode()[:3000]
    review.refresh_from_db()
    assert review.status == CaseStatus.AWAITING_APPROVAL
    return review


def _give_role(user: Any, role: str) -> None:
    user.groups.add(Group.objects.get(name=role))


def test_the_reviewer_holding_the_approver_role_is_refused_the_approval(
    cast: Any, login: Any, awaiting_approval: SpecReview
) -> None:
    _give_role(cast["reviewer"], Role.GOVERNANCE_APPROVER)
    client = login(cast["reviewer"])
    task = open_task(awaiting_approval, SpecReviewFlow.approve)
    assert client.post(assign_url(task)).status_code == 403
    task.refresh_from_db()
    assert task.owner is None
    with pytest.raises(permissions.PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        services.approve_spec_review(actor=cast["reviewer"], review=awaiting_approval)


def test_a_reviewer_of_an_earlier_round_is_refused_the_approval(
    cast: Any, awaiting_approval: SpecReview
) -> None:
    """reviewer2 wrote a finding; the last round was reviewer's, yet reviewer2 may not approve."""
    _give_role(cast["reviewer2"], Role.GOVERNANCE_APPROVER)
    awaiting_approval.rounds.update(reviewer=cast["reviewer"])
    Finding.objects.create(
        case=awaiting_approval,
        number=1,
        department=awaiting_approval.department,
        perspective="security",
        text="t",
        requested_revision="r",
        created_by=cast["reviewer2"],
        status=LedgerStatus.RESOLVED,
    )
    with pytest.raises(permissions.PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        services.approve_spec_review(actor=cast["reviewer2"], review=awaiting_approval)
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == CaseStatus.AWAITING_APPROVAL
    # The queues agree with the service: nobody is offered a task that taking would refuse.
    approval = open_task(awaiting_approval, SpecReviewFlow.approve)
    assert approval not in selectors.queue_tasks(cast["reviewer2"])
    assert approval in selectors.queue_tasks(cast["approver"])


def test_the_requester_holding_the_approver_role_is_refused_self_approval(
    cast: Any, login: Any, awaiting_approval: SpecReview
) -> None:
    _give_role(cast["staff_a"], Role.GOVERNANCE_APPROVER)
    client = login(cast["staff_a"])
    task = open_task(awaiting_approval, SpecReviewFlow.approve)
    assert client.post(assign_url(task)).status_code == 403
    with pytest.raises(permissions.PermissionDenied, match=permissions.REQUESTER_CANNOT_APPROVE):
        services.approve_spec_review(actor=cast["staff_a"], review=awaiting_approval)
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == CaseStatus.AWAITING_APPROVAL
    assert awaiting_approval.approver is None


def test_the_auditor_reads_the_case_but_is_refused_every_step(
    cast: Any, login: Any, awaiting_approval: SpecReview
) -> None:
    client = login(cast["auditor"])
    assert client.get(f"/home/cases/{awaiting_approval.pk}/", follow=True).status_code == 200
    task = open_task(awaiting_approval, SpecReviewFlow.approve)
    assert client.post(assign_url(task)).status_code == 403
    with pytest.raises(permissions.PermissionDenied, match=permissions.AUDITORS_NEVER_ACT):
        services.approve_spec_review(actor=cast["auditor"], review=awaiting_approval)
    response = client.post(f"/spec_review/cases/{awaiting_approval.pk}/ready-for-board/")
    assert response.status_code == 403
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.ready_for_board_at is None


def test_department_staff_are_refused_the_approval_step(
    cast: Any, login: Any, awaiting_approval: SpecReview
) -> None:
    task = open_task(awaiting_approval, SpecReviewFlow.approve)
    assert login(cast["staff_a2"]).post(assign_url(task)).status_code == 403
    assert login(cast["staff_b"]).post(assign_url(task)).status_code == 403
    with pytest.raises(permissions.PermissionDenied):
        services.approve_spec_review(actor=cast["staff_a2"], review=awaiting_approval)


def test_an_independent_approver_approves_and_the_document_is_issued(
    cast: Any, login: Any, awaiting_approval: SpecReview, run_jobs: Any
) -> None:
    client = login(cast["approver"])
    task = open_task(awaiting_approval, SpecReviewFlow.approve)
    assert client.post(assign_url(task)).status_code == 302
    response = client.post(execute_url(task), {"decision": "approve"})
    assert response.status_code == 302
    run_jobs()
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == CaseStatus.APPROVED
    assert awaiting_approval.documents.get().versions.count() == 1


def test_below_the_threshold_without_a_request_the_case_closes_at_once(
    cast: Any, login: Any
) -> None:
    staff = login(cast["staff_a"])
    response = register(staff, estimated_price="35,999,999", contract_board_date="")
    assert response.status_code == 302, response.content.decode()[:3000]
    review = SpecReview.objects.get()
    assert review.mandatory is False
    assert review.status == CaseStatus.CLOSED
    assert (
        review.routing_reason == "予定価格 35,999,999円 < 基準額 36,000,000円（仕様書確認は任意）"
    )
    assert review.process is not None
    review.process.refresh_from_db()
    assert review.process.status == "DONE"
    response = staff.post(f"/spec_review/cases/{review.pk}/ready-for-board/")
    review.refresh_from_db()
    assert review.ready_for_board_at is not None


def test_below_the_threshold_a_department_may_still_ask_for_a_review(cast: Any, login: Any) -> None:
    staff = login(cast["staff_a"])
    response = register(
        staff, estimated_price="12,000,000", contract_board_date="", review_requested="on"
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    review = SpecReview.objects.get()
    assert (review.mandatory, review.review_requested) == (False, True)
    assert open_task(review, SpecReviewFlow.review).owner == cast["reviewer"]


def test_a_mandatory_case_without_a_contract_board_date_is_refused(cast: Any, login: Any) -> None:
    response = register(login(cast["staff_a"]), contract_board_date="")
    assert response.status_code == 200
    assert services.BOARD_DATE_REQUIRED in response.content.decode()
    assert not SpecReview.objects.exists()


def test_governance_staff_cannot_register_a_procurement(cast: Any, login: Any) -> None:
    response = login(cast["reviewer"]).get(SpecReviewFlow.start.reverse("execute"))
    assert response.status_code == 403


def test_a_note_carried_from_an_earlier_round_is_a_draft_the_reviewer_must_confirm(
    cast: Any, login: Any, system: Any
) -> None:
    from forms.spec_review import CARRIED_NOTE_UNCONFIRMED
    from tests.spec_cases import decide_all_drafts

    staff, reviewer = login(cast["staff_a"]), login(cast["reviewer"])
    assert register(staff, system=system.pk).status_code == 302
    review = SpecReview.objects.get()
    decide_all_drafts(cast["reviewer"], review)
    services.add_finding(
        actor=cast["reviewer"],
        review=review,
        perspective=Perspective.SECURITY,
        text="ログの保存期間が定められていません。",
        requested_revision="明記してください。",
    )
    round_one = {
        **CHECKLIST_ALL_OK,
        "result_security": "issue",
        "note_security": "ログの保存期間の記載がない。",
        "decision": "returned",
    }
    task = open_task(review, SpecReviewFlow.review)
    assert reviewer.post(execute_url(task), round_one).status_code == 302
    [finding] = Finding.objects.filter(case=review)
    task = open_task(review, SpecReviewFlow.resubmit)
    response = staff.post(
        execute_url(task),
        {"spec_file": docx_upload(clean_spec(), "v2.docx"), f"answer_{finding.pk}": "修正済み"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    services.settle_finding(
        actor=cast["reviewer"],
        review=review,
        finding=finding,
        status=LedgerStatus.RESOLVED,
        resolution="第2版で確認",
    )

    # Round 2: the round-1 note comes back as a draft; left as it is, it is refused.
    task = open_task(review, SpecReviewFlow.review)
    page = reviewer.get(execute_url(task)).content.decode()
    assert "ログの保存期間の記載がない。" in page
    assert 'name="confirm_security"' in page
    round_two = {
        **CHECKLIST_ALL_OK,
        "note_security": "ログの保存期間の記載がない。",
        "decision": "to_approval",
    }
    response = reviewer.post(execute_url(task), round_two)
    assert response.status_code == 200
    assert str(CARRIED_NOTE_UNCONFIRMED) in response.content.decode()
    review.refresh_from_db()
    assert review.status == CaseStatus.UNDER_REVIEW

    # Rewritten for this round's verdict, it is accepted.
    round_two["note_security"] = "第2版で保存期間（1年）の記載を確認した。"
    assert reviewer.post(execute_url(task), round_two).status_code == 302
    review.refresh_from_db()
    assert review.status == CaseStatus.AWAITING_APPROVAL
    assert review.checklist.get(perspective="security").note.startswith("第2版で")


def test_each_action_on_the_reviewers_page_comes_back_to_the_row_it_acted_on(
    cast: Any, login: Any, system: Any
) -> None:
    # Issue 17 item 8: the ~5,500 px page jumped to the top after every accept or dismiss.
    staff, reviewer = login(cast["staff_a"]), login(cast["reviewer"])
    assert register(staff, system=system.pk).status_code == 302
    review = SpecReview.objects.get()
    url = execute_url(open_task(review, SpecReviewFlow.review))
    pending = list(
        SpecScanResult.objects.filter(version__review=review, status="pending").order_by("pk")
    )
    first, second, third = pending[:3]

    response = reviewer.post(
        url,
        {
            "action": "accept",
            "result": first.pk,
            "perspective": "neutrality",
            "text": first.suggested_text,
            "requested_revision": first.suggested_revision,
        },
    )
    finding = Finding.objects.get(case=review)
    assert response["Location"] == f"{url}#finding-{finding.pk}"
    page = reviewer.get(url).content.decode()
    assert f'id="finding-{finding.pk}"' in page

    # A dismissal comes back to the next draft still to decide.
    response = reviewer.post(url, {"action": "dismiss", "result": second.pk, "reason": "別紙"})
    assert response["Location"] == f"{url}#draft-{third.pk}"
    assert f'id="draft-{third.pk}"' in reviewer.get(url).content.decode()
    # A refused one comes back to its own draft, with the reason.
    response = reviewer.post(url, {"action": "dismiss", "result": third.pk, "reason": ""})
    assert response["Location"] == f"{url}#draft-{third.pk}"

    response = reviewer.post(
        url,
        {
            "action": "settle",
            "finding": finding.pk,
            "status": LedgerStatus.WAIVED,
            "resolution": "契約書で規定",
        },
    )
    assert response["Location"] == f"{url}#finding-{finding.pk}"
    # The findings table is laid out with column widths for reading.
    page = reviewer.get(url).content.decode()
    assert 'class="shinsa-table shinsa-findings"' in page
    assert '<col class="shinsa-col-text">' in page
    # Findings cannot be put in the department's 対応報告 state.
    assert 'value="reported"' not in page[page.index('id="spec-findings"') :]

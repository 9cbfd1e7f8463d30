"""Every decision page of the budget check and the spec review shows the case's files (opened
through the audited download), what changed on resubmission, the draft (案) of the document
the approval will issue, and the issued document once there is one."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest

from governance.models import BudgetCheck, EvidenceAccess
from tests import budget_support as support
from tests.factories import InformationSystemFactory
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(dept_a: Any) -> Any:
    return InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )


def _ok(client: Any, url: str, data: dict[str, Any]) -> None:
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def _upload(name: str, body: bytes = b"a,b\n1,2\n") -> io.BytesIO:
    upload = io.BytesIO(body)
    upload.name = name
    return upload


def _answer(check: BudgetCheck, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "answer": "内訳を添付します。",
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


def _resubmitted_check(cast: Any, login: Any, system: Any) -> BudgetCheck:
    """Requested with an estimate, sent back, answered with a new running cost and a file."""
    staff = login(cast["staff_a"])
    data = support.request_post(system)
    data["attachments"] = [_upload("見積.csv")]
    _ok(staff, BudgetCheckFlow.start.reverse("execute"), data)
    check = BudgetCheck.objects.get()
    support.step(
        check,
        BudgetCheckFlow.review,
        cast["reviewer"],
        {**_review_send_back(), "questions": "内訳を示してください。"},
    )
    task = support.open_task(check, BudgetCheckFlow.answer_questions)
    answer = _answer(check, running_cost="3,000,000")
    answer["attachments"] = [_upload("内訳.csv")]
    _ok(staff, support.execute_url(task), answer)
    return BudgetCheck.objects.get(pk=check.pk)


def _review_send_back() -> dict[str, Any]:
    from forms import budget as budget_forms

    return budget_forms.review_data(questions="内訳を示してください。")


def test_the_review_page_shows_the_files_and_what_the_department_changed_on_resubmission(
    cast: Any, login: Any, system: Any
) -> None:
    check = _resubmitted_check(cast, login, system)
    reviewer = login(cast["reviewer"])
    task = support.open_task(check, BudgetCheckFlow.review)
    page = reviewer.get(support.execute_url(task)).content.decode()
    assert 'id="desk-attachments"' in page
    assert "見積.csv" in page and "内訳.csv" in page
    rounds = page[page.index('id="desk-rounds"') :]
    assert "第2回の提出" in rounds
    assert "3,400,000" in rounds and "3,000,000" in rounds
    assert "追加された添付ファイル" in rounds
    added = rounds[rounds.index("追加された添付ファイル") :].split("</p>")[0]
    assert "内訳.csv" in added and "見積.csv" not in added


def test_opening_a_file_from_the_decision_page_is_recorded_as_evidence_seen(
    cast: Any, login: Any, system: Any
) -> None:
    check = _resubmitted_check(cast, login, system)
    check = support.drive_to_approval(check, cast["reviewer"])
    approver = login(cast["approver"])
    task = support.open_task(check, BudgetCheckFlow.approve)
    _ok(approver, support.assign_url(task), {})
    page = approver.get(support.execute_url(task)).content.decode()
    attachment = check.attachments.get(original_name="見積.csv")
    link = f"/home/attachments/{attachment.pk}/download/"
    assert link in page
    assert approver.get(link).status_code == 200
    assert EvidenceAccess.objects.filter(user=cast["approver"], attachment=attachment).exists()


def test_the_approval_page_shows_the_draft_document_marked_as_a_draft(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    approver = login(cast["approver"])
    task = support.open_task(check, BudgetCheckFlow.approve)
    _ok(approver, support.assign_url(task), {})
    page = approver.get(support.execute_url(task)).content.decode()
    preview = page[page.index('id="desk-preview"') :]
    assert "【案】" in preview
    assert "予算確認結果通知（技術的助言）" in preview
    assert "複数事業者から見積を取得すること" in preview
    assert "決裁後に付番" in preview

    response = approver.get(f"/home/cases/{check.pk}/preview/budget_check_result/")
    assert response.status_code == 200
    word = docx.Document(io.BytesIO(response.content))
    assert word.paragraphs[0].text == "【案】"


def test_the_department_may_not_read_the_draft_before_approval(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    staff = login(cast["staff_a"])
    response = staff.get(f"/home/cases/{check.pk}/preview/budget_check_result/")
    assert response.status_code == 403
    # Nor a template the case has no builder for.
    reviewer = login(cast["reviewer"])
    assert reviewer.get(f"/home/cases/{check.pk}/preview/nonexistent/").status_code == 404


def test_the_acknowledgement_page_links_the_issued_document(
    cast: Any, login: Any, system: Any, run_jobs: Any
) -> None:
    from forms import budget as budget_forms

    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    check = support.step(
        check, BudgetCheckFlow.approve, cast["approver"], budget_forms.approval_data()
    )
    run_jobs()
    staff = login(cast["staff_a"])
    task = support.open_task(check, BudgetCheckFlow.acknowledge)
    page = staff.get(support.execute_url(task)).content.decode()
    version = check.documents.get().versions.get()
    assert f'href="/home/documents/{version.pk}/download/"' in page
    assert 'id="desk-preview"' not in page


def test_the_spec_approval_page_shows_the_specification_versions_and_the_draft_result(
    cast: Any, login: Any, dept_a: Any
) -> None:
    from governance.models import Perspective, SpecReview
    from tests.spec_cases import decide_all_drafts, locked_in_system
    from tests.spec_docs import docx_upload, locked_in_spec, pdf_upload
    from workflows import driver
    from workflows.spec_review import SpecReviewFlow

    staff = login(cast["staff_a"])
    data = {
        "title": "税務システム再構築",
        "fiscal_year": "令和7",
        "procurement_type": "service",
        "estimated_price": "３６，０００，０００円",
        "contract_board_date": "令和7年10月1日",
        "spec_file": docx_upload(locked_in_spec()),
        "reference_file": pdf_upload(),
        "system": locked_in_system(dept_a).pk,
    }
    _ok(staff, SpecReviewFlow.start.reverse("execute"), data)
    review = SpecReview.objects.get()
    decide_all_drafts(cast["reviewer"], review)
    checklist = {f"result_{p.value}": "ok" for p in Perspective}
    assert review.process is not None
    driver.complete(
        review.process,
        SpecReviewFlow.review,
        user=cast["reviewer"],
        data={**checklist, "decision": "to_approval", "comment": ""},
    )
    approver = login(cast["approver"])
    task = review.process.task_set.get(flow_task=SpecReviewFlow.approve)
    _ok(approver, str(task.flow_task.reverse("assign", args=[task.process_id, task.pk])), {})
    url = str(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))
    page = approver.get(url).content.decode()
    attachments = page[page.index('id="desk-attachments"') :]
    assert "仕様書.docx" in attachments and "参考図面.pdf" in attachments
    preview = page[page.index('id="desk-preview"') :]
    assert "【案】" in preview and "仕様書確認結果" in preview


def test_a_person_changed_on_resubmission_is_shown_by_name_not_by_id(
    cast: Any, login: Any, system: Any
) -> None:
    from django.db import transaction

    from governance.audit.services import record_event
    from governance.decisions.desk import round_changes

    check = _resubmitted_check(cast, login, system)
    with transaction.atomic():
        record_event(
            actor=cast["staff_a"],
            action="budget_check.resubmit",
            obj=check,
            changes={"reviewer": [None, cast["approver"].pk]},
        )
    newest = round_changes(cast["reviewer"], check)[0]
    (row,) = [
        row
        for row in newest.fields
        if row.label == str(check._meta.get_field("reviewer").verbose_name)
    ]
    assert row.value == cast["approver"].label

"""A consultation moves from department to liaison and back, over HTTP, as often as the
department asks again, until the department says it is resolved."""

from __future__ import annotations

from typing import Any

import pytest
from viewflow.workflow.status import STATUS

from governance.models import AuditEvent, CaseMessage, CaseStatus, Consultation
from workflows.consultation import ConsultationFlow

pytestmark = pytest.mark.django_db


def _open_task(case: Consultation, node: Any) -> Any:
    assert case.process is not None
    return case.process.task_set.get(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def test_department_opens_and_liaison_answers(cast: Any, login: Any) -> None:
    staff = login(cast["staff_a"])
    url = ConsultationFlow.start.reverse("execute")
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"title": "クラウド移行の相談", "question": "手順を教えてください"})
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get()
    assert consultation.status == CaseStatus.SUBMITTED

    reviewer = login(cast["reviewer"])
    home = reviewer.get("/home/")
    assert consultation.number in home.content.decode()
    task = _open_task(consultation, ConsultationFlow.answer)
    assert task.owner == cast["reviewer"]
    answer_url = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
    response = reviewer.post(answer_url, {"answer": "まずは現行構成を整理してください。"})
    assert response.status_code == 302, response.content.decode()[:3000]
    consultation.refresh_from_db()
    assert consultation.status == CaseStatus.AWAITING_ACKNOWLEDGEMENT

    task = _open_task(consultation, ConsultationFlow.close)
    close_url = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
    response = staff.post(close_url, {"resolved": "yes"})
    assert response.status_code == 302, response.content.decode()[:3000]
    consultation.refresh_from_db()
    assert consultation.status == CaseStatus.CLOSED
    assert consultation.process is not None
    consultation.process.refresh_from_db()
    assert consultation.process.status == "DONE"

    page = staff.get(f"/home/cases/{consultation.pk}/", follow=True)
    assert page.status_code == 200
    assert "consultation.close" in page.content.decode()

    outsider = login(cast["staff_b"])
    assert outsider.get(f"/home/cases/{consultation.pk}/").status_code == 404


def _execute_url(task: Any) -> str:
    return str(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


def test_an_unresolved_answer_goes_back_to_the_liaison_with_the_follow_up_question(
    cast: Any, login: Any
) -> None:
    staff, reviewer = login(cast["staff_a"]), login(cast["reviewer"])
    staff.post(
        ConsultationFlow.start.reverse("execute"),
        {"title": "クラウド移行の相談", "question": "手順を教えてください"},
    )
    consultation = Consultation.objects.get()
    first_answer = _open_task(consultation, ConsultationFlow.answer)
    reviewer.post(_execute_url(first_answer), {"answer": "現行構成を整理してください。"})
    close = _open_task(consultation, ConsultationFlow.close)

    # An empty follow-up is refused on the page and the task stays with the department.
    response = staff.post(_execute_url(close), {"resolved": "no", "follow_up": "　"})
    assert response.status_code == 200
    assert "追加の質問を入力してください。" in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.status == CaseStatus.AWAITING_ACKNOWLEDGEMENT
    assert _open_task(consultation, ConsultationFlow.close).pk == close.pk
    assert not AuditEvent.objects.filter(action="consultation.follow_up").exists()

    # Another department cannot answer for them.
    follow_up = {"resolved": "no", "follow_up": "移行先の選定基準も教えてください"}
    assert login(cast["staff_b"]).post(_execute_url(close), follow_up).status_code == 403

    response = staff.post(_execute_url(close), follow_up)
    assert response.status_code == 302, response.content.decode()[:3000]
    consultation.refresh_from_db()
    assert consultation.status == CaseStatus.UNDER_REVIEW
    assert not consultation.resolved
    second_answer = _open_task(consultation, ConsultationFlow.answer)
    assert second_answer.pk != first_answer.pk
    assert second_answer.owner == cast["reviewer"]  # back to the liaison of department A
    assert list(
        CaseMessage.objects.filter(case=consultation).order_by("pk").values_list("kind", "body")
    ) == [
        (CaseMessage.Kind.QUESTION, "手順を教えてください"),
        (CaseMessage.Kind.ANSWER, "現行構成を整理してください。"),
        (CaseMessage.Kind.QUESTION, "移行先の選定基準も教えてください"),
    ]
    event = AuditEvent.objects.get(action="consultation.follow_up")
    assert event.actor == cast["staff_a"]
    assert consultation.number in reviewer.get("/home/").content.decode()

    # The liaison answers again; this time the department is satisfied and the case closes.
    reviewer.post(_execute_url(second_answer), {"answer": "費用と移行容易性で比較します。"})
    staff.post(_execute_url(_open_task(consultation, ConsultationFlow.close)), {"resolved": "yes"})
    consultation.refresh_from_db()
    assert (consultation.status, consultation.resolved) == (CaseStatus.CLOSED, True)
    assert consultation.process is not None
    consultation.process.refresh_from_db()
    assert consultation.process.status == "DONE"
    assert consultation.process.task_set.filter(flow_task=ConsultationFlow.answer).count() == 2
    assert consultation.process.task_set.filter(flow_task=ConsultationFlow.close).count() == 2


def test_the_department_says_what_the_consultation_is_about(cast: Any, login: Any) -> None:
    """The annual report counts consultations by type: the form asks for it; left empty it
    is その他, and an unknown value is refused with nothing saved."""
    staff = login(cast["staff_a"])
    url = ConsultationFlow.start.reverse("execute")
    assert "相談の分類" in staff.get(url).content.decode()
    refused = staff.post(url, {"title": "x", "question": "y", "topic": "nonsense"})
    assert refused.status_code == 200 and not Consultation.objects.exists()
    staff.post(url, {"title": "クラウド移行", "question": "手順は", "topic": "external_service"})
    staff.post(url, {"title": "その他の相談", "question": "質問"})
    topics = dict(Consultation.objects.values_list("title", "topic"))
    assert topics == {"クラウド移行": "external_service", "その他の相談": "other"}

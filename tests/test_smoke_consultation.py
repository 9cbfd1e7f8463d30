"""A consultation moves from department to liaison and back, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from viewflow.workflow.status import STATUS

from governance.models import CaseStatus, Consultation
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

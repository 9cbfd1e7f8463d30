"""Taking a task, giving it back, and cancelling a step or a whole process are recorded in the
audit chain in the same transaction as the change; a cancelled case is withdrawn."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from viewflow.workflow.status import PROCESS, STATUS

from forms import budget as budget_forms
from governance.audit.services import verify_chain
from governance.models import AuditEvent, BudgetCheck, CaseStatus, Consultation, User
from tests import budget_support as support
from tests.factories import InformationSystemFactory
from workflows.budget_check import BudgetCheckFlow
from workflows.consultation import ConsultationFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(cast: dict[str, User], login: Any) -> Consultation:
    """A consultation of department A; its answer step is held by the liaison ``reviewer``."""
    response = login(cast["staff_a"]).post(
        ConsultationFlow.start.reverse("execute"), {"title": "移行の相談", "question": "手順は"}
    )
    assert response.status_code == 302
    return Consultation.objects.get()


def open_task(case: Any) -> Any:
    return case.process.task_set.get(status__in=[STATUS.NEW, STATUS.ASSIGNED])


def task_url(task: Any, name: str) -> str:
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def superuser() -> User:
    return User.objects.create_superuser("root-admin", "root@example.jp", "x")


def test_giving_a_task_back_and_taking_it_from_the_queue_are_audited(
    consultation: Consultation, cast: dict[str, User], login: Any
) -> None:
    task = open_task(consultation)
    response = login(cast["reviewer"]).post(task_url(task, "unassign"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.owner, task.status) == (None, STATUS.NEW)
    [given_back] = events("task.unassign")
    assert given_back.actor == cast["reviewer"]
    assert given_back.case_id == consultation.pk
    assert given_back.changes["owner"] == ["reviewer", None]
    assert given_back.object_type == "workflows.casetask"
    assert given_back.object_id == str(task.pk)

    other = login(cast["reviewer2"])
    assert consultation.number in other.get("/home/").content.decode()  # in their queue
    response = other.get(task_url(task, "index"))  # the queue's link leads to "assign"
    assert response["Location"] == task_url(task, "assign")
    assert other.post(task_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert task.owner == cast["reviewer2"]
    [taken] = events("task.assign")
    assert taken.actor == cast["reviewer2"]
    assert taken.changes["owner"] == [None, "reviewer2"]
    assert taken.changes["task"] == [None, f"回答 #{task.pk}"]
    assert verify_chain().ok


def test_taking_and_giving_back_in_bulk_are_audited_per_task(
    consultation: Consultation, cast: dict[str, User], login: Any
) -> None:
    task = open_task(consultation)
    reviewer = login(cast["reviewer"])
    flow = ConsultationFlow.instance
    response = reviewer.post(flow.reverse("tasks_unassign"), {"pk": [task.pk], "_confirm": "1"})
    assert response.status_code == 302
    other = login(cast["reviewer2"])
    response = other.post(flow.reverse("tasks_assign"), {"pk": [task.pk], "_confirm": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == cast["reviewer2"]
    assert [(e.actor, e.changes["owner"]) for e in events("task.unassign")] == [
        (cast["reviewer"], ["reviewer", None])
    ]
    assert [(e.actor, e.changes["owner"]) for e in events("task.assign")] == [
        (cast["reviewer2"], [None, "reviewer2"])
    ]


def test_a_superuser_taking_a_task_away_from_its_holder_is_audited(
    consultation: Consultation, login: Any
) -> None:
    task = open_task(consultation)
    root = superuser()
    assert login(root).post(task_url(task, "unassign")).status_code == 302
    [event] = events("task.unassign")
    assert event.actor == root
    assert event.changes["owner"] == ["reviewer", None]


def test_a_refused_assignment_changes_nothing_and_records_nothing(
    consultation: Consultation, cast: dict[str, User], login: Any
) -> None:
    task = open_task(consultation)
    login(cast["reviewer"]).post(task_url(task, "unassign"))
    before = AuditEvent.objects.count()
    for outsider in ("staff_b", "auditor"):
        response = login(cast[outsider]).post(task_url(task, "assign"))
        assert response.status_code in (403, 404), outsider
    task.refresh_from_db()
    assert task.owner is None
    assert AuditEvent.objects.count() == before


def test_an_assignment_whose_event_cannot_be_recorded_does_not_happen(
    consultation: Consultation, cast: dict[str, User], login: Any, monkeypatch: Any
) -> None:
    task = open_task(consultation)
    client = login(cast["reviewer"])

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the audit chain is unavailable")

    monkeypatch.setattr("governance.cases.services.flow_actions.record_event", broken)
    with pytest.raises(RuntimeError):
        client.post(task_url(task, "unassign"))
    task.refresh_from_db()
    assert task.owner == cast["reviewer"]


def test_a_superuser_cancelling_a_returned_budget_check_withdraws_it_and_is_audited(
    cast: dict[str, User], dept_a: Any, login: Any
) -> None:
    reviewer = cast["reviewer"]
    check = support.start(cast["staff_a"], InformationSystemFactory.create(department=dept_a))
    check = support.step(
        check,
        BudgetCheckFlow.review,
        reviewer,
        budget_forms.review_data(questions="見積の根拠は？"),
    )
    assert check.status == CaseStatus.RETURNED
    root = superuser()
    url = BudgetCheckFlow.instance.reverse("process_cancel", args=[check.process_id])
    response = login(root).post(url, {"_cancel_process": "1"})
    assert response.status_code == 302

    check = BudgetCheck.objects.get(pk=check.pk)
    assert check.status == CaseStatus.WITHDRAWN
    assert check.closed_at is not None
    assert check.process is not None
    assert check.process.status == PROCESS.CANCELED
    assert not check.process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()
    [event] = events("case.cancel")
    assert event.actor == root
    assert event.case_id == check.pk
    assert event.changes["status"] == [CaseStatus.RETURNED, CaseStatus.WITHDRAWN]
    assert event.changes["process"] == [PROCESS.NEW, PROCESS.CANCELED]
    assert event.changes["open_tasks"][0] == [
        f"質問への回答 #{check.process.task_set.get(flow_task=BudgetCheckFlow.answer_questions).pk}"
    ]
    assert verify_chain().ok


def test_a_cancellation_whose_event_cannot_be_recorded_does_not_happen(
    consultation: Consultation, login: Any, monkeypatch: Any
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the audit chain is unavailable")

    monkeypatch.setattr("governance.cases.services.record_event", broken)
    url = ConsultationFlow.instance.reverse("process_cancel", args=[consultation.process_id])
    with pytest.raises(RuntimeError):
        login(superuser()).post(url, {"_cancel_process": "1"})
    consultation.refresh_from_db()
    assert consultation.status == CaseStatus.SUBMITTED
    assert consultation.process is not None
    consultation.process.refresh_from_db()
    assert consultation.process.status == PROCESS.NEW
    assert open_task(consultation).status == STATUS.ASSIGNED


def test_cancelling_a_process_is_refused_to_the_reviewer_and_records_nothing(
    consultation: Consultation, cast: dict[str, User], login: Any
) -> None:
    url = ConsultationFlow.instance.reverse("process_cancel", args=[consultation.process_id])
    before = AuditEvent.objects.count()
    response = login(cast["reviewer"]).post(url, {"_cancel_process": "1"})
    assert response.status_code == 403
    consultation.refresh_from_db()
    assert consultation.status == CaseStatus.SUBMITTED
    assert AuditEvent.objects.count() == before


def test_a_superuser_cancelling_one_step_is_audited(consultation: Consultation, login: Any) -> None:
    task = open_task(consultation)
    root = superuser()
    client: Client = login(root)
    assert client.post(task_url(task, "cancel")).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED
    [event] = events("task.cancel")
    assert event.actor == root
    assert event.changes["status"] == [STATUS.ASSIGNED, STATUS.CANCELED]

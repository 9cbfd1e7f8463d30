"""An incident goes from a department report through triage, handling and a four-eyes closure
(a CSIRT lead who did not handle it, and the CISO for L3+), refusing to close while guards fail."""

from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from governance.incidents import services
from governance.incidents.services.closure import OPEN_TASKS
from governance.models import AuditEvent, Deadline, Incident, Phase
from governance.permissions import HANDLER_CANNOT_REVIEW
from tests.incidents_support import (
    csirt_cast,
    finish_tasks,
    promote,
    report,
    settle_obligations,
    triage,
)
from workflows import driver
from workflows.driver import StepRefused
from workflows.incident import IncidentFlow

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db


def _closure_data(**extra: str) -> dict[str, str]:
    return {
        "resolution": "true_positive",
        "root_cause": "添付ファイルの開封",
        "recurrence_prevention": "訓練の追加",
        "lessons_learned": "通報が早かった",
        **extra,
    }


def test_an_l3_incident_is_closed_only_by_a_second_lead_and_the_ciso(csirt_cast, dept_a) -> None:
    people = csirt_cast
    event = report(people["staff_a"])
    incident = promote(people["csirt"], [event], department=dept_a)
    assert incident.number.startswith("IN-") and incident.events.get() == event
    incident = triage(
        people["csirt"],
        incident,
        category="targeted_mail",
        functional_impact="high",
        activity_stage="completed",
    )
    assert incident.severity == "L3" and incident.handler == people["csirt"]
    assert incident.tasks.count() >= 4
    assert set(Deadline.objects.filter(case=incident).values_list("kind", flat=True)) >= {
        "triage_response",
        "containment",
        "ciso_ack",
    }
    services.add_observable(
        actor=people["csirt"], incident=incident, type="url", value="hxxps://Evil[.]example/x"
    )
    services.move_phase(actor=people["csirt"], incident=incident, phase="analysis")
    services.move_phase(actor=people["csirt"], incident=incident, phase="containment")
    services.move_phase(actor=people["csirt"], incident=incident, phase="eradication")
    with pytest.raises(StepRefused) as refused:
        driver.complete(
            incident.process, IncidentFlow.handle, user=people["csirt"], data=_closure_data()
        )
    count = incident.tasks.exclude(status__in=["done", "cancelled"]).count()
    assert OPEN_TASKS.format(count=count) in str(refused.value)
    finish_tasks(people["csirt"], incident)
    services.acknowledge(actor=people["ciso"], incident=incident)
    settle_obligations(people["csirt"], people["ciso"], incident)
    driver.complete(
        incident.process, IncidentFlow.handle, user=people["csirt"], data=_closure_data()
    )
    incident.refresh_from_db()
    assert incident.closure_requested and incident.phase == Phase.ERADICATION
    driver.complete(
        incident.process,
        IncidentFlow.closure_review,
        user=people["lead"],
        data={"decision": "approve"},
    )
    driver.complete(
        incident.process,
        IncidentFlow.ciso_closure,
        user=people["ciso"],
        data={"decision": "approve"},
    )
    incident.refresh_from_db()
    assert incident.phase == Phase.CLOSED and incident.status == "closed"
    assert incident.process is not None and incident.process.status == STATUS.DONE


def test_the_handler_lead_cannot_review_the_closure_of_their_own_incident(
    csirt_cast, dept_a
) -> None:
    people = csirt_cast
    incident = promote(people["lead"], [report(people["staff_a"])], department=dept_a)
    incident = triage(people["lead"], incident, category="other")
    assert incident.severity == "L1" and incident.handler == people["lead"]
    finish_tasks(people["lead"], incident)
    driver.complete(
        incident.process,
        IncidentFlow.handle,
        user=people["lead"],
        data={"resolution": "false_positive"},
    )
    incident.refresh_from_db()
    with pytest.raises(services.closure.permissions.PermissionDenied) as denied:
        services.review_closure(actor=people["lead"], incident=incident, approve=True)
    assert HANDLER_CANNOT_REVIEW in str(denied.value)
    driver.complete(
        incident.process,
        IncidentFlow.closure_review,
        user=people["lead2"],
        data={"decision": "approve"},
    )
    incident.refresh_from_db()
    assert incident.phase == Phase.CLOSED
    assert incident.process is not None and incident.process.status == STATUS.DONE


def test_reopening_creates_a_linked_incident_and_never_writes_to_the_closed_one(
    csirt_cast, dept_a
) -> None:
    people = csirt_cast
    incident = promote(people["csirt"], [report(people["staff_a"])], department=dept_a)
    incident = triage(people["csirt"], incident, category="other")
    services.add_observable(
        actor=people["csirt"], incident=incident, type="ip", value="192.0.2[.]1"
    )
    finish_tasks(people["csirt"], incident)
    driver.complete(
        incident.process,
        IncidentFlow.handle,
        user=people["csirt"],
        data={"resolution": "true_positive"},
    )
    driver.complete(
        incident.process,
        IncidentFlow.closure_review,
        user=people["lead"],
        data={"decision": "approve"},
    )
    incident.refresh_from_db()
    before = AuditEvent.objects.filter(case_id=incident.pk).count()
    snapshot = Incident.objects.filter(pk=incident.pk).values().get()
    process = driver.start(
        IncidentFlow,
        user=people["lead"],
        data={
            "title": "再発",
            "department": dept_a.pk,
            "category": "other",
            "follow_up_of": incident.pk,
            "reason": "同じ送信元から再度",
        },
    )
    follow = Incident.objects.get(process=process)
    assert follow.follow_up_of == incident and follow.number != incident.number
    assert list(follow.observables.values_list("value", flat=True)) == ["192.0.2.1"]
    assert AuditEvent.objects.filter(case_id=incident.pk).count() == before
    assert Incident.objects.filter(pk=incident.pk).values().get() == snapshot


def test_a_dismissal_with_personal_data_is_confirmed_by_another_lead(csirt_cast, dept_a) -> None:
    people = csirt_cast
    event = report(people["staff_a"], personal_data="yes", persons="3")
    incident = promote(people["lead"], [event], department=dept_a)
    incident = triage(
        people["lead"], incident, category="misdelivery_email", dismiss_reason="benign"
    )
    assert incident.phase == Phase.TRIAGE and incident.pd_involved == "yes"
    task = driver.open_task(incident.process, IncidentFlow.confirm_dismissal)
    assert not IncidentFlow.confirm_dismissal.can_assign(people["lead"], task)
    driver.complete(
        incident.process,
        IncidentFlow.confirm_dismissal,
        user=people["lead2"],
        data={"decision": "approve"},
    )
    incident.refresh_from_db()
    assert incident.phase == Phase.DISMISSED and incident.status == "closed"


def test_a_dismissal_without_personal_data_ends_at_triage(csirt_cast, dept_a) -> None:
    people = csirt_cast
    event = report(people["staff_a"], personal_data="no")
    incident = promote(people["csirt"], [event], department=dept_a)
    incident = triage(people["csirt"], incident, category="other", dismiss_reason="false_positive")
    assert incident.phase == Phase.DISMISSED
    assert incident.process is not None and incident.process.status == STATUS.DONE

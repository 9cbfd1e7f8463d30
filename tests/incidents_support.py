"""The CSIRT cast and helpers that drive incidents through the real flow pages."""

from __future__ import annotations

from typing import Any

import pytest

from forms.incidents import triage_data
from governance.incidents import services
from governance.models import Department, Incident, SecurityEvent, User
from governance.roles import Role
from tests.factories import make_user
from workflows import driver
from workflows.incident import IncidentFlow


@pytest.fixture
def csirt_cast(cast: dict[str, User]) -> dict[str, User]:
    people = dict(cast)
    people.update(
        csirt2=make_user("csirt2", Role.CSIRT_MEMBER),
        lead=make_user("lead", Role.CSIRT_LEAD),
        lead2=make_user("lead2", Role.CSIRT_LEAD),
        ciso=make_user("ciso", Role.CISO),
    )
    # A lead who also handles incidents holds the member role too.
    from django.contrib.auth.models import Group

    people["lead"].groups.add(Group.objects.get(name=Role.CSIRT_MEMBER))
    return people


def report(user: User, what: str = "不審なメールを開いてしまった", **extra: Any) -> SecurityEvent:
    return services.submit_department_report(actor=user, what=what, **extra)


def promote(
    user: User, events: list[SecurityEvent], *, department: Department, title: str = "事案"
) -> Incident:
    process = driver.start(
        IncidentFlow,
        user=user,
        data={
            "title": title,
            "department": department.pk,
            "category": "other",
            "events": ",".join(str(e.pk) for e in events),
        },
    )
    return Incident.objects.get(process=process)


def triage(user: User, incident: Incident, **kwargs: Any) -> Incident:
    driver.complete(incident.process, IncidentFlow.triage, user=user, data=triage_data(**kwargs))
    return Incident.objects.get(pk=incident.pk)


def finish_tasks(user: User, incident: Incident) -> None:
    for task in incident.tasks.exclude(status__in=["done", "cancelled"]):
        services.set_task_status(actor=user, task=task, status="done", result="済")


def settle_obligations(csirt: User, approver: User, incident: Incident) -> None:
    """Every pending obligation with a clock settled (the 公表 decision decided by
    ``approver``, the rest reported in one submission, approved), so the closure guards let the
    incident close."""
    from django.utils import timezone

    from governance.incidents.obligations.publication import decide_publication
    from governance.incidents.obligations.submissions import submit_and_approve

    pending = list(incident.obligations.filter(status="pending", deadline__isnull=False))
    if any(o.recipient == "publication_decision" for o in pending):
        decide_publication(
            actor=approver, incident=incident, choice="not_publish", reason="試験のため公表しない"
        )
        pending = [o for o in pending if o.recipient != "publication_decision"]
    if pending:
        submit_and_approve(
            actor=csirt,
            approver=approver,
            incident=incident,
            obligations=pending,
            submitted_at=timezone.now(),
            method="email",
            reference="TEST-1",
        )


def _l3_reviewed(
    csirt: User, lead: User, ciso: User, department: Department, title: str
) -> Incident:
    """An L3 incident handled to the end and approved by a lead: the CISO's turn."""
    incident = promote(csirt, [], department=department, title=title)
    incident = triage(
        csirt,
        incident,
        category="targeted_mail",
        functional_impact="high",
        activity_stage="completed",
    )
    for phase in ("analysis", "containment", "eradication"):
        services.move_phase(actor=csirt, incident=incident, phase=phase)
    finish_tasks(csirt, incident)
    services.acknowledge(actor=ciso, incident=incident)
    settle_obligations(csirt, ciso, incident)
    closure = {
        "resolution": "true_positive",
        "root_cause": "添付ファイルの開封",
        "recurrence_prevention": "訓練の追加",
        "lessons_learned": "通報が早かった",
    }
    driver.complete(incident.process, IncidentFlow.handle, user=csirt, data=closure)
    driver.complete(
        incident.process, IncidentFlow.closure_review, user=lead, data={"decision": "approve"}
    )
    return Incident.objects.get(pk=incident.pk)


def _dismissed(csirt: User, staff: User, department: Department, what: str) -> Incident:
    """Triaged as 対象外 with personal data involved: a lead must confirm it."""
    event = report(staff, what=what, personal_data="yes", persons="3")
    incident = promote(csirt, [event], department=department, title=what)
    return triage(csirt, incident, category="misdelivery_email", dismiss_reason="benign")


def incident_stages(
    *,
    staff: User,
    csirt: User,
    lead: User,
    red_handler: User,
    ciso: User,
    department: Department,
    prefix: str = "",
) -> dict[str, Any]:
    """For the page tours: an incident waiting at each human node of the flow, others past
    every gateway, one TLP:RED that names only ``red_handler`` (another CSIRT member), and a
    reported event left in the queue. ``prefix`` marks their titles (the matrix's MXA/MXB)."""
    made: dict[str, Any] = {"event": report(staff, what=f"{prefix}不審なメールを開いた")}
    at_triage = promote(csirt, [report(staff, what=f"{prefix}別件の通報")], department=department)
    made["at_triage"] = at_triage
    # L3: reviewed by a lead, waiting for the CISO; another one approved by the CISO.
    made["at_ciso"] = _l3_reviewed(csirt, lead, ciso, department, f"{prefix}標的型メールの開封")
    # Escalated to the CISO, not yet acknowledged (the page's escalation panel has a row).
    from governance.incidents.escalation.services import escalate_incident
    from governance.models import EscalationLevel

    escalate_incident(
        actor=csirt,
        incident=made["at_ciso"],
        level=EscalationLevel.objects.get(code="ciso"),
        reason="複数部局への拡大のおそれ",
    )
    approved = _l3_reviewed(csirt, lead, ciso, department, f"{prefix}不正ログイン")
    driver.complete(
        approved.process, IncidentFlow.ciso_closure, user=ciso, data={"decision": "approve"}
    )
    made["closed_l3"] = Incident.objects.get(pk=approved.pk)
    # L1 in handling, and one closed after a lead's review.
    made["handling"] = triage(
        csirt,
        promote(csirt, [], department=department, title=f"{prefix}不審な通信"),
        category="other",
    )
    closed = triage(
        csirt, promote(csirt, [], department=department, title=f"{prefix}誤検知"), category="other"
    )
    finish_tasks(csirt, closed)
    driver.complete(
        closed.process, IncidentFlow.handle, user=csirt, data={"resolution": "false_positive"}
    )
    driver.complete(
        closed.process, IncidentFlow.closure_review, user=lead, data={"decision": "approve"}
    )
    made["closed"] = Incident.objects.get(pk=closed.pk)
    # Dismissals with personal data: one waiting for a lead, one confirmed.
    made["at_dismissal"] = _dismissed(csirt, staff, department, f"{prefix}メールの誤送信")
    confirmed = _dismissed(csirt, staff, department, f"{prefix}書類の誤送付")
    driver.complete(
        confirmed.process, IncidentFlow.confirm_dismissal, user=lead, data={"decision": "approve"}
    )
    made["dismissed"] = Incident.objects.get(pk=confirmed.pk)
    # TLP:RED, naming no one but its handler.
    red = triage(
        red_handler,
        promote(red_handler, [], department=department, title=f"{prefix}極秘の侵害"),
        category="unauthorized_access",
        tlp="red",
    )
    made["red"] = red
    return made

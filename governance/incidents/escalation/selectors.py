"""The escalation panel of the incident page: three queries whatever the number of rows."""

from __future__ import annotations

from typing import Any

from governance import permissions
from governance.clocks import schedule
from governance.incidents.escalation.models import Escalation, EscalationLevel
from governance.incidents.escalation.services import ESCALATING_ROLES, may_request
from governance.models import Deadline, DeadlineKind, Incident
from governance.roles import Role


def escalations_panel(user: Any, incident: Incident) -> dict[str, Any]:
    if not permissions.can_view_case(user, incident):
        return {"escalation_rows": [], "escalation_levels": []}
    escalations = list(
        Escalation.objects.filter(incident=incident)
        .select_related("level", "raised_by", "acknowledged_by")
        .order_by("raised_at", "pk")
    )
    clocks = {
        deadline.subject_id: deadline
        for deadline in Deadline.objects.filter(
            case_id=incident.pk, kind=DeadlineKind.ESCALATION_ACK
        )
    }
    levels = list(EscalationLevel.objects.filter(active=True).order_by("order"))
    roles = dict(Role.choices)
    rows = []
    for escalation in escalations:
        deadline = clocks.get(str(escalation.pk))
        rows.append(
            {
                "escalation": escalation,
                "deadline": deadline,
                "due_text": schedule.format_due(deadline.due_at) if deadline else "",
                "overdue": deadline is not None and deadline.status == "missed",
                "roles": "、".join(
                    str(roles.get(role, role)) for role in escalation.level.notify_roles
                ),
                "can_ack": escalation.acknowledged_at is None
                and permissions.has_role(user, *escalation.level.notify_roles),
            }
        )
    can_escalate = permissions.has_role(user, *ESCALATING_ROLES) and incident.phase not in (
        "closed",
        "dismissed",
    )
    return {
        "escalation_rows": rows,
        "escalation_levels": levels,
        "can_escalate": can_escalate and incident.merged_into_id is None,
    }


def my_requests(user: Any, incident: Incident | None) -> dict[str, Any]:
    """The department's side: its own escalation requests on the incident (acknowledged or
    not) and whether it may ask (one query, two when it may)."""
    if incident is None or not may_request(user, incident):
        return {"can_request_escalation": False, "my_escalations": []}
    return {
        "can_request_escalation": incident.phase not in ("closed", "dismissed")
        and incident.merged_into_id is None,
        "my_escalations": list(
            Escalation.objects.filter(incident=incident, raised_by=user.pk)
            .select_related("level", "acknowledged_by")
            .order_by("raised_at", "pk")
        ),
    }

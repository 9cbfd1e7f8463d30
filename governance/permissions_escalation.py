"""Who reads an incident because it was escalated to them (the 知事・副知事, NEXT_WAVE §B.6 row
9): part of the rules of ``governance.permissions``, which asks this module (this module asks
nobody)."""

from __future__ import annotations

from django.db.models import Q

from governance.models import CaseKind, Escalation, EscalationLevel
from governance.roles import Role

#: Roles that read an incident only once it is escalated to a level that tells them, whatever
#: its TLP: the escalation names them as its recipients.
ESCALATION_READER_ROLES = (Role.TOP_EXECUTIVE,)


def escalated_q(held: frozenset[str] | set[str], prefix: str = "") -> Q | None:
    """Incidents escalated to a level whose notified roles include one of ``held`` (the
    escalation readers' roles the user holds); None when no level tells them."""
    levels = [
        level.pk
        for level in EscalationLevel.objects.only("pk", "notify_roles")
        if set(held) & set(level.notify_roles or ())
    ]
    if not levels:
        return None
    escalated = Escalation.objects.filter(level_id__in=levels).values("incident_id")
    return Q(**{f"{prefix}kind": CaseKind.INCIDENT, f"{prefix}pk__in": escalated})

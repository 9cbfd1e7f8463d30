"""Who may report, ingest, triage and open security events, and when opening an incident is
itself on the record (TLP 2.0, NEXT_WAVE §B.7, §B.8).

The case-level rules of incidents stay in ``governance.permissions`` beside the other kinds,
because every list of cases filters through them: a TLP:RED incident is seen only by its named
members, the CSIRT lead, the CISO and auditors (``incident_tlp_q``); the closure reviewer is not
the handler and a dismissal's confirmer not its triager (``incident_segregation_error``).
Reporters see their own reports only; administrators see no incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from governance.permissions import (
    has_role,
    incident_tlp_q,
    is_auditor,
    is_csirt,
    is_department_staff,
    may_act,
    reads_red,
)
from governance.roles import Role

if TYPE_CHECKING:
    from governance.permissions import AnyUser


def is_restricted_view(user: AnyUser | None, incident: Any) -> bool:
    """Whether showing this incident's content to ``user`` is itself an audit event: TLP:RED
    read by an auditor or a superuser, who are not named on it."""
    return bool(
        incident.tlp == "red"
        and user is not None
        and (is_auditor(user) or getattr(user, "is_superuser", False))
    )


def can_report_event(user: AnyUser | None) -> bool:
    """Department staff report what they saw; CSIRT roles also enter reports by hand."""
    return may_act(user) and (is_department_staff(user) or is_csirt(user))


def can_triage_events(user: AnyUser | None) -> bool:
    """CSIRT members and the lead work the queue; the CISO decides, not triages."""
    return may_act(user) and has_role(user, Role.CSIRT_MEMBER, Role.CSIRT_LEAD)


def can_ingest_events(user: AnyUser | None) -> bool:
    """Machine intake (mail, the coming API): the CSIRT's workers and integration accounts."""
    return may_act(user) and has_role(user, Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.INTEGRATION)


def event_visibility_q(user: AnyUser | None) -> Q:
    """Events ``user`` may open: CSIRT roles (they triage them) and auditors every one, except
    that an event promoted into a TLP:RED incident follows the incident; reporters their own."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    own = Q(reports__user=user.pk)
    if reads_red(user):
        return Q(pk__isnull=False)
    return (incident_tlp_q(user, "incident__") | own) if is_csirt(user) else own

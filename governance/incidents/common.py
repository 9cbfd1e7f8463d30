"""What every incident service needs, the obligations' and escalation's included: who acts
(``require_csirt``), who hears (``csirt_people``) and the automatic timeline entry. Kept
outside ``governance.incidents.services`` so that the obligations, which that package calls,
may use them without importing it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from governance import permissions
from governance.japanese import in_japanese
from governance.models import Incident, TimelineEntry, User
from governance.roles import Role


def require_csirt(actor: Any, incident: Incident, *roles: str) -> None:
    """The actor acts on the incident in one of ``roles`` (default: any CSIRT role that
    handles) and may see it (TLP)."""
    roles = roles or (Role.CSIRT_MEMBER, Role.CSIRT_LEAD)
    errors = [permissions.acting_error(actor, incident, role) for role in roles]
    if None not in errors:
        held = [e for e in errors if e is not None and e != permissions.NOT_ALLOWED]
        permissions.require(False, held[0] if held else permissions.NOT_ALLOWED)
    permissions.require(permissions.can_view_case(actor, incident))


def write_timeline(
    *,
    incident: Incident,
    actor: Any,
    kind: str,
    text: str,
    at: dt.datetime | None = None,
    task: Any = None,
) -> TimelineEntry:
    """An automatic timeline entry (Japanese whatever the actor's language)."""
    with in_japanese():
        return TimelineEntry.objects.create(
            incident=incident,
            at=at or timezone.now(),
            kind=kind,
            text=str(text),
            actor=actor if getattr(actor, "pk", None) else None,
            task=task,
        )


def csirt_people(*roles: str) -> list[User]:
    """Active holders of ``roles`` (default: CSIRT members and leads), for notices."""
    names = roles or (Role.CSIRT_MEMBER, Role.CSIRT_LEAD)
    return list(User.objects.filter(groups__name__in=names, is_active=True).distinct())

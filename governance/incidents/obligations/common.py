"""What the obligation services share with the incident services, kept here so that the
incident services may call the obligations (and not the other way round)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation

from governance import permissions
from governance.models import Incident, TimelineEntry, User


def require_role(actor: Any, incident: Incident, *roles: str) -> None:
    """The actor acts on the incident in one of ``roles`` and may see it (TLP)."""
    errors = [permissions.acting_error(actor, incident, role) for role in roles]
    if None not in errors:
        held = [e for e in errors if e is not None and e != permissions.NOT_ALLOWED]
        permissions.require(False, held[0] if held else permissions.NOT_ALLOWED)
    permissions.require(permissions.can_view_case(actor, incident))


def people(*roles: str) -> list[User]:
    """Active holders of ``roles``, for notices."""
    return list(User.objects.filter(groups__name__in=roles, is_active=True).distinct())


def timeline(*, incident: Incident, actor: Any, kind: str, text: str) -> TimelineEntry:
    """An automatic timeline entry (Japanese whatever the actor's language)."""
    with translation.override("ja"):
        return TimelineEntry.objects.create(
            incident=incident,
            at=timezone.now(),
            kind=kind,
            text=str(text),
            actor=actor if getattr(actor, "pk", None) else None,
        )

"""What every incident service shares: the timeline writer, locks, the CSIRT's recipients."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.models import (
    CaseStatus,
    Incident,
    Phase,
    TimelineEntry,
    User,
)
from governance.roles import Role

MERGED_READ_ONLY = gettext_noop("このインシデントは {number} に統合されたため変更できません。")
CLOSED_READ_ONLY = gettext_noop("完了したインシデントは変更できません。再開してください。")
CLOSURE_PENDING = gettext_noop(
    "完了の確認中のため変更できません。差し戻されてから変更してください。"
)

#: Case.status each phase maps to, so cross-kind lists keep working (§B.4).
PHASE_STATUS = {
    Phase.TRIAGE: CaseStatus.SUBMITTED,
    Phase.CLOSED: CaseStatus.CLOSED,
    Phase.DISMISSED: CaseStatus.CLOSED,
}


def status_for(phase: str) -> str:
    return PHASE_STATUS.get(Phase(phase), CaseStatus.UNDER_REVIEW)


def locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def require_csirt(actor: Any, incident: Incident, *roles: str) -> None:
    """The actor acts on the incident in one of ``roles`` (default: any CSIRT role that
    handles) and may see it (TLP)."""
    roles = roles or (Role.CSIRT_MEMBER, Role.CSIRT_LEAD)
    errors = [permissions.acting_error(actor, incident, role) for role in roles]
    if None not in errors:
        held = [e for e in errors if e is not None and e != permissions.NOT_ALLOWED]
        permissions.require(False, held[0] if held else permissions.NOT_ALLOWED)
    permissions.require(permissions.can_view_case(actor, incident))


def require_open(incident: Incident, *, allow_pending: bool = False) -> None:
    if incident.merged_into_id is not None:
        number = Incident.objects.values_list("number", flat=True).get(pk=incident.merged_into_id)
        raise ValueError(_(MERGED_READ_ONLY).format(number=number))
    if incident.phase in (Phase.CLOSED, Phase.DISMISSED):
        raise ValueError(_(CLOSED_READ_ONLY))
    if incident.closure_requested and not allow_pending:
        raise ValueError(_(CLOSURE_PENDING))


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
    with translation.override("ja"):
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

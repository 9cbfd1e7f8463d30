"""What every incident service shares: locks, the read-only rules and the phase's status; who acts,
who hears and the timeline entry come from ``governance.incidents.common``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance.incidents.common import csirt_people, require_csirt, write_timeline
from governance.models import (
    CaseStatus,
    Incident,
    Phase,
)

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


def require_open(incident: Incident, *, allow_pending: bool = False) -> None:
    if incident.merged_into_id is not None:
        number = Incident.objects.values_list("number", flat=True).get(pk=incident.merged_into_id)
        raise ValueError(_(MERGED_READ_ONLY).format(number=number))
    if incident.phase in (Phase.CLOSED, Phase.DISMISSED):
        raise ValueError(_(CLOSED_READ_ONLY))
    if incident.closure_requested and not allow_pending:
        raise ValueError(_(CLOSURE_PENDING))


__all__ = [
    "csirt_people",
    "require_csirt",
    "write_timeline",
]

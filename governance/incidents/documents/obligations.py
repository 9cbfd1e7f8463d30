"""The one place where incident documents learn what the incident owes (NEXT_WAVE §B.6).

The documents print each obligation with its clock: recipient, stage, whether it is required,
its status, the due date (and the date before a holiday roll with the roll's basis) and the
受付番号 of the submission that satisfied it. Until the obligations model exists, the rows are
read from the incident's legal clocks in the shared clock table; this adapter is the only
code that changes when the obligations engine lands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from governance.clocks.schedule import format_due
from governance.japanese import era_date
from governance.models import Deadline, DeadlineKind, Incident

#: The legal clocks of an incident, each as (recipient, stage) in the documents' words.
CLOCK_OBLIGATIONS: dict[str, tuple[str, str]] = {
    DeadlineKind.PPC_PRELIMINARY: ("個人情報保護委員会（漏えい等報告）", "速報"),
    DeadlineKind.PPC_FINAL: ("個人情報保護委員会（漏えい等報告）", "確報"),
    DeadlineKind.MYNUMBER_PRELIMINARY: ("個人情報保護委員会（特定個人情報）", "速報"),
    DeadlineKind.MYNUMBER_FINAL: ("個人情報保護委員会（特定個人情報）", "確報"),
    DeadlineKind.INDIVIDUAL_NOTICE: ("本人への通知", "通知"),
    DeadlineKind.MIC_FIRST_REPORT: ("総務省", "第一報"),
    DeadlineKind.JLIS_REPORT: ("J-LIS（LGWAN全国センター）", "第一報"),
    DeadlineKind.PUBLICATION_DECISION: ("公表の判断", "判断"),
}
PPC_KINDS = {
    DeadlineKind.PPC_PRELIMINARY,
    DeadlineKind.PPC_FINAL,
    DeadlineKind.MYNUMBER_PRELIMINARY,
    DeadlineKind.MYNUMBER_FINAL,
}


@dataclass(frozen=True)
class ObligationRow:
    """One obligation as a document prints it (every value already text)."""

    recipient: str
    stage: str
    required: str
    status: str
    due: str
    roll: str
    reference: str
    basis: str
    is_ppc: bool

    def as_context(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "stage": self.stage,
            "required": self.required,
            "status": self.status,
            "due": self.due,
            "roll": self.roll,
            "reference": self.reference,
            "basis": self.basis,
        }


def _roll_text(unrolled: Any, basis: str) -> str:
    if unrolled is None:
        return ""
    return _("{date}から繰延べ（{basis}）").format(date=era_date(unrolled), basis=basis)


def _from_clocks(incident: Incident) -> list[ObligationRow]:
    rows = []
    for deadline in Deadline.objects.filter(
        case_id=incident.pk, kind__in=list(CLOCK_OBLIGATIONS)
    ).order_by("due_at", "pk"):
        recipient, stage = CLOCK_OBLIGATIONS[deadline.kind]
        due = format_due(deadline.due_at)
        if deadline.soft_due_at is not None:
            due = _("目標 {target}／期限 {due}").format(
                target=format_due(deadline.soft_due_at), due=due
            )
        rows.append(
            ObligationRow(
                recipient=recipient,
                stage=stage,
                required=_("要"),
                status=str(deadline.get_status_display()),
                due=due,
                roll=_roll_text(deadline.unrolled_due_on, deadline.roll_basis),
                reference="",
                basis=deadline.basis,
                is_ppc=deadline.kind in PPC_KINDS,
            )
        )
    return rows


def obligations_of(incident: Incident) -> list[ObligationRow]:
    """What the incident owes, with its clocks, in a fixed number of queries."""
    return _from_clocks(incident)

"""The one place where incident documents learn what the incident owes (NEXT_WAVE §B.6).

The documents print each obligation with its clock: recipient, stage, whether it is required,
its status, the due date (and the date before a holiday roll with the roll's basis) and the
受付番号 of the approved submission that satisfied it. The rows are the incident's
``ReportingObligation``s; an incident that has none yet (one evaluated before obligations were
reconciled) shows its legal clocks from the shared clock table instead. This adapter is the
only code of the documents that reads obligations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.clocks.schedule import format_due
from governance.incidents.obligations.models import (
    ObligationSubmission,
    Recipient,
    ReportingObligation,
    Requirement,
)
from governance.japanese import ROLL_BASIS, closed_day_reason, era_date
from governance.models import Deadline, DeadlineKind, Incident

PPC_RECIPIENTS = {Recipient.PPC, Recipient.PPC_MY_NUMBER}

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
CLOCK_CODES: dict[str, str] = {
    DeadlineKind.PPC_PRELIMINARY: "ppc",
    DeadlineKind.PPC_FINAL: "ppc",
    DeadlineKind.MYNUMBER_PRELIMINARY: "ppc_my_number",
    DeadlineKind.MYNUMBER_FINAL: "ppc_my_number",
    DeadlineKind.INDIVIDUAL_NOTICE: "individual_notice",
    DeadlineKind.MIC_FIRST_REPORT: "mic",
    DeadlineKind.JLIS_REPORT: "jlis",
    DeadlineKind.PUBLICATION_DECISION: "publication_decision",
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
    #: The recipient's code (``ppc``, ``individual_notice``, ``publication_decision``, …).
    code: str = ""

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


def _roll_text(unrolled: Any, due: Any = None) -> str:
    """「令和8年12月31日（年末年始の休日）から繰延べ（行政機関の休日に関する法律第2条）」, or ""
    when the due day did not move."""
    if unrolled is None or unrolled == due:
        return ""
    return _("{date}（{reason}）から繰延べ（{basis}）").format(
        date=era_date(unrolled), reason=closed_day_reason(unrolled), basis=ROLL_BASIS
    )


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
                roll=_roll_text(deadline.unrolled_due_on),
                reference="",
                basis=deadline.basis,
                is_ppc=deadline.kind in PPC_KINDS,
                code=CLOCK_CODES.get(deadline.kind, ""),
            )
        )
    return rows


def _due_text(obligation: ReportingObligation) -> str:
    """Legal days as dates (the clock ends with the day): 「目標 …／期限 …」 for a 速報."""
    due_on, target_on = obligation.due_on, obligation.target_on
    if due_on is None and obligation.deadline is not None:
        due_on = timezone.localtime(obligation.deadline.due_at).date()
    due = era_date(due_on) if due_on else ""
    target = era_date(target_on) if target_on and target_on != due_on else ""
    if target and due:
        return _("目標 {target}／期限 {due}").format(target=target, due=due)
    return due or target or _("速やかに")


def _from_obligations(obligations: list[ReportingObligation]) -> list[ObligationRow]:
    references: dict[int, list[str]] = {}
    for submission in ObligationSubmission.objects.filter(
        obligations__in=[o.pk for o in obligations], approval="approved"
    ).prefetch_related("obligations"):
        for obligation in submission.obligations.all():
            if submission.reference:
                references.setdefault(obligation.pk, []).append(submission.reference)
    rows = []
    for obligation in obligations:
        rows.append(
            ObligationRow(
                recipient=str(obligation.get_recipient_display()),
                stage=str(obligation.get_stage_display()),
                required=str(obligation.get_required_display()),
                status=str(obligation.get_status_display()),
                due=_due_text(obligation),
                roll=_roll_text(obligation.unrolled_due_on, obligation.due_on),
                reference="、".join(references.get(obligation.pk, [])),
                basis=obligation.basis,
                is_ppc=obligation.recipient in PPC_RECIPIENTS,
                code=obligation.recipient,
            )
        )
    return rows


def obligations_of(incident: Incident) -> list[ObligationRow]:
    """What the incident owes (required or to be judged, and any waived or submitted), with
    its clocks and 受付番号, in at most four queries."""
    obligations = list(
        ReportingObligation.objects.filter(incident=incident)
        .exclude(required__in=[Requirement.NO, Requirement.NOT_APPLICABLE], status="pending")
        .select_related("deadline")
        .order_by("pk")
    )
    if obligations:
        return _from_obligations(obligations)
    return _from_clocks(incident)

"""What the obligations panel of the incident page shows, in a fixed number of queries: each
obligation with its due day (and the day before the holiday roll, with the roll's basis), its
target, the time left against 覚知, and the submissions awaiting approval."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from governance import permissions
from governance.clocks import schedule
from governance.incidents.obligations import publication
from governance.incidents.obligations.services import clock_start
from governance.incidents.obligations.submissions import can_approve
from governance.japanese import ROLL_BASIS, era_date
from governance.models import (
    Incident,
    ObligationStatus,
    ObligationSubmission,
    Recipient,
    ReportingObligation,
)
from governance.roles import Role


@dataclass(frozen=True)
class ObligationRow:
    obligation: ReportingObligation
    due_text: str
    target_text: str
    unrolled_text: str
    roll_basis: str
    left_text: str
    target_left_text: str
    overdue: bool
    exercise: bool

    @property
    def pending(self) -> bool:
        return self.obligation.status == ObligationStatus.PENDING


def _day(day: dt.date | None) -> str:
    return era_date(day) if day else ""


def _row(obligation: ReportingObligation, now: dt.datetime, exercise: bool) -> ObligationRow:
    deadline = obligation.deadline
    left = target_left = ""
    overdue = False
    roll_basis = ""
    if deadline is not None:
        if deadline.is_open:
            found = schedule.time_left(deadline.due_at, now, counting=deadline.counting)
            left, overdue = found.text, found.overdue
            if deadline.soft_due_at is not None:
                target_left = schedule.time_left(
                    deadline.soft_due_at, now, counting=deadline.counting
                ).text
        roll_basis = deadline.roll_basis
    elif obligation.status == ObligationStatus.PENDING and obligation.target_on:
        target_left = schedule.time_left(
            schedule.end_of_day(obligation.target_on), now, counting="calendar_days"
        ).text
    rolled = obligation.unrolled_due_on and obligation.unrolled_due_on != obligation.due_on
    return ObligationRow(
        obligation=obligation,
        due_text=_day(obligation.due_on),
        target_text=_day(obligation.target_on),
        unrolled_text=_day(obligation.unrolled_due_on) if rolled else "",
        roll_basis=(roll_basis or ROLL_BASIS) if rolled else "",
        left_text=left,
        target_left_text=target_left,
        overdue=overdue,
        exercise=exercise,
    )


def obligations_panel(
    user: Any, incident: Incident, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The panel's rows (three queries whatever the number of obligations and submissions)."""
    if not permissions.can_view_case(user, incident):
        return {"obligation_rows": []}
    now = now or timezone.now()
    obligations = list(
        ReportingObligation.objects.filter(incident=incident)
        .select_related("deadline", "waived_by")
        .order_by("pk")
    )
    submissions = list(
        ObligationSubmission.objects.filter(incident=incident)
        .select_related("submitted_by", "approved_by", "receipt")
        .prefetch_related("obligations")
        .order_by("submitted_at", "pk")
    )
    start = clock_start(incident)
    lost = incident.reported_to_csirt_at - start if incident.reported_to_csirt_at else None
    is_csirt = permissions.has_role(user, Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
    return {
        "obligation_rows": [_row(o, now, incident.is_exercise) for o in obligations],
        "obligation_submissions": submissions,
        "obligation_clock_start": start,
        "obligation_lost_days": lost.days if lost is not None and lost.days > 0 else 0,
        "obligation_lost_hours": int(lost.total_seconds() // 3600) if lost else 0,
        "can_submit_obligation": is_csirt and not incident.is_exercise,
        "can_waive_obligation": permissions.has_role(user, Role.CSIRT_LEAD, Role.CISO),
        "can_approve_submission": can_approve(user, incident) and not incident.is_exercise,
        "pending_obligations": [
            o
            for o in obligations
            if o.status == ObligationStatus.PENDING
            and o.recipient != Recipient.PUBLICATION_DECISION
        ],
        **decision_card(user, incident, obligations),
    }


def decision_card(
    user: Any, incident: Incident, obligations: list[ReportingObligation]
) -> dict[str, Any]:
    """The 公表・本人通知 card: the two obligations, the decisions taken, the facts the
    decision record will keep (exactly as shown), and whether the user may decide."""
    by_recipient = {o.recipient: o for o in obligations}
    published = by_recipient.get(Recipient.PUBLICATION_DECISION)
    notice = by_recipient.get(Recipient.INDIVIDUAL_NOTICE)
    owed = [o for o in (published, notice) if o is not None and o.status != "not_applicable"]
    if not owed:
        return {"decision_card": False}
    decided = publication.latest_decisions(incident)
    may = publication.can_decide(user, incident)
    return {
        "decision_card": True,
        "decision_facts": publication.decision_facts(incident),
        "publication_obligation": published,
        "notice_obligation": notice,
        "publication_record": decided.get(Recipient.PUBLICATION_DECISION),
        "notice_record": decided.get(Recipient.INDIVIDUAL_NOTICE),
        "can_decide_publication": may
        and published is not None
        and published.status == ObligationStatus.PENDING,
        "can_decide_notice": may
        and notice is not None
        and notice.status == ObligationStatus.PENDING,
        "decider_roles": "、".join(
            str(Role(role).label) for role in publication.decider_roles(incident)
        ),
    }

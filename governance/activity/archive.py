"""Past fiscal years' cases carried over from the office's ledgers (移行データ): each becomes a
closed case received on its original date, numbered in its year's series, so the annual report
of that year counts it and 「内訳を見る」 lists it. Such cases have no workflow (their page is
the ledger row), and are imported all or nothing, audited in one batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import PendingEvent, record_events
from governance.cases.services import assign_case_number
from governance.japanese import fiscal_year_of
from governance.models import (
    BudgetCheck,
    Case,
    CaseKind,
    CaseStatus,
    Consultation,
    SpecReview,
)

NOT_PAST = gettext_noop("移行できるのは前年度までの案件です。")
UNKNOWN_KIND = gettext_noop("移行できない種別の案件です。")

_MODELS: dict[str, type[Case]] = {
    CaseKind.CONSULTATION: Consultation,
    CaseKind.BUDGET_CHECK: BudgetCheck,
    CaseKind.SPEC_REVIEW: SpecReview,
}


@dataclass
class PastCase:
    """One case of a past fiscal year as its ledger holds it."""

    kind: str
    title: str
    department_id: int
    requester_id: int
    received_at: dt.datetime
    #: The case's own fiscal year (for a budget check, the budget year); default: received.
    fiscal_year: int | None = None
    system_id: int | None = None
    status: str = CaseStatus.CLOSED
    #: The kind's own columns (``question``, ``estimated_price``, ``mandatory``…).
    facts: dict[str, Any] = field(default_factory=dict)


def import_past_cases(*, actor: Any, rows: list[PastCase], source: str) -> list[Case]:
    """Create the closed cases of ``rows`` (governance staff); one audit event per case."""
    permissions.require(permissions.may_act(actor) and permissions.is_governance_staff(actor))
    this_year = fiscal_year_of(dt.datetime.now(tz=dt.UTC))
    for row in rows:
        if row.kind not in _MODELS:
            raise ValueError(_(UNKNOWN_KIND))
        if fiscal_year_of(row.received_at) >= this_year:
            raise ValueError(_(NOT_PAST))
    created: list[Case] = []
    events: list[PendingEvent] = []
    with transaction.atomic():
        for row in rows:
            case = _MODELS[row.kind](
                kind=row.kind,
                fiscal_year=row.fiscal_year or fiscal_year_of(row.received_at),
                title=row.title,
                department_id=row.department_id,
                requester_id=row.requester_id,
                system_id=row.system_id,
                status=row.status,
                closed_at=row.received_at + dt.timedelta(days=14),
                **row.facts,
            )
            assign_case_number(case)
            case.save()
            # created_at is set on insert (auto_now_add); the ledger's date replaces it.
            Case.objects.filter(pk=case.pk).update(created_at=row.received_at)
            created.append(case)
            events.append(
                PendingEvent(
                    action="case.import_past",
                    obj=case,
                    changes={
                        "number": [None, case.number],
                        "received_at": [None, row.received_at.isoformat()],
                        "status": [None, row.status],
                    },
                    reason=source,
                )
            )
        record_events(actor=actor, events=events)
    return created

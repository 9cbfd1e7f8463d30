"""Reads of the audit trail, each checking who may see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from governance import permissions
from governance.audit import notice
from governance.audit.anchors import (
    anchor_problem,
    as_anchor,
    chain_head,
    check_anchors,
    monthly_anchors,
    read_file_anchors,
    stored_hashes,
)
from governance.audit.services import ChainReport, verify_chain
from governance.models import AuditAnchor, AuditEvent, Case


def case_audit_events(user: Any, case: Case) -> QuerySet[AuditEvent]:
    """The audit trail of one case the user can see (the case and what hangs off it)."""
    if not permissions.can_view_case(user, case):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(case_id=case.pk).order_by("sequence")


def all_audit_events(user: Any) -> QuerySet[AuditEvent]:
    permissions.require(permissions.can_view_audit_trail(user))
    return AuditEvent.objects.all()


def all_audit_anchors(user: Any) -> QuerySet[AuditAnchor]:
    """The monthly anchors of the chain, for the same readers as the trail."""
    permissions.require(permissions.can_view_audit_trail(user))
    return AuditAnchor.objects.all()


@dataclass(frozen=True)
class AnchorStatus:
    """Whether the chain as it is now still holds one monthly anchor (ChainAnchor)."""

    anchor: AuditAnchor
    #: 令和8年11月
    period_label: str
    #: The chain holds the anchored (sequence, hash), the anchor's HMAC holds, and (when a
    #: verification of the whole chain was given) no event up to the sequence was changed.
    holds: bool
    #: Why it does not hold, in Japanese; "" when it holds.
    problem: str

    @property
    def label(self) -> str:
        return "一致" if self.holds else "不一致"


def anchor_status(user: Any, *, chain: ChainReport | None = None) -> list[AnchorStatus]:
    """Every monthly anchor, oldest first, with whether the chain still holds it.

    Without ``chain`` each anchor is compared with the row at its sequence (one query for
    all); with ``chain`` (a ``verify_chain`` report) an anchor at or after the first broken
    event does not hold either. Reused by the 監査記録の照合 page and the API.
    """
    permissions.require(permissions.can_view_audit_trail(user))
    rows = list(AuditAnchor.objects.order_by("period"))
    anchors = [as_anchor(row) for row in rows]
    stored = stored_hashes([anchor.sequence for anchor in anchors if anchor.authentic])
    statuses = []
    for row, anchor in zip(rows, anchors, strict=True):
        problem = anchor_problem(anchor, stored, chain)
        statuses.append(
            AnchorStatus(
                anchor=row,
                period_label=notice.period_label(row.period),
                holds=not problem,
                problem=problem,
            )
        )
    return statuses


def missing_anchor_periods(user: Any, *, today: dt.date | None = None) -> list[str]:
    """Months since the chain began whose anchor is still not issued the day after it was
    due (their first business day has passed): what the administrators must see.

    Counted from the first anchor (the months before anchoring began are not owed), or from
    the chain's first event while there is none: a month before it has nothing to anchor."""
    permissions.require(permissions.can_view_audit_trail(user))
    issued = set(AuditAnchor.objects.values_list("period", flat=True))
    if issued:
        period = min(issued)
    else:
        first = (
            AuditEvent.objects.order_by("sequence").values_list("occurred_at", flat=True).first()
        )
        if first is None:
            return []
        period = notice.period_of(timezone.localtime(first).date())
    today = today or timezone.localdate()
    missing = []
    while notice.issue_day(period) < today:
        if period not in issued:
            missing.append(period)
        period = notice.next_period(period)
    return missing


def chain_state(user: Any, *, verify: bool = False) -> dict[str, Any]:
    """The chain's head (sequence:hash), its stored anchors and their check against the chain,
    and, when asked, the whole chain's verification (as ``manage.py verify_audit``): for the
    audit trail's readers only (the API's ``/audit/chain/``)."""
    permissions.require(permissions.can_view_audit_trail(user))
    head = chain_head()
    check = check_anchors()
    return {
        "head": (
            {"sequence": head[0], "hash": head[1], "text": f"{head[0]}:{head[1]}"} if head else None
        ),
        "anchors": [*read_file_anchors(Path(settings.AUDIT_ANCHOR_FILE)), *monthly_anchors()],
        "anchor_check": {
            "ok": check.ok,
            "from_file": check.from_file,
            "monthly": check.monthly,
            "problems": check.problems,
        },
        "verification": verify_chain() if verify else None,
        "checked_at": timezone.now(),
    }

"""Rows for the API tests of incidents and network approvals, written directly (the query
counts need a thousand of them; the flows' own tests drive the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from governance.models import (
    ApprovalStatus,
    CaseKind,
    CaseStatus,
    ConnectionApproval,
    Department,
    Incident,
    NetworkConnection,
    NetworkSegment,
    TargetKind,
    User,
    ValidityBasis,
)


def make_incidents(
    department: Department, requester: User, count: int, *, start: int = 1, tlp: str = "amber"
) -> list[Incident]:
    made = []
    for n in range(start, start + count):
        incident = Incident(
            kind=CaseKind.INCIDENT,
            fiscal_year=2026,
            sequence=n,
            number=f"IN-2026-{n:05d}",
            title=f"事案{n}",
            department=department,
            requester=requester,
            category="other",
            tlp=tlp,
            aware_at=timezone.now(),
            reported_to_csirt_at=timezone.now(),
        )
        incident.save()
        made.append(incident)
    return made


def make_approvals(
    department: Department,
    requester: User,
    system: Any,
    count: int,
    *,
    start: int = 1,
    valid_days: int = 365,
    segment: str = NetworkSegment.LGWAN,
) -> list[ConnectionApproval]:
    today = timezone.localdate()
    made = []
    for n in range(start, start + count):
        connection = NetworkConnection.objects.create(
            kind=CaseKind.NETWORK_CONNECTION,
            fiscal_year=2026,
            sequence=n,
            number=f"NC-2026-{n:05d}",
            title=f"接続{n}",
            department=department,
            requester=requester,
            status=CaseStatus.CLOSED,
            target_kind=TargetKind.SERVER,
            segment=segment,
            purpose="業務",
            desired_start_on=today,
        )
        made.append(
            ConnectionApproval.objects.create(
                case=connection,
                system=system,
                segment=segment,
                target_kind=TargetKind.SERVER,
                valid_from=today,
                valid_until=today + dt.timedelta(days=valid_days),
                valid_until_basis=ValidityBasis.MAX_YEARS,
                status=ApprovalStatus.ACTIVE,
            )
        )
    return made

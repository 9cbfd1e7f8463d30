"""Reads of network connections and approvals that carry a rule: scoping (through
``governance.permissions``), the case page's overview, the 接続承認一覧 with its filters, one
approval or condition (``access_*``: 404 when out of sight), and what the registry shows of a
system's connections. List reads cost the same number of queries however many rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from governance import permissions
from governance.models import (
    LIVE_APPROVAL_STATUSES,
    ApprovalReview,
    ApprovalStatus,
    Case,
    CaseKind,
    CaseStatus,
    ConnectionApproval,
    ConnectionCondition,
    ConnectionPerspective,
    Department,
    LedgerStatus,
    NetworkConnection,
    NetworkSegment,
    Proposal,
)


def visible_approvals(user: Any) -> QuerySet[ConnectionApproval]:
    """Approvals of the cases the user may see (department staff: their own department's)."""
    return ConnectionApproval.objects.filter(permissions.case_visibility_q(user, prefix="case__"))


def access_approval(user: Any, pk: int) -> ConnectionApproval:
    approval = (
        visible_approvals(user)
        .select_related("case", "case__department", "system", "document", "revocation_document")
        .filter(pk=pk)
        .first()
    )
    if approval is None:
        raise Http404
    return approval


def access_condition(user: Any, pk: int) -> ConnectionCondition:
    condition = (
        ConnectionCondition.objects.filter(permissions.case_visibility_q(user, prefix="case__"))
        .select_related("case", "case__department", "approval", "evidence_file", "reported_by")
        .filter(pk=pk)
        .first()
    )
    if condition is None:
        raise Http404
    return condition


def renewable_approvals(user: Any) -> QuerySet[ConnectionApproval]:
    """Approvals the user's department may renew: in force, not already under renewal."""
    return (
        ConnectionApproval.objects.filter(
            case__department_id=getattr(user, "department_id", None) or 0,
            status=ApprovalStatus.ACTIVE,
            renewal_case__isnull=True,
        )
        .select_related("case", "system")
        .order_by("valid_until")
    )


@dataclass(frozen=True)
class ApprovalFilters:
    """What the 接続承認一覧 was asked for; unknown values are ignored, never an error."""

    segment: str = ""
    status: str = ""
    department: int | None = None

    @classmethod
    def from_params(cls, params: Any) -> ApprovalFilters:
        department = str(params.get("department", ""))
        return cls(
            segment=params.get("segment", "")
            if params.get("segment") in NetworkSegment.values
            else "",
            status=params.get("status", "")
            if params.get("status") in ApprovalStatus.values
            else "",
            department=int(department) if department.isdigit() else None,
        )


def approval_list(user: Any, filters: ApprovalFilters) -> QuerySet[ConnectionApproval]:
    """The approvals the user may see, filtered, with what each row shows (three queries for a
    page: the rows, the count, and the conditions)."""
    queryset = visible_approvals(user).select_related(
        "case", "case__department", "system", "document"
    )
    if filters.segment:
        queryset = queryset.filter(segment=filters.segment)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.department is not None:
        queryset = queryset.filter(case__department_id=filters.department)
    return queryset.prefetch_related(
        Prefetch("conditions", queryset=ConnectionCondition.objects.order_by("number"))
    ).order_by("valid_until", "pk")


def api_approvals(user: Any, **filters: Any) -> QuerySet[ConnectionApproval]:
    """The approvals of the 接続承認一覧 (the same readers and scope: department staff their own
    department's), filtered by system (code), segment, status, expiring_before (a date: valid
    until before it) and updated_since; ``updated_at`` is the case's (the cursor's order).
    Fixed query count."""
    queryset = (
        visible_approvals(user)
        .select_related("case", "case__department", "system")
        .annotate(updated_at=F("case__updated_at"))
    )
    if not permissions.can_view_flow(user, CaseKind.NETWORK_CONNECTION):
        return queryset.none()
    if filters.get("system"):
        queryset = queryset.filter(system__code=filters["system"])
    for name in ("segment", "status"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    expiring: dt.date | None = filters.get("expiring_before")
    if expiring is not None:
        queryset = queryset.filter(valid_until__lt=expiring)
    if filters.get("updated_since") is not None:
        queryset = queryset.filter(case__updated_at__gte=filters["updated_since"])
    return queryset.prefetch_related(
        Prefetch("conditions", queryset=ConnectionCondition.objects.order_by("number"))
    )


def access_approval_number(user: Any, number: str) -> ConnectionApproval:
    """The approval of the network case numbered ``number``, or 404 for whoever may not see
    it (as the approval page)."""
    found = api_approvals(user).filter(case__number=number).first()
    if found is None:
        raise Http404
    return found


def departments_for(user: Any) -> QuerySet[Department]:
    if permissions.reads_network_cases(user):
        return Department.objects.all()
    return Department.objects.filter(pk=getattr(user, "department_id", None) or 0)


def open_reviews(user: Any) -> QuerySet[ApprovalReview]:
    """The approval review tasks still open, for those who see the approvals."""
    return (
        ApprovalReview.objects.filter(
            permissions.case_visibility_q(user, prefix="approval__case__"), resolution=""
        )
        .select_related("approval__case", "approval__system")
        .order_by("created_at", "pk")
    )


def condition_list(user: Any, *, open_only: bool = True) -> QuerySet[ConnectionCondition]:
    queryset = ConnectionCondition.objects.filter(
        permissions.case_visibility_q(user, prefix="case__")
    ).select_related("case", "case__department", "system")
    if open_only:
        queryset = queryset.filter(status=LedgerStatus.OPEN)
    return queryset.order_by("due_date", "pk")


# --- The case page -------------------------------------------------------------------------


def connection_overview(user: Any, connection: NetworkConnection) -> dict[str, Any]:
    """What the case page and the step pages show of an application (a fixed number of
    queries)."""
    if not permissions.can_view_case(user, connection):
        raise Http404
    findings = list(connection.connectionfindings.select_related("decided_by").order_by("number"))
    checklist = {entry.perspective: entry for entry in connection.checklist.all()}
    approval = (
        ConnectionApproval.objects.select_related("document", "revocation_document")
        .filter(case=connection)
        .first()
    )
    today = timezone.localdate()
    incidents: list[Case] = []
    if connection.system_id and permissions.reads_incidents(user):
        incidents = list(
            Case.objects.filter(kind=CaseKind.INCIDENT, system_id=connection.system_id).exclude(
                status__in=[CaseStatus.CLOSED, CaseStatus.WITHDRAWN]
            )
        )
    return {
        "connection": connection,
        "assets": list(connection.connection_assets.order_by("pk")),
        "flows": list(connection.flows.order_by("number")),
        "findings": findings,
        "pending": [f for f in findings if f.proposal == Proposal.PENDING],
        "conditions": list(connection.connectionconditions.order_by("number")),
        "checklist": [
            (str(perspective.label), checklist.get(perspective.value))
            for perspective in ConnectionPerspective
        ],
        "reviews": list(connection.reviews.select_related("reviewer").order_by("number")),
        "approval": approval,
        "approval_status": approval.status_label(today) if approval else "",
        "validity": approval.validity_text if approval else "",
        "incidents": incidents,
    }


def application_initial(connection: NetworkConnection) -> dict[str, Any]:
    """The application form filled with the case as it stands (for a revision)."""
    from governance.network.services.request import CASE_FIELDS

    initial = {name: getattr(connection, name) for name in CASE_FIELDS}
    initial.update(title=connection.title, system=connection.system_id)
    return initial


def formset_initial(
    connection: NetworkConnection,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    assets = [
        {
            "hostname": row.hostname,
            "kind": row.kind,
            "ip_address": row.ip_address,
            "mac_address": row.mac_address,
            "os_name": row.os_name,
            "os_version": row.os_version,
            "os_eol_on": row.os_eol_on,
            "has_storage": row.has_storage,
            "wireless": row.asset.wireless,
            "wireless_auth": row.asset.wireless_auth,
        }
        for row in connection.connection_assets.select_related("asset").order_by("pk")
    ]
    flows = [
        {
            "source": row.source,
            "destination": row.destination,
            "ports": row.ports,
            "protocol": row.protocol,
            "direction": row.direction,
            "purpose": row.purpose,
        }
        for row in connection.flows.order_by("number")
    ]
    return assets, flows


def live_approval_count(user: Any) -> int:
    return visible_approvals(user).filter(status__in=LIVE_APPROVAL_STATUSES).count()

"""Reads of the system registry (システムカルテ) that carry a rule: scoping, the list with its
filters, the detail page, the lock-in and coverage reports, the export.

Every function takes the requesting user and scopes through ``governance.permissions``;
``access_*`` fetch and check in one step (404 when the system is out of sight, 403 when it is
visible but may not be changed). Query counts do not grow with the number of systems.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions
from governance.japanese import normalize
from governance.karte.rules import (
    Coverage,
    LockInStatus,
    coverage_of,
    lock_in_q,
    lock_in_rules,
    lock_in_status,
    vendor_tenure,
    with_coverage,
)
from governance.key_permissions import scope_systems_for_key
from governance.models import (
    ApprovalStatus,
    AuditEvent,
    ConnectionApproval,
    Contract,
    CostCategory,
    CostKind,
    CostPerspective,
    CostRecord,
    Department,
    InformationSystem,
    LedgerStatus,
    MonitoredTarget,
    MonitoringEnrolment,
    MonitoringService,
    NetworkAsset,
    NetworkSegment,
    Rule,
    RuleKey,
    SystemKind,
)

# --- Scoping --------------------------------------------------------------------------------


def visible_systems(user: Any) -> QuerySet[InformationSystem]:
    return permissions.scope_systems(user, InformationSystem.objects.all())


def access_system(user: Any, pk: int) -> InformationSystem:
    """The system ``pk`` if the user may see it; 404 otherwise (existence is not revealed)."""
    system = (
        visible_systems(user)
        .select_related("department", "section", "tenure_vendor")
        .filter(pk=pk)
        .first()
    )
    if system is None:
        raise Http404
    return system


def access_system_for_edit(user: Any, pk: int) -> InformationSystem:
    """The system ``pk`` if the user may change it: 404 if out of sight, 403 if read-only."""
    system = access_system(user, pk)
    error = permissions.system_edit_error(user, system.department_id)
    if error is not None:
        raise permissions.Refused(_(error))
    return system


def access_contract(system: InformationSystem, pk: int) -> Contract:
    """A contract of ``system`` (already fetched through an ``access_*``); 404 otherwise."""
    contract = Contract.objects.select_related("vendor", "system").filter(system=system, pk=pk)
    found = contract.first()
    if found is None:
        raise Http404
    return found


def departments_for(user: Any) -> QuerySet[Department]:
    """Departments the user may pick in filters: all, or only their own."""
    if permissions.reads_all_systems(user):
        return Department.objects.all()
    department_id: Any = getattr(user, "department_id", None)
    return Department.objects.filter(pk=department_id)


def departments_to_register(user: Any) -> QuerySet[Department]:
    """Departments the user may register a system for."""
    if permissions.is_governance_staff(user):
        return Department.objects.all()
    if permissions.is_department_staff(user):
        return Department.objects.filter(pk=user.department_id)
    return Department.objects.none()


# --- The list -------------------------------------------------------------------------------

SORTS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name", "code"),
    "department": ("department__sort_order", "department__name", "code"),
    "kind": ("kind", "code"),
    "first_year": ("first_fiscal_year", "code"),
    "tenure": ("-tenure_years", "code"),
}
YES_NO = ("yes", "no")


@dataclass(frozen=True)
class SystemFilters:
    """What the list page was asked for; unknown values are ignored, never an error."""

    department: int | None = None
    kind: str = ""
    lock_in: str = ""
    internet: str = ""
    coverage: str = ""
    status: str = ""
    q: str = ""
    sort: str = "code"
    # Systems with a network connection approval of this segment and status (接続承認一覧).
    nc_segment: str = ""
    nc_status: str = ""

    @classmethod
    def from_params(cls, params: Any) -> SystemFilters:
        department = normalize(params.get("department", ""))
        return cls(
            department=int(department) if department.isdigit() else None,
            kind=params.get("kind", "") if params.get("kind") in SystemKind.values else "",
            lock_in=params.get("lock_in", "") if params.get("lock_in") in YES_NO else "",
            internet=params.get("internet", "") if params.get("internet") in YES_NO else "",
            coverage=params.get("coverage", "")
            if params.get("coverage") in Coverage.values
            else "",
            status=(
                params.get("status", "")
                if params.get("status") in InformationSystem.Status.values
                else ""
            ),
            q=params.get("q", "").strip()[:100],
            sort=params.get("sort", "code") if params.get("sort") in SORTS else "code",
            nc_segment=params.get("nc_segment", "")
            if params.get("nc_segment") in NetworkSegment.values
            else "",
            nc_status=params.get("nc_status", "")
            if params.get("nc_status") in ApprovalStatus.values
            else "",
        )


def _flagged_case(rules: list[tuple[int, int]]) -> models.Case:
    return models.Case(
        models.When(lock_in_q(rules), then=models.Value(True)),
        default=models.Value(False),
        output_field=models.BooleanField(),
    )


def system_list(user: Any, filters: SystemFilters) -> QuerySet[InformationSystem]:
    """The systems the user may see, filtered and sorted, with ``coverage`` and ``flagged``
    annotated (two queries for a page plus its count, whatever the registry size)."""
    rules = lock_in_rules()
    queryset = with_coverage(visible_systems(user)).annotate(flagged=_flagged_case(rules))
    queryset = queryset.select_related("department", "section", "tenure_vendor")
    if filters.department is not None:
        queryset = queryset.filter(department_id=filters.department)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.lock_in == "yes":
        queryset = queryset.filter(lock_in_q(rules))
    elif filters.lock_in == "no":
        queryset = queryset.exclude(lock_in_q(rules))
    if filters.internet:
        queryset = queryset.filter(internet_facing=filters.internet == "yes")
    if filters.coverage:
        queryset = queryset.filter(coverage=filters.coverage)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.nc_segment or filters.nc_status:
        approvals = ConnectionApproval.objects.filter(system=OuterRef("pk"))
        if filters.nc_segment:
            approvals = approvals.filter(segment=filters.nc_segment)
        if filters.nc_status:
            approvals = approvals.filter(status=filters.nc_status)
        queryset = queryset.filter(Exists(approvals))
    if filters.q:
        query = filters.q
        queryset = queryset.filter(
            Q(code__icontains=query)
            | Q(name__icontains=query)
            | Q(tenure_vendor__name__icontains=query)
        )
    return queryset.order_by(*SORTS[filters.sort])


# --- The detail page ------------------------------------------------------------------------


@dataclass
class ContractYear:
    """One fiscal year of the contract timeline."""

    fiscal_year: int
    contracts: list[Contract]
    in_tenure: bool


@dataclass
class CostLine:
    label: str
    cells: list[int | None]
    is_total: bool = False


@dataclass
class CostYear:
    fiscal_year: int
    lines: list[CostLine] = field(default_factory=list)


#: The columns of the cost table: (kind, category); subtotals follow each kind.
COST_COLUMNS = (
    (CostKind.BUDGET, CostCategory.INITIAL),
    (CostKind.BUDGET, CostCategory.RUNNING),
    (CostKind.SETTLEMENT, CostCategory.INITIAL),
    (CostKind.SETTLEMENT, CostCategory.RUNNING),
)


def _cells(figures: dict[tuple[str, str], int]) -> list[int | None]:
    """[budget initial, budget running, budget total, settlement initial, running, total]."""
    cells: list[int | None] = []
    for kind in (CostKind.BUDGET, CostKind.SETTLEMENT):
        parts = [figures.get((kind, category)) for category in CostCategory.values]
        cells.extend(parts)
        known = [part for part in parts if part is not None]
        cells.append(sum(known) if known else None)
    return cells


def cost_years(system: InformationSystem) -> list[int]:
    """The fiscal years the system has cost figures for, newest first."""
    return list(
        CostRecord.objects.filter(system=system)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )


def cost_table(system: InformationSystem) -> list[CostYear]:
    """The system's costs by fiscal year (newest first), a line per perspective with
    figures and a total line, in thousand yen (one query)."""
    by_year: dict[int, dict[str, dict[tuple[str, str], int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for record in CostRecord.objects.filter(system=system):
        by_year[record.fiscal_year][record.perspective][(record.kind, record.category)] = (
            record.amount_thousand_yen
        )
    years = []
    for fiscal_year in sorted(by_year, reverse=True):
        cost_year = CostYear(fiscal_year)
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for perspective, label in CostPerspective.choices:
            figures = by_year[fiscal_year].get(perspective)
            if not figures:
                continue
            cost_year.lines.append(CostLine(str(label), _cells(figures)))
            for key, amount in figures.items():
                totals[key] += amount
        cost_year.lines.append(CostLine(_("年度計"), _cells(dict(totals)), is_total=True))
        years.append(cost_year)
    return years


def contract_timeline(system: InformationSystem, status: LockInStatus) -> list[ContractYear]:
    """Every fiscal year from the first contract to the last (newest first), gaps included,
    marking the years of the current vendor's unbroken tenure (one query)."""
    contracts = list(
        Contract.objects.filter(system=system)
        .select_related("vendor")
        .order_by("fiscal_year", "-amount", "vendor__name")
    )
    if not contracts:
        return []
    by_year: dict[int, list[Contract]] = defaultdict(list)
    for contract in contracts:
        by_year[contract.fiscal_year].append(contract)
    tenure = status.tenure
    since, latest = tenure.since_fiscal_year, tenure.latest_fiscal_year
    return [
        ContractYear(
            fiscal_year=year,
            contracts=by_year.get(year, []),
            in_tenure=since is not None and latest is not None and since <= year <= latest,
        )
        for year in range(max(by_year), min(by_year) - 1, -1)
    ]


@dataclass
class SystemDetail:
    system: InformationSystem
    lock_in: LockInStatus
    coverage: str
    coverage_label: str
    timeline: list[ContractYear]
    costs: list[CostYear]
    monitoring: list[tuple[str, MonitoringEnrolment | None]]
    history: list[AuditEvent]
    can_edit: bool
    assets: list[NetworkAsset] = field(default_factory=list)
    targets: list[MonitoredTarget] = field(default_factory=list)
    connections: list[SystemConnection] = field(default_factory=list)


def system_history(system: InformationSystem, limit: int = 50) -> list[AuditEvent]:
    """The latest audit events about the system (its own, contracts, costs, monitoring)."""
    return list(
        AuditEvent.objects.filter(
            object_type="governance.informationsystem", object_id=str(system.pk)
        ).order_by("-sequence")[:limit]
    )


def system_detail(user: Any, system: InformationSystem) -> SystemDetail:
    """Everything the detail page shows about a system the user may see."""
    if not permissions.can_view_system(user, system):
        raise Http404
    status = lock_in_status(system, vendor_tenure(system))
    coverage = coverage_of(system)
    enrolments = {row.service: row for row in MonitoringEnrolment.objects.filter(system=system)}
    return SystemDetail(
        system=system,
        lock_in=status,
        coverage=coverage,
        coverage_label=str(Coverage(coverage).label),
        timeline=contract_timeline(system, status),
        costs=cost_table(system),
        monitoring=[
            (str(label), enrolments.get(value)) for value, label in MonitoringService.choices
        ],
        history=system_history(system),
        can_edit=permissions.can_edit_system(user, system),
        assets=list(NetworkAsset.objects.filter(system=system).order_by("status", "hostname")),
        targets=list(
            MonitoredTarget.objects.filter(system=system).order_by(
                "removed_on", "service", "target"
            )
        ),
        connections=system_connections(user, system),
    )


@dataclass
class SystemConnection:
    """One network connection approval of a system as the registry words it."""

    approval: ConnectionApproval
    status_label: str
    open_conditions: int


def system_connections(
    user: Any, system: InformationSystem, *, today: Any = None
) -> list[SystemConnection]:
    """Every approval of the system the user may see, newest first, with its status worded
    for ``today`` (接続中 / 接続承認期限切れ / 更新審査中（従前の承認で継続）…). Two queries."""
    today = today or timezone.localdate()
    approvals = (
        ConnectionApproval.objects.filter(
            permissions.case_visibility_q(user, "case__"), system=system
        )
        .select_related("case", "document")
        .prefetch_related("conditions")
        .order_by("-valid_from", "-pk")
    )
    return [
        SystemConnection(
            approval=approval,
            status_label=approval.status_label(today),
            open_conditions=sum(
                1 for c in approval.conditions.all() if c.status == LedgerStatus.OPEN
            ),
        )
        for approval in approvals
    ]


# --- The lock-in report ---------------------------------------------------------------------


@dataclass
class LockInRow:
    system: InformationSystem
    budget_year: int | None
    budget: int | None  # thousand yen


@dataclass
class LockInReport:
    rows: list[LockInRow]
    total_budget: int
    rule: Rule | None
    by_department: list[tuple[str, int, int]]  # (department, systems, budget)


def latest_budgets(system_ids: Any) -> dict[int, tuple[int, int]]:
    """``{system_id: (fiscal_year, total budget in thousand yen)}`` of each system's latest
    fiscal year with a budget figure (one query)."""
    rows = (
        CostRecord.objects.filter(system_id__in=system_ids, kind=CostKind.BUDGET)
        .values("system_id", "fiscal_year")
        .annotate(total=Sum("amount_thousand_yen"))
    )
    result: dict[int, tuple[int, int]] = {}
    for row in rows:
        current = result.get(row["system_id"])
        if current is None or row["fiscal_year"] > current[0]:
            result[row["system_id"]] = (row["fiscal_year"], row["total"])
    return result


def lock_in_report(user: Any) -> LockInReport:
    """Active systems the user may see that are flagged as locked in, largest budget first,
    with their latest budget and the total (four queries)."""
    flagged = (
        visible_systems(user)
        .filter(lock_in_q(), status=InformationSystem.Status.ACTIVE)
        .select_related("department", "tenure_vendor")
    )
    systems = list(flagged)
    budgets = latest_budgets(flagged.values("pk"))
    rows = []
    for system in systems:
        year, amount = budgets.get(system.pk, (None, None))
        rows.append(LockInRow(system, year, amount))
    rows.sort(key=lambda row: (-(row.budget or 0), row.system.code))
    departments: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        entry = departments[row.system.department.name]
        entry[0] += 1
        entry[1] += row.budget or 0
    rule = Rule.objects.filter(key=RuleKey.LOCK_IN_YEARS).order_by("-effective_from").first()
    return LockInReport(
        rows=rows,
        total_budget=sum(row.budget or 0 for row in rows),
        rule=rule,
        by_department=sorted(
            ((name, n, budget) for name, (n, budget) in departments.items()),
            key=lambda item: (-item[2], item[0]),
        ),
    )


# --- The coverage report --------------------------------------------------------------------


@dataclass
class CoverageReport:
    total: int
    internet_facing: int
    counts: dict[str, int]
    not_enrolled: int
    exemption_reasons: list[tuple[str, int]]
    service_counts: list[tuple[str, int]]
    by_department: list[tuple[str, dict[str, int]]]
    attention: list[InformationSystem]  # not covered, exempt or own measures: to look at

    @property
    def categories(self) -> list[tuple[str, str, int]]:
        return [
            (value, str(label), self.counts.get(value, 0))
            for value, label in Coverage.choices
            if value != Coverage.NOT_APPLICABLE
        ]


def coverage_report(user: Any) -> CoverageReport:
    """How the internet-facing systems the user may see are covered (seed 001's question),
    with the systems not covered at all listed first (five queries)."""
    systems = with_coverage(visible_systems(user).filter(status=InformationSystem.Status.ACTIVE))
    counts: dict[str, int] = {}
    per_department: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for name, coverage, n in (
        systems.values_list("department__name", "coverage")
        .annotate(n=Count("pk"))
        .order_by("department__sort_order", "department__name")
    ):
        counts[coverage] = counts.get(coverage, 0) + n
        if coverage != Coverage.NOT_APPLICABLE:
            per_department[name][coverage] += n
    total = sum(counts.values())
    internet_facing = total - counts.get(Coverage.NOT_APPLICABLE, 0)
    attention_values = (Coverage.UNCOVERED, Coverage.EXEMPT, Coverage.OWN_MEASURES)
    order = models.Case(
        *(
            models.When(coverage=value, then=models.Value(index))
            for index, value in enumerate(attention_values)
        ),
        output_field=models.IntegerField(),
    )
    attention = list(
        systems.filter(coverage__in=attention_values)
        .select_related("department")
        .prefetch_related("monitoring")
        .annotate(attention_order=order)
        .order_by("attention_order", "department__sort_order", "code")
    )
    reasons: dict[str, int] = defaultdict(int)
    for system in attention:
        if system.coverage == Coverage.EXEMPT:
            reason = next(
                (row.exemption_reason for row in system.monitoring.all() if row.exemption_reason),
                "",
            )
            reasons[reason] += 1
    enrolled_by_service = dict(
        MonitoringEnrolment.objects.filter(
            permissions.system_visibility_q(user, prefix="system__"),
            enrolled=True,
            system__status=InformationSystem.Status.ACTIVE,
        )
        .values_list("service")
        .annotate(n=Count("pk"))
    )
    return CoverageReport(
        total=total,
        internet_facing=internet_facing,
        counts=counts,
        not_enrolled=internet_facing - counts.get(Coverage.ENROLLED, 0),
        exemption_reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        service_counts=[
            (str(label), enrolled_by_service.get(value, 0))
            for value, label in MonitoringService.choices
        ],
        by_department=[(name, dict(values)) for name, values in per_department.items()],
        attention=attention,
    )


# --- Export ---------------------------------------------------------------------------------


def systems_to_export(user: Any) -> QuerySet[InformationSystem]:
    permissions.require(permissions.can_export_systems(user))
    return visible_systems(user)


# --- The API --------------------------------------------------------------------------------


def api_systems(
    user: Any, key: Any = None, *, key_scope: str = "systems:read", **filters: Any
) -> QuerySet[InformationSystem]:
    """Systems for the API: a person sees what the list page shows them; an integration key
    what its scopes allow (``key_permissions.scope_systems_for_key``). ``coverage`` and
    ``flagged`` (lock-in) annotated; a fixed number of queries whatever the size.

    ``filters``: department (code), kind, status, coverage, lock_in, internet_facing,
    updated_since; a None or missing value does not filter."""
    rules = lock_in_rules()
    if key is not None:
        base = scope_systems_for_key(key, InformationSystem.objects.all(), key_scope)
    else:
        base = visible_systems(user)
    queryset = with_coverage(base).annotate(flagged=_flagged_case(rules))
    if filters.get("department"):
        queryset = queryset.filter(department__code=filters["department"])
    for name in ("kind", "status", "coverage"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("internet_facing") is not None:
        queryset = queryset.filter(internet_facing=filters["internet_facing"])
    if filters.get("lock_in") is True:
        queryset = queryset.filter(lock_in_q(rules))
    elif filters.get("lock_in") is False:
        queryset = queryset.exclude(lock_in_q(rules))
    if filters.get("updated_since") is not None:
        queryset = queryset.filter(updated_at__gte=filters["updated_since"])
    return queryset.select_related("department", "tenure_vendor").prefetch_related(
        models.Prefetch("monitoring", queryset=MonitoringEnrolment.objects.order_by("service"))
    )


def api_system(
    user: Any, code: str, key: Any = None, *, key_scope: str = "systems:read"
) -> InformationSystem:
    """One system by code for the API, with its contracts; 404 when out of sight."""
    system = (
        api_systems(user, key, key_scope=key_scope)
        .filter(code=code)
        .prefetch_related(
            models.Prefetch(
                "contracts",
                queryset=Contract.objects.select_related("vendor").order_by("fiscal_year", "pk"),
            )
        )
        .first()
    )
    if system is None:
        raise Http404
    return system

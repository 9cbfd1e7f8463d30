"""Reads about budget checks that carry a rule: the guidance items still open from earlier
years of the same system, the karte's cost history the requested amounts are judged against,
the guidance-item ledger as a user may see it, and the season's progress.

Every function scopes what it returns through ``governance.permissions``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, DateTimeField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance import permissions
from governance.budget.services import ISSUED, PENDING
from governance.japanese import business_days_until
from governance.models import (
    BudgetCheck,
    BudgetSeason,
    CaseKind,
    CaseStatus,
    CostCategory,
    CostKind,
    CostRecord,
    GuidanceItem,
    InformationSystem,
    LedgerStatus,
    User,
)

#: How many fiscal years of karte cost history the reviewer sees.
COST_HISTORY_YEARS = 10


def season_deadline_query() -> QuerySet[Any]:
    """(fiscal year, finance deadline) of every budget season, newest first."""
    return BudgetSeason.objects.values_list("fiscal_year", "deadline")


def season_deadlines() -> tuple[tuple[int, dt.date], ...]:
    """``season_deadline_query()`` read (one query)."""
    return tuple(season_deadline_query())


def season_due(case_prefix: str, deadlines: tuple[tuple[int, dt.date], ...] | None = None) -> Any:
    """An SQL expression: the season's finance deadline (23:59:59 JST of its day) for an
    undecided budget check reached through ``case_prefix`` (``"process__case__"`` from a task),
    NULL for anything else; None when no season is set. One query (the seasons, a row a year),
    none when ``deadlines`` (``season_deadlines()``) are given."""
    whens = [
        When(
            **{
                f"{case_prefix}kind": CaseKind.BUDGET_CHECK,
                f"{case_prefix}fiscal_year": year,
                f"{case_prefix}status__in": PENDING,
            },
            then=Value(
                dt.datetime.combine(deadline, dt.time(23, 59, 59), timezone.get_default_timezone())
            ),
        )
        for year, deadline in (season_deadlines() if deadlines is None else deadlines)
    ]
    if not whens:
        return None
    return SqlCase(*whens, default=None, output_field=DateTimeField())


# --- The guidance-item ledger ---------------------------------------------------------------


def visible_guidance_items(user: Any) -> QuerySet[GuidanceItem]:
    """Issued guidance items of the cases the user may see."""
    return (
        GuidanceItem.objects.filter(case__status__in=ISSUED)
        .filter(permissions.case_visibility_q(user, prefix="case__"))
        .select_related("case", "department", "system", "resolved_by", "evidence")
    )


def access_guidance_item(user: Any, pk: int) -> GuidanceItem:
    """One issued guidance item the user may see; 404 otherwise (existence is not revealed)."""
    item = visible_guidance_items(user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def carried_over_items(user: Any, check: BudgetCheck) -> list[GuidanceItem]:
    """Guidance items still open from earlier fiscal years' checks of the same system.

    Shown to both sides when next year's check is requested and reviewed.
    """
    if check.system_id is None or not permissions.can_view_case(user, check):
        return []
    return list(
        visible_guidance_items(user)
        .filter(
            system_id=check.system_id,
            status=LedgerStatus.OPEN,
            case__fiscal_year__lt=check.fiscal_year,
        )
        .order_by("case__fiscal_year", "case_id", "sequence")
    )


# --- Cost history from the karte ------------------------------------------------------------


@dataclass
class CostYear:
    """One fiscal year of a system's recorded costs, in thousand yen."""

    fiscal_year: int
    figures: dict[tuple[str, str], int] = field(default_factory=dict)

    def _get(self, kind: str, category: str) -> int | None:
        return self.figures.get((kind, category))

    @property
    def budget_initial(self) -> int | None:
        return self._get(CostKind.BUDGET, CostCategory.INITIAL)

    @property
    def budget_running(self) -> int | None:
        return self._get(CostKind.BUDGET, CostCategory.RUNNING)

    @property
    def settlement_initial(self) -> int | None:
        return self._get(CostKind.SETTLEMENT, CostCategory.INITIAL)

    @property
    def settlement_running(self) -> int | None:
        return self._get(CostKind.SETTLEMENT, CostCategory.RUNNING)

    def _total(self, kind: str) -> int | None:
        values = [v for (k, _c), v in self.figures.items() if k == kind]
        return sum(values) if values else None

    @property
    def budget_total(self) -> int | None:
        return self._total(CostKind.BUDGET)

    @property
    def settlement_total(self) -> int | None:
        return self._total(CostKind.SETTLEMENT)


@dataclass
class CostHistory:
    """A system's cost history beside the amounts now requested (both in thousand yen)."""

    years: list[CostYear]
    requested_initial: int
    requested_running: int

    @property
    def requested_total(self) -> int:
        return self.requested_initial + self.requested_running

    @property
    def latest_budget(self) -> CostYear | None:
        with_budget = [year for year in self.years if year.budget_total is not None]
        return with_budget[-1] if with_budget else None

    @property
    def change_percent(self) -> float | None:
        """The requested total against the latest recorded budget, in percent (+ is more)."""
        latest = self.latest_budget
        if latest is None or not latest.budget_total:
            return None
        return round((self.requested_total - latest.budget_total) * 100 / latest.budget_total, 1)

    @property
    def change_label(self) -> str:
        """+2.4% / -8.0% / ±0.0%, or empty without a recorded budget."""
        change = self.change_percent
        if change is None:
            return ""
        sign = "+" if change > 0 else ("±" if change == 0 else "")
        return f"{sign}{change:.1f}%"


def _thousand(yen: int) -> int:
    # Budget tables round to the nearest thousand yen.
    return (yen + 500) // 1000


def cost_history(system: InformationSystem | None, check: BudgetCheck) -> CostHistory:
    """The karte's budget and settlement per fiscal year (last ``COST_HISTORY_YEARS`` years
    before the requested one), split into initial and running cost; one query."""
    years: dict[int, CostYear] = {}
    if system is not None:
        rows = (
            CostRecord.objects.filter(
                system=system,
                fiscal_year__lt=check.fiscal_year,
                fiscal_year__gte=check.fiscal_year - COST_HISTORY_YEARS,
            )
            .values("fiscal_year", "kind", "category")
            .annotate(total=Sum("amount_thousand_yen"))
            .order_by("fiscal_year")
        )
        for row in rows:
            year = years.setdefault(row["fiscal_year"], CostYear(row["fiscal_year"]))
            year.figures[(row["kind"], row["category"])] = row["total"]
    return CostHistory(
        years=[years[key] for key in sorted(years)],
        requested_initial=_thousand(check.initial_cost),
        requested_running=_thousand(check.running_cost),
    )


def budget_panel_context(user: Any, check: BudgetCheck) -> dict[str, Any]:
    """What the budget-check panel shows beside the case (a fixed number of queries).

    The values are evaluated when the template first uses them: a step view that refuses
    input marks its transaction for rollback before rendering, and no query may run inside it
    after that.
    """
    return {
        "budget_check": check,
        "guidance_items": SimpleLazyObject(lambda: list(check.guidanceitems.order_by("sequence"))),
        # Once issued, each item has its own page, where the department records its response.
        "guidance_items_issued": check.status in ISSUED,
        "carried_over_items": SimpleLazyObject(lambda: carried_over_items(user, check)),
        "cost_history": SimpleLazyObject(lambda: cost_history(check.system, check)),
    }


# --- Season progress ------------------------------------------------------------------------


@dataclass
class ReviewerRow:
    name: str
    total: int
    pending: int
    decided: int
    overdue: int


@dataclass
class OverdueCase:
    check: BudgetCheck
    holders: list[str]
    steps: list[str]


@dataclass
class SeasonProgress:
    season: BudgetSeason
    today: dt.date
    total: int
    pending: int
    decided: int
    business_days_left: int
    by_status: list[tuple[str, str, int]]
    by_reviewer: list[ReviewerRow]
    overdue: list[OverdueCase]

    @property
    def is_overdue(self) -> bool:
        return self.today > self.season.deadline


def season_progress(user: Any, season: BudgetSeason, today: dt.date) -> SeasonProgress:
    """Cases of the season by state, per reviewer, and those past the deadline (governance
    staff, auditors and administrators only); a fixed number of queries."""
    permissions.require(permissions.can_view_budget_season_progress(user))
    cases = BudgetCheck.objects.filter(fiscal_year=season.fiscal_year).exclude(
        status=CaseStatus.WITHDRAWN
    )
    counts = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    by_status = [
        (value, str(label), counts.get(value, 0))
        for value, label in CaseStatus.choices
        if value != CaseStatus.WITHDRAWN
    ]
    total = sum(counts.values())
    pending = sum(counts.get(status, 0) for status in PENDING)
    overdue_now = today > season.deadline

    # A case not yet taken by a reviewer counts for its department's liaison.
    pending_q = Q(status__in=PENDING)
    rows = (
        cases.annotate(holder=Coalesce("reviewer_id", "department__liaison_id"))
        .values("holder")
        .annotate(
            total=Count("pk"),
            pending=Count("pk", filter=pending_q),
        )
        .order_by()
    )
    names = {
        user.pk: user.label
        for user in User.objects.select_related("department").filter(
            pk__in=[row["holder"] for row in rows if row["holder"]]
        )
    }
    by_reviewer = sorted(
        (
            ReviewerRow(
                name=names.get(row["holder"], gettext("（未割当）")),
                total=row["total"],
                pending=row["pending"],
                decided=row["total"] - row["pending"],
                overdue=row["pending"] if overdue_now else 0,
            )
            for row in rows
        ),
        key=lambda row: (-row.pending, row.name),
    )

    overdue: list[OverdueCase] = []
    if overdue_now:
        late = list(
            cases.filter(status__in=PENDING)
            .select_related("department", "reviewer", "system")
            .order_by("number")
        )
        holders: dict[int, list[str]] = defaultdict(list)
        steps: dict[int, list[str]] = defaultdict(list)
        tasks = Task.objects.filter(
            process__case__in=[check.pk for check in late],
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        ).select_related("owner__department", "process__case")
        for task in tasks:
            case_id = task.process.case.pk
            steps[case_id].append(str(task.flow_task.task_title))
            holders[case_id].append(task.owner.label if task.owner else gettext("（未割当）"))
        overdue = [
            OverdueCase(check=check, holders=holders[check.pk], steps=steps[check.pk])
            for check in late
        ]
    return SeasonProgress(
        season=season,
        today=today,
        total=total,
        pending=pending,
        decided=total - pending,
        business_days_left=business_days_until(today, season.deadline),
        by_status=by_status,
        by_reviewer=by_reviewer,
        overdue=overdue,
    )

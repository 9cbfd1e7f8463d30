"""The widgets of the department's, the governance reviewer's and the approver's dashboards.

Every read is scoped by ``governance.permissions`` (``case_visibility_q``, ``scope_tasks``) and
``governance.clocks.permissions.deadline_visibility_q`` as the lists behind the widgets are, and
is one query whatever the number of cases: counts are aggregates, lists are sliced.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions
from governance.budget.services import PENDING
from governance.cases import selectors as case_selectors
from governance.clocks.selectors import attach_clock_badges
from governance.dashboards import charts
from governance.dashboards.counting import age_filters, bucket_counts, counts
from governance.japanese import JST
from governance.labels import choice_label
from governance.models import (
    LIVE_APPROVAL_STATUSES,
    BudgetCheck,
    BudgetSeason,
    Case,
    CaseKind,
    CaseStatus,
    ConnectionApproval,
    ConnectionCondition,
    DecisionRecord,
    Finding,
    GuidanceItem,
    LedgerStatus,
    SecurityEvent,
    SpecReview,
    User,
)

#: Case states that are finished: not on any dashboard's "open" count.
DONE_STATUSES = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)
#: Case states waiting on the office's reviewers (the queue).
QUEUE_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.UNDER_REVIEW)


def visible_cases(user: Any) -> Any:
    return Case.objects.filter(permissions.case_visibility_q(user))


# --- Department staff -------------------------------------------------------------------------


@dataclass
class ItemCount:
    label: str
    open: int
    overdue: int


@dataclass
class DepartmentBoard:
    by_kind: charts.StackedChart
    tasks: list[Any]
    items: list[ItemCount]
    expiring: list[dict[str, Any]]
    reports: charts.BarChart


def department_board(user: Any, *, today: dt.date | None = None) -> DepartmentBoard:
    """My department's open cases by kind and state, my tasks with due dates, open guidance
    items, findings and conditions (overdue ones counted apart), approvals expiring within 90
    days and my incident reports by state: six queries."""
    permissions.require(permissions.is_department_staff(user))
    today = today or timezone.localdate()
    department = user.department_id
    own = visible_cases(user).filter(department_id=department).exclude(status__in=DONE_STATUSES)
    matrix: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, status, n in own.values_list("kind", "status").annotate(n=Count("pk")).order_by():
        matrix[kind][status] = n
    statuses = [value for value, _label in CaseStatus.choices if value not in DONE_STATUSES]
    by_kind = charts.stacked_chart(
        "department-cases",
        _("自部局の進行中の案件（種別・状態）"),
        [choice_label(CaseStatus, value) for value in statuses],
        [
            (label, [matrix[kind].get(status, 0) for status in statuses])
            for kind, label in CaseKind.choices
            if kind in matrix
        ],
    )
    tasks = case_selectors.task_rows(
        case_selectors.inbox_tasks(user).order_by("created", "pk")[:10]
    )
    attach_clock_badges(tasks)
    ledgers: tuple[tuple[str, Any], ...] = (
        (_("予算確認の指導事項"), GuidanceItem),
        (_("仕様書確認の指摘事項"), Finding),
        (_("接続承認の条件"), ConnectionCondition),
    )
    querysets = {}
    for index, (_label, model) in enumerate(ledgers):
        mine = model.objects.filter(
            permissions.case_visibility_q(user, prefix="case__"),
            department_id=department,
            status=LedgerStatus.OPEN,
        )
        querysets[f"open{index}"] = mine
        querysets[f"late{index}"] = mine.filter(due_date__lt=today)
    found = counts(**querysets)
    items = [
        ItemCount(str(label), found[f"open{index}"], found[f"late{index}"])
        for index, (label, _model) in enumerate(ledgers)
    ]
    expiring: list[dict[str, Any]] = cast(
        list[dict[str, Any]],
        list(
            ConnectionApproval.objects.filter(
                permissions.case_visibility_q(user, prefix="case__"),
                case__department_id=department,
                status__in=LIVE_APPROVAL_STATUSES,
                valid_until__lte=today + dt.timedelta(days=90),
            )
            .order_by("valid_until", "pk")
            .values("pk", "case__number", "case__title", "valid_until", "status")[:20]
        ),
    )
    for row in expiring:
        row["days_left"] = (row["valid_until"] - today).days
    report_counts = dict(
        SecurityEvent.objects.filter(reports__user=user.pk)
        .values_list("status")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    reports = charts.bar_chart(
        "department-reports",
        _("自分が報告したセキュリティ事案の状態"),
        [
            (label, report_counts[value])
            for value, label in SecurityEvent.Status.choices
            if value in report_counts
        ],
        _("件"),
    )
    return DepartmentBoard(by_kind, tasks, items, expiring, reports)


# --- Governance reviewer ----------------------------------------------------------------------


@dataclass
class LiaisonRow:
    name: str
    received: int
    decided: int

    @property
    def remaining(self) -> int:
        return self.received - self.decided


@dataclass
class ReviewerBoard:
    season: BudgetSeason | None
    burndown: charts.Burndown | None
    liaisons: list[LiaisonRow]
    queue_age: charts.BarChart
    spec_days: charts.BarChart
    business_days_left: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def current_season(today: dt.date) -> BudgetSeason | None:
    """The season the budget page opens on: the newest not after next fiscal year (one query)."""
    from governance.japanese import fiscal_year_of

    upcoming = fiscal_year_of(today) + 1
    return BudgetSeason.objects.filter(fiscal_year__lte=upcoming).order_by("-fiscal_year").first()


def season_burndown(
    user: Any, season: BudgetSeason, today: dt.date
) -> tuple[charts.Burndown, list[LiaisonRow]]:
    """Received against decided per day, per liaison (the case's reviewer, or its department's
    liaison while no reviewer has taken it), against the finance deadline: two queries."""
    checks = BudgetCheck.objects.filter(
        permissions.case_visibility_q(user), fiscal_year=season.fiscal_year
    ).exclude(status=CaseStatus.WITHDRAWN)
    rows = (
        checks.annotate(
            holder=Coalesce("reviewer_id", "department__liaison_id"),
            received_on=TruncDate("created_at", tzinfo=JST),
            decided_on=TruncDate(
                Coalesce("result_recorded_at", "approved_at", "closed_at"), tzinfo=JST
            ),
            pending=models.Case(
                models.When(status__in=PENDING, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            ),
        )
        .values_list("holder", "received_on", "decided_on", "pending")
        .annotate(n=Count("pk"))
        .order_by()
    )
    received: dict[Any, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    decided: dict[Any, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for holder, received_on, decided_on, pending, n in rows:
        received[holder][received_on] += n
        if not pending:
            decided[holder][decided_on or received_on] += n
    names: dict[Any, str] = {
        person.pk: person.label
        for person in User.objects.select_related("department").filter(
            pk__in=[holder for holder in received if holder]
        )
    }
    names[None] = _("（未割当）")
    chart = charts.burndown(
        "season-burndown",
        _("予算確認の消化状況（未処理件数の推移と締切）"),
        received,
        decided,
        names,
        start=season.opens_on,
        deadline=season.deadline,
        today=today,
    )
    liaisons = sorted(
        (
            LiaisonRow(
                names.get(holder, ""),
                sum(received[holder].values()),
                sum(decided[holder].values()),
            )
            for holder in received
        ),
        key=lambda row: (-row.remaining, row.name),
    )
    return chart, liaisons


#: Days left to the 契約局審査会, (label, low inclusive, high exclusive); None: open-ended.
BOARD_BUCKETS: list[tuple[str, int | None, int | None]] = [
    ("< 0", None, 0),
    ("0–7", 0, 8),
    ("8–14", 8, 15),
    ("15–30", 15, 31),
    ("31–60", 31, 61),
    ("61+", 61, None),
]


def reviewer_board(user: Any, *, today: dt.date | None = None) -> ReviewerBoard:
    """The budget season's burndown per liaison against the finance deadline, the review
    queue's age and the spec reviews by days left to the contract board: five queries."""
    permissions.require(permissions.is_governance_staff(user) or user.is_superuser)
    from governance.japanese import business_days_until

    today = today or timezone.localdate()
    season = current_season(today)
    burndown: charts.Burndown | None = None
    liaisons: list[LiaisonRow] = []
    days_left: int | None = None
    if season is not None:
        burndown, liaisons = season_burndown(user, season, today)
        days_left = business_days_until(today, season.deadline) if today <= season.deadline else 0
    queue = visible_cases(user).filter(kind__in=CaseKind.values, status__in=QUEUE_STATUSES)
    ages = bucket_counts(queue, age_filters("created_at"))
    queue_age = charts.bar_chart(
        "queue-age",
        _("審査待ちの案件の経過日数"),
        [
            (_("%(range)s日") % {"range": label}, n, "danger" if index >= 4 else "")
            for index, (label, n) in enumerate(ages)
        ],
        _("件"),
    )
    open_specs = SpecReview.objects.filter(permissions.case_visibility_q(user)).exclude(
        status__in=(*DONE_STATUSES, CaseStatus.APPROVED, CaseStatus.AWAITING_ACKNOWLEDGEMENT)
    )
    filters: dict[str, Q] = {}
    for label, low, high in BOARD_BUCKETS:
        q = Q(contract_board_date__isnull=False)
        if low is not None:
            q &= Q(contract_board_date__gte=today + dt.timedelta(days=low))
        if high is not None:
            q &= Q(contract_board_date__lt=today + dt.timedelta(days=high))
        filters[_("%(range)s日") % {"range": label}] = q
    filters[_("審査会日未定")] = Q(contract_board_date__isnull=True)
    spec_rows = bucket_counts(open_specs, filters)
    spec_days = charts.bar_chart(
        "spec-board-days",
        _("仕様書確認：契約局審査会までの残り日数"),
        [(label, n, "danger" if index < 2 else "") for index, (label, n) in enumerate(spec_rows)],
        _("件"),
    )
    board = ReviewerBoard(season, burndown, liaisons, queue_age, spec_days, days_left)
    board.extra["topics"] = consultation_topics(user)
    if season is not None:
        from governance.japanese import fiscal_year_label

        board.extra["season_label"] = fiscal_year_label(season.fiscal_year)
    return board


#: The consultation's topic (added with the annual report); named here, not as a literal, so
#: that the type checker accepts a field that does not exist yet.
TOPIC: str = "topic"


def consultation_topics(user: Any) -> charts.BarChart | None:
    """Open consultations by topic, once consultations have a topic (issue 18's annual report
    adds it); None until then, and the widget is not shown (one query when it is)."""
    from django.core.exceptions import FieldDoesNotExist

    from governance.models import Consultation

    try:
        field = Consultation._meta.get_field(TOPIC)
    except FieldDoesNotExist:
        return None
    labels = dict(getattr(field, "choices", None) or [])
    rows = (
        Consultation.objects.filter(permissions.case_visibility_q(user))
        .exclude(status__in=DONE_STATUSES)
        .values_list(TOPIC)
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    return charts.bar_chart(
        "consultation-topics",
        _("相談（テーマ別・進行中）"),
        [(str(labels.get(topic, topic) or "—"), n) for topic, n in rows],
        _("件"),
    )


# --- Governance approver ----------------------------------------------------------------------


@dataclass
class ApproverBoard:
    waiting: list[dict[str, Any]]
    waiting_count: int
    waiting_age: charts.BarChart
    decisions: charts.BarChart
    month_start: dt.date
    sod_exceptions: int


def approver_board(user: Any, *, now: dt.datetime | None = None) -> ApproverBoard:
    """Cases awaiting approval (how many, how long: since their last change), the decisions of
    this month by kind, and the decisions whose segregation-of-duties check failed (which must
    be 0): four queries."""
    permissions.require(permissions.is_governance_staff(user) or user.is_superuser)
    now = now or timezone.now()
    waiting_qs = visible_cases(user).filter(status=CaseStatus.AWAITING_APPROVAL)
    ages = bucket_counts(waiting_qs, age_filters("updated_at", now))
    waiting: list[dict[str, Any]] = cast(
        list[dict[str, Any]],
        list(
            waiting_qs.order_by("updated_at", "pk").values(
                "pk", "number", "title", "kind", "updated_at", "department__name"
            )[:20]
        ),
    )
    for row in waiting:
        row["age_days"] = (now - row["updated_at"]).days
        row["kind_label"] = choice_label(CaseKind, row["kind"])
    local = timezone.localtime(now, JST)
    month_start = local.date().replace(day=1)
    first = dt.datetime(month_start.year, month_start.month, 1, tzinfo=JST)
    records = DecisionRecord.objects.filter(
        case__in=permissions.scope_cases(user, Case.objects.all()).values("pk")
    )
    this_month = (
        records.filter(decided_at__gte=first)
        .values_list("decision_label")
        .annotate(n=Count("pk"))
        .order_by("-n", "decision_label")
    )
    decisions = charts.bar_chart(
        "decisions-month", _("今月の決定（種類別）"), list(this_month), _("件")
    )
    sod = records.filter(sod__ok=False).count()
    return ApproverBoard(
        waiting=waiting,
        waiting_count=sum(n for _label, n in ages),
        waiting_age=charts.bar_chart(
            "approval-age",
            _("決裁待ちの経過日数"),
            [(_("%(range)s日") % {"range": label}, n) for label, n in ages],
            _("件"),
        ),
        decisions=decisions,
        month_start=month_start,
        sod_exceptions=sod,
    )

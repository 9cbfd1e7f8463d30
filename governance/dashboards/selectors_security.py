"""The widgets of the security reviewer's and network administrator's, the CSIRT's, the
CISO's and the auditor's dashboards.

Scoping is ``governance.permissions``'s, as on the pages behind each widget: cases by
``case_visibility_q`` (TLP:RED incidents only for those who read them), systems by
``system_visibility_q``, clocks by ``deadline_visibility_q``, events by ``event_visibility_q``.
Every widget is one query (two for the lock-in list: the rule's versions, then the systems).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions
from governance.clocks import permissions as clock_permissions
from governance.clocks import schedule
from governance.clocks.models import OPEN_DEADLINE_STATUSES, DeadlineKind, DeadlineStatus
from governance.dashboards import charts
from governance.dashboards.counting import bucket_counts
from governance.incidents.models import HANDLING_PHASES, Phase
from governance.incidents.permissions import event_visibility_q
from governance.japanese import JST
from governance.karte.rules import Coverage, lock_in_q, lock_in_rules, with_coverage
from governance.labels import choice_label
from governance.models import (
    LIVE_APPROVAL_STATUSES,
    ApprovalStatus,
    AuditAnchor,
    AuditEvent,
    Case,
    CaseKind,
    CaseStatus,
    ConnectionApproval,
    CostKind,
    CostRecord,
    Deadline,
    DecisionRecord,
    Incident,
    IncidentCategory,
    InformationSystem,
    NetworkAsset,
    NetworkSegment,
    SecurityEvent,
    Severity,
)

#: The clocks the law sets (§B.6): the legal clock board shows these.
LEGAL_KINDS = (
    DeadlineKind.PPC_PRELIMINARY,
    DeadlineKind.PPC_FINAL,
    DeadlineKind.MYNUMBER_PRELIMINARY,
    DeadlineKind.MYNUMBER_FINAL,
    DeadlineKind.INDIVIDUAL_NOTICE,
    DeadlineKind.MIC_FIRST_REPORT,
    DeadlineKind.JLIS_REPORT,
    DeadlineKind.PUBLICATION_DECISION,
)
#: Reports owed to the 個人情報保護委員会 (PPC), including those of 特定個人情報.
PPC_KINDS = (
    DeadlineKind.PPC_PRELIMINARY,
    DeadlineKind.PPC_FINAL,
    DeadlineKind.MYNUMBER_PRELIMINARY,
    DeadlineKind.MYNUMBER_FINAL,
)
FINISHED_PHASES = ("closed", "dismissed")


def _cases(user: Any) -> Any:
    return Case.objects.filter(permissions.case_visibility_q(user))


def _incidents(user: Any) -> Any:
    return Incident.objects.filter(permissions.case_visibility_q(user))


# --- Coverage (security, CISO) ----------------------------------------------------------------


def coverage_donut(user: Any) -> charts.Donut:
    """Seed 001's figures from the registry the user sees: active systems, internet-facing,
    not enrolled in a monitoring service, own measures, exempt (one query)."""
    systems = with_coverage(
        InformationSystem.objects.filter(
            permissions.system_visibility_q(user), status=InformationSystem.Status.ACTIVE
        )
    )
    found = dict(systems.values_list("coverage").annotate(n=Count("pk")).order_by())
    total = sum(found.values())
    facing = total - found.get(Coverage.NOT_APPLICABLE, 0)
    rows = [
        (str(label), found.get(value, 0))
        for value, label in Coverage.choices
        if value != Coverage.NOT_APPLICABLE
    ]
    return charts.donut(
        "coverage",
        _("インターネット公開システムの監視サービス対策状況"),
        rows,
        total=facing,
        caption=_("インターネット公開"),
        extra=[
            (_("システム数"), total),
            (_("うちインターネット公開"), facing),
            (_("うち監視サービス未登録"), facing - found.get(Coverage.ENROLLED, 0)),
            (_("未登録・独自対策あり"), found.get(Coverage.OWN_MEASURES, 0)),
            (_("未登録・対象外"), found.get(Coverage.EXEMPT, 0)),
        ],
    )


# --- Security reviewer / network administrator ------------------------------------------------


@dataclass
class SecurityBoard:
    pipeline: charts.BarChart
    segments: charts.StackedChart
    expiring: charts.BarChart
    eol_assets: list[dict[str, Any]]
    eol_past: int
    coverage: charts.Donut


def security_board(user: Any, *, today: dt.date | None = None) -> SecurityBoard:
    """Network connection cases by state, approvals by segment × status, approvals expiring
    within 30/60/90 days, end-of-life assets, and the coverage donut: five queries."""
    permissions.require(permissions.can_view_flow(user, CaseKind.NETWORK_CONNECTION))
    today = today or timezone.localdate()
    open_connections = dict(
        _cases(user)
        .filter(kind=CaseKind.NETWORK_CONNECTION)
        .exclude(status__in=(CaseStatus.CLOSED, CaseStatus.WITHDRAWN))
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    pipeline = charts.bar_chart(
        "nc-pipeline",
        _("ネットワーク接続の申請の進み具合（状態別）"),
        [
            (label, open_connections.get(value, 0))
            for value, label in CaseStatus.choices
            if value not in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)
        ],
        _("件"),
    )
    approvals = ConnectionApproval.objects.filter(
        permissions.case_visibility_q(user, prefix="case__")
    )
    matrix: dict[str, dict[str, int]] = defaultdict(dict)
    for segment, status, n in (
        approvals.values_list("segment", "status").annotate(n=Count("pk")).order_by()
    ):
        matrix[segment][status] = n
    statuses = [value for value, _label in ApprovalStatus.choices]
    segments = charts.stacked_chart(
        "nc-segments",
        _("接続承認（セグメント × 状態）"),
        [choice_label(ApprovalStatus, value) for value in statuses],
        [
            (label, [matrix[value].get(status, 0) for status in statuses])
            for value, label in NetworkSegment.choices
            if value in matrix
        ],
    )
    live = approvals.filter(status__in=LIVE_APPROVAL_STATUSES)
    windows = {}
    for days, low in ((30, None), (60, 30), (90, 60)):
        q = Q(valid_until__lte=today + dt.timedelta(days=days), valid_until__gte=today)
        if low is not None:
            q &= Q(valid_until__gt=today + dt.timedelta(days=low))
        windows[_("%(days)s日以内") % {"days": days}] = q
    windows[_("期限切れ（未処理）")] = Q(valid_until__lt=today)
    expiring = charts.bar_chart(
        "nc-expiring",
        _("有効期限が近い接続承認"),
        [
            (label, n, "danger" if index in (0, 3) else "")
            for index, (label, n) in enumerate(bucket_counts(live, windows))
        ],
        _("件"),
    )
    horizon = today + dt.timedelta(days=180)
    eol_assets: list[dict[str, Any]] = cast(
        list[dict[str, Any]],
        list(
            NetworkAsset.objects.filter(
                permissions.system_visibility_q(user, prefix="system__"),
                status=NetworkAsset.Status.ACTIVE,
                os_eol_on__lte=horizon,
            )
            .order_by("os_eol_on", "pk")
            .values("hostname", "os_name", "os_version", "os_eol_on", "system__pk", "system__name")[
                :30
            ]
        ),
    )
    for row in eol_assets:
        row["past"] = row["os_eol_on"] < today
    return SecurityBoard(
        pipeline=pipeline,
        segments=segments,
        expiring=expiring,
        eol_assets=eol_assets,
        eol_past=sum(1 for row in eol_assets if row["past"]),
        coverage=coverage_donut(user),
    )


# --- CSIRT ------------------------------------------------------------------------------------


@dataclass
class ClockRow:
    case_id: int
    number: str
    kind_label: str
    due_text: str
    left_text: str
    overdue: bool
    urgent: bool
    paused: bool


def clock_board(user: Any, kinds: tuple[str, ...], now: dt.datetime, limit: int = 30) -> Any:
    """Owed clocks of ``kinds`` the user may see, nearest due first (one query)."""
    rows = (
        Deadline.objects.filter(
            clock_permissions.deadline_visibility_q(user),
            kind__in=kinds,
            status__in=OPEN_DEADLINE_STATUSES,
        )
        .order_by("due_at", "pk")
        .values_list("case_id", "case__number", "kind", "due_at", "counting", "paused_at")[:limit]
    )
    board = []
    for case_id, number, kind, due_at, counting, paused_at in rows:
        left = schedule.time_left(due_at, now, counting=counting)
        board.append(
            ClockRow(
                case_id=case_id,
                number=number or "",
                kind_label=choice_label(DeadlineKind, kind),
                due_text=schedule.format_due(due_at),
                left_text=left.text,
                overdue=left.overdue,
                urgent=left.overdue or due_at - now < dt.timedelta(hours=24),
                paused=paused_at is not None,
            )
        )
    return board


def _hours(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    return f"{value.total_seconds() / 3600:.1f}"


@dataclass
class CsirtBoard:
    matrix: charts.StackedChart
    clocks: list[ClockRow]
    sources: charts.StackedChart
    mtta: str
    mttc: str
    mttr: str
    decided_events: int
    false_positives: int

    @property
    def false_positive_percent(self) -> str:
        if not self.decided_events:
            return "—"
        return f"{self.false_positives * 100 / self.decided_events:.1f}"


def _duration(expression: Any) -> Any:
    return Avg(ExpressionWrapper(expression, output_field=DurationField()))


def csirt_board(user: Any, *, now: dt.datetime | None = None) -> CsirtBoard:
    """Open incidents by severity × phase, the legal clock board, events per source per day
    (14 days), MTTA (time to triage) / time to contain / MTTR over 12 months, the events'
    false-positive ratio over 12 months: six queries."""
    permissions.require(permissions.reads_incidents(user))
    now = now or timezone.now()
    incidents = _incidents(user)
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for severity, phase, n in (
        incidents.exclude(phase__in=FINISHED_PHASES)
        .values_list("severity", "phase")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        found[severity][phase] = n
    severities = [(value, str(label)) for value, label in reversed(Severity.choices)]
    severities.append(("", _("未判定")))
    matrix = charts.stacked_chart(
        "incident-matrix",
        _("対応中のインシデント（重大度 × フェーズ）"),
        [choice_label(Phase, phase) for phase in HANDLING_PHASES],
        [
            (label, [found[value].get(phase, 0) for phase in HANDLING_PHASES])
            for value, label in severities
            if value in found
        ],
    )
    clocks = clock_board(user, LEGAL_KINDS, now)
    since = now - dt.timedelta(days=13)
    start_day = timezone.localtime(since, JST).date()
    per_day: dict[dt.date, dict[str, int]] = defaultdict(dict)
    source_names: set[str] = set()
    events = SecurityEvent.objects.filter(event_visibility_q(user))
    for day, source, n in (
        events.filter(received_at__gte=dt.datetime.combine(start_day, dt.time(), tzinfo=JST))
        .annotate(day=TruncDate("received_at", tzinfo=JST))
        .values_list("day", "source__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    ):
        name = source or _("（通報元なし）")
        per_day[day][name] = per_day[day].get(name, 0) + n
        source_names.add(name)
    series = sorted(source_names)
    sources = charts.stacked_chart(
        "events-per-source",
        _("通報元別・日別の受付件数（14日間）"),
        series,
        [
            (
                f"{day:%m/%d}",
                [per_day.get(day, {}).get(name, 0) for name in series],
            )
            for day in (start_day + dt.timedelta(days=offset) for offset in range(14))
        ],
    )
    year_ago = now - dt.timedelta(days=365)
    times = incidents.filter(reported_to_csirt_at__gte=year_ago).aggregate(
        contain=_duration(F("contained_at") - F("reported_to_csirt_at")),
        resolve=_duration(F("closed_at") - F("reported_to_csirt_at")),
    )
    mtta = (
        Deadline.objects.filter(
            clock_permissions.deadline_visibility_q(user),
            kind=DeadlineKind.TRIAGE_RESPONSE,
            status=DeadlineStatus.MET,
            met_at__isnull=False,
            starts_at__gte=year_ago,
        )
        .aggregate(mean=_duration(F("met_at") - F("starts_at")))
        .get("mean")
    )
    decided = events.filter(received_at__gte=year_ago).exclude(
        status__in=(SecurityEvent.Status.NEW, SecurityEvent.Status.TRIAGING)
    )
    ratio = decided.aggregate(
        decided=Count("pk", distinct=True),
        false=Count(
            "pk",
            distinct=True,
            filter=Q(dismiss_reason=Incident.DismissReason.FALSE_POSITIVE),
        ),
    )
    return CsirtBoard(
        matrix=matrix,
        clocks=clocks,
        sources=sources,
        mtta=_hours(mtta),
        mttc=_hours(times["contain"]),
        mttr=_hours(times["resolve"]),
        decided_events=ratio["decided"] or 0,
        false_positives=ratio["false"] or 0,
    )


# --- CISO -------------------------------------------------------------------------------------


@dataclass
class CisoBoard:
    severe: list[dict[str, Any]]
    obligations: list[ClockRow]
    trend: charts.StackedChart
    coverage: charts.Donut
    lock_in: list[dict[str, Any]]
    lock_in_budget: int


def lock_in_systems(user: Any) -> list[dict[str, Any]]:
    """Active systems the user sees flagged as locked in, with their latest fiscal year's
    budget (thousand yen), largest first: two queries (the rule's versions, the systems)."""
    budget_year = (
        CostRecord.objects.filter(system=OuterRef("pk"), kind=CostKind.BUDGET)
        .order_by("-fiscal_year")
        .values("fiscal_year")[:1]
    )
    budget = (
        CostRecord.objects.filter(
            system=OuterRef("pk"), kind=CostKind.BUDGET, fiscal_year=OuterRef("budget_year")
        )
        .order_by()
        .values("system")
        .annotate(total=Sum("amount_thousand_yen"))
        .values("total")
    )
    rows: list[dict[str, Any]] = cast(
        list[dict[str, Any]],
        list(
            InformationSystem.objects.filter(
                permissions.system_visibility_q(user),
                lock_in_q(lock_in_rules()),
                status=InformationSystem.Status.ACTIVE,
            )
            .annotate(budget_year=Subquery(budget_year, output_field=IntegerField()))
            .annotate(budget=Subquery(budget, output_field=IntegerField()))
            .values(
                "pk",
                "code",
                "name",
                "department__name",
                "tenure_vendor__name",
                "tenure_years",
                "budget_year",
                "budget",
            )
        ),
    )
    rows.sort(key=lambda row: (-(row["budget"] or 0), row["code"]))
    return rows


def ciso_board(user: Any, *, now: dt.datetime | None = None) -> CisoBoard:
    """L3/L4 incidents still open, overdue reports to the 個人情報保護委員会 (Deadline rows of
    PPC kinds), the 12-month incident trend by category, coverage, and the lock-in systems with
    their budget: six queries."""
    permissions.require(permissions.reads_incidents(user))
    now = now or timezone.now()
    incidents = _incidents(user)
    severe: list[dict[str, Any]] = cast(
        list[dict[str, Any]],
        list(
            incidents.filter(severity__in=(Severity.L3, Severity.L4))
            .exclude(phase__in=FINISHED_PHASES)
            .order_by("-severity", "reported_to_csirt_at", "pk")
            .values("pk", "number", "title", "severity", "phase", "reported_to_csirt_at")[:20]
        ),
    )
    for row in severe:
        row["phase_label"] = choice_label(Phase, row["phase"])
    obligations = [row for row in clock_board(user, PPC_KINDS, now, limit=50) if row.overdue]
    local = timezone.localtime(now, JST).date().replace(day=1)
    months = []
    year, month = local.year, local.month
    for _step in range(12):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    first = dt.datetime.combine(months[0], dt.time(), tzinfo=JST)
    trend_rows: dict[dt.date, dict[str, int]] = defaultdict(dict)
    categories: set[str] = set()
    for month_start, category, n in (
        incidents.filter(created_at__gte=first)
        .annotate(month=TruncMonth("created_at", tzinfo=JST))
        .values_list("month", "category")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = month_start.date() if isinstance(month_start, dt.datetime) else month_start
        trend_rows[key][category] = n
        categories.add(category)
    ordered = [value for value, _label in IncidentCategory.choices if value in categories]
    trend = charts.stacked_chart(
        "incident-trend",
        _("インシデントの月別推移（分類別・12か月）"),
        [choice_label(IncidentCategory, value) for value in ordered],
        [
            (f"{month:%Y/%m}", [trend_rows.get(month, {}).get(value, 0) for value in ordered])
            for month in months
        ],
    )
    lock_in = lock_in_systems(user)
    return CisoBoard(
        severe=severe,
        obligations=obligations,
        trend=trend,
        coverage=coverage_donut(user),
        lock_in=lock_in,
        lock_in_budget=sum(row["budget"] or 0 for row in lock_in),
    )


# --- Auditor ----------------------------------------------------------------------------------


@dataclass
class AuditorBoard:
    head: Any  # {"sequence", "hash", "occurred_at"} or None
    anchor: Any  # {"period", "sequence", "hash", "issued_at"} or None
    decisions: charts.BarChart
    sod_violations: int
    missed: charts.BarChart
    missed_rows: list[dict[str, Any]]


def auditor_board(user: Any, *, now: dt.datetime | None = None) -> AuditorBoard:
    """The chain's head and last anchored head, decision counts by kind with the
    segregation-of-duties violations (which must be 0), and the clocks missed or met late:
    five queries. The full verification stays on the auditor's home (it walks the chain)."""
    permissions.require(permissions.can_view_audit_trail(user))
    now = now or timezone.now()
    head = (
        AuditEvent.objects.order_by("-sequence").values("sequence", "hash", "occurred_at").first()
    )
    anchor = (
        AuditAnchor.objects.order_by("-period")
        .values("period", "sequence", "hash", "issued_at")
        .first()
    )
    by_kind = list(
        DecisionRecord.objects.filter(
            case__in=permissions.scope_cases(user, Case.objects.all()).values("pk")
        )
        .values_list("decision_label")
        .annotate(n=Count("pk"), bad=Count("pk", filter=Q(sod__ok=False)))
        .order_by("-n", "decision_label")
    )
    decisions = charts.bar_chart(
        "decision-counts",
        _("決定記録（種類別）"),
        [(label, n, "danger" if bad else "") for label, n, bad in by_kind],
        _("件"),
    )
    late = Deadline.objects.filter(
        Q(status=DeadlineStatus.MISSED) | Q(status=DeadlineStatus.MET, met_at__gt=F("due_at")),
        clock_permissions.deadline_visibility_q(user),
    )
    missed_rows: list[dict[str, Any]] = cast(
        list[dict[str, Any]],
        list(
            late.order_by("-due_at", "-pk").values(
                "case_id", "case__number", "kind", "due_at", "met_at", "status"
            )[:200]
        ),
    )
    per_kind: dict[str, int] = defaultdict(int)
    for row in missed_rows:
        row["kind_label"] = choice_label(DeadlineKind, row["kind"])
        row["due_text"] = schedule.format_due(row["due_at"])
        per_kind[row["kind_label"]] += 1
    missed = charts.bar_chart(
        "missed-clocks",
        _("期限を過ぎた期限（超過・遅れて対応）種類別"),
        sorted(per_kind.items(), key=lambda item: (-item[1], item[0])),
        _("件"),
    )
    return AuditorBoard(
        head=head,
        anchor=anchor,
        decisions=decisions,
        sod_violations=sum(bad for _label, _n, bad in by_kind),
        missed=missed,
        missed_rows=missed_rows[:20],
    )

"""Demo data shaped like seed 000 (事務事業実績, 令和6年度, 行政DX推進課), so that the report of
FY2024 prints the seed's figures from the data: 相談件数 19件, 予算確認件数 190件, 仕様書確認件数
13件 (and 2 optional reviews on their own line), 監視対象 177件 / 88件 / 75件, with the manual
figures of the seed entered with their basis.

- The cases are that year's ledger carried over (``archive.import_past_cases``): closed, received
  on dates spread over the year in Japan time, requested by the demo departments' staff. One
  more budget check was withdrawn: it is in the ledger and not counted.
- Budget checks received in FY2024 concern the FY2025 budget (their ``fiscal_year``).
- The monitored targets are registered with the karte's service for systems enrolled in each
  monitoring service, before the year's end.
- The step does nothing once FY2024's manual figures exist.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from governance.activity import archive, services
from governance.activity.services import FigureEntry
from governance.japanese import JST
from governance.karte.services.assets import add_monitored_target
from governance.models import (
    ActivityFigure,
    AnnualReport,
    CaseKind,
    CaseStatus,
    ConsultationTopic,
    InformationSystem,
    MonitoringEnrolment,
    MonitoringService,
    RuleKey,
    User,
)
from governance.rules.services import rule_in_force

FISCAL_YEAR = 2024
CONSULTATIONS = 19
BUDGET_CHECKS = 190
SPEC_REVIEWS = 13
OPTIONAL_SPEC_REVIEWS = 2
TARGETS = {
    MonitoringService.WEB_MALWARE: 177,
    MonitoringService.RESPONSE_TIME: 88,
    MonitoringService.CYBER_ATTACK: 75,
}
STAFF = ("staff_somu", "staff_zaimu", "staff_fukushi", "staff_kenko")
BASIS = "事務事業実績（令和６年度、行政DX推進課）の原稿"

#: (key, value) of seed 000's manual figures.
MANUAL = (
    ("karte_added", 14),
    ("karte_removed", 57),
    ("karte_cost_before", 136),
    ("karte_cost_after", 25),
    ("ict_departments", 11),
    ("ict_tasks", 90),
    ("national_meetings", 2),
    ("kinki_meetings", 2),
    ("training_new_staff", 507),
    ("training_outreach_departments", 8),
    ("training_outreach_people", 395),
    ("check_rounds", 2),
    ("check_people", 8191),
    ("drill_sent", 270),
    ("drill_opened", "36.7"),
    ("drill_reported", "38.9"),
    ("dx_workshop_sessions", 6),
    ("dx_workshop_people", 112),
    ("dx_workshop_teams", 26),
    ("dx_basic_sessions", 2),
    ("dx_basic_people", 132),
    ("pm_training_people", 15),
)
#: The 監理グループ enters its own figures (NEXT_WAVE §C.5b).
OVERSIGHT_KEYS = {key for key, _ in MANUAL[8:]}


def _received(index: int, count: int, first: dt.date, last: dt.date) -> dt.datetime:
    """The ``index``-th of ``count`` dates spread evenly from ``first`` to ``last``, 10:00 JST."""
    span = (last - first).days
    day = first + dt.timedelta(days=span * index // max(count - 1, 1))
    return dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=JST)


def _department(user: User) -> int:
    assert user.department_id is not None  # department staff always belong to one
    return user.department_id


def _cases(staff: list[User]) -> list[archive.PastCase]:
    departments = [_department(user) for user in staff]
    systems: dict[int, list[int]] = {
        department: list(
            InformationSystem.objects.filter(department_id=department)
            .order_by("code")
            .values_list("pk", flat=True)
        )
        for department in departments
    }
    rows: list[archive.PastCase] = []
    cycle = itertools.cycle(range(len(staff)))
    topics = itertools.cycle(ConsultationTopic.values)
    year_start, year_end = dt.date(FISCAL_YEAR, 4, 8), dt.date(FISCAL_YEAR + 1, 3, 24)
    for index in range(CONSULTATIONS):
        who = staff[next(cycle)]
        rows.append(
            archive.PastCase(
                kind=CaseKind.CONSULTATION,
                title=f"ＩＴ事業に関する相談（{index + 1}）",
                department_id=_department(who),
                requester_id=who.pk,
                received_at=_received(index, CONSULTATIONS, year_start, year_end),
                facts={
                    "question": "事業の進め方について助言を求めます。",
                    "resolved": True,
                    "topic": next(topics),
                },
            )
        )
    # The budget season: requests for the FY2025 budget, September to November.
    used: dict[int, int] = dict.fromkeys(departments, 0)
    for index in range(BUDGET_CHECKS + 1):
        who = staff[next(cycle)]
        department = _department(who)
        pool = systems[department]
        system = pool[used[department]] if used[department] < len(pool) else None
        used[department] += 1
        withdrawn = index == BUDGET_CHECKS
        rows.append(
            archive.PastCase(
                kind=CaseKind.BUDGET_CHECK,
                title=f"令和7年度予算要求に係る予算確認（{index + 1}）",
                department_id=department,
                requester_id=who.pk,
                received_at=_received(
                    index,
                    BUDGET_CHECKS + 1,
                    dt.date(FISCAL_YEAR, 9, 2),
                    dt.date(FISCAL_YEAR, 11, 29),
                ),
                fiscal_year=FISCAL_YEAR + 1,
                system_id=None if withdrawn else system,
                status=CaseStatus.WITHDRAWN if withdrawn else CaseStatus.CLOSED,
                facts={
                    "initial_cost": 0,
                    "running_cost": 1_000_000 * (index % 40 + 1),
                    "purpose": "既存システムの安定稼働",
                    "configuration": "庁内LAN上のサーバ",
                    "continuity": "日次バックアップ",
                    "operating_structure": "所管課職員、保守事業者",
                    "network_security": "庁内LANのみ",
                    "result": "" if withdrawn else "confirmed",
                },
            )
        )
    threshold = rule_in_force(RuleKey.SPEC_REVIEW_THRESHOLD, FISCAL_YEAR)
    for index in range(SPEC_REVIEWS + OPTIONAL_SPEC_REVIEWS):
        who = staff[next(cycle)]
        mandatory = index < SPEC_REVIEWS
        price = threshold.value + 4_000_000 * (index + 1) if mandatory else 12_000_000
        rows.append(
            archive.PastCase(
                kind=CaseKind.SPEC_REVIEW,
                title=f"情報システム調達に係る仕様書確認（{index + 1}）",
                department_id=_department(who),
                requester_id=who.pk,
                received_at=_received(
                    index, SPEC_REVIEWS + OPTIONAL_SPEC_REVIEWS, year_start, year_end
                ),
                facts={
                    "procurement_type": "service" if index % 3 else "goods",
                    "estimated_price": price,
                    "mandatory": mandatory,
                    "review_requested": not mandatory,
                    "routing_reason": (
                        f"予定価格が基準額（{threshold.value:,}円）以上"
                        if mandatory
                        else "基準額未満、部局の依頼による任意の確認"
                    ),
                    "rule": threshold,
                },
            )
        )
    return rows


def _targets(reviewer: User) -> None:
    for service, count in TARGETS.items():
        systems = list(
            MonitoringEnrolment.objects.filter(service=service, enrolled=True)
            .select_related("system")
            .order_by("system__code")
        )
        for index in range(count):
            system = systems[index % len(systems)].system
            if service == MonitoringService.CYBER_ATTACK:
                target = f"198.51.100.{index + 1}/32"
            else:
                target = f"https://{system.code.lower()}-{index + 1}.pref.example.jp/"
            add_monitored_target(
                actor=reviewer,
                system=system,
                service=service,
                target=target,
                registered_on=dt.date(FISCAL_YEAR, 4, 1) - dt.timedelta(days=index),
            )


def load(stdout: Any) -> None:
    if ActivityFigure.objects.filter(fiscal_year=FISCAL_YEAR).exists():
        stdout.write("事務事業実績のデモデータは登録済みです。")
        return
    users = {
        u.username: u for u in User.objects.filter(username__in=(*STAFF, "reviewer", "security"))
    }
    reviewer, security = users["reviewer"], users["security"]
    archive.import_past_cases(
        actor=reviewer,
        rows=_cases([users[name] for name in STAFF]),
        source="令和6年度の案件台帳（移行データ）",
    )
    _targets(reviewer)
    for key, value in MANUAL:
        services.enter_figure(
            actor=security if key in OVERSIGHT_KEYS else reviewer,
            fiscal_year=FISCAL_YEAR,
            entry=FigureEntry(key=key, value=value, basis=BASIS),
        )
    if not AnnualReport.objects.filter(fiscal_year=FISCAL_YEAR).exists():
        services.create_report(actor=reviewer, fiscal_year=FISCAL_YEAR)
    stdout.write(
        "事務事業実績: 令和6年度の案件台帳（相談・予算確認・仕様書確認）、監視対象と実績値を"
        "登録しました。"
    )

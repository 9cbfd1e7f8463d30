"""The automatic figures of the annual report and the counting rules they follow (集計基準).

A case counts in the fiscal year it was **received**: its ``created_at`` in Asia/Tokyo, not
``Case.fiscal_year`` (for a budget check that is the budget year). Withdrawn and synthetic
cases and exercises are left out. Every count keeps the identifiers it counted, so 「内訳を見る」
and the 根拠一覧 sheet list exactly what the figure is made of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from governance.japanese import JST
from governance.models import (
    Case,
    CaseKind,
    CaseStatus,
    Consultation,
    ConsultationTopic,
    InformationSystem,
    MonitoredTarget,
    MonitoringService,
    RuleKey,
    SpecReview,
    SystemKind,
)
from governance.rules.services import rule_in_force

#: The texts of each version of the counting rules, printed as the report's annex. A change is
#: a new version here and a new ``annual_report_counting`` rule row (never an edit).
COUNTING_RULES: dict[int, tuple[str, ...]] = {
    1: (
        "案件は受付日（登録日時を日本時間に換算した日）の属する年度に計上する。"
        "予算確認の対象年度（予算年度）によらない。",
        "取り下げられた案件、架空データ（性能測定用などに生成したもの）及び訓練は計上しない。",
        "相談件数は部局担当窓口が受け付けた相談の件数とする。",
        "予算確認件数は部局担当窓口が受け付けた予算確認の件数とする。",
        "仕様書確認件数は確認が必須の案件（契約局の審査会案件：予定価格が基準額以上）の件数とする。"
        "任意の仕様書確認は別の行に計上し、報告書本文には印字しない。",
        "監視対象の件数は年度末日（３月31日）に登録されている監視対象（URL・CIDR）の数とする。",
        "全体最適化計画の対象システム数は、集計時点でシステムカルテに登録され稼働中のシステムの"
        "区分別の数とする（スクラッチにはAccessを用いて開発したものを含む）。",
        "手入力の実績値は、入力者、入力日時及び根拠とともに記録する。",
    ),
}


def counting_version(fiscal_year: int) -> tuple[int, str]:
    """(version, basis) of the counting rules in force for ``fiscal_year``."""
    rule = rule_in_force(RuleKey.ANNUAL_REPORT_COUNTING, fiscal_year)
    return int(rule.value), rule.basis


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 April 00:00, next 1 April 00:00) in Japan, as aware datetimes."""
    start = dt.datetime(fiscal_year, 4, 1, tzinfo=JST)
    return start, dt.datetime(fiscal_year + 1, 4, 1, tzinfo=JST)


def year_end(fiscal_year: int) -> dt.date:
    return dt.date(fiscal_year + 1, 3, 31)


def received_cases(kind: str, fiscal_year: int) -> QuerySet[Case]:
    """Cases of ``kind`` received in the fiscal year, as the counting rules count them."""
    start, end = fiscal_year_bounds(fiscal_year)
    return (
        Case.objects.filter(kind=kind, created_at__gte=start, created_at__lt=end)
        .exclude(status=CaseStatus.WITHDRAWN)
        .exclude(is_synthetic=True)
    )


def _numbers(queryset: QuerySet[Case]) -> list[str]:
    return list(queryset.order_by("number").values_list("number", flat=True))


def _spec_reviews(fiscal_year: int, *, mandatory: bool) -> list[str]:
    ids = received_cases(CaseKind.SPEC_REVIEW, fiscal_year).values("pk")
    return list(
        SpecReview.objects.filter(pk__in=ids, mandatory=mandatory)
        .order_by("number")
        .values_list("number", flat=True)
    )


def _targets(service: str) -> Callable[[int], list[str]]:
    def count(fiscal_year: int) -> list[str]:
        end = year_end(fiscal_year)
        rows = (
            MonitoredTarget.objects.filter(service=service, registered_on__lte=end)
            .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=end))
            .order_by("system__code", "target")
            .values_list("system__code", "target")
        )
        return [f"{code} {target}" for code, target in rows]

    return count


def _systems(*kinds: str) -> Callable[[int], list[str]]:
    def count(fiscal_year: int) -> list[str]:
        return list(
            InformationSystem.objects.filter(kind__in=kinds, status="active")
            .order_by("code")
            .values_list("code", flat=True)
        )

    return count


def _cases(kind: str) -> Callable[[int], list[str]]:
    return lambda fiscal_year: _numbers(received_cases(kind, fiscal_year))


@dataclass(frozen=True)
class AutoItem:
    """One automatic figure: where it prints, and how its identifiers are found."""

    key: str
    label: str
    unit: str
    members: Callable[[int], list[str]]
    #: What the identifiers are (案件番号, 監視対象, システム番号), for the drill-down.
    member_kind: str
    #: Printed in the Word report by default (the optional spec reviews are not).
    printed: bool = True


AUTO_ITEMS: tuple[AutoItem, ...] = (
    AutoItem(
        "plan_package",
        "全体最適化計画の対象（パッケージカスタマイズ）",
        "システム",
        _systems(SystemKind.PACKAGE_CUSTOMISATION),
        "システム番号",
    ),
    AutoItem(
        "plan_scratch",
        "全体最適化計画の対象（スクラッチ）",
        "システム",
        _systems(SystemKind.SCRATCH, SystemKind.SCRATCH_ACCESS),
        "システム番号",
    ),
    AutoItem(
        "plan_scratch_access",
        "全体最適化計画の対象（うちAccess）",
        "システム",
        _systems(SystemKind.SCRATCH_ACCESS),
        "システム番号",
    ),
    AutoItem("consultations", "相談件数", "件", _cases(CaseKind.CONSULTATION), "案件番号"),
    AutoItem("budget_checks", "予算確認件数", "件", _cases(CaseKind.BUDGET_CHECK), "案件番号"),
    AutoItem(
        "spec_reviews",
        "仕様書確認件数",
        "件",
        lambda fy: _spec_reviews(fy, mandatory=True),
        "案件番号",
    ),
    AutoItem(
        "spec_reviews_optional",
        "仕様書確認件数（任意）",
        "件",
        lambda fy: _spec_reviews(fy, mandatory=False),
        "案件番号",
        printed=False,
    ),
    AutoItem(
        "monitor_web_malware",
        "ウェブ感染型マルウェア検知の監視対象",
        "件",
        _targets(MonitoringService.WEB_MALWARE),
        "監視対象",
    ),
    AutoItem(
        "monitor_response_time",
        "ホームページレスポンス観測の監視対象",
        "件",
        _targets(MonitoringService.RESPONSE_TIME),
        "監視対象",
    ),
    AutoItem(
        "monitor_cyber_attack",
        "サイバー攻撃検知の監視対象",
        "件",
        _targets(MonitoringService.CYBER_ATTACK),
        "監視対象",
    ),
)
AUTO_BY_KEY = {item.key: item for item in AUTO_ITEMS}


def consultations_by_topic(fiscal_year: int) -> dict[str, int]:
    """相談件数 by topic (「うち調達・仕様 5件」), every topic listed, zeros included; the seed
    prints the total only, so this goes to the workbook."""
    counted = dict(
        Consultation.objects.filter(
            pk__in=received_cases(CaseKind.CONSULTATION, fiscal_year).values("pk")
        )
        .values_list("topic")
        .annotate(n=Count("pk"))
        .values_list("topic", "n")
    )
    return {str(label): counted.get(value, 0) for value, label in ConsultationTopic.choices}


def count_all(fiscal_year: int) -> dict[str, list[str]]:
    """Every automatic figure of the fiscal year with the identifiers behind it."""
    return {item.key: item.members(fiscal_year) for item in AUTO_ITEMS}

"""The lock-in, coverage and budget-season reports as .xlsx (openpyxl, write-only), each row
read through the same selectors as the pages (``governance.karte.selectors`` and
``governance.budget.selectors``), so the same people see the same rows. Every text cell goes
through ``spreadsheet_safety.xlsx_row``: a system or vendor name beginning with ``=`` stays
text, never a formula."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from governance import permissions
from governance.dashboards.selectors_review import current_season, season_burndown
from governance.karte import selectors as karte
from governance.spreadsheet_safety import xlsx_row

YEN_THOUSANDS = "#,##0"
DATE = "yyyy/mm/dd"


def _sheet(workbook: Workbook, title: str, headers: list[str]) -> Any:
    sheet = workbook.create_sheet(title)
    sheet.append(xlsx_row(sheet, headers))
    return sheet


def write_lock_in(user: Any, stream: IO[bytes]) -> None:
    """ロックイン: every flagged active system the user sees with its vendor, tenure and
    latest budget (thousand yen), and the total."""
    report = karte.lock_in_report(user)
    workbook = Workbook(write_only=True)
    sheet = _sheet(
        workbook,
        _("ロックイン"),
        [
            _("システムコード"),
            _("システム名"),
            _("部局"),
            _("事業者"),
            _("継続年数"),
            _("予算年度"),
            _("予算額（千円）"),
        ],
    )
    for row in report.rows:
        system = row.system
        sheet.append(
            xlsx_row(
                sheet,
                [
                    system.code,
                    system.name,
                    system.department.name,
                    system.tenure_vendor.name if system.tenure_vendor else "",
                    system.tenure_years,
                    row.budget_year,
                    row.budget,
                ],
                {6: YEN_THOUSANDS},
            )
        )
    sheet.append(
        xlsx_row(sheet, [_("合計"), "", "", "", "", "", report.total_budget], {6: YEN_THOUSANDS})
    )
    workbook.save(stream)


def write_coverage(user: Any, stream: IO[bytes]) -> None:
    """監視サービスの対策状況: seed 001's figures, then the systems to look at."""
    report = karte.coverage_report(user)
    workbook = Workbook(write_only=True)
    summary = _sheet(workbook, _("集計"), [_("項目"), _("件数")])
    for label, value in [
        (_("システム数"), report.total),
        (_("うちインターネット公開"), report.internet_facing),
        (_("うち監視サービス未登録"), report.not_enrolled),
        *[(label, n) for _value, label, n in report.categories],
    ]:
        summary.append(xlsx_row(summary, [str(label), value]))
    attention = _sheet(
        workbook,
        _("確認が必要なシステム"),
        [_("対策状況"), _("システムコード"), _("システム名"), _("部局"), _("独自対策・対象外理由")],
    )
    from governance.karte.rules import Coverage

    for system in report.attention:
        reasons = "\n".join(
            text
            for row in system.monitoring.all()
            for text in (row.own_measures, row.exemption_reason)
            if text
        )
        attention.append(
            xlsx_row(
                attention,
                [
                    str(Coverage(system.coverage).label),  # type: ignore[attr-defined]  # with_coverage
                    system.code,
                    system.name,
                    system.department.name,
                    reasons,
                ],
            )
        )
    workbook.save(stream)


def write_season(user: Any, stream: IO[bytes], *, today: dt.date) -> None:
    """予算確認シーズン: per liaison received / decided / remaining, and the burndown by day."""
    permissions.require(permissions.can_view_budget_season_progress(user))
    season = current_season(today)
    workbook = Workbook(write_only=True)
    liaisons = _sheet(
        workbook, _("窓口別"), [_("部局担当窓口"), _("受付"), _("処理済"), _("未処理")]
    )
    days = _sheet(workbook, _("日別推移"), [_("日付"), _("受付累計"), _("処理済累計"), _("未処理")])
    if season is not None:
        chart, rows = season_burndown(user, season, today)
        for row in rows:
            liaisons.append(
                xlsx_row(liaisons, [row.name, row.received, row.decided, row.remaining])
            )
        for day, got, done, remaining in chart.table:
            if day <= today:
                days.append(xlsx_row(days, [day, got, done, remaining], {0: DATE}))
    workbook.save(stream)


EXPORTS = {"lock_in": write_lock_in, "coverage": write_coverage}

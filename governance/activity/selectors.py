"""Reading the annual report: what it prints now (a draft, live) or as issued (frozen), and the
identifiers behind one figure (「内訳を見る」)."""

from __future__ import annotations

from typing import Any

from governance import permissions
from governance.activity import compose
from governance.activity.permissions import can_view_reports
from governance.models import AnnualReport, AnnualReportVersion, ReportStatus


def latest_version(report: AnnualReport | None) -> AnnualReportVersion | None:
    if report is None:
        return None
    return report.versions.order_by("-version").first()


def report_snapshot(fiscal_year: int, *, version: int | None = None) -> dict[str, Any]:
    """The issued version's frozen snapshot (the given one, else the latest, while the report
    is issued); otherwise the figures as the data stands now."""
    report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
    if report is not None:
        versions = report.versions.order_by("-version")
        if version is not None:
            return dict(versions.get(version=version).snapshot)
        if report.status == ReportStatus.ISSUED:
            issued = versions.first()
            if issued is not None:
                return dict(issued.snapshot)
    return compose.compose(fiscal_year, report)


def figure_members(snapshot: dict[str, Any], key: str) -> dict[str, Any] | None:
    """One automatic figure with the identifiers it counted; None for an unknown key or a
    manual figure (which has its basis instead)."""
    figure = snapshot["figures"].get(key)
    if figure is None or figure["members"] is None:
        return None
    return dict(figure)


def api_report(user: Any, fiscal_year: int) -> dict[str, Any]:
    """The report of ``fiscal_year`` for governance staff and auditors (others: refused), as
    its pages and workbook show it: the issued version's snapshot, or a draft's live figures;
    with the report's status and the issued version's number."""
    permissions.require(can_view_reports(user))
    report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
    snapshot = report_snapshot(fiscal_year)
    issued = report is not None and report.status == ReportStatus.ISSUED
    version = latest_version(report) if issued else None
    return {
        **snapshot,
        "fiscal_year": fiscal_year,
        "status": report.status if report is not None else None,
        "version": version.version if version is not None else None,
        "figures": list(snapshot["figures"].values()),
    }

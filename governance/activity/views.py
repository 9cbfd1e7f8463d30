"""事務事業実績 pages: the years, one year's report (figures with source and basis, the state
and its actions, the files), and 「内訳を見る」 (the identifiers behind one count)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance import permissions
from governance.activity import catalog, selectors, services
from governance.activity import permissions as report_permissions
from governance.activity import render as files
from governance.activity.typography import zenkaku_era
from governance.japanese import fiscal_year_label, fiscal_year_of, normalize
from governance.models import AnnualReport, AnnualReportVersion, Qualifier

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _require_view(user: Any) -> None:
    permissions.require(report_permissions.can_view_reports(user))


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def report_list(request: Any) -> HttpResponse:
    _require_view(request.user)
    last = fiscal_year_of(timezone.localdate()) - 1
    reports = {r.fiscal_year: r for r in AnnualReport.objects.all()}
    years = sorted(set(reports) | {last, last + 1}, reverse=True)
    rows = [
        {"year": year, "label": fiscal_year_label(year), "report": reports.get(year)}
        for year in years
    ]
    return render(request, "activity/list.html", {"rows": rows})


def report_detail(request: Any, year: int) -> HttpResponse:
    _require_view(request.user)
    year = _year(year)
    report = AnnualReport.objects.filter(fiscal_year=year).first()
    snapshot = selectors.report_snapshot(year)
    versions = list(report.versions.select_related("approved_by", "drafted_by")) if report else []
    user = request.user
    context = {
        "year": year,
        "label": zenkaku_era(fiscal_year_label(year)),
        "report": report,
        "snapshot": snapshot,
        "figures": list(snapshot["figures"].values()),
        "versions": versions,
        "sections": [
            (section, snapshot["narratives"][section.key]) for section in catalog.SECTIONS
        ],
        "can_draft": report_permissions.can_draft_report(user),
        "can_approve": report is not None and report_permissions.can_approve_report(user, report),
        "can_enter": report_permissions.can_enter_figures(user)
        and (report is None or report.status == "draft"),
        "manual_items": catalog.MANUAL_ITEMS,
        "qualifiers": Qualifier.choices,
    }
    return render(request, "activity/detail.html", context)


def figure_breakdown(request: Any, year: int, key: str) -> HttpResponse:
    """「内訳を見る」: exactly the identifiers the figure counted (as issued, once issued)."""
    _require_view(request.user)
    year = _year(year)
    snapshot = selectors.report_snapshot(year)
    figure = selectors.figure_members(snapshot, key)
    if figure is None:
        raise Http404
    return render(
        request,
        "activity/breakdown.html",
        {
            "year": year,
            "label": zenkaku_era(fiscal_year_label(year)),
            "figure": figure,
            "members": figure["members"],
        },
    )


def download(request: Any, year: int, fmt: str) -> HttpResponse:
    """The report's file: an issued version as stored (``?version=N``, else the latest while
    issued), otherwise the draft made now."""
    _require_view(request.user)
    year = _year(year)
    if fmt not in CONTENT_TYPES:
        raise Http404
    number = request.GET.get("version", "")
    version = None
    report = AnnualReport.objects.filter(fiscal_year=year).first()
    if report is not None and number.isdigit():
        version = AnnualReportVersion.objects.filter(report=report, version=int(number)).first()
        if version is None:
            raise Http404
    elif report is not None and report.status == "issued":
        version = selectors.latest_version(report)
    if version is not None:
        data = (version.docx if fmt == "docx" else version.xlsx).read()
        name = f"annual_report_{year}_v{version.version}.{fmt}"
    else:
        snapshot = selectors.report_snapshot(year)
        data = (files.docx_bytes if fmt == "docx" else files.xlsx_bytes)(snapshot, "（案）")
        name = f"annual_report_{year}_draft.{fmt}"
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


ACTIONS = (
    "create",
    "edit_text",
    "enter_figure",
    "submit",
    "return",
    "approve",
    "request_correction",
)


@require_POST
def act(request: Any, year: int, action: str) -> HttpResponse:
    """The report's state changes, each one service call."""
    year = _year(year)
    if action not in ACTIONS:
        raise Http404
    user, post = request.user, request.POST
    report = AnnualReport.objects.filter(fiscal_year=year).first()
    if action not in ("create", "enter_figure") and report is None:
        raise Http404
    try:
        if action == "create":
            services.create_report(actor=user, fiscal_year=year)
        elif action == "enter_figure":
            # A figure the data cannot count (participants, coverage from outside the
            # registry): typed as the office writes it, full-width digits and separators too.
            services.enter_figure(
                actor=user,
                fiscal_year=year,
                entry=services.FigureEntry(
                    key=post.get("key", ""),
                    value=normalize(post.get("value", "")).replace(",", "").strip(),
                    basis=post.get("basis", ""),
                    qualifier=post.get("qualifier", ""),
                    note=post.get("note", ""),
                ),
            )
        elif action == "edit_text":
            assert report is not None
            services.edit_text(
                actor=user,
                report=report,
                section=post.get("section", ""),
                text=post.get("text", ""),
            )
        elif action == "submit":
            assert report is not None
            services.submit_report(actor=user, report=report)
        elif action == "return":
            assert report is not None
            services.return_report(actor=user, report=report, reason=post.get("reason", ""))
        elif action == "approve":
            assert report is not None
            services.approve_report(actor=user, report=report)
        else:
            assert report is not None
            services.request_correction(actor=user, report=report, reason=post.get("reason", ""))
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("事務事業実績を更新しました。"))
    return redirect(reverse("reports:detail", args=[year]))

"""The 決定の経緯 page of a case: its decisions, audit events, deadlines and documents on one
timeline, read only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST, require_safe

from governance import permissions
from governance.cases.selectors import access_case
from governance.decisions import (
    desk,
    exports,
    extractions,
    package,
    point_in_time,
    search,
    selectors,
)
from governance.models import CaseKind, Job


@require_safe
def case_trace(request: Any, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    entries = selectors.case_trace(request.user, case)
    return render(
        request,
        "decisions/trace.html",
        {
            "case": case,
            "entries": entries,
            "decision_count": sum(1 for entry in entries if entry.kind == "decision"),
            "details": selectors.sees_decision_details(request.user),
            "can_package": package.can_export_package(request.user, case),
        },
    )


# --- The audit search (監査証跡) and the saved extractions (監査用抽出) --------------------------


class AuditSearchView(generic.ListView):
    """The whole trail, filtered, in Japanese labels; with the chain's verification and the
    monthly anchors. Read only: a POST is refused (the exports have their own URL)."""

    template_name = "audit/list.html"
    paginate_by = 100
    context_object_name = "events"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> Any:
        self.filters = search.cleaned_filters(self.request.GET)
        return search.search_events(self.request.user, self.filters)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from governance.audit.anchors import check_anchors
        from governance.audit.selectors import all_audit_anchors
        from governance.audit.services import verify_chain

        context = super().get_context_data(**kwargs)
        context["rows"] = search.event_rows(list(context["events"]))
        context["params"] = self.request.GET
        context["filters"] = self.filters
        context["columns"] = search.COLUMNS
        context["departments"] = search.departments(self.request.user)
        context["actions"] = search.action_choices()
        context["kinds"] = CaseKind.choices
        context["can_extract"] = extractions.can_extract(self.request.user)
        context["anchors"] = all_audit_anchors(self.request.user)[:24]
        if self.request.GET.get("verify"):
            context["report"] = verify_chain()
            context["anchor_check"] = check_anchors()
        return context


def _download(content: bytes, name: str, file_format: str) -> HttpResponse:
    content_type = exports.XLSX_TYPE if file_format == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _format(request: Any) -> str:
    file_format = request.POST.get("format", "xlsx")
    if file_format not in exports.FORMATS:
        raise Http404
    return file_format


@require_POST
def audit_search_export(request: Any) -> HttpResponse:
    """The search's rows (all pages) as CSV or .xlsx; the export is recorded first."""
    file_format = _format(request)
    filters = search.cleaned_filters(request.POST)
    events = list(search.search_events(request.user, filters))
    rows = [row.values() for row in search.event_rows(events, request.build_absolute_uri("/")[:-1])]
    exports.record_export(
        actor=request.user,
        target="search",
        file_format=file_format,
        filters=filters,
        rows=len(rows),
    )
    if file_format == "csv":
        content = exports.csv_bytes(search.COLUMNS, rows)
    else:
        content = exports.xlsx_bytes(str(_("監査証跡")), search.COLUMNS, rows)
    return _download(content, exports.file_name("audit_trail", file_format), file_format)


@require_safe
def extraction_list(request: Any) -> HttpResponse:
    permissions.require(extractions.can_extract(request.user))
    return render(
        request, "decisions/extractions.html", {"extractions": extractions.EXTRACTIONS.values()}
    )


def _extraction(request: Any, slug: str) -> extractions.Extraction:
    if slug not in extractions.EXTRACTIONS:
        raise Http404
    return extractions.extraction_for(request.user, slug)


@require_safe
def extraction_detail(request: Any, slug: str) -> HttpResponse:
    extraction = _extraction(request, slug)
    filters = extractions.extraction_filters(request.GET)
    rows = extractions.run(request.user, extraction, filters)
    return render(
        request,
        "decisions/extraction.html",
        {
            "extraction": extraction,
            "rows": rows,
            "filters": filters,
            "fiscal_year": extractions._fiscal_year(filters),
        },
    )


@require_POST
def extraction_export(request: Any, slug: str) -> HttpResponse:
    extraction = _extraction(request, slug)
    file_format = _format(request)
    filters = extractions.extraction_filters(request.POST)
    base = request.build_absolute_uri("/")[:-1]
    rows = extractions.run(request.user, extraction, filters, base)
    exports.record_export(
        actor=request.user,
        target=f"extraction:{slug}",
        file_format=file_format,
        filters=filters,
        rows=len(rows),
    )
    if file_format == "csv":
        content = exports.csv_bytes(extraction.columns, rows)
    else:
        content = exports.xlsx_bytes(str(extraction.title), extraction.columns, rows)
    return _download(content, exports.file_name(f"audit_{slug}", file_format), file_format)


# --- The audit package (監査パッケージ) of a case ------------------------------------------------


def case_package(request: Any, pk: int) -> HttpResponse:
    """GET: the case's package jobs (running, done with a download, failed with 再実行);
    POST: queue a new package. Auditors, and approvers for the cases they see."""
    case = access_case(request.user, pk)
    permissions.require(package.can_export_package(request.user, case), package.NOT_ALLOWED)
    if request.method == "POST":
        package.request_package(actor=request.user, case=case)
        return redirect("home:case_package", pk=case.pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return render(
        request,
        "decisions/package.html",
        {"case": case, "jobs": package.package_jobs(request.user, case)},
    )


@require_safe
def package_download(request: Any, pk: Any) -> FileResponse:
    job = get_object_or_404(Job.objects.select_related("case"), pk=pk)
    if job.case is None or not permissions.can_view_case(request.user, job.case):
        raise Http404
    handle = package.package_file(request.user, job)
    return FileResponse(handle, as_attachment=True, filename=f"audit_package_{job.case.number}.zip")


# --- The case at a chosen moment (時点表示) ---------------------------------------------------


def _moment(text: str) -> Any:
    """A ``datetime-local`` value read in Japan's time; None when absent or unreadable."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    parsed = parse_datetime(text) if text else None
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@require_safe
def case_as_of(request: Any, pk: int) -> HttpResponse:
    from django.utils import timezone

    case = access_case(request.user, pk)
    permissions.require(package.can_export_package(request.user, case), package.NOT_ALLOWED)
    moment = _moment(request.GET.get("at", "").strip()) or timezone.now()
    state = point_in_time.case_as_of(request.user, case, moment)
    can, cannot = point_in_time.limits()
    return render(
        request,
        "decisions/as_of.html",
        {
            "case": case,
            "state": state,
            "at": timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M"),
            "can": can,
            "cannot": cannot,
            "not_existing": _(point_in_time.NOT_EXISTING),
        },
    )


@require_safe
def document_preview(request: Any, pk: int, template: str) -> HttpResponse:
    """The .docx the case's approval would issue, as the case is now, marked 案."""
    case = access_case(request.user, pk)
    if template not in desk.BUILDERS:
        raise Http404
    data = desk.render_preview(request.user, case, template)
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = quote(f"{case.number}_案.docx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response

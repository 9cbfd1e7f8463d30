"""Pages of the system registry (システムカルテ): list, detail, edit forms, the lock-in and
coverage reports, import and export. Views parse, call a selector or service, and render."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST

from forms.karte import (
    ContractForm,
    CostYearForm,
    ImportForm,
    MonitoringForm,
    SystemForm,
    cost_field_name,
)
from governance import permissions
from governance.conflicts import retry_once_on_conflict
from governance.japanese import JapaneseInputError, parse_fiscal_year
from governance.karte import io as karte_io
from governance.karte import selectors, services
from governance.karte.rules import Coverage
from governance.models import (
    ApprovalStatus,
    CostRecord,
    InformationSystem,
    NetworkSegment,
    SystemKind,
)
from governance.roles import Role
from governance.uploads import UploadRejected, check_upload


def _detail_url(system: InformationSystem) -> str:
    return reverse("karte:detail", args=[system.pk])


class SystemListView(generic.ListView):
    """Every system the user may see, with filters, search, sort and pagination."""

    template_name = "karte/list.html"
    paginate_by = 50
    context_object_name = "systems"

    def get_queryset(self) -> Any:
        self.filters = selectors.SystemFilters.from_params(self.request.GET)
        return selectors.system_list(self.request.user, self.filters)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            filters=self.filters,
            departments=selectors.departments_for(user),
            kinds=SystemKind.choices,
            coverages=Coverage.choices,
            statuses=InformationSystem.Status.choices,
            nc_segments=NetworkSegment.choices,
            nc_statuses=ApprovalStatus.choices,
            sorts=[
                ("code", _("システムコード")),
                ("name", _("システム名")),
                ("department", _("部局")),
                ("kind", _("区分")),
                ("first_year", _("初期運用開始年度")),
                ("tenure", _("同一事業者の継続年数")),
            ],
            can_register=permissions.can_register_system(user),
        )
        return context


def system_detail(request: Any, pk: int) -> HttpResponse:
    system = selectors.access_system(request.user, pk)
    detail = selectors.system_detail(request.user, system)
    # 緊急遮断: the network admin, or the CSIRT from an incident (governance.network.permissions).
    can_suspend = permissions.may_act(request.user) and permissions.has_role(
        request.user, Role.NETWORK_ADMIN, Role.CSIRT_MEMBER, Role.CSIRT_LEAD
    )
    return render(
        request,
        "karte/detail.html",
        {"detail": detail, "system": system, "can_suspend": can_suspend},
    )


def _system_values(form: SystemForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("code", None)
    for name in ("server_location",):
        data[name] = data.get(name) or ""
    return data


@retry_once_on_conflict
def system_create(request: Any) -> HttpResponse:
    if not permissions.can_register_system(request.user):
        raise permissions.Refused(_(permissions.SYSTEM_READ_ONLY))
    departments = selectors.departments_to_register(request.user)
    initial: dict[str, Any] = {"status": InformationSystem.Status.ACTIVE, "internet_facing": "0"}
    if departments.count() == 1:
        initial["department"] = departments.first()
    form = SystemForm(request.POST or None, departments=departments, creating=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _system_values(form)
        try:
            system = services.create_system(
                actor=request.user, code=form.cleaned_data["code"], **values
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("システムを登録しました。"))
            return redirect(_detail_url(system))
    return render(request, "karte/system_form.html", {"form": form, "system": None})


def system_edit(request: Any, pk: int) -> HttpResponse:
    system = selectors.access_system_for_edit(request.user, pk)
    departments = selectors.departments_to_register(request.user)
    form = SystemForm(
        request.POST or None,
        departments=departments,
        creating=False,
        initial=SystemForm.initial_for(system),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_system(actor=request.user, system=system, **_system_values(form))
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("システムカルテを更新しました。"))
            return redirect(_detail_url(system))
    return render(request, "karte/system_form.html", {"form": form, "system": system})


def contract_add(request: Any, pk: int) -> HttpResponse:
    system = selectors.access_system_for_edit(request.user, pk)
    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_contract(actor=request.user, system=system, **form.cleaned_data)
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("契約を登録しました。"))
            return redirect(_detail_url(system))
    return render(request, "karte/contract_form.html", {"form": form, "system": system})


@require_POST
def contract_delete(request: Any, pk: int, contract_pk: int) -> HttpResponse:
    system = selectors.access_system_for_edit(request.user, pk)
    contract = selectors.access_contract(system, contract_pk)
    services.delete_contract(actor=request.user, contract=contract)
    messages.success(request, _("契約を削除しました。"))
    return redirect(_detail_url(system))


def _year_param(request: Any) -> int | None:
    try:
        return parse_fiscal_year(request.GET.get("fiscal_year", ""))
    except JapaneseInputError:
        return None


def costs_edit(request: Any, pk: int) -> HttpResponse:
    """One fiscal year's figures, the year chosen first (``?fiscal_year=``): a blank cell
    removes a figure, so the grid is only offered filled with that year's current values."""
    system = selectors.access_system_for_edit(request.user, pk)
    year = _year_param(request)
    context: dict[str, Any] = {
        "system": system,
        "fiscal_year": year,
        "years": selectors.cost_years(system),
        "year_text": request.GET.get("fiscal_year", ""),
    }
    if year is None:
        return render(request, "karte/costs_form.html", context)
    initial = {
        cost_field_name(record.kind, record.category, record.perspective): (
            record.amount_thousand_yen
        )
        for record in CostRecord.objects.filter(system=system, fiscal_year=year)
    }
    form = CostYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.set_costs(
            actor=request.user, system=system, fiscal_year=year, figures=form.figures()
        )
        messages.success(request, _("経費を更新しました（%(n)s 件）。") % {"n": changed})
        return redirect(_detail_url(system))
    context["form"] = form
    return render(request, "karte/costs_form.html", context)


def monitoring_edit(request: Any, pk: int) -> HttpResponse:
    system = selectors.access_system_for_edit(request.user, pk)
    initial: dict[str, Any] = {}
    for row in system.monitoring.all():
        initial[f"{row.service}__enrolled"] = "1" if row.enrolled else "0"
        initial[f"{row.service}__own_measures"] = row.own_measures
        initial[f"{row.service}__exemption_reason"] = row.exemption_reason
    form = MonitoringForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        entries = {
            service: services.Enrolment(*entry) if entry is not None else None
            for service, entry in form.entries().items()
        }
        try:
            services.set_monitoring(actor=request.user, system=system, entries=entries)
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("監視サービスの登録状況を更新しました。"))
            return redirect(_detail_url(system))
    return render(request, "karte/monitoring_form.html", {"form": form, "system": system})


class LockInReportView(generic.TemplateView):
    template_name = "karte/lock_in.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["report"] = selectors.lock_in_report(self.request.user)
        return context


class CoverageReportView(generic.TemplateView):
    template_name = "karte/coverage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["report"] = selectors.coverage_report(self.request.user)
        context["coverage_values"] = [
            (value, label) for value, label in Coverage.choices if value != "not_applicable"
        ]
        return context


IMPORT_RESULT_KEY = "karte_import_result"


def import_systems(request: Any) -> HttpResponse:
    if not permissions.can_import_systems(request.user):
        raise permissions.Refused(_(permissions.NOT_ALLOWED))
    form = ImportForm(request.POST or None, request.FILES or None)
    limits = karte_io.UPLOAD_LIMITS
    context: dict[str, Any] = {
        "form": form,
        "sheets": karte_io.SHEETS,
        "limits": {"systems": f"{limits.systems:,}", "rows": f"{limits.rows:,}"},
    }
    if request.method == "POST" and form.is_valid():
        try:
            upload = check_upload(form.cleaned_data["file"], allowed=("xlsx", "csv"))
            parsed = karte_io.read_file(upload.name, upload.data)
            result = services.import_systems(
                actor=request.user,
                parsed=parsed,
                source=f"{upload.name} (SHA-256 {upload.sha256})",
            )
        except UploadRejected as exc:
            form.add_error("file", str(exc))
        except karte_io.KarteImportError as exc:
            context["issues"] = exc.issues[: karte_io.MAX_ISSUES]
            context["more_issues"] = max(0, len(exc.issues) - karte_io.MAX_ISSUES)
        else:
            # Post/redirect/get: a reload never offers to send the workbook again.
            request.session[IMPORT_RESULT_KEY] = dataclasses.asdict(result)
            return redirect("karte:import")
    elif request.method == "GET":
        context["result"] = request.session.pop(IMPORT_RESULT_KEY, None)
    return render(request, "karte/import.html", context)


def export_systems(request: Any) -> HttpResponse:
    systems = selectors.systems_to_export(request.user)
    stamp = timezone.localdate().strftime("%Y%m%d")
    sheet = request.GET.get("sheet", "")
    if request.GET.get("format") == "csv":
        try:
            sheet = karte_io.sheet_for(sheet or karte_io.SHEET_SYSTEMS)
        except ValueError:
            sheet = karte_io.SHEET_SYSTEMS
        text = io.StringIO()
        karte_io.write_csv(systems, sheet, text)
        index = karte_io.SHEETS.index(sheet) + 1
        response = HttpResponse(
            ("\ufeff" + text.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="system_karte_{stamp}_sheet{index}.csv"'
        )
        return response
    buffer = io.BytesIO()
    karte_io.write_workbook(systems, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="system_karte_{stamp}.xlsx"'
    return response

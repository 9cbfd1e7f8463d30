"""Budget-check pages beside the flow: the season's progress, the season's dates, and the
guidance-item ledger (指導事項台帳). Thin: parse, call a selector or service, render."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from forms.budget import (
    BudgetSeasonForm,
    EditBudgetSeasonForm,
    ReopenGuidanceItemForm,
    ResolveGuidanceItemForm,
    WaiveGuidanceItemForm,
)
from governance import japanese, permissions
from governance.budget import selectors as reads
from governance.budget import services
from governance.budget.services import season as budget_season
from governance.japanese import fiscal_year_of
from governance.models import BudgetSeason, Department, LedgerStatus


class SeasonProgressView(generic.TemplateView):
    """Cases of one season by state, per reviewer, and past the deadline."""

    template_name = "budget/progress.html"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not permissions.can_view_budget_season_progress(request.user):
            if permissions.is_department_staff(request.user):
                return HttpResponseRedirect(reverse("budget:ledger"))
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        seasons = list(BudgetSeason.objects.order_by("-fiscal_year"))
        year = self.request.GET.get("fiscal_year", "")
        season = next((s for s in seasons if str(s.fiscal_year) == year), None)
        if season is None and seasons:
            upcoming = fiscal_year_of(timezone.localdate()) + 1
            season = next((s for s in seasons if s.fiscal_year <= upcoming), seasons[-1])
        context.update(
            seasons=seasons,
            season=season,
            progress=(
                reads.season_progress(self.request.user, season, timezone.localdate())
                if season
                else None
            ),
            can_manage=permissions.can_manage_budget_seasons(self.request.user),
        )
        return context


class _SeasonFormView(generic.FormView):
    request: Any
    template_name = "budget/season_form.html"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not permissions.can_manage_budget_seasons(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def save(self, form: Any) -> BudgetSeason:
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            with transaction.atomic():
                season = self.save(form)
        except ValueError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("予算確認シーズンを保存しました。"))
        return HttpResponseRedirect(f"{reverse('budget:index')}?fiscal_year={season.fiscal_year}")


class SeasonCreateView(_SeasonFormView):
    form_class = BudgetSeasonForm

    def get_initial(self) -> dict[str, Any]:
        return {"fiscal_year": fiscal_year_of(timezone.localdate()) + 1, "reminder_lead_days": 3}

    def save(self, form: Any) -> BudgetSeason:
        data = form.cleaned_data
        return budget_season.create_budget_season(
            actor=self.request.user,
            fiscal_year=data["fiscal_year"],
            opens_on=data["opens_on"],
            deadline=data["deadline"],
            reminder_lead_days=data["reminder_lead_days"],
            notes=data.get("notes", ""),
        )


class SeasonEditView(_SeasonFormView):
    form_class = EditBudgetSeasonForm

    @property
    def season(self) -> BudgetSeason:
        return get_object_or_404(BudgetSeason, pk=self.kwargs["pk"])

    def get_initial(self) -> dict[str, Any]:
        season = self.season
        return {
            "opens_on": season.opens_on,
            "deadline": season.deadline,
            "reminder_lead_days": season.reminder_lead_days,
            "notes": season.notes,
        }

    def save(self, form: Any) -> BudgetSeason:
        data = form.cleaned_data
        return budget_season.update_budget_season(
            actor=self.request.user,
            season=self.season,
            opens_on=data["opens_on"],
            deadline=data["deadline"],
            reminder_lead_days=data["reminder_lead_days"],
            notes=data.get("notes", ""),
            reason=data.get("reason", ""),
        )


class GuidanceLedgerView(generic.ListView):
    """The guidance items the user may see, filterable by status, year, department, text."""

    template_name = "budget/ledger.html"
    paginate_by = 50
    context_object_name = "items"

    def get_queryset(self) -> Any:
        queryset = reads.visible_guidance_items(self.request.user)
        params = self.request.GET
        status = params.get("status", LedgerStatus.OPEN)
        if status in LedgerStatus.values:
            queryset = queryset.filter(status=status)
        if (year := japanese.read_fiscal_year(params.get("fiscal_year", ""))) is not None:
            queryset = queryset.filter(case__fiscal_year=year)
        if (department := params.get("department", "")).isdigit():
            queryset = queryset.filter(department_id=int(department))
        if params.get("overdue"):
            queryset = queryset.filter(status=LedgerStatus.OPEN, due_date__lt=timezone.localdate())
        if query := params.get("q", "").strip():
            queryset = queryset.filter(
                Q(text__icontains=query)
                | Q(case__number__icontains=query)
                | Q(system__name__icontains=query)
            )
        return queryset.order_by("due_date", "case__number", "sequence")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            params=self.request.GET,
            current_status=self.request.GET.get("status", LedgerStatus.OPEN),
            statuses=LedgerStatus.choices,
            departments=(
                Department.objects.all()
                if permissions.reads_all_review_cases(self.request.user)
                else []
            ),
            today=timezone.localdate(),
        )
        return context


class GuidanceItemView(generic.TemplateView):
    """One guidance item, with the forms to resolve it (evidence) or waive it (reason)."""

    template_name = "budget/item.html"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.item = reads.access_guidance_item(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        item = self.item
        is_open = item.status == LedgerStatus.OPEN
        reported = item.status == LedgerStatus.REPORTED
        context.update(
            item=item,
            can_resolve=is_open and permissions.can_resolve_guidance_item(user, item),
            can_waive=is_open and permissions.can_waive_guidance_item(user, item),
            can_confirm=reported and permissions.can_confirm_guidance_item(user, item),
            resolve_form=kwargs.get("resolve_form") or ResolveGuidanceItemForm(),
            waive_form=kwargs.get("waive_form") or WaiveGuidanceItemForm(),
            reopen_form=kwargs.get("reopen_form") or ReopenGuidanceItemForm(),
        )
        return context

    FORMS: ClassVar[dict[str, tuple[Any, str]]] = {
        "resolve": (ResolveGuidanceItemForm, "resolve_form"),
        "waive": (WaiveGuidanceItemForm, "waive_form"),
        "confirm": (forms.Form, "confirm_form"),
        "reopen": (ReopenGuidanceItemForm, "reopen_form"),
    }

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        if action not in self.FORMS:
            raise PermissionDenied
        form_class, key = self.FORMS[action]
        form: Any = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    self._act(action, form.cleaned_data)
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("指導事項の対応を登録しました。"))
                return HttpResponseRedirect(reverse("budget:item", args=[self.item.pk]))
        if action == "confirm":
            for error in form.non_field_errors():
                messages.error(request, error)
            return HttpResponseRedirect(reverse("budget:item", args=[self.item.pk]))
        return self.render_to_response(self.get_context_data(**{key: form}))

    def _act(self, action: str, data: dict[str, Any]) -> None:
        actor: Any = self.request.user
        item = self.item
        if action == "resolve":
            services.resolve_guidance_item(
                actor=actor, item=item, evidence=data["evidence"], upload=data.get("file")
            )
        elif action == "waive":
            services.waive_guidance_item(actor=actor, item=item, reason=data["reason"])
        elif action == "confirm":
            services.confirm_guidance_item(actor=actor, item=item)
        else:
            services.reopen_guidance_item(actor=actor, item=item, reason=data["reason"])

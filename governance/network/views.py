"""Pages beside the network connection flow: the 接続承認一覧 (with its .xlsx export and the
approvals waiting for the approver's review), one approval with the actions on it (emergency
disconnection, restoration, revocation, decommission, disconnection), the emergency
disconnection of a system from an incident, and the conditions ledger. Views parse, call a
selector or a service, and render; every POST is refused to auditors by the services."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST

from forms.network import ConditionReportForm, ReasonForm
from governance import permissions
from governance.karte import selectors as karte_reads
from governance.models import (
    ApprovalReview,
    ApprovalStatus,
    Case,
    CaseKind,
    NetworkSegment,
)
from governance.network import permissions as network_permissions
from governance.network import selectors, services


def _require_pages(user: Any) -> None:
    if not permissions.can_view_flow(user, CaseKind.NETWORK_CONNECTION):
        raise PermissionDenied


class ApprovalListView(generic.ListView):
    """Every approval the user may see, filtered by segment, status and department."""

    template_name = "network/approvals.html"
    paginate_by = 50
    context_object_name = "approvals"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        _require_pages(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        self.filters = selectors.ApprovalFilters.from_params(self.request.GET)
        return selectors.approval_list(self.request.user, self.filters)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        user = self.request.user
        context.update(
            filters=self.filters,
            rows=[(approval, approval.status_label(today)) for approval in context["approvals"]],
            segments=NetworkSegment.choices,
            statuses=ApprovalStatus.choices,
            departments=selectors.departments_for(user),
            reviews=list(selectors.open_reviews(user)[:50]),
            query=self.request.GET.urlencode(),
        )
        return context


def export_approvals(request: Any) -> HttpResponse:
    """The 接続承認一覧 as .xlsx (the list's filters apply), for the yearly survey."""
    _require_pages(request.user)
    filters = selectors.ApprovalFilters.from_params(request.GET)
    buffer = io.BytesIO()
    today = timezone.localdate()
    services.write_approvals_workbook(
        selectors.approval_list(request.user, filters), buffer, today=today
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="network_connections_{today:%Y%m%d}.xlsx"'
    )
    return response


APPROVAL_ACTIONS = (
    "suspend",
    "restore",
    "revoke",
    "report_decommission",
    "confirm_decommission",
    "confirm_disconnection",
    "settle_review",
)


def approval_detail(request: Any, pk: int) -> HttpResponse:
    """One approval: its facts, conditions, review tasks, clocks, and the actions the user may
    take (each POST goes to a service, which checks permission itself)."""
    approval = selectors.access_approval(request.user, pk)
    if request.method == "POST":
        return _approval_action(request, approval)
    user = request.user
    actions = {
        action: network_permissions.can_do_approval_action(user, approval.case, action)
        for action in APPROVAL_ACTIONS
    }
    context = {
        "approval": approval,
        "status_label": approval.status_label(timezone.localdate()),
        "conditions": list(approval.conditions.order_by("number")),
        "reviews": list(approval.reviews.select_related("resolved_by").order_by("-created_at")),
        "assets": list(approval.assets.order_by("hostname")),
        "actions": actions,
        "form": ReasonForm(),
    }
    return render(request, "network/approval.html", context)


def _approval_action(request: Any, approval: Any) -> HttpResponse:
    action = request.POST.get("action", "")
    if action not in APPROVAL_ACTIONS:
        raise PermissionDenied
    # Refused before reading anything else: auditors and people without the role get 403.
    network_permissions.require_approval_action(request.user, approval.case, action)
    reason = request.POST.get("reason", "")
    user = request.user
    try:
        with transaction.atomic():
            if action == "suspend":
                services.suspend_approvals(actor=user, approval=approval, reason=reason)
            elif action == "restore":
                services.restore_approval(actor=user, approval=approval, reason=reason)
            elif action == "revoke":
                services.revoke_approval(actor=user, approval=approval, reason=reason)
            elif action == "report_decommission":
                services.report_decommission(actor=user, approval=approval, note=reason)
            elif action == "confirm_decommission":
                services.confirm_decommission(actor=user, approval=approval, note=reason)
            elif action == "confirm_disconnection":
                services.confirm_disconnection(actor=user, approval=approval, note=reason)
            else:
                review = get_object_or_404(
                    ApprovalReview, pk=request.POST.get("review") or 0, approval=approval
                )
                services.settle_review(actor=user, review=review, note=reason)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("接続承認を更新しました。"))
    return redirect(reverse("network:approval", args=[approval.pk]))


@require_POST
def suspend_system(request: Any, pk: int) -> HttpResponse:
    """緊急遮断 of every approval in force of a system (the CSIRT names its incident)."""
    system = karte_reads.access_system(request.user, pk)
    incident = None
    number = request.POST.get("incident", "").strip()
    if number:
        incident = Case.objects.filter(kind=CaseKind.INCIDENT, number=number).first()
    try:
        with transaction.atomic():
            suspended = services.suspend_approvals(
                actor=request.user,
                system=system,
                reason=request.POST.get("reason", ""),
                incident=incident,
            )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("{count} 件の接続承認を緊急遮断しました。").format(count=len(suspended))
        )
    return redirect(reverse("karte:detail", args=[system.pk]))


class ConditionListView(generic.ListView):
    template_name = "network/conditions.html"
    paginate_by = 50
    context_object_name = "conditions"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        _require_pages(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return selectors.condition_list(
            self.request.user, open_only=self.request.GET.get("all") != "1"
        )


CONDITION_ACTIONS = {
    "report": "report_condition",
    "verify": "verify_condition",
    "reopen": "verify_condition",
    "waive": "waive_condition",
}


def condition_detail(request: Any, pk: int) -> HttpResponse:
    condition = selectors.access_condition(request.user, pk)
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in CONDITION_ACTIONS:
            raise PermissionDenied
        network_permissions.require_approval_action(user, condition.case, CONDITION_ACTIONS[action])
        text = request.POST.get("evidence") or request.POST.get("reason", "")
        try:
            with transaction.atomic():
                if action == "report":
                    services.report_condition(
                        actor=user,
                        condition=condition,
                        evidence=text,
                        upload=request.FILES.get("file"),
                    )
                elif action == "verify":
                    services.verify_condition(actor=user, condition=condition, note=text)
                elif action == "reopen":
                    services.reopen_condition(actor=user, condition=condition, reason=text)
                else:
                    services.waive_condition(actor=user, condition=condition, reason=text)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("承認条件を更新しました。"))
        return redirect(reverse("network:condition", args=[condition.pk]))
    context = {
        "condition": condition,
        "can": {
            action: network_permissions.can_do_approval_action(user, condition.case, role)
            for action, role in CONDITION_ACTIONS.items()
        },
        "report_form": ConditionReportForm(),
    }
    return render(request, "network/condition.html", context)

"""The audit trail, for auditors and administrators, with the monthly anchors of its head."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views import generic

from governance.audit import selectors
from governance.audit.anchors import check_anchors, monthly_document
from governance.audit.services import verify_chain


class AuditTrailView(generic.ListView):
    template_name = "audit/list.html"
    paginate_by = 100
    context_object_name = "events"

    def get_queryset(self) -> Any:
        queryset = selectors.all_audit_events(self.request.user).select_related("case")
        params = self.request.GET
        if action := params.get("action", "").strip():
            queryset = queryset.filter(action__startswith=action)
        if actor := params.get("actor", "").strip():
            queryset = queryset.filter(actor_name__icontains=actor)
        if case := params.get("case", "").strip():
            queryset = queryset.filter(case__number__icontains=case)
        return queryset.order_by("-sequence")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["params"] = self.request.GET
        context["anchors"] = selectors.all_audit_anchors(self.request.user)[:24]
        if self.request.GET.get("verify"):
            context["report"] = verify_chain()
            context["anchor_check"] = check_anchors()
        return context


def anchor_document(request: Any, pk: int) -> HttpResponse:
    """A monthly anchor as a text file the auditor keeps outside the system."""
    anchor = get_object_or_404(selectors.all_audit_anchors(request.user), pk=pk)
    response = HttpResponse(monthly_document(anchor), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-anchor-{anchor.period}.txt"'
    return response

"""The audit trail, for auditors and administrators."""

from __future__ import annotations

from typing import Any

from django.views import generic

from governance import permissions, selectors
from governance.services.audit import verify_chain


class AuditTrailView(generic.ListView):
    template_name = "governance/audit/list.html"
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
        if self.request.GET.get("verify"):
            context["report"] = verify_chain()
        return context


def audit_app_permission(user: Any) -> bool:
    return permissions.is_auditor(user) or permissions.is_admin(user)

"""The API's addresses: ``/api/v1/…`` (people by session, integrations by key), the schema at
``/api/schema/`` and its docs at ``/api/docs/`` (both behind the site's login).

The v1 endpoints answer for themselves (401/403 in JSON, not a redirect to the login page),
so they are exempt from the login middleware; the second-factor rule is enforced by the API's
session authentication (``governance.api.authentication``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance.api import schema  # noqa: F401  (registers the authentication schemes)
from governance.api.endpoints import cases, deadlines, events, incidents, network, reports, systems


def _api(view: Any) -> Any:
    wrapped = login_not_required(view)
    wrapped.shinsa_api = True  # governance.middleware.SecondFactorRequiredMiddleware
    return wrapped


class ShinsaSwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's files, its start script a separate file (no inline
    script or ``<style>``, so the site's Content-Security-Policy holds)."""

    template_name = "api/swagger_ui.html"
    title = _("審査 Shinsa API")  # type: ignore[assignment]  # translated lazily, as the pages


v1 = [
    path("systems/", _api(systems.SystemList.as_view()), name="systems"),
    path("systems/<str:code>/", _api(systems.SystemDetail.as_view()), name="system"),
    path(
        "systems/<str:code>/monitored-targets/",
        _api(systems.MonitoredTargets.as_view()),
        name="system_targets",
    ),
    path("cases/", _api(cases.CaseList.as_view()), name="cases"),
    path("cases/<str:number>/", _api(cases.CaseDetail.as_view()), name="case"),
    path(
        "cases/<str:number>/audit-events/",
        _api(cases.CaseAuditEvents.as_view()),
        name="case_audit_events",
    ),
    path(
        "cases/<str:number>/documents/", _api(cases.CaseDocuments.as_view()), name="case_documents"
    ),
    path(
        "cases/<str:number>/deadlines/", _api(cases.CaseDeadlines.as_view()), name="case_deadlines"
    ),
    path(
        "cases/<str:number>/decisions/", _api(cases.CaseDecisions.as_view()), name="case_decisions"
    ),
    path("incidents/", _api(incidents.IncidentList.as_view()), name="api_incidents"),
    path("incidents/<str:number>/", _api(incidents.IncidentDetail.as_view()), name="api_incident"),
    path(
        "incidents/<str:number>/observables/",
        _api(incidents.IncidentObservables.as_view()),
        name="incident_observables",
    ),
    path(
        "incidents/<str:number>/obligations/",
        _api(incidents.IncidentObligations.as_view()),
        name="incident_obligations",
    ),
    path(
        "incidents/<str:number>/timeline/",
        _api(incidents.IncidentTimeline.as_view()),
        name="incident_timeline",
    ),
    path("network-approvals/", _api(network.ApprovalList.as_view()), name="network_approvals"),
    path(
        "network-approvals/<str:number>/",
        _api(network.ApprovalDetail.as_view()),
        name="network_approval",
    ),
    path(
        "reports/annual/<str:fiscal_year>/",
        _api(reports.AnnualReport.as_view()),
        name="annual_report",
    ),
    path("audit/chain/", _api(reports.AuditChain.as_view()), name="audit_chain"),
    path("security-events/", _api(events.SecurityEventIntake.as_view()), name="security_events"),
    path(
        "security-events/batch/",
        _api(events.SecurityEventBatch.as_view()),
        name="security_events_batch",
    ),
    path(
        "security-events/<str:number>/",
        _api(events.SecurityEventDetail.as_view()),
        name="security_event",
    ),
    path("deadlines/", _api(deadlines.DeadlineList.as_view()), name="deadlines"),
    path("deadlines.ics", _api(deadlines.DeadlineCalendar.as_view()), name="deadlines_ics"),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    # DRF marks its views login_not_required; the schema lists every endpoint, so it and the
    # docs send an anonymous browser to the login page (and then the second factor).
    path("schema/", login_required(SpectacularAPIView.as_view()), name="api_schema"),
    path(
        "docs/",
        login_required(ShinsaSwaggerView.as_view(url_name="api_schema")),
        name="api_docs",
    ),
]

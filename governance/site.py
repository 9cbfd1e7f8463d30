"""The application shell: viewflow's Site with one application per workflow and the domain pages."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from governance import permissions
from governance.views import audit, cases, home, jobs
from workflows.base import CaseFlowAppViewset
from workflows.consultation import ConsultationFlow
from workflows.spec_review import SpecReviewAppViewset, SpecReviewFlow


class HomeApp(Application):
    app_name = "home"
    title = _("ホーム")
    icon = "home"
    menu_template_name = "governance/home/menu.html"

    index_path = path("", home.InboxView.as_view(), name="index")
    cases_path = path("cases/", cases.CaseListView.as_view(), name="cases")
    case_path = path("cases/<int:pk>/", cases.case_redirect, name="case")
    notifications_path = path(
        "notifications/", home.NotificationListView.as_view(), name="notifications"
    )
    notification_read_path = path(
        "notifications/<int:pk>/read/", home.mark_notification_read, name="notification_read"
    )
    document_path = path(
        "documents/<int:pk>/download/", cases.download_document, name="document_download"
    )
    attachment_path = path(
        "attachments/<int:pk>/download/", cases.download_attachment, name="attachment_download"
    )


class AuditApp(Application):
    app_name = "audit"
    title = _("監査証跡")
    icon = "policy"
    menu_template_name = "governance/audit/menu.html"

    index_path = path("", audit.AuditTrailView.as_view(), name="index")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return permissions.is_auditor(user) or permissions.is_admin(user)


class JobsApp(Application):
    app_name = "jobs"
    title = _("バックグラウンドジョブ")
    icon = "sync_problem"
    menu_template_name = "governance/jobs/menu.html"

    index_path = path("", jobs.JobListView.as_view(), name="index")
    retry_path = path("<uuid:pk>/retry/", jobs.retry, name="retry")


site = Site(
    title=_("審査 Shinsa"),
    primary_color="#1a4f8b",
    secondary_color="#3d7cc9",
    viewsets=[
        HomeApp(),
        CaseFlowAppViewset(ConsultationFlow, icon="forum"),
        SpecReviewAppViewset(SpecReviewFlow, icon="fact_check"),
        AuditApp(),
        JobsApp(),
    ],
)

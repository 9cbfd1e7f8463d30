"""The application shell: viewflow's Site with one application per workflow and the domain pages."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from governance import budget as budget_reads
from governance import permissions
from governance.views import audit, budget, cases, home, jobs, karte
from workflows.base import CaseFlowAppViewset
from workflows.budget_check import BudgetCheckAppViewset, BudgetCheckFlow
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
    document_regenerate_path = path(
        "documents/<int:pk>/regenerate/", cases.regenerate_document, name="document_regenerate"
    )
    share_path = path("cases/<int:pk>/share/", cases.share, name="case_share")
    unshare_path = path("cases/<int:pk>/unshare/", cases.share, {"undo": True}, name="case_unshare")
    attachment_path = path(
        "attachments/<int:pk>/download/", cases.download_attachment, name="attachment_download"
    )
    # The case page's 再実行 button, here so that it does not depend on who may open the
    # jobs application: whoever sees the case reaches it, and the service decides.
    job_retry_path = path("jobs/<uuid:pk>/retry/", jobs.retry, name="job_retry")


class KarteApp(Application):
    """The system registry (システムカルテ): list, detail, reports, import and export."""

    app_name = "karte"
    title = _("システムカルテ")
    icon = "dns"
    menu_template_name = "karte/menu.html"

    index_path = path("", karte.SystemListView.as_view(), name="index")
    create_path = path("new/", karte.system_create, name="create")
    detail_path = path("<int:pk>/", karte.system_detail, name="detail")
    edit_path = path("<int:pk>/edit/", karte.system_edit, name="edit")
    contract_add_path = path("<int:pk>/contracts/", karte.contract_add, name="contract_add")
    contract_delete_path = path(
        "<int:pk>/contracts/<int:contract_pk>/delete/",
        karte.contract_delete,
        name="contract_delete",
    )
    costs_path = path("<int:pk>/costs/", karte.costs_edit, name="costs")
    monitoring_path = path("<int:pk>/monitoring/", karte.monitoring_edit, name="monitoring")
    lock_in_path = path("reports/lock-in/", karte.LockInReportView.as_view(), name="lock_in")
    coverage_path = path("reports/coverage/", karte.CoverageReportView.as_view(), name="coverage")
    import_path = path("import/", karte.import_systems, name="import")
    export_path = path("export/", karte.export_systems, name="export")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return permissions.can_view_karte(user)


class AuditApp(Application):
    app_name = "audit"
    title = _("監査証跡")
    icon = "policy"
    menu_template_name = "governance/audit/menu.html"

    index_path = path("", audit.AuditTrailView.as_view(), name="index")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return permissions.is_auditor(user) or permissions.is_admin(user)


class BudgetApp(Application):
    """予算確認の管理: the season's progress (governance staff) and the guidance-item ledger."""

    app_name = "budget"
    title = _("予算確認の管理")
    icon = "fact_check"
    menu_template_name = "governance/budget/menu.html"

    index_path = path("", budget.SeasonProgressView.as_view(), name="index")
    season_create_path = path(
        "seasons/new/", budget.SeasonCreateView.as_view(), name="season_create"
    )
    season_edit_path = path(
        "seasons/<int:pk>/edit/", budget.SeasonEditView.as_view(), name="season_edit"
    )
    ledger_path = path("guidance/", budget.GuidanceLedgerView.as_view(), name="ledger")
    item_path = path("guidance/<int:pk>/", budget.GuidanceItemView.as_view(), name="item")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return budget.budget_app_permission(user)

    def get_context_data(self, request: Any) -> dict[str, Any]:
        return {"budget_can_view_progress": budget_reads.may_view_season_progress(request.user)}


class JobsApp(Application):
    app_name = "jobs"
    title = _("バックグラウンドジョブ")
    icon = "sync_problem"
    menu_template_name = "governance/jobs/menu.html"

    index_path = path("", jobs.JobListView.as_view(), name="index")
    retry_path = path("<uuid:pk>/retry/", jobs.retry, name="retry")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        # Department staff see their cases' failed jobs on the case page itself.
        return (
            permissions.is_admin(user)
            or permissions.is_governance_staff(user)
            or permissions.is_auditor(user)
        )


site = Site(
    title=_("審査 Shinsa"),
    primary_color="#1a4f8b",
    secondary_color="#3d7cc9",
    viewsets=[
        HomeApp(),
        CaseFlowAppViewset(ConsultationFlow, icon="forum"),
        BudgetCheckAppViewset(BudgetCheckFlow, icon="request_quote"),
        BudgetApp(),
        SpecReviewAppViewset(SpecReviewFlow, icon="fact_check"),
        KarteApp(),
        AuditApp(),
        JobsApp(),
    ],
)

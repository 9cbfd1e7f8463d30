"""The application shell: viewflow's Site with one application per workflow (registered by the
workflows app in ``governance.flows``) and the domain pages."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from governance import flows, home, home_notify, key_permissions, permissions
from governance.activity import permissions as report_permissions
from governance.activity import views as reports
from governance.audit import views as audit
from governance.budget import views as budget
from governance.cases import views as cases
from governance.dashboards import views as dashboards
from governance.decisions import views as decisions
from governance.incidents import permissions as incident_permissions
from governance.incidents import views as incidents
from governance.integrations import views as integration_keys
from governance.jobs import views as jobs
from governance.karte import views as karte
from governance.models import CaseKind
from governance.network import views as network
from governance.org import views as users
from governance.oversight import permissions as oversight_permissions
from governance.oversight import views as oversight


class ShinsaApp(Application):
    """An application of the Site, drawn in Shinsa's shell (header, language switch, user)."""

    base_template_name = "governance/base.html"


class HomeApp(ShinsaApp):
    app_name = "home"
    title = _("ホーム")
    icon = "home"
    menu_template_name = "home/menu.html"

    index_path = path("", home.InboxView.as_view(), name="index")
    cases_path = path("cases/", cases.CaseListView.as_view(), name="cases")
    case_path = path("cases/<int:pk>/", cases.case_redirect, name="case")
    case_trace_path = path("cases/<int:pk>/trace/", decisions.case_trace, name="case_trace")
    case_package_path = path(
        "cases/<int:pk>/audit-package/", decisions.case_package, name="case_package"
    )
    case_as_of_path = path("cases/<int:pk>/as-of/", decisions.case_as_of, name="case_as_of")
    package_download_path = path(
        "audit-packages/<uuid:pk>/download/", decisions.package_download, name="package_download"
    )
    document_preview_path = path(
        "cases/<int:pk>/preview/<slug:template>/",
        decisions.document_preview,
        name="document_preview",
    )
    notifications_path = path(
        "notifications/", home.NotificationListView.as_view(), name="notifications"
    )
    notifications_read_all_path = path(
        "notifications/read-all/", home_notify.mark_all_read, name="notifications_read_all"
    )
    notification_settings_path = path(
        "notifications/settings/",
        home_notify.notification_settings,
        name="notification_settings",
    )
    delegations_path = path("delegations/", home_notify.delegations, name="delegations")
    delegation_end_path = path(
        "delegations/end/", home_notify.end_delegation, name="delegation_end"
    )
    task_reassign_path = path(
        "tasks/<int:pk>/reassign/", home_notify.reassign_task, name="task_reassign"
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
    # ダッシュボード per role (NEXT_WAVE §C.5); each page checks its role, each widget scopes.
    dashboards_path = path("dashboards/", dashboards.index, name="dashboards")
    dashboard_export_path = path(
        "dashboards/export/<slug:report>.xlsx", dashboards.export, name="dashboard_export"
    )
    dashboard_path = path("dashboards/<slug:role>/", dashboards.dashboard, name="dashboard")


class KarteApp(ShinsaApp):
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


class AuditApp(ShinsaApp):
    app_name = "audit"
    title = _("監査証跡")
    icon = "policy"
    menu_template_name = "audit/menu.html"

    index_path = path("", decisions.AuditSearchView.as_view(), name="index")
    search_export_path = path("export/", decisions.audit_search_export, name="search_export")
    extractions_path = path("extractions/", decisions.extraction_list, name="extractions")
    extraction_path = path(
        "extractions/<slug:slug>/", decisions.extraction_detail, name="extraction"
    )
    extraction_export_path = path(
        "extractions/<slug:slug>/export/", decisions.extraction_export, name="extraction_export"
    )
    anchor_path = path("anchors/<int:pk>/", audit.anchor_document, name="anchor")
    verify_path = path("verify/", audit.verify, name="verify")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return permissions.can_view_audit_trail(user)


class BudgetApp(ShinsaApp):
    """予算確認の管理: the season's progress (governance staff) and the guidance-item ledger."""

    app_name = "budget"
    title = _("予算確認の管理")
    icon = "fact_check"
    menu_template_name = "budget/menu.html"

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
        return permissions.can_open_budget_app(user)

    def get_context_data(self, request: Any) -> dict[str, Any]:
        return {
            "budget_can_view_progress": permissions.can_view_budget_season_progress(request.user)
        }


class IncidentsApp(ShinsaApp):
    """CSIRT: the department report, the reporter's own reports, the event queue, incidents
    (NEXT_WAVE §B.3, §B.9). The flow's own pages are the ``incident`` application."""

    app_name = "incidents"
    title = _("インシデント管理")
    icon = "security"
    menu_template_name = "incidents/menu.html"

    index_path = path("", incidents.queue, name="index")
    report_path = path("report/", incidents.report, name="report")
    my_reports_path = path("my-reports/", incidents.my_reports, name="my_reports")
    my_event_path = path("my-reports/<int:pk>/", incidents.my_event, name="my_event")
    manual_path = path("events/new/", incidents.manual, name="manual")
    event_path = path("events/<int:pk>/", incidents.event_detail, name="event")
    mine_path = path("mine/", incidents.mine, name="mine")
    incident_path = path("<int:pk>/", incidents.IncidentView.as_view(), name="incident")
    # A leaked integration key is revoked by the CSIRT lead (the administrators' page is theirs).
    keys_path = path("keys/", integration_keys.csirt_keys, name="keys")
    key_revoke_path = path(
        "keys/<str:prefix>/revoke/", integration_keys.csirt_revoke, name="key_revoke"
    )
    incident_document_path = path(
        "<int:pk>/documents/", incidents.generate_document, name="incident_document"
    )
    incident_document_download_path = path(
        "<int:pk>/documents/<int:version>/",
        incidents.download_document,
        name="incident_document_download",
    )

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        # The 知事・副知事 open the incidents escalated to them (the pages check which).
        return (
            incident_permissions.can_report_event(user)
            or permissions.reads_incidents(user)
            or permissions.has_role(user, *permissions.ESCALATION_READER_ROLES)
        )

    def get_context_data(self, request: Any) -> dict[str, Any]:
        return {
            "incidents_is_csirt": permissions.reads_incidents(request.user),
            "incidents_revokes_keys": key_permissions.can_use_csirt_key_page(request.user),
        }


class NetworkApp(ShinsaApp):
    """接続承認の管理: the approvals after their cases, their conditions and review tasks."""

    app_name = "network"
    title = _("接続承認の管理")
    icon = "lan"
    menu_template_name = "network/menu.html"

    index_path = path("", network.ApprovalListView.as_view(), name="index")
    export_path = path("export/", network.export_approvals, name="export")
    approval_path = path("approvals/<int:pk>/", network.approval_detail, name="approval")
    conditions_path = path("conditions/", network.ConditionListView.as_view(), name="conditions")
    condition_path = path("conditions/<int:pk>/", network.condition_detail, name="condition")
    suspend_system_path = path(
        "systems/<int:pk>/suspend/", network.suspend_system, name="suspend_system"
    )

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return permissions.can_view_flow(user, CaseKind.NETWORK_CONNECTION)


class ReportsApp(ShinsaApp):
    """事務事業実績: the annual activity report of each fiscal year, its figures and 内訳."""

    app_name = "reports"
    title = _("事務事業実績")
    icon = "summarize"
    menu_template_name = "activity/menu.html"

    index_path = path("", reports.report_list, name="index")
    detail_path = path("<int:year>/", reports.report_detail, name="detail")
    breakdown_path = path(
        "<int:year>/figures/<slug:key>/", reports.figure_breakdown, name="breakdown"
    )
    download_path = path("<int:year>/download/<slug:fmt>/", reports.download, name="download")
    act_path = path("<int:year>/<slug:action>/", reports.act, name="act")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return report_permissions.can_view_reports(user)


class OversightApp(ShinsaApp):
    """監査指摘と措置: audit engagements, their findings and the measures taken (NEXT_WAVE §C.3).
    Its own prefix (/oversight/), apart from the audit trail's pages."""

    app_name = "oversight"
    title = _("監査指摘と措置")
    icon = "gavel"
    menu_template_name = "oversight/menu.html"

    index_path = path("", oversight.engagement_list, name="index")
    create_path = path("new/", oversight.engagement_create, name="engagement_create")
    detail_path = path("<int:pk>/", oversight.engagement_detail, name="detail")
    finding_path = path("<int:pk>/findings/new/", oversight.finding_create, name="finding_create")
    issue_path = path("<int:pk>/issue/", oversight.report_issue, name="report_issue")
    download_path = path("<int:pk>/download/", oversight.download, name="download")
    measure_draft_path = path(
        "findings/<int:pk>/measures/new/", oversight.measure_draft, name="measure_draft"
    )
    finding_close_path = path(
        "findings/<int:pk>/close/", oversight.finding_close, name="finding_close"
    )
    measure_approve_path = path(
        "measures/<int:pk>/approve/", oversight.measure_approve, name="measure_approve"
    )
    measure_report_path = path(
        "measures/<int:pk>/report/", oversight.measure_report, name="measure_report"
    )

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return oversight_permissions.can_view(user)


class JobsApp(ShinsaApp):
    app_name = "jobs"
    title = _("バックグラウンドジョブ")
    icon = "sync_problem"
    menu_template_name = "jobs/menu.html"

    index_path = path("", jobs.JobListView.as_view(), name="index")
    retry_path = path("<uuid:pk>/retry/", jobs.retry, name="retry")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return permissions.can_view_jobs_page(user)


def _viewsets() -> list[Any]:
    """The menu: home, each flow (as registered by the workflows app) followed by the domain
    pages that belong to it, then the registry, the audit trail and the jobs."""
    after_flow: dict[str, list[Any]] = {
        CaseKind.BUDGET_CHECK: [BudgetApp()],
        CaseKind.INCIDENT: [IncidentsApp()],
        CaseKind.NETWORK_CONNECTION: [NetworkApp()],
    }
    viewsets: list[Any] = [HomeApp()]
    for entry in flows.flows():
        viewsets.append(entry.viewset)
        viewsets.extend(after_flow.get(entry.kind, []))
    return [*viewsets, KarteApp(), ReportsApp(), OversightApp(), AuditApp(), JobsApp(), UsersApp()]


class UsersApp(Application):
    """利用者とロール: accounts, roles, departments and liaisons, for the admin role only."""

    app_name = "users"
    title = _("利用者とロール")
    icon = "manage_accounts"
    menu_template_name = "org/menu.html"

    index_path = path("", users.UserListView.as_view(), name="index")
    detail_path = path("<int:pk>/", users.user_detail, name="detail")
    grant_path = path("<int:pk>/roles/grant/", users.grant_role, name="grant_role")
    revoke_path = path("<int:pk>/roles/revoke/", users.revoke_role, name="revoke_role")
    activate_path = path("<int:pk>/activate/", users.set_active, {"active": True}, name="activate")
    deactivate_path = path(
        "<int:pk>/deactivate/", users.set_active, {"active": False}, name="deactivate"
    )
    department_path = path(
        "<int:pk>/department/", users.change_department, name="change_department"
    )
    password_path = path("<int:pk>/password/", users.reset_password, name="reset_password")
    unlock_path = path("<int:pk>/unlock/", users.unlock, name="unlock")
    second_factor_path = path(
        "<int:pk>/second-factor/reset/", users.reset_second_factor, name="reset_second_factor"
    )
    liaisons_path = path("liaisons/", users.LiaisonListView.as_view(), name="liaisons")
    liaison_path = path("liaisons/<int:pk>/", users.assign_liaison, name="assign_liaison")
    keys_path = path("keys/", integration_keys.key_list, name="keys")
    key_request_path = path("keys/request/", integration_keys.request_key, name="key_request")
    key_approve_path = path(
        "keys/requests/<int:pk>/approve/", integration_keys.approve, name="key_approve"
    )
    key_reject_path = path(
        "keys/requests/<int:pk>/reject/", integration_keys.reject, name="key_reject"
    )
    key_rotate_path = path("keys/<str:prefix>/rotate/", integration_keys.rotate, name="key_rotate")
    key_revoke_path = path("keys/<str:prefix>/revoke/", integration_keys.revoke, name="key_revoke")
    key_notice_path = path("keys/<str:prefix>/notice/", integration_keys.notice, name="key_notice")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return permissions.can_manage_users(user)


site = Site(
    title=_("審査 Shinsa"),
    primary_color="#1a4f8b",
    secondary_color="#3d7cc9",
    viewsets=_viewsets(),
)

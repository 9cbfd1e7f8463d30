"""あなたの役割: for each role the user holds, one sentence on what that role does here and the
links to its next actions, each shown only when the permission checks let the user open it.

The labels are the roles' Japanese names (``Role.label``), never the group codes. Only the
CSIRT block counts something (the untriaged events, one query); every other count comes from
the inbox and queue the home page has already counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance import permissions
from governance.dashboards import permissions as dashboard_permissions
from governance.incidents import permissions as incident_permissions
from governance.models import CaseKind, SecurityEvent
from governance.roles import Role

#: What each role does here, in the order the blocks are shown.
ROLE_PURPOSE: dict[str, Any] = {
    Role.DEPARTMENT_STAFF: _(
        "自部局のシステムについて審査・相談・予算確認を申請し、指摘に対応します。"
    ),
    Role.GOVERNANCE_REVIEWER: _("部局から届いた申請を審査し、助言・指摘をまとめて決裁に回します。"),
    Role.GOVERNANCE_APPROVER: _("審査を終えた案件を決裁し、予算確認の期間を定めます。"),
    Role.SECURITY_REVIEWER: _(
        "ネットワーク接続の申請を情報セキュリティの観点から審査し、条件を管理します。"
    ),
    Role.NETWORK_ADMIN: _("承認された接続を設定し、接続条件と接続停止を管理します。"),
    Role.CSIRT_MEMBER: _("届いたセキュリティ事象を確認し、インシデントとして対応します。"),
    Role.CSIRT_LEAD: _("事象の確認とインシデント対応を指揮し、完了を確認します。"),
    Role.CISO: _("重大なインシデントと接続の承認について、最終的な判断を行います。"),
    Role.TOP_EXECUTIVE: _(
        "知事・副知事へエスカレーションされたインシデントの報告を受け、確認します。"
    ),
    Role.ADMIN: _("利用者・ロール・部局を管理し、監査記録とバックグラウンドジョブを確認します。"),
}


@dataclass
class RoleLink:
    title: Any
    url: str
    count: int | None = None


@dataclass
class RoleBlock:
    role: str
    label: Any
    purpose: Any
    links: list[RoleLink] = field(default_factory=list)


def _untriaged_events(user: Any) -> int:
    """The events no one has started to check yet, that ``user`` may open (one query)."""
    return (
        SecurityEvent.objects.filter(incident_permissions.event_visibility_q(user))
        .filter(status=SecurityEvent.Status.NEW)
        .values("pk")
        .distinct()
        .count()
    )


def _csirt_links(user: Any, counts: dict[str, int]) -> list[RoleLink]:
    links = []
    if permissions.is_csirt(user):
        if "untriaged" not in counts:
            counts["untriaged"] = _untriaged_events(user)
        links.append(RoleLink(_("新着の通報"), reverse("incidents:index"), counts["untriaged"]))
        links.append(RoleLink(_("担当のインシデント"), reverse("incidents:mine")))
    if incident_permissions.can_triage_events(user):
        links.append(RoleLink(_("通報を登録する"), reverse("incidents:manual")))
    return links


def _links(
    role: str, user: Any, waiting: tuple[int, int], counts: dict[str, int]
) -> list[RoleLink]:
    inbox_count, queue_count = waiting
    links: list[RoleLink] = []
    network = permissions.can_view_flow(user, CaseKind.NETWORK_CONNECTION)
    if role == Role.DEPARTMENT_STAFF:
        links.append(RoleLink(_("案件一覧"), reverse("home:cases")))
        if incident_permissions.can_report_event(user):
            links.append(RoleLink(_("セキュリティ事案を報告する"), reverse("incidents:report")))
        if permissions.can_view_karte(user):
            links.append(RoleLink(_("システムカルテ"), reverse("karte:index")))
    elif role in (Role.GOVERNANCE_REVIEWER, Role.GOVERNANCE_APPROVER):
        links.append(RoleLink(_("引き受け可能なタスク"), "#queue-count", queue_count))
        links.append(RoleLink(_("案件一覧"), reverse("home:cases")))
        if permissions.can_view_budget_season_progress(user):
            links.append(RoleLink(_("予算確認の管理"), reverse("budget:index")))
    elif role in (Role.SECURITY_REVIEWER, Role.NETWORK_ADMIN):
        links.append(RoleLink(_("引き受け可能なタスク"), "#queue-count", queue_count))
        if network:
            links.append(RoleLink(_("接続承認の管理"), reverse("network:index")))
            links.append(RoleLink(_("承認条件台帳"), reverse("network:conditions")))
    elif role in (Role.CSIRT_MEMBER, Role.CSIRT_LEAD):
        links.extend(_csirt_links(user, counts))
    elif role == Role.CISO:
        links.append(RoleLink(_("判断を待つタスク"), "#inbox-count", inbox_count + queue_count))
        if permissions.is_csirt(user):
            links.append(RoleLink(_("担当のインシデント"), reverse("incidents:mine")))
        if network:
            links.append(RoleLink(_("接続承認の管理"), reverse("network:index")))
    elif role == Role.TOP_EXECUTIVE:
        links.append(RoleLink(_("通知（エスカレーション）"), reverse("home:notifications")))
    elif role == Role.ADMIN:
        if permissions.can_manage_users(user):
            links.append(RoleLink(_("利用者とロール"), reverse("users:index")))
        if permissions.can_view_audit_trail(user):
            links.append(RoleLink(_("監査記録"), reverse("audit:index")))
        if permissions.can_view_jobs_page(user):
            links.append(RoleLink(_("バックグラウンドジョブ"), reverse("jobs:index")))
    board = dashboard_permissions.DASHBOARD_OF_ROLE.get(role)
    if board and dashboard_permissions.can_view_dashboard(user, board):
        links.append(RoleLink(_("ダッシュボード"), reverse("home:dashboard", args=[board])))
    return links


def role_blocks(user: Any, *, inbox_count: int = 0, queue_count: int = 0) -> list[RoleBlock]:
    """One block per role the user holds (in ``ROLE_PURPOSE``'s order): its Japanese name, what
    it does here and its next actions. At most one query (the CSIRT's untriaged events)."""
    held = permissions.roles_of(user)
    if permissions.is_admin(user):
        held = held | {Role.ADMIN}
    if Role.DEPARTMENT_STAFF in held and not permissions.is_department_staff(user):
        held = held - {Role.DEPARTMENT_STAFF}  # no department yet: nothing to do here
    counts: dict[str, int] = {}
    return [
        RoleBlock(
            role, Role(role).label, purpose, _links(role, user, (inbox_count, queue_count), counts)
        )
        for role, purpose in ROLE_PURPOSE.items()
        if role in held
    ]

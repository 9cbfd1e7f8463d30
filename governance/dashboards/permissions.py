"""Who may open which dashboard: each asks the same role functions of
``governance.permissions`` as the pages behind its widgets, and each widget's selector scopes
its rows with the same visibility filters (``case_visibility_q``, ``system_visibility_q``,
``clocks.permissions.deadline_visibility_q``, ``event_visibility_q``) as those pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from governance import permissions
from governance.roles import Role


def _department(user: Any) -> bool:
    return permissions.is_department_staff(user)


def _reviewer(user: Any) -> bool:
    return permissions.has_role(user, Role.GOVERNANCE_REVIEWER)


def _approver(user: Any) -> bool:
    return permissions.has_role(user, Role.GOVERNANCE_APPROVER)


def _security(user: Any) -> bool:
    return permissions.has_role(user, Role.SECURITY_REVIEWER, Role.NETWORK_ADMIN)


def _csirt(user: Any) -> bool:
    return permissions.has_role(user, Role.CSIRT_MEMBER, Role.CSIRT_LEAD)


def _ciso(user: Any) -> bool:
    return permissions.has_role(user, Role.CISO)


def _auditor(user: Any) -> bool:
    return permissions.is_auditor(user)


#: slug: (title, who may open it), in the order the dashboards are offered.
DASHBOARDS: dict[str, tuple[Any, Callable[[Any], bool]]] = {
    "department": (_("部局のダッシュボード"), _department),
    "reviewer": (_("審査担当のダッシュボード"), _reviewer),
    "approver": (_("決裁者のダッシュボード"), _approver),
    "security": (_("情報セキュリティ・ネットワークのダッシュボード"), _security),
    "csirt": (_("CSIRT のダッシュボード"), _csirt),
    "ciso": (_("CISO のダッシュボード"), _ciso),
    "auditor": (_("監査のダッシュボード"), _auditor),
}

#: The dashboard each role's あなたの役割 block links to.
DASHBOARD_OF_ROLE: dict[str, str] = {
    Role.DEPARTMENT_STAFF: "department",
    Role.GOVERNANCE_REVIEWER: "reviewer",
    Role.GOVERNANCE_APPROVER: "approver",
    Role.SECURITY_REVIEWER: "security",
    Role.NETWORK_ADMIN: "security",
    Role.CSIRT_MEMBER: "csirt",
    Role.CSIRT_LEAD: "csirt",
    Role.CISO: "ciso",
    Role.AUDITOR: "auditor",
}


def can_view_dashboard(user: Any, slug: str) -> bool:
    """Whether ``user`` may open the dashboard ``slug`` (active users holding its role; a
    superuser every one). Administrators hold no dashboard: they see no case by role."""
    if user is None or not user.is_authenticated or not user.is_active or slug not in DASHBOARDS:
        return False
    return bool(user.is_superuser) or DASHBOARDS[slug][1](user)


def dashboards_of(user: Any) -> list[str]:
    return [slug for slug in DASHBOARDS if can_view_dashboard(user, slug)]


def can_export_report(user: Any, report: str) -> bool:
    """The .xlsx exports follow the pages they export: the lock-in and coverage reports whoever
    opens the registry (rows scoped to the systems they see), the season whoever sees the
    season's progress."""
    if report == "season":
        return permissions.can_view_budget_season_progress(user)
    if report in ("lock_in", "coverage"):
        return permissions.can_view_karte(user)
    return False

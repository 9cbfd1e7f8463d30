"""The roles people hold, as Django groups, and the permissions each role group carries.

Groups are (re)created after every ``migrate`` so that a fresh database always has them.
Which cases a role may see or act on is decided in ``governance.permissions``, not here.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DEPARTMENT_STAFF = "department_staff", _("部局担当者")
    GOVERNANCE_REVIEWER = "governance_reviewer", _("審査担当（部局担当窓口）")
    GOVERNANCE_APPROVER = "governance_approver", _("決裁者（課長・参事）")
    CSIRT_MEMBER = "csirt_member", _("CSIRT 要員")
    CSIRT_LEAD = "csirt_lead", _("CSIRT 責任者")
    CISO = "ciso", _("最高情報セキュリティ責任者（CISO）")
    SECURITY_REVIEWER = "security_reviewer", _("情報セキュリティ担当（監理グループ）")
    NETWORK_ADMIN = "network_admin", _("ネットワーク管理者")
    # Service accounts behind API keys: they may only create security events (no act permission).
    INTEGRATION = "integration", _("外部連携（システム利用者）")
    # 知事・副知事: told of an escalation to the top of the chain and acknowledge it; they see
    # only the incidents escalated to them (NEXT_WAVE §B.6 row 9; no act permission).
    TOP_EXECUTIVE = "top_executive", _("知事・副知事（報告先）")
    AUDITOR = "auditor", _("監査委員・監査委員事務局")
    ADMIN = "admin", _("システム管理者")


#: The permission a flow's human node requires, per role (``.Permission(ACT_PERMISSION[...])``).
ACT_PERMISSION: dict[str, str] = {
    Role.DEPARTMENT_STAFF: "governance.act_as_department_staff",
    Role.GOVERNANCE_REVIEWER: "governance.act_as_reviewer",
    Role.GOVERNANCE_APPROVER: "governance.act_as_approver",
    Role.CSIRT_MEMBER: "governance.act_as_csirt_member",
    Role.CSIRT_LEAD: "governance.act_as_csirt_lead",
    Role.CISO: "governance.act_as_ciso",
    Role.SECURITY_REVIEWER: "governance.act_as_security_reviewer",
    Role.NETWORK_ADMIN: "governance.act_as_network_admin",
}
ROLE_OF_PERMISSION: dict[str, str] = {perm: role for role, perm in ACT_PERMISSION.items()}

# The CSIRT's master data (intake sources, playbooks) too: saved through audited services.
_MASTER_DATA = (
    "department",
    "section",
    "user",
    "rule",
    "intakesource",
    "tasktemplate",
    "documentsettings",
    "escalationlevel",
)

#: Django permissions ("app_label.codename") each role group holds.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.DEPARTMENT_STAFF: (ACT_PERMISSION[Role.DEPARTMENT_STAFF],),
    Role.GOVERNANCE_REVIEWER: (ACT_PERMISSION[Role.GOVERNANCE_REVIEWER],),
    Role.GOVERNANCE_APPROVER: (ACT_PERMISSION[Role.GOVERNANCE_APPROVER],),
    Role.CSIRT_MEMBER: (ACT_PERMISSION[Role.CSIRT_MEMBER],),
    Role.CSIRT_LEAD: (ACT_PERMISSION[Role.CSIRT_LEAD],),
    Role.CISO: (ACT_PERMISSION[Role.CISO],),
    Role.SECURITY_REVIEWER: (ACT_PERMISSION[Role.SECURITY_REVIEWER],),
    Role.NETWORK_ADMIN: (ACT_PERMISSION[Role.NETWORK_ADMIN],),
    Role.INTEGRATION: (),
    Role.TOP_EXECUTIVE: (),
    Role.AUDITOR: (),
    Role.ADMIN: (
        *(
            f"governance.{action}_{model}"
            for model in _MASTER_DATA
            for action in ("add", "change", "view")
        ),
        "governance.view_auditevent",
        "governance.view_job",
        "auth.view_group",
    ),
}


def sync_role_groups(**kwargs: Any) -> None:
    """Create the role groups and give each exactly its permissions (post_migrate hook)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted: list[Permission] = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)

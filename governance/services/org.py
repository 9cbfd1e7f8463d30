"""The organisation: who is the liaison (部局担当窓口) of a department."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.models import Department, User
from governance.roles import Role
from governance.services.audit import record_event

LIAISON_MUST_BE_REVIEWER = gettext_noop(
    "部局担当窓口には審査担当（ガバナンス担当）の利用者を指定してください。"
)


def assign_liaison(*, actor: User, department: Department, liaison: User | None) -> Department:
    """Make ``liaison`` receive the department's review tasks (None: the governance queue)."""
    permissions.require(permissions.is_admin(actor) and permissions.may_act(actor))
    if liaison is not None and not permissions.has_role(liaison, Role.GOVERNANCE_REVIEWER):
        raise ValueError(_(LIAISON_MUST_BE_REVIEWER))
    with transaction.atomic():
        old = department.liaison
        if old == liaison:
            return department
        department.liaison = liaison
        department.save(update_fields=["liaison"])
        record_event(
            actor=actor,
            action="department.assign_liaison",
            obj=department,
            changes={
                "liaison": [old.username if old else None, liaison.username if liaison else None]
            },
        )
    return department

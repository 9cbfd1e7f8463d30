"""Who may do what to a network connection approval after its case (NEXT_WAVE §A.3): the
network admin (or the CSIRT, from an incident) cuts a connection in an emergency; the approver
or the CISO restores or revokes it and settles the approval's review tasks; the department
reports a decommission and answers conditions, which the security reviewer verifies and the
approver may waive. Case-level rules (reading, acting in a flow step, segregation of duties)
are ``governance.permissions``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from governance import permissions
from governance.roles import Role

APPROVAL_ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "suspend": (Role.NETWORK_ADMIN, Role.CSIRT_MEMBER, Role.CSIRT_LEAD),
    "restore": (Role.GOVERNANCE_APPROVER, Role.CISO),
    "revoke": (Role.GOVERNANCE_APPROVER, Role.CISO),
    "settle_review": (Role.GOVERNANCE_APPROVER, Role.CISO),
    "report_decommission": (Role.DEPARTMENT_STAFF,),
    "confirm_decommission": (Role.NETWORK_ADMIN,),
    "confirm_disconnection": (Role.NETWORK_ADMIN,),
    "report_condition": (Role.DEPARTMENT_STAFF,),
    "verify_condition": (Role.SECURITY_REVIEWER,),
    "waive_condition": (Role.GOVERNANCE_APPROVER,),
}


def approval_action_error(user: Any, case: Any, action: str) -> str | None:
    """Why ``user`` may not do ``action`` on the approval (or condition) of network connection
    ``case``; None if they may. Department staff act only for their own department; the
    office's roles on any network case they can read."""
    if not permissions.may_act(user):
        return (
            permissions.AUDITORS_NEVER_ACT
            if permissions.is_auditor(user)
            else permissions.NOT_ALLOWED
        )
    held = [role for role in APPROVAL_ACTION_ROLES[action] if permissions.has_role(user, role)]
    if not held:
        return permissions.NOT_ALLOWED
    if held == [Role.DEPARTMENT_STAFF]:
        return permissions.acting_error(user, case, Role.DEPARTMENT_STAFF)
    if not permissions.can_view_case(user, case):
        return permissions.NOT_ALLOWED
    return None


def can_do_approval_action(user: Any, case: Any, action: str) -> bool:
    return approval_action_error(user, case, action) is None


def require_approval_action(user: Any, case: Any, action: str) -> None:
    error = approval_action_error(user, case, action)
    if error is not None:
        raise permissions.Refused(_(error))

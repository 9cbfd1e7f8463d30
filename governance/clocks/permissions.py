"""Who may change a clock (deadlines), beside the case rules of ``governance.permissions``.

Starting, meeting, pausing, rescheduling or cancelling a clock follows from another service's
change (a submission, an approval, a fact of an incident): whoever may act on the case in a
role that works on that kind of clock may do it. Waiving a clock removes a duty, so it is for
the role that answers for it: the 統括情報セキュリティ責任者 (governance approver) for network
connection clocks, the CSIRT lead or the CISO for incident clocks, administrators for theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from governance.models import (
    ADMIN_DEADLINE_KINDS,
    INCIDENT_DEADLINE_KINDS,
    NETWORK_DEADLINE_KINDS,
    Case,
)
from governance.permissions import (
    AUDITORS_NEVER_ACT,
    CSIRT_ROLES,
    NOT_ALLOWED,
    acting_error,
    case_visibility_q,
    has_role,
    is_admin,
    is_auditor,
    may_act,
    roles_of,
    sees_every_case,
)
from governance.roles import Role

if TYPE_CHECKING:
    from governance.permissions import AnyUser

_NETWORK_CLOCK_ROLES = (
    Role.DEPARTMENT_STAFF,
    Role.GOVERNANCE_REVIEWER,
    Role.GOVERNANCE_APPROVER,
    Role.SECURITY_REVIEWER,
    Role.NETWORK_ADMIN,
    Role.CISO,
)


def deadline_roles(kind: str, *, waive: bool = False) -> tuple[str, ...]:
    """The roles that work on (or, with ``waive``, may waive) clocks of ``kind``."""
    if kind in NETWORK_DEADLINE_KINDS:
        return (Role.GOVERNANCE_APPROVER,) if waive else _NETWORK_CLOCK_ROLES
    if kind in INCIDENT_DEADLINE_KINDS:
        return (Role.CSIRT_LEAD, Role.CISO) if waive else CSIRT_ROLES
    if kind in ADMIN_DEADLINE_KINDS:
        return (Role.ADMIN,)
    return ()


def deadline_error(
    user: AnyUser | None, *, kind: str, case: Case | None, waive: bool = False
) -> str | None:
    """Why ``user`` may not change a clock of ``kind`` on ``case`` (or waive it); None if they
    may."""
    if not may_act(user):
        return AUDITORS_NEVER_ACT if is_auditor(user) else NOT_ALLOWED
    roles = deadline_roles(kind, waive=waive)
    if Role.ADMIN in roles and is_admin(user):
        return None
    if case is None:
        return None if has_role(user, *roles) else NOT_ALLOWED
    errors = [acting_error(user, case, role) for role in roles if has_role(user, role)]
    if not errors:
        return NOT_ALLOWED
    if None in errors:
        return None
    return errors[0]


def require_deadline(
    user: AnyUser | None, *, kind: str, case: Case | None, waive: bool = False
) -> None:
    error = deadline_error(user, kind=kind, case=case, waive=waive)
    if error is not None:
        raise PermissionDenied(_(error))


def can_waive_deadline(user: AnyUser | None, deadline: Any) -> bool:
    return deadline_error(user, kind=deadline.kind, case=deadline.case, waive=True) is None


def deadline_visibility_q(user: AnyUser | None) -> Q:
    """Clocks ``user`` may see: those of the cases they see, those they hold, and case-less
    clocks held by a role they have (an administrator's key expiry)."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if sees_every_case(user):
        cases = Q(case__isnull=False)
    else:
        # Through the join to the case, not ``case IN (every case the user sees)``, which
        # PostgreSQL built in full before reading a clock (0.2-0.4 s at 100k cases).
        cases = Q(case__isnull=False) & case_visibility_q(user, prefix="case__")
    return (
        cases | Q(holder_id=user.pk) | Q(case__isnull=True, holder_role__in=sorted(roles_of(user)))
    )

"""Who may read and write audit engagements, findings and measures (NEXT_WAVE §C.5b), asked
by the services, selectors and pages of ``governance.oversight``.

Auditors read everything and write nothing: they do not write in the audited body's system.
"""

from __future__ import annotations

from typing import Any

from governance.permissions import has_role, is_admin, is_department_staff, may_act
from governance.roles import Role

_GOVERNANCE = (Role.GOVERNANCE_REVIEWER, Role.GOVERNANCE_APPROVER)
#: Read every engagement: the governance office, the security office, the CISO, auditors.
_READ_ALL = (*_GOVERNANCE, Role.SECURITY_REVIEWER, Role.NETWORK_ADMIN, Role.CISO, Role.AUDITOR)


def reads_all(user: Any) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or is_admin(user) or has_role(user, *_READ_ALL))
    )


def can_view(user: Any) -> bool:
    """The pages: whoever reads every engagement, and department staff (who see the findings
    their department must answer)."""
    return reads_all(user) or is_department_staff(user)


def can_enter_engagements(user: Any) -> bool:
    """Engagements and findings: the governance office, the security office (infosec
    audits) and administrators."""
    return may_act(user) and (
        is_admin(user) or has_role(user, *_GOVERNANCE, Role.SECURITY_REVIEWER)
    )


def can_draft_measure(user: Any, finding: Any) -> bool:
    """The owner department's staff, governance reviewers and the security office."""
    if not may_act(user):
        return False
    if has_role(user, Role.GOVERNANCE_REVIEWER, Role.SECURITY_REVIEWER):
        return True
    return is_department_staff(user) and user.department_id == finding.owner_department_id


def is_measure_approver(user: Any) -> bool:
    return may_act(user) and has_role(user, Role.GOVERNANCE_APPROVER) and not is_admin(user)


def can_approve_measure(user: Any, measure: Any) -> bool:
    """A governance approver who did not draft the measure."""
    return is_measure_approver(user) and user.pk != measure.drafted_by_id


def can_report_measure(user: Any) -> bool:
    """Record the day the 監査委員 were notified: the governance and security offices."""
    return may_act(user) and has_role(user, *_GOVERNANCE, Role.SECURITY_REVIEWER)


def can_close_finding(user: Any) -> bool:
    return may_act(user) and has_role(user, Role.GOVERNANCE_APPROVER) and not is_admin(user)

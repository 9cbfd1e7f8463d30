"""Who may read, draft, enter figures for, approve and issue the annual report (NEXT_WAVE
§C.5b), asked by the services and pages of ``governance.activity``."""

from __future__ import annotations

from typing import Any

from governance.permissions import has_role, is_admin, may_act
from governance.roles import Role

_GOVERNANCE = (Role.GOVERNANCE_REVIEWER, Role.GOVERNANCE_APPROVER)


def can_view_reports(user: Any) -> bool:
    """Governance staff (who draft and approve it) and auditors (who read it): the report and
    the case numbers behind its counts, 「内訳を見る」."""
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or has_role(user, *_GOVERNANCE, Role.AUDITOR))
    )


def can_draft_report(user: Any) -> bool:
    return may_act(user) and has_role(user, *_GOVERNANCE)


def can_enter_figures(user: Any) -> bool:
    """Governance staff, and the security reviewers for the 監理グループ's figures."""
    return may_act(user) and has_role(user, *_GOVERNANCE, Role.SECURITY_REVIEWER)


def can_approve_report(user: Any, report: Any) -> bool:
    """A governance approver who neither drafted the report nor asked for its approval."""
    return (
        may_act(user)
        and has_role(user, Role.GOVERNANCE_APPROVER)
        and not is_admin(user)
        and user.pk not in (report.drafted_by_id, report.submitted_by_id)
    )

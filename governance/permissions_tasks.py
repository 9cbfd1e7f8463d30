"""Who may set a delegation (代理) and reassign an open task: rules built on
``governance.permissions`` (kept beside it because that module is at its size limit; it
does not import this one, so the services ask here)."""

from __future__ import annotations

from typing import Any

from governance import permissions as rules
from governance.roles import Role


def can_set_delegation(actor: Any, principal: Any) -> bool:
    """The person themselves, or an approver for anyone (auditors never)."""
    if not rules.may_act(actor):
        return False
    return bool(actor.pk == principal.pk or rules.has_role(actor, Role.GOVERNANCE_APPROVER))


def can_reassign_on_case(actor: Any, case: Any) -> bool:
    """An approver who may see the case hands its open tasks to someone else."""
    return bool(
        case is not None
        and rules.may_act(actor)
        and rules.has_role(actor, Role.GOVERNANCE_APPROVER)
        and rules.can_view_case(actor, case)
    )


def can_reassign_task(actor: Any, task: Any) -> bool:
    return can_reassign_on_case(actor, getattr(task.process, "case", None))

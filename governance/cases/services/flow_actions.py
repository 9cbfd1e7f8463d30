"""Viewflow's own actions on a case's steps, recorded in the audit chain.

Taking a task (from the queue, or "assign to me"), giving it back, an administrator taking a
task away from its holder, and cancelling a task or a whole process change who holds a
case's work and whether it goes on, without passing through any step's service. Each of these
functions checks the flow's own rule (which ``workflows.base.CaseView`` and
``CaseFlow.has_manage_permission`` take from ``governance.permissions``), performs viewflow's
transition and records the audit event in the same transaction. The pages in
``workflows.base`` call them instead of calling the activation themselves.

The transition and its event share the caller's transaction without a savepoint of their
own: the pages run them in viewflow's step transaction and nothing catches a failure to go
on, so a failure rolls back the whole step (outside a transaction they open one).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from viewflow.workflow.status import STATUS

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import set_status
from governance.models import Case, CaseStatus


def _holder(task: Any) -> str | None:
    return task.owner.username if task.owner_id else None


def _task_label(task: Any) -> str:
    return f"{task.flow_task.task_title} #{task.pk}"


def _record(actor: Any, action: str, task: Any, changes: dict[str, list[Any]]) -> None:
    record_event(
        actor=actor,
        action=action,
        obj=task,
        case=task.process.case,
        changes={"task": [None, _task_label(task)], **changes},
    )


def assign_task(*, actor: Any, activation: Any) -> None:
    """``actor`` takes a task that nobody holds (from the queue, or "assign to me")."""
    task = activation.task
    permissions.require(bool(task.flow_task.can_assign(actor, task)))
    with transaction.atomic(savepoint=False):  # see the module's note
        activation.assign(actor)
        _record(actor, "task.assign", task, {"owner": [None, actor.username]})


def unassign_task(*, actor: Any, activation: Any) -> None:
    """The holder gives a task back to the queue, or an administrator takes it away."""
    task = activation.task
    permissions.require(bool(task.flow_task.can_unassign(actor, task)))
    with transaction.atomic(savepoint=False):  # see the module's note
        holder = _holder(task)
        activation.unassign()
        _record(actor, "task.unassign", task, {"owner": [holder, None]})


def cancel_task(*, actor: Any, activation: Any) -> None:
    """An administrator cancels one open step of a case."""
    task = activation.task
    flow = task.process.flow_class.instance
    permissions.require(bool(flow.has_manage_permission(actor, task.process)))
    with transaction.atomic(savepoint=False):  # see the module's note
        old_status = task.status
        activation.cancel()
        _record(actor, "task.cancel", task, {"status": [old_status, STATUS.CANCELED]})


def cancel_process(*, actor: Any, process: Any, reason: str = "") -> Case:
    """An administrator cancels a case's whole process: its open steps are cancelled and the
    case is withdrawn (取下げ), so it no longer counts as open anywhere.

    Raises viewflow's ``FlowRuntimeError`` (and changes nothing) when a step is being worked
    on right now.
    """
    flow = process.flow_class.instance
    permissions.require(bool(flow.has_manage_permission(actor, process)))
    case: Case = process.case
    with transaction.atomic():
        open_tasks = [
            _task_label(task)
            for task in process.task_set.exclude(
                status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED]
            ).order_by("pk")
        ]
        old_process_status = process.status
        flow.cancel(process)
        return set_status(
            actor=actor,
            case=case,
            status=CaseStatus.WITHDRAWN,
            action="case.cancel",
            reason=reason,
            extra_changes={
                "process": [old_process_status, process.status],
                "open_tasks": [open_tasks, []],
            },
        )

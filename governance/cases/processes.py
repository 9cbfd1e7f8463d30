"""Viewflow's process and task tables, scoped to what ``governance.permissions`` lets a user see.

Viewflow's own views and menus call ``filter_available``, ``inbox``, ``queue`` and ``archive``
on the flow's ``task_class``/``process_class`` managers with the request user; the proxies in
``workflows.models`` use these querysets, so those calls only return what the user may see.
``case_tasks()`` gives the same scoped queries to the kernel's own reads (inbox, queue).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from viewflow.workflow.managers import ProcessQuerySet, TaskQuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance import permissions


class CaseProcessQuerySet(ProcessQuerySet):
    def filter_available(self, flow_classes: Any, user: Any) -> Any:
        queryset = super().filter_available(flow_classes, user).select_related("case")
        return permissions.scope_processes(user, queryset)


class CaseTaskQuerySet(TaskQuerySet):
    def filter_available(self, flow_classes: Any, user: Any) -> Any:
        # Task summaries render the case's number and title: fetch it with the task.
        queryset = (
            super()
            .filter_available(flow_classes, user)
            .select_related("process__case", "owner__department")
        )
        return permissions.scope_tasks(user, queryset)

    def user_queue(self, user: Any, flow_class: Any = None) -> Any:
        queryset = self.filter(flow_task_type="HUMAN", owner__isnull=True)
        if flow_class is not None:
            queryset = queryset.filter(process__flow_class=flow_class)
        return permissions.scope_tasks(user, queryset).filter(permissions.task_queue_q(user))

    def user_archive(self, user: Any, flow_class: Any = None) -> Any:
        return permissions.scope_tasks(user, super().user_archive(user, flow_class))

    def queue(self, flow_classes: Any, user: Any) -> Any:
        return self.filter_available(flow_classes, user).user_queue(user).filter(status=STATUS.NEW)


class StepTaskManager(models.Manager.from_queryset(CaseTaskQuerySet)):  # type: ignore[misc]  # a generated base
    """Viewflow's default manager of case tasks: a task is read with its process, which a
    step's wrapper reads next (its flow, the case), in one query instead of two."""

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("process")


def case_tasks() -> CaseTaskQuerySet:
    """Every task of every case flow (viewflow's task table), with the scoping methods above."""
    return CaseTaskQuerySet(model=Task)

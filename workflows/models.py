"""Viewflow's process and task tables, seen through managers that scope them to a user.

Viewflow's own views and menus call ``filter_available``, ``inbox``, ``queue`` and
``archive`` on the flow's ``task_class``/``process_class`` managers with the request user. By
making every case flow use these proxies, those calls only ever return what
``governance.permissions`` lets the user see. No columns here: business facts live in
``governance`` models.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow.workflow.managers import ProcessQuerySet, TaskQuerySet
from viewflow.workflow.models import Process, Task
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
            super().filter_available(flow_classes, user).select_related("process__case", "owner")
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


class CaseProcess(Process):
    """A viewflow process that moves a ``governance.Case`` along (``process.case``)."""

    objects = CaseProcessQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("案件プロセス")
        verbose_name_plural = _("案件プロセス")


class CaseTask(Task):
    """A step of a case process; listed only to users who may see the case."""

    objects = CaseTaskQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("案件タスク")
        verbose_name_plural = _("案件タスク")

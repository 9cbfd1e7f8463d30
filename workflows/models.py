"""Viewflow's process and task tables, seen through managers that scope them to a user.

Every case flow uses these proxies, so viewflow's own views and menus only ever return what
``governance.permissions`` lets the user see (the querysets live in
``governance.cases.processes``). No columns here: business facts live in ``governance`` models.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from governance.cases.processes import CaseProcessQuerySet, CaseTaskQuerySet, StepTaskManager


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
    #: What viewflow reads a task through (``_default_manager``): with its process.
    steps = StepTaskManager()

    class Meta:
        proxy = True
        default_manager_name = "steps"
        verbose_name = _("案件タスク")
        verbose_name_plural = _("案件タスク")

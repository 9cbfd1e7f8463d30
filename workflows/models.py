"""Viewflow's process and task tables, seen through managers that scope them to a user.

Every case flow uses these proxies, so viewflow's own views and menus only ever return what
``governance.permissions`` lets the user see (the querysets live in
``governance.cases.processes``). No columns here: business facts live in ``governance`` models.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from governance import compiled_writes
from governance.cases.processes import CaseProcessQuerySet, CaseTaskQuerySet, StepTaskManager


class _KeptSaves:
    """Viewflow's ``save()`` of a process or task (a dozen a case), its INSERT or UPDATE
    compiled once (``governance.compiled_writes``); anything else ``save()`` can be asked
    (``force_insert``, another database, a row not yet read) goes through viewflow."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        parent = super().save  # type: ignore[misc]  # viewflow's model's
        if args or set(kwargs) - {"update_fields"}:
            parent(*args, **kwargs)
            return
        self._before_save()
        fields = kwargs.get("update_fields")
        state = self._state  # type: ignore[attr-defined]  # a model's
        if state.adding and self.pk is None and fields is None:  # type: ignore[attr-defined]  # a model's
            compiled_writes.insert(self, fallback=partial(parent, force_insert=True))  # type: ignore[arg-type]  # a model
        elif not state.adding:
            compiled_writes.update(self, fields, fallback=parent)  # type: ignore[arg-type]  # a model
        else:
            parent(**kwargs)

    def _before_save(self) -> None:
        """What viewflow's ``save()`` does before it writes."""


class CaseProcess(_KeptSaves, Process):
    """A viewflow process that moves a ``governance.Case`` along (``process.case``)."""

    objects = CaseProcessQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("案件プロセス")
        verbose_name_plural = _("案件プロセス")


class CaseTask(_KeptSaves, Task):
    """A step of a case process; listed only to users who may see the case."""

    objects = CaseTaskQuerySet.as_manager()

    def _before_save(self) -> None:
        # As viewflow's Task.save() does.
        if self.flow_task and not self.flow_task_type:  # type: ignore[has-type]  # viewflow's field
            self.flow_task_type = self.flow_task.task_type

    #: What viewflow reads a task through (``_default_manager``): with its process.
    steps = StepTaskManager()

    class Meta:
        proxy = True
        default_manager_name = "steps"
        verbose_name = _("案件タスク")
        verbose_name_plural = _("案件タスク")

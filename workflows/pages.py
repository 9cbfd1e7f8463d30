"""viewflow's stock pages in the office's words: the columns of the process and task lists,
the page that picks up a task (引き受ける), the page that gives it back, and the messages the
bulk actions leave.

Columns are the view's own methods, headed by Japanese labels (viewflow would head them with
the model's English field names and show a node by its code name, "Review Decision"); a
person is shown as ``User.label`` (「高橋 健太（総務部）」).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import views

from governance.cases.selectors import concrete_case

#: Date and time in lists, as on Shinsa's own pages.
STAMP_FORMAT = "Y/m/d H:i"
CLAIMED = _("{number}: 「{task}」を引き受けました。")
GIVEN_BACK = _("{number}: 「{task}」の担当を外しました。引き受け可能なタスクに戻ります。")
NOTHING_SELECTED = _("タスクが選択されていません。")
BULK_CLAIMED = _("選択したタスクを引き受けました。")
BULK_GIVEN_BACK = _("選択したタスクの担当を外しました。")


def stamp(value: Any) -> str:
    """A moment as lists show it (2026/11/30 09:05), or an empty string."""
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value), STAMP_FORMAT)


def _labelled(label: Any) -> Any:
    def decorate(method: Any) -> Any:
        method.short_description = label
        return method

    return decorate


def _case_link(process: Any) -> str:
    case = process.case
    return format_html(
        '<a href="{}">{} {}</a>', reverse("home:case", args=[case.pk]), case.number, case.title
    )


class TaskColumns:
    """Columns of the flows' task lists (all tasks, inbox, queue, archive)."""

    object_link_columns: tuple[str, ...] = ()

    @_labelled(_("番号"))
    def task_id(self, task: Any) -> str:
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        return format_html('<a href="{}">#{}/{}</a>', url, task.process_id, task.pk)

    @_labelled(_("作業"))
    def task_title(self, task: Any) -> str:
        return str(task.flow_task.task_title)

    @_labelled(_("案件"))
    def case(self, task: Any) -> str:
        return _case_link(task.process)

    @_labelled(_("受付日時"))
    def received(self, task: Any) -> str:
        return stamp(task.created)

    @_labelled(_("完了日時"))
    def done(self, task: Any) -> str:
        return stamp(task.finished)

    @_labelled(_("担当者"))
    def holder(self, task: Any) -> str:
        return task.owner.label if task.owner_id else gettext("未割当")

    @_labelled(_("状態"))
    def state(self, task: Any) -> str:
        return str(task.get_status_display())


class ProcessColumns:
    """Columns of a flow's process list: one row per case."""

    object_link_columns: tuple[str, ...] = ()

    @_labelled(_("案件"))
    def case(self, process: Any) -> str:
        return _case_link(process)

    @_labelled(_("状態"))
    def case_status(self, process: Any) -> str:
        return str(process.case.get_status_display())

    @_labelled(_("開始日時"))
    def started(self, process: Any) -> str:
        return stamp(process.created)

    @_labelled(_("完了日時"))
    def done(self, process: Any) -> str:
        return stamp(process.finished)

    @_labelled(_("未完了の作業"))
    def active_tasks(self, process: Any) -> int:
        return int(process.active_tasks_count)


class _TaskPageMixin:
    """The step's case beside the confirmation: a task is picked up or given back knowing
    what it is about."""

    request: Any

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]  # FormView's
        activation = self.request.activation
        context.update(
            case=concrete_case(activation.process.case),
            task=activation.task,
            task_title=activation.flow_task.task_title,
        )
        return context

    def get_success_message(self, cleaned_data: Any) -> str:
        activation = self.request.activation
        return str(self.done_message).format(  # type: ignore[attr-defined]  # set by each view
            number=activation.process.case.number, task=activation.flow_task.task_title
        )


class ClaimTaskView(_TaskPageMixin, views.AssignTaskView):
    """「引き受ける」: the case's summary and one button; the task opens once it is taken."""

    template_name = "workflows/claim.html"
    done_message = CLAIMED

    def get_success_url(self) -> str:
        activation = self.request.activation
        return str(
            activation.flow_task.reverse(
                "execute", args=[activation.process.pk, activation.task.pk]
            )
        )


class GiveBackTaskView(_TaskPageMixin, views.UnassignTaskView):
    """「担当を外す」: the task goes back to the queue of everyone who may take it."""

    template_name = "workflows/give_back.html"
    done_message = GIVEN_BACK

    def get_success_url(self) -> str:
        return reverse("home:case", args=[self.request.activation.process.case.pk])


class BulkMessages:
    """The messages of the bulk pick-up and give-back pages, in Japanese."""

    request: Any
    done_message: Any

    def get(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        messages.info(request, str(NOTHING_SELECTED), fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())  # type: ignore[attr-defined]  # the bulk view's

    def message_user(self) -> None:
        messages.success(self.request, str(self.done_message), fail_silently=True)

"""Home: the user's inbox across every flow, the queue they can pick from, their notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce, Least
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.http import require_POST

from governance import home_roles, permissions
from governance.budget.selectors import season_due
from governance.cases import selectors
from governance.cases.services import notifications
from governance.clocks.selectors import attach_clock_badges, nearest_owed_due
from governance.decisions.selectors import auditor_home
from governance.models import Notification

#: Rows per page of the inbox and of the queue.
TASKS_PER_PAGE = 25


@dataclass
class TaskPage:
    """One page of a task list: its rows, the true total and where the other pages are."""

    rows: list[selectors.TaskRow]
    number: int
    count: int
    param: str
    per_page: int = TASKS_PER_PAGE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 10**6 else 1


def relevant_due_order(queryset: QuerySet[Any], season: Any) -> QuerySet[Any]:
    """Tasks ordered by what is due first, then newest first: the nearest owed clock of the
    case or, for an undecided budget check, its season's finance deadline, whichever is
    sooner; tasks with neither follow, newest first."""
    clock = nearest_owed_due("process__case__id")
    due = clock if season is None else Least(Coalesce(clock, season), Coalesce(season, clock))
    return queryset.annotate(relevant_due=due).order_by(
        F("relevant_due").asc(nulls_last=True), "-created", "-pk"
    )


def task_page(
    queryset: QuerySet[Any], raw_number: str | None, *, param: str, season: Any
) -> TaskPage:
    """One page of ``queryset`` (two queries: the count, and the page's columns)."""
    count = queryset.count()
    number = min(_page_number(raw_number), max(1, -(-count // TASKS_PER_PAGE)))
    start = (number - 1) * TASKS_PER_PAGE
    rows = []
    if count:
        rows = selectors.task_rows(
            relevant_due_order(queryset, season)[start : start + TASKS_PER_PAGE]
        )
    return TaskPage(rows=rows, number=number, count=count, param=param)


class InboxView(generic.TemplateView):
    """The home page: the tasks the user holds and those they may pick up, 25 a page each with
    the true total, what is due first on top, and the unread notices (the same number of queries
    whatever the number of tasks); for auditors, who never act, the state of the audit chain
    and the latest decisions instead (read only: POST is refused)."""

    template_name = "home/inbox.html"
    http_method_names = ["get", "head", "options"]

    def get_template_names(self) -> list[str]:
        if permissions.is_auditor(self.request.user):
            return ["decisions/auditor_home.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        params = self.request.GET
        context = super().get_context_data(**kwargs)
        if permissions.is_auditor(user):
            context["audit_home"] = auditor_home(user, verify=bool(self.request.GET.get("verify")))
            context["notices"] = list(selectors.unread_notifications(user)[:20])
            return context
        season = season_due("process__case__")
        inbox = task_page(
            selectors.inbox_tasks(user), params.get("inbox"), param="inbox", season=season
        )
        queue = task_page(
            selectors.queue_tasks(user), params.get("queue"), param="queue", season=season
        )
        attach_clock_badges(inbox.rows + queue.rows)
        context["inbox"] = inbox
        context["queue"] = queue
        context["notices"] = list(selectors.unread_notifications(user)[:20])
        context["newest_unread"] = max((n.pk for n in context["notices"]), default=None)
        context["start_links"] = selectors.start_links(user)
        context["role_blocks"] = home_roles.role_blocks(
            user, inbox_count=inbox.count, queue_count=queue.count
        )
        return context


class NotificationListView(generic.ListView):
    template_name = "home/notifications.html"
    paginate_by = 50
    context_object_name = "notices"

    def get_queryset(self) -> Any:
        user: Any = self.request.user
        return Notification.objects.filter(recipient=user).select_related("case")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["newest_unread"] = selectors.newest_unread_notification(self.request.user)
        return context


@require_POST
def mark_notification_read(request: Any, pk: int) -> Any:
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(actor=request.user, notice=notice)
    if notice.url:
        return redirect(notice.url)
    messages.info(request, _("お知らせを既読にしました。"))
    return redirect("home:notifications")

"""Home: the user's inbox across every flow, the queue they can pick from, their notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce, Least
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.http import require_POST

from governance import compiled, home_queries, home_roles, home_rows, permissions
from governance.budget.selectors import season_deadline_query, season_due
from governance.cases import selectors
from governance.cases.services import notifications
from governance.clocks import schedule
from governance.clocks.models import Counting
from governance.clocks.selectors import ClockBadge, attach_clock_badges, nearest_owed_due
from governance.decisions.selectors import auditor_home
from governance.japanese import business_days_until, era_date
from governance.labels import choice_label
from governance.models import CaseKind, Notification
from governance.spec_review.selectors import board_due

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


#: How the task lists may be sorted (``?sort=``): what is due first (overdue on top), the
#: oldest first (longest waiting), the newest first.
SORTS = {"due": _("期限の近い順"), "age": _("経過の長い順"), "new": _("新しい順")}
#: What each kind's own due date is called in the 期限 column, when no clock row runs.
DUE_LABELS: dict[str, Any] = {
    CaseKind.BUDGET_CHECK: _("予算要求の締切"),
    CaseKind.SPEC_REVIEW: _("契約局審査会"),
}


def _earliest(*expressions: Any) -> Any:
    """The earliest of several moments, NULLs ignored (SQLite's MIN() would return NULL)."""
    present = [e for e in expressions if e is not None]
    if len(present) == 1:
        return present[0]
    rotations = [Coalesce(*present[i:], *present[:i]) for i in range(len(present))]
    return Least(*rotations)


def relevant_due_order(queryset: QuerySet[Any], season: Any, *, sort: str = "due") -> QuerySet[Any]:
    """Tasks ordered by what is due first, then newest first: the nearest owed clock of the
    case, for an undecided budget check its season's finance deadline, for a spec review not
    yet ready for the board its contract board date, whichever is soonest (an overdue one is
    the soonest of all); tasks with none follow, newest first. ``sort="age"``: the longest
    waiting first; ``"new"``: the newest first."""
    due = _earliest(nearest_owed_due("process__case__id"), season, board_due("process__case__id"))
    queryset = queryset.annotate(relevant_due=due)
    if sort == "age":
        return queryset.order_by("created", "pk")
    if sort == "new":
        return queryset.order_by("-created", "-pk")
    return queryset.order_by(F("relevant_due").asc(nulls_last=True), "-created", "-pk")


def task_page(
    build: Callable[[], QuerySet[Any]],
    raw_number: str | None,
    *,
    param: str,
    season: Callable[[], Any],
    sort: str = "due",
    key: tuple[Any, ...] | None = None,
) -> TaskPage:
    """One page of the tasks ``build()`` selects (two queries: the count, and the page's
    columns). ``season()`` is the season's due expression; ``key`` (``home_queries.user_key``
    and the page's filter) lets the SQL of both queries be kept for the next request."""

    def keyed(*parts: Any) -> tuple[Any, ...] | None:
        return None if key is None else (*key, param, *parts)

    count = compiled.count(keyed("count"), build)
    number = min(_page_number(raw_number), max(1, -(-count // TASKS_PER_PAGE)))
    start = (number - 1) * TASKS_PER_PAGE
    rows = []
    if count:

        def page() -> QuerySet[Any]:
            ordered = relevant_due_order(build(), season(), sort=sort)
            return ordered[start : start + TASKS_PER_PAGE].values_list(
                *selectors.TASK_ROW_COLUMNS, "relevant_due"
            )

        rows = selectors.task_rows_of(compiled.values(keyed("rows", sort, start), page))
    return TaskPage(rows=rows, number=number, count=count, param=param)


def attach_age_and_due(rows: list[selectors.TaskRow], *, now: dt.datetime | None = None) -> None:
    """Each row's age in business days since the task arrived, and, where no clock row runs,
    a badge for its kind's own due date (season deadline, contract board date). No query."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    for row in rows:
        row.age_days = max(0, business_days_until(timezone.localtime(row.created).date(), today))
        if row.clock is None and row.due is not None and row.kind in DUE_LABELS:
            day = timezone.localtime(row.due).date()
            end_of_day = dt.datetime.combine(
                day, dt.time(23, 59, 59), timezone.get_default_timezone()
            )
            left = schedule.time_left(end_of_day, now, counting=Counting.CALENDAR_DAYS)
            row.clock = ClockBadge(
                kind_label=str(DUE_LABELS[row.kind]),
                due_text=era_date(day),
                left_text=left.text,
                overdue=left.overdue,
            )


def _kind_filter(raw: str | None) -> str:
    return raw if raw in CaseKind.values else ""


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
            context["decision_rows"] = home_rows.decision_rows_html(context["audit_home"].decisions)
            context["notices"] = home_rows.notice_rows(user)
            return context
        # The seasons' SQL is everyone's: compiled once (governance.home_queries).
        deadlines = tuple(compiled.values(compiled.query_key("seasons"), season_deadline_query))
        sort = str(params.get("sort")) if params.get("sort") in SORTS else "due"
        kind = _kind_filter(params.get("kind"))
        key = home_queries.user_key(user, deadlines)

        def season() -> Any:
            return season_due("process__case__", deadlines)

        def of_kind(tasks: QuerySet[Any]) -> QuerySet[Any]:
            return tasks.filter(process__case__kind=kind) if kind else tasks

        pages = {
            name: task_page(
                lambda tasks=tasks: of_kind(tasks(user)),  # type: ignore[misc]  # bound per list
                params.get(name),
                param=name,
                season=season,
                sort=sort,
                key=None if key is None else (*key, kind),
            )
            for name, tasks in (("inbox", selectors.inbox_tasks), ("queue", selectors.queue_tasks))
        }
        inbox, queue = pages["inbox"], pages["queue"]
        attach_clock_badges(inbox.rows + queue.rows)
        attach_age_and_due(inbox.rows + queue.rows)
        home_rows.attach_row_html(inbox.rows + queue.rows)
        context["sort"], context["kind"] = sort, kind
        context["sorts"] = list(SORTS.items())
        context["kinds"] = [(value, choice_label(CaseKind, value)) for value in CaseKind.values]
        context["inbox"] = inbox
        context["queue"] = queue
        context["notices"] = home_rows.notice_rows(user)
        context["newest_unread"] = max((n.pk for n in context["notices"]), default=None)
        context["notice_items"] = home_rows.notice_items_html(context["notices"], self.request)
        context["task_table_head"] = home_rows.task_table_head()
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

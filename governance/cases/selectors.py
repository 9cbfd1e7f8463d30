"""Reads that carry a rule. Each ``access_*`` fetches and checks permission in one step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext
from viewflow.workflow.status import STATUS

from governance import flows, permissions
from governance.cases.processes import case_tasks
from governance.japanese import fiscal_year_label
from governance.labels import choice_label, fixed_text
from governance.models import (
    BudgetCheck,
    Case,
    CaseKind,
    CaseStatus,
    Consultation,
    Department,
    Incident,
    NetworkConnection,
    Notification,
    SpecReview,
    User,
)

#: The model holding each kind's own columns (a subclass of ``Case``).
CASE_MODELS: dict[str, type[Case]] = {
    CaseKind.CONSULTATION: Consultation,
    CaseKind.BUDGET_CHECK: BudgetCheck,
    CaseKind.SPEC_REVIEW: SpecReview,
    CaseKind.INCIDENT: Incident,
    CaseKind.NETWORK_CONNECTION: NetworkConnection,
}


def concrete_case(case: Case) -> Case:
    """The case as an instance of its kind's model (``BudgetCheck``, ``Consultation``, …)."""
    model = CASE_MODELS.get(case.kind)
    if model is None or isinstance(case, model):
        return case
    return model.objects.get(pk=case.pk)


def visible_cases(user: Any) -> QuerySet[Case]:
    return permissions.scope_cases(user, Case.objects.all())


def access_case(user: Any, pk: int) -> Case:
    """The case ``pk`` if the user may see it; 404 otherwise (existence is not revealed)."""
    case = visible_cases(user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return concrete_case(case)


def inbox_tasks(user: Any) -> QuerySet[Any]:
    """Tasks assigned to the user, across every case flow (their case fetched with them)."""
    queryset = case_tasks().filter(owner=user, status=STATUS.ASSIGNED, flow_task_type="HUMAN")
    return permissions.scope_tasks(user, queryset).select_related("process__case")


def reassignable_task(user: Any, task_pk: int) -> Any:
    """A human task of a case the user may see, with its case and holder; 404 otherwise."""
    queryset = case_tasks().filter(pk=task_pk, flow_task_type="HUMAN")
    task = (
        permissions.scope_tasks(user, queryset)
        .select_related("process__case", "owner__department")
        .first()
    )
    if task is None:
        raise Http404
    return task


def queue_tasks(user: Any) -> QuerySet[Any]:
    """Unassigned tasks the user could pick up, across every case flow."""
    queryset = case_tasks().filter(status=STATUS.NEW).user_queue(user)
    return queryset.select_related("process__case")


# --- Task rows for lists (the home page) ------------------------------------------------------

#: The columns a task row shows, and nothing else: no model instances, no password hashes.
TASK_ROW_COLUMNS = (
    "pk",
    "process_id",
    "flow_task",
    "created",
    "process__case__id",
    "process__case__number",
    "process__case__title",
    "process__case__kind",
    "process__case__status",
    "process__case__department__name",
    "process__case__department__name_en",
)


@dataclass
class TaskRow:
    """One task as a list shows it, with its case's number, title, kind, state and department,
    and the addresses of the task and the case. ``clock`` is set by the clocks' selectors;
    ``due`` is the moment the list was ordered by (the nearest clock, season deadline or
    contract board date), when the queryset was annotated with ``relevant_due``. ``html`` is
    the row's ``<tr>`` on the home page (``governance.home_rows``)."""

    pk: int
    process_id: int
    case_id: int
    number: str
    title: str
    kind_label: str
    status_label: str
    department_label: str
    task_title: str
    created: dt.datetime
    task_url: str
    case_url: str
    clock: Any = None
    kind: str = ""
    due: dt.datetime | None = None
    age_days: int = 0
    html: str = ""


# Placeholders reversed once per view and then filled in (``reverse`` costs ~30 µs a call).
_FIRST, _SECOND = 918273645, 546372819
_URL_PATTERNS: dict[tuple[Any, str, str], str] = {}


def _url_pattern(key: Any, view: str, reverse_with: Any) -> str:
    cache_key = (key, view, get_script_prefix())
    pattern = _URL_PATTERNS.get(cache_key)
    if pattern is None:
        url = reverse_with(view, args=[_FIRST, _SECOND])
        pattern = url.replace(str(_FIRST), "{0}").replace(str(_SECOND), "{1}")
        _URL_PATTERNS[cache_key] = pattern
    return pattern


def task_url(node: Any, process_id: int, task_id: int) -> str:
    """The task's page (``node.reverse("index", …)``), from a pattern reversed once."""
    return _url_pattern(node, "index", node.reverse).format(process_id, task_id)


def case_page_url(case_id: int) -> str:
    """``reverse("home:case", args=[case_id])``, from a pattern reversed once."""
    return _home_url("case", case_id)


def task_rows(queryset: QuerySet[Any]) -> list[TaskRow]:
    """The rows of a (sliced, ordered) task queryset: one query for the columns shown."""
    annotated = "relevant_due" in queryset.query.annotations
    columns = (*TASK_ROW_COLUMNS, "relevant_due") if annotated else TASK_ROW_COLUMNS
    return task_rows_of(queryset.values_list(*columns))


def task_rows_of(values_of_rows: Iterable[tuple[Any, ...]]) -> list[TaskRow]:
    """Task rows from the values of ``TASK_ROW_COLUMNS`` (and ``relevant_due`` after them, where
    read): labels and addresses without a query."""
    rows = []
    width = len(TASK_ROW_COLUMNS)
    for values in values_of_rows:
        pk, process_id, node, created, case_id, number, title, kind, status, name, name_en = values[
            :width
        ]
        rows.append(
            TaskRow(
                pk=pk,
                process_id=process_id,
                case_id=case_id,
                number=number,
                title=title,
                kind_label=choice_label(CaseKind, kind),
                status_label=choice_label(CaseStatus, status),
                department_label=Department.label_of(name, name_en),
                task_title=fixed_text(node, "task_title") if node is not None else "",
                created=created,
                task_url=task_url(node, process_id, pk) if node is not None else "",
                case_url=case_page_url(case_id),
                kind=kind,
                due=values[width] if len(values) > width else None,
            )
        )
    return rows


def unread_notifications(user: Any) -> QuerySet[Notification]:
    """The user's unread notices, with the columns the home page shows."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).only(
        "pk", "subject", "created_at", "url"
    )


def _home_url(view: str, object_id: int) -> str:
    """``reverse(f"home:{view}", args=[object_id])``, from a pattern reversed once."""
    pattern = _url_pattern("home", view, lambda view, args: reverse(f"home:{view}", args=args[:1]))
    return pattern.format(object_id)


def notification_read_url(notice_id: int) -> str:
    """``reverse("home:notification_read", args=[notice_id])``, from a pattern reversed once."""
    return _home_url("notification_read", notice_id)


def case_trace_url(case_id: int) -> str:
    """``reverse("home:case_trace", args=[case_id])``, from a pattern reversed once."""
    return _home_url("case_trace", case_id)


def newest_unread_notification(user: Any) -> int | None:
    """The id of the user's newest unread notice (what 「すべて既読にする」 marks up to)."""
    return (
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def start_links(user: Any) -> list[tuple[str, str]]:
    """(title, url) of every case flow the user may start."""
    links = []
    for entry in flows.flows():
        for node in entry.flow_class.get_start_nodes(user):
            links.append((str(entry.flow_class.process_title), node.reverse("execute")))
    return links


def case_documents(user: Any, case: Case) -> list[Any]:
    """The case's advisory documents with their versions (two queries)."""
    from governance.models import AdvisoryDocument

    if not permissions.can_view_case(user, case):
        return []
    return list(AdvisoryDocument.objects.filter(case=case).prefetch_related("versions__created_by"))


def case_shared_departments(user: Any, case: Case) -> list[Any]:
    """The other departments the case is shared with, for those who may share it (one query)."""
    from governance.models import CaseGroupObjectPermission, Department

    if not permissions.can_share_case(user, case):
        return []
    granted = CaseGroupObjectPermission.objects.filter(
        content_object_id=case.pk, permission__codename=permissions.VIEW_CASE
    ).values("group_id")
    return list(Department.objects.filter(group__in=granted).order_by("code"))


def actionable_tasks(user: Any, process: Any) -> list[tuple[Any, str, str]]:
    """(task, label, url) for each open step of the process the user can take or do now."""
    result = []
    for task in process.task_set.filter(
        status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    ):
        node = task.flow_task
        if task.status == STATUS.ASSIGNED and node.can_execute(user, task):
            result.append(
                (task, str(node.task_title), node.reverse("execute", args=[process.pk, task.pk]))
            )
        elif task.status == STATUS.NEW and node.can_assign(user, task):
            result.append(
                (task, str(node.task_title), node.reverse("assign", args=[process.pk, task.pk]))
            )
    return result


# --- The API --------------------------------------------------------------------------------

# People are shown with their department (``User.label``): loaded with the case.
_CASE_RELATED = (
    "department",
    "system",
    "requester__department",
    "reviewer__department",
    "approver__department",
)


def api_cases(user: Any, **filters: Any) -> QuerySet[Case]:
    """The cases the user sees on the case list (every kind), filtered: kind, status,
    fiscal_year, department (code), system (code), updated_since. Fixed query count."""
    queryset = visible_cases(user).select_related(*_CASE_RELATED)
    for name in ("kind", "status", "fiscal_year"):
        if filters.get(name) is not None and filters.get(name) != "":
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("department"):
        queryset = queryset.filter(department__code=filters["department"])
    if filters.get("system"):
        queryset = queryset.filter(system__code=filters["system"])
    if filters.get("updated_since") is not None:
        queryset = queryset.filter(updated_at__gte=filters["updated_since"])
    return queryset


def access_case_number(user: Any, number: str) -> Case:
    """The case numbered ``number`` (as its kind's model) if the user may see it; 404
    otherwise, whether it exists or not."""
    found = visible_cases(user).filter(number=number).values_list("pk", "kind").first()
    if found is None:
        raise Http404
    pk, kind = found
    model = CASE_MODELS.get(kind, Case)
    return model.objects.select_related(*_CASE_RELATED).get(pk=pk)


# --- The case list: keyset pages ----------------------------------------------------------------

#: Rows per page of the case list.
CASES_PER_PAGE = 50

#: The columns the case list shows: the case, its department's names and its reviewer's.
CASE_LIST_COLUMNS = (
    "pk",
    "number",
    "kind",
    "title",
    "department__name",
    "department__name_en",
    "fiscal_year",
    "status",
    "reviewer__last_name",
    "reviewer__first_name",
    "reviewer__username",
    "reviewer__department__name",
    "reviewer__department__name_en",
    "created_at",
)


@dataclass(frozen=True)
class CaseListFilters:
    """What the case list is narrowed to (each one optional)."""

    kind: str = ""
    status: str = ""
    fiscal_year: int | None = None
    text: str = ""

    def apply(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.kind:
            queryset = queryset.filter(kind=self.kind)
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.fiscal_year is not None:
            queryset = queryset.filter(fiscal_year=self.fiscal_year)
        if self.text:
            queryset = queryset.filter(
                Q(number__icontains=self.text) | Q(title__icontains=self.text)
            )
        return queryset


@dataclass(frozen=True)
class CaseListRow:
    pk: int
    number: str
    kind_label: str
    title: str
    department_label: str
    fiscal_year: int
    status_label: str
    reviewer_name: str
    created_at: dt.datetime
    url: str

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)


def person_label(
    last_name: str, first_name: str, username: str, department: str | None, department_en: str
) -> str:
    """``User.label`` from the columns alone: 「高橋 健太（総務部）」."""
    name = User.name_of(last_name, first_name, username)
    if department is None:
        return name
    return gettext("{name}（{department}）").format(
        name=name, department=Department.label_of(department, department_en or "")
    )


@dataclass
class CaseListPage:
    """One page of the case list, newest first, addressed by the case it starts after (or
    ends before): every page costs the same, the last as the first. ``count`` is the total."""

    rows: list[CaseListRow]
    count: int
    has_previous: bool
    has_next: bool

    @property
    def first_pk(self) -> int | None:
        return self.rows[0].pk if self.rows else None

    @property
    def last_pk(self) -> int | None:
        return self.rows[-1].pk if self.rows else None


def _after(pk: int, *, older: bool) -> Q:
    """Cases after case ``pk`` in the list's order (newest first): older ones with
    ``older``, newer ones without. The cursor's time is read by a subquery, so a page with a
    cursor costs no extra query; ``<=`` first lets the index range do the work."""
    moment = Subquery(Case.objects.filter(pk=pk).order_by().values("created_at")[:1])
    if older:
        return Q(created_at__lte=moment) & (Q(created_at__lt=moment) | Q(pk__lt=pk))
    return Q(created_at__gte=moment) & (Q(created_at__gt=moment) | Q(pk__gt=pk))


def case_list_scope(user: Any) -> tuple[Q | None, Q | None]:
    """``permissions.case_scope_q(user)`` with the granted half as one ``IN`` over the union of
    the grants (``permissions.granted_case_ids``), compiled once: the count and the rows of a
    page both use it. ANDed with other conditions it is a semi-join on the primary key, where
    the OR of the two grant sub-queries made PostgreSQL read every case; compiled once, it
    costs one compilation a page instead of one per query (0.8 ms of CPU)."""
    direct, granted = permissions.case_scope_q(user)
    if granted is not None:
        sql, params = permissions.granted_case_ids(user).query.sql_with_params()
        granted = Q(pk__in=RawSQL(sql, params))  # noqa: S611  (SQL Django compiled; values are parameters)
    return direct, granted


def count_visible_cases(
    user: Any, queryset: QuerySet[Any], *, scope: tuple[Q | None, Q | None] | None = None
) -> int:
    """How many cases of ``queryset`` (Case, filtered) the user may see, in one query that the
    indexes answer: the direct ones, plus the granted ones that are not also direct.
    ``scope`` is ``case_list_scope(user)`` when the caller has already read it."""
    direct, granted = scope if scope is not None else case_list_scope(user)
    queryset = queryset.order_by()
    if direct is None and granted is None:
        return 0
    if direct is None:
        return queryset.filter(granted).count()
    if granted is None:
        if permissions.sees_every_case(user):
            # No condition at all: PostgreSQL then counts on its smallest index, where
            # ``pk IS NOT NULL`` held it to the primary key's (51 against 57–85 ms at 1M).
            return queryset.count()
        return queryset.filter(direct).count()
    # Two counts added in one statement: each is answered by its own index (a UNION ALL of
    # the ids would pass every one of them through the plan: three times slower at 100,000).
    mine = queryset.filter(direct).values("pk").query.sql_with_params()
    shared = queryset.filter(granted).exclude(direct).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM ({mine[0]}) mine)"  # noqa: S608  (SQL Django compiled; values are parameters)
            f" + (SELECT COUNT(*) FROM ({shared[0]}) shared)",
            [*mine[1], *shared[1]],
        )
        row = cursor.fetchone()
    return int(row[0])


def _case_list_rows(values: list[tuple[Any, ...]]) -> list[CaseListRow]:
    """The rows of ``CASE_LIST_COLUMNS`` values. Labels repeat from row to row (five kinds,
    eight states, a few reviewers): each is made once a page."""
    labels: dict[tuple[Any, ...], str] = {}

    def label(key: tuple[Any, ...]) -> str:
        found = labels.get(key)
        if found is None:
            if key[0] == "kind":
                found = choice_label(CaseKind, key[1])
            elif key[0] == "status":
                found = choice_label(CaseStatus, key[1])
            elif key[0] == "department":
                found = Department.label_of(key[1], key[2])
            else:
                found = person_label(*key[1:]) if key[3] else ""
            labels[key] = found
        return found

    return [
        CaseListRow(
            pk=pk,
            number=number,
            kind_label=label(("kind", kind)),
            title=title,
            department_label=label(("department", name, name_en)),
            fiscal_year=fiscal_year,
            status_label=label(("status", status)),
            reviewer_name=label(
                ("person", last_name, first_name, username, dept_name, dept_name_en)
            ),
            created_at=created_at,
            url=case_page_url(pk),
        )
        for (
            pk,
            number,
            kind,
            title,
            name,
            name_en,
            fiscal_year,
            status,
            last_name,
            first_name,
            username,
            dept_name,
            dept_name_en,
            created_at,
        ) in values
    ]


def case_list_page(
    user: Any,
    filters: CaseListFilters,
    *,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
) -> CaseListPage:
    """A page of the cases the user may see, newest first: the first page, the page after
    case ``after``, the page before case ``before``, or the ``last`` (oldest) page.
    Two queries: the total (on the indexes, ``count_visible_cases``) and the rows,
    with only the columns and joins the list shows."""
    base = filters.apply(Case.objects.all())
    scope = case_list_scope(user)
    count = count_visible_cases(user, base, scope=scope)
    scoped = base.filter(permissions.either_scope(*scope))
    backwards = before is not None or last
    if after is not None:
        scoped = scoped.filter(_after(after, older=True))
    elif before is not None:
        scoped = scoped.filter(_after(before, older=False))
    order = ("created_at", "pk") if backwards else ("-created_at", "-pk")
    values = list(scoped.order_by(*order).values_list(*CASE_LIST_COLUMNS)[: CASES_PER_PAGE + 1])
    more = len(values) > CASES_PER_PAGE
    values = values[:CASES_PER_PAGE]
    if backwards:
        values.reverse()
    rows = _case_list_rows(values)
    if backwards:
        has_previous, has_next = more, not last
    else:
        has_previous, has_next = after is not None, more
    return CaseListPage(rows=rows, count=count, has_previous=has_previous, has_next=has_next)

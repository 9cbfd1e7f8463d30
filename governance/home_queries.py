"""The home page's queries (the inbox's and the queue's count and page, the unread notices,
the budget seasons), compiled once.

Building them through the ORM and compiling them to SQL cost about 5 ms of CPU a page, more
than running them: the case scope (``permissions.case_visibility_q``), the queue's
segregation-of-duties sub-queries and the due-date ordering are large expressions. Their SQL
is a function of a few facts only: the user's id, roles, department and flags, the budget
seasons' deadlines and the page's own choices (list, kind, sort, first row). So the SQL and its
parameters are compiled on the first request with a given set of those facts and kept in this
process (a bounded LRU), then run as they are.

Nothing is shared between users (the key holds the user's id), and the facts are read on every
request (roles from the user's groups, the rest from the user's row and the seasons), so a role
granted or revoked, a move to another department or a new season changes the key on the next
page. What the scope reads in SQL (guardian grants, TLP:RED members, audit trail) is read when
the SQL runs, as before. The one part of a scope that reads the database while it is built, the
escalation levels of ``permissions_escalation.escalated_q``, is never cached: users holding an
escalation reader's role get freshly built queries. ``tests/test_home_queries.py`` checks that
the kept SQL is the SQL the ORM builds for each role.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from governance import permissions
from governance.cases import selectors
from governance.labels import choice_label, fixed_text
from governance.models import CaseKind, CaseStatus, Department

#: How many compiled queries a process keeps (four per user and page shape: a few MB at most).
MAX_ENTRIES = 2048

_lock = threading.Lock()
_compiled: OrderedDict[tuple[Any, ...], _Compiled] = OrderedDict()


@dataclass(frozen=True)
class _Compiled:
    """A query as the database runs it, and how its values are converted (a page's rows)."""

    sql: str
    params: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...] = ()


def user_key(user: Any, seasons: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """What the SQL of ``user``'s task lists depends on; None when it must be built afresh."""
    roles = permissions.roles_of(user)
    if roles & set(permissions.ESCALATION_READER_ROLES):
        return None  # escalated_q reads the escalation levels while it is built
    return (
        connection.alias,
        connection.vendor,
        user.pk,
        user.is_superuser,
        user.is_active,
        getattr(user, "department_id", None),
        roles,
        seasons,
    )


def query_key(*parts: Any) -> tuple[Any, ...]:
    """The key of a query whose SQL is decided by ``parts`` alone (the seasons' query is
    everyone's; the unread notices' depends on the user's id only)."""
    return (connection.alias, connection.vendor, *parts)


def _get(key: tuple[Any, ...] | None) -> _Compiled | None:
    if key is None:
        return None
    with _lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
        return found


def _keep(key: tuple[Any, ...] | None, compiled: _Compiled) -> None:
    if key is None:
        return
    with _lock:
        _compiled[key] = compiled
        while len(_compiled) > MAX_ENTRIES:
            _compiled.popitem(last=False)


def clear() -> None:
    """Forget every compiled query (tests)."""
    with _lock:
        _compiled.clear()


def count(key: tuple[Any, ...] | None, build: Callable[[], QuerySet[Any]]) -> int:
    """``build().count()``, run from the SQL kept under ``key`` when there is one."""
    compiled = _get(key)
    if compiled is None:
        # Query.get_count() decides how the count is written (and runs it): keep the SQL it
        # sends rather than copying its rules here.
        captured: list[tuple[str, tuple[Any, ...]]] = []

        def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            captured.append((sql, tuple(params or ())))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            total = build().count()
        if len(captured) == 1:
            _keep(key, _Compiled(sql=captured[0][0], params=captured[0][1]))
        elif not captured and total == 0:  # a scope that selects nothing: no query at all
            _keep(key, _Compiled(sql="", params=()))
        return total
    if not compiled.sql:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        row = cursor.fetchone()
    return int(row[0])


def _compile_values(queryset: QuerySet[Any]) -> _Compiled:
    """The SQL of a ``values_list()`` queryset and the converters Django applies to its rows."""
    query = queryset.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    if list(queryset._fields or names) != names:  # type: ignore[attr-defined]  # values_list's
        raise ValueError("columns must be asked for in the order Django selects them")
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(fields).items()
    )
    return _Compiled(sql=sql, params=tuple(params), converters=converters)


def values(
    key: tuple[Any, ...] | None, build: Callable[[], QuerySet[Any]]
) -> list[tuple[Any, ...]]:
    """The rows of the ``values_list()`` queryset ``build()``, as Django would convert them,
    run from the SQL kept under ``key`` when there is one."""
    compiled = _get(key)
    if compiled is None:
        try:
            compiled = _compile_values(build())
        except EmptyResultSet:  # a scope that selects nothing: no query at all
            compiled = _Compiled(sql="", params=())
        _keep(key, compiled)
    if not compiled.sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        rows: Iterable[Any] = cursor.fetchall()
    if not compiled.converters:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        row = list(row)
        for position, functions, expression in compiled.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(tuple(row))
    return converted


def task_rows(values_of_rows: list[tuple[Any, ...]]) -> list[selectors.TaskRow]:
    """``selectors.task_rows`` from the values it reads (``TASK_ROW_COLUMNS`` and
    ``relevant_due``): the same rows, labels and addresses."""
    rows = []
    for values_of_row in values_of_rows:
        pk, process_id, node, created, case_id, number, title, kind, status, name, name_en, due = (
            values_of_row
        )
        rows.append(
            selectors.TaskRow(
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
                task_url=selectors.task_url(node, process_id, pk) if node is not None else "",
                case_url=selectors.case_page_url(case_id),
                kind=kind,
                due=due,
            )
        )
    return rows

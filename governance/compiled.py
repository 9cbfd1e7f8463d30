"""Queries compiled once and kept: their SQL and parameters, run as they are afterwards.

Building a query through the ORM and compiling it to SQL costs more CPU than running it when
the query is a large expression (a case scope, segregation-of-duties sub-queries, a due-date
ordering) or simply run on every page (a user's roles). When the SQL of a query is a function
of a few facts, the caller names those facts in a key (``query_key``): the SQL is compiled on
the first call with that key, kept in this process (a bounded LRU) and run directly on the
next ones. Only SQL is kept, never rows: what the query reads is read on every call.

A key must hold everything the SQL depends on, or the caller passes what differs from call to
call as the SQL's ``leading`` parameters (a user's id, the ids of an ``IN``): the home page's
task lists key on the user (``governance.home_queries.user_key``); a user's roles and unread
notices pass the user's id as ``leading``.
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


def query_key(*parts: Any) -> tuple[Any, ...]:
    """The key of a query whose SQL is decided by ``parts`` (and its ``leading`` parameters)."""
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
    key: tuple[Any, ...] | None,
    build: Callable[[], QuerySet[Any]],
    *,
    leading: tuple[Any, ...] = (),
) -> list[tuple[Any, ...]]:
    """The rows of the ``values_list()`` queryset ``build()``, as Django would convert them,
    run from the SQL kept under ``key`` when there is one.

    ``leading``: parameters that differ from call to call and come first in the SQL (e.g. the
    ids of an ``IN``, whose number is then part of ``key``): the kept SQL is run with them in
    place of the first call's. It is kept only if its parameters do start with them."""
    compiled = _get(key)
    if compiled is None:
        try:
            compiled = _compile_values(build())
        except EmptyResultSet:  # a scope that selects nothing: no query at all
            compiled = _Compiled(sql="", params=())
        if compiled.params[: len(leading)] == leading:
            _keep(key, compiled)
        params = compiled.params
    else:
        params = (*leading, *compiled.params[len(leading) :])
    if not compiled.sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
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

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

``bound_values`` and ``bound_models`` take the ids (or strings) a query is built from as
``bind`` (a case's and a user's, wherever in the SQL they land): the query is compiled twice the
first time, with those values and with probe values, and kept only if both give the same SQL
and parameters that differ exactly where the values go; later calls put theirs in those places.
``build`` must use them only as values compared with columns (never to decide the query's
shape, which the probe might not reveal). ``bound_models`` gives model instances
(``select_related`` ones included) as the queryset itself would.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.db.transaction import TransactionManagementError

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
    #: (position in ``params``, index in ``bind``) of each bound id (``bound_values``).
    slots: tuple[tuple[int, int], ...] = ()
    #: The compiler that wrote ``sql``: what it selects, for ``bound_models``' instances.
    compiler: Any = None
    #: ``bound_models``: the converters of its rows and whether they hold composite columns,
    #: worked out once per connection object (a thread's) from ``compiler``'s select.
    #: An INSERT of several rows (``compiled_writes``) whose parameters are one array per
    #: column (PostgreSQL's ``UNNEST``), not one value per placeholder, row after row.
    by_column: bool = False
    row_shape: dict[str, Any] = dataclasses.field(
        default_factory=dict, init=False, compare=False, repr=False
    )


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
    return _run_values(compiled, params)


# --- Queries built from a few ids ---------------------------------------------------------------


def _probes(bind: tuple[Any, ...]) -> tuple[Any, ...]:
    """Values no row has, one per bound value, of its type and distinct from each other, to
    find where the real values go in the SQL. Ints are positive and within a 32-bit
    column's range: Django writes no SQL at all for a value outside its field's range (a
    ``PositiveIntegerField`` compared with a negative one), and such a probe kept nothing."""
    return tuple(
        2_000_000_001 + n
        if type(value) is int
        else uuid.UUID(int=0x5A1 << 64 | n)
        if type(value) is uuid.UUID
        else f"\x1fshinsa-probe-{n}"
        for n, value in enumerate(bind)
    )


def _bindable(bind: tuple[Any, ...]) -> bool:
    """Ids (ints or UUIDs, not None) and strings can be bound; their probes are none of them."""
    probes = _probes(bind)
    return all(type(value) in (int, str, uuid.UUID) and value not in probes for value in bind)


def _slots(
    real: tuple[Any, ...], probed: tuple[Any, ...], bind: tuple[Any, ...]
) -> tuple[tuple[int, int], ...] | None:
    """Where the ids of ``bind`` go among the parameters: the positions whose value differs
    between the compile with ``bind`` (``real``) and the one with the probes (``probed``);
    None when the parameters differ otherwise (the query does not take the ids as they are)."""
    probes = _probes(bind)
    if len(real) != len(probed):
        return None
    slots: list[tuple[int, int]] = []
    for position, (value, probe) in enumerate(zip(real, probed, strict=True)):
        if type(value) is type(probe) and value == probe:
            continue
        if probe not in probes or value != bind[probes.index(probe)]:
            return None
        slots.append((position, probes.index(probe)))
    return tuple(slots)


def _compile_bound(
    key: tuple[Any, ...] | None,
    build: Callable[..., QuerySet[Any]],
    bind: tuple[Any, ...],
    compile_one: Callable[[QuerySet[Any]], _Compiled],
) -> _Compiled:
    """``build(*bind)`` compiled, kept under ``key`` when the ids are all it takes from ``bind``."""
    compiled = compile_one(build(*bind))
    if key is not None and compiled.sql:
        try:
            probed = compile_one(build(*_probes(bind)))
        except Exception:  # a value the query cannot take as a probe: not kept
            return compiled
        slots = _slots(compiled.params, probed.params, bind)
        if probed.sql == compiled.sql and slots is not None:
            _keep(key, dataclasses.replace(compiled, slots=slots))
    return compiled


def _bound_params(compiled: _Compiled, bind: tuple[Any, ...]) -> list[Any]:
    params = list(compiled.params)
    for position, index in compiled.slots:
        params[position] = bind[index]
    return params


def bound_values(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], bind: tuple[Any, ...]
) -> list[tuple[Any, ...]]:
    """The rows of the ``values_list()`` queryset ``build(*bind)``, run from the SQL kept
    under ``key`` (with ``bind``'s ids put in) when there is one."""
    if not _bindable(bind):
        return [tuple(row) for row in build(*bind)]
    compiled, params = _kept_or_compiled(key, build, bind, _compile_values_or_nothing)
    return _run_values(compiled, params)


def _kept_or_compiled(
    key: tuple[Any, ...],
    build: Callable[..., QuerySet[Any]],
    bind: tuple[Any, ...],
    compile_one: Callable[[QuerySet[Any]], _Compiled],
) -> tuple[_Compiled, list[Any]]:
    """The SQL kept under ``key`` with ``bind``'s ids put in, or ``build(*bind)`` compiled
    (and kept when it can be)."""
    compiled = _get(key)
    if compiled is None:
        compiled = _compile_bound(key, build, bind, compile_one)
        return compiled, list(compiled.params)
    return compiled, _bound_params(compiled, bind)


def _compile_values_or_nothing(queryset: QuerySet[Any]) -> _Compiled:
    try:
        return _compile_values(queryset)
    except EmptyResultSet:
        return _Compiled(sql="", params=())


def _run_values(compiled: _Compiled, params: Any) -> list[tuple[Any, ...]]:
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


class _KeptQuery:
    """What ``ModelIterable`` asks of a queryset's query: its compiler, here the kept one."""

    def __init__(self, compiler: Any) -> None:
        self.compiler = compiler

    def get_compiler(
        self, using: Any = None, connection: Any = None, elide_empty: bool = True
    ) -> Any:
        return self.compiler


class _KeptQuerySet:
    """What ``ModelIterable`` reads of a queryset (no known related objects: a fresh one)."""

    _known_related_objects: dict[Any, Any] = {}

    def __init__(self, db: str, compiler: Any) -> None:
        self.db = db
        self.query = _KeptQuery(compiler)
        self.model = compiler.query.model


def _compile_models(queryset: QuerySet[Any]) -> _Compiled:
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return _Compiled(sql="", params=())
    return _Compiled(sql=sql, params=tuple(params), compiler=compiler)


def _row_shape(compiled: _Compiled, compiler: Any) -> tuple[dict[int, Any], bool]:
    """The converters of ``compiled``'s rows on ``compiler``'s connection and whether its
    select has composite columns: what ``results_iter`` works out on every call, the same
    for every call of one kept SQL (kept per connection object: the backend's converters are
    its methods)."""
    shape = compiled.row_shape.get("shape")
    if shape is None or shape[0] is not compiler.connection:
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        shape = (
            compiler.connection,
            compiler.get_converters(fields),
            compiler.has_composite_fields(fields),
        )
        compiled.row_shape["shape"] = shape
    return shape[1], shape[2]


def bound_models(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], bind: tuple[Any, ...]
) -> list[Model]:
    """The instances of the queryset ``build(*bind)`` (its ``select_related`` ones filled in),
    run from the SQL kept under ``key`` (with ``bind``'s ids put in) when there is one."""
    if not _bindable(bind):
        return list(build(*bind))
    compiled, params = _kept_or_compiled(key, build, bind, _compile_models)
    if not compiled.sql:
        return []
    kept = compiled.compiler
    db = kept.using
    if kept.query.select_for_update and connections[db].get_autocommit():
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    # A copy on this thread's connection, which writes nothing more: its SQL is the kept one.
    compiler = copy.copy(kept)
    compiler.connection = connections[db]
    sql = compiled.sql
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    converters, composite = _row_shape(compiled, compiler)
    compiler.get_converters = lambda expressions: converters
    compiler.has_composite_fields = lambda expressions: composite
    return list(ModelIterable(_KeptQuerySet(db, compiler)))  # type: ignore[arg-type]  # what it reads

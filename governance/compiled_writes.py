"""Rows written with SQL compiled once and kept (``governance.compiled``'s cache): the INSERT of
one new row or of several, the UPDATE of an existing row's columns.

A flow step writes a handful of rows (its audit events, notices, their e-mail jobs, the case's
new status). Through ``save()`` or ``bulk_create()`` each write builds a query and compiles it
to SQL again, which costs several times what running it costs; here the SQL is compiled the
first time a model (and number of rows, or set of columns) is written, and later writes only
prepare their values, as the fields prepare them (``pre_save``, ``get_db_prep_save``).

Only plain writes are taken: a model with a ``save()`` of its own, ``pre_save``/``post_save``
receivers, a value that is an expression (``F()``), a field with a placeholder of its own, a
generated column or deferred fields are written through Django instead, as the caller's
``save()``/``bulk_create()`` would have.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeAlias, TypeVar

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Field, Model, signals

from governance.compiled import _Compiled, _get, _keep, query_key

M = TypeVar("M", bound=Model)

# --- New rows -----------------------------------------------------------------------------------


def _plain(model: type[Model], own_save: bool = False) -> bool:
    """Whether writing ``model`` through Django runs nothing but the SQL kept here
    (``own_save``: the model's own ``save()`` is the caller)."""
    return (
        (own_save or model.save is Model.save)  # a save() of its own must run
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
    )


def _check_related(obj: Model, operation: str) -> None:
    """Django's check that no unsaved object was assigned to a relation (and its taking of an
    id assigned since), as ``save()`` and ``bulk_create()`` make it. It looks only at related
    objects held in the instance's cache: with none held, there is nothing to check."""
    if obj._state.fields_cache:
        obj._prepare_related_fields_for_save(operation_name=operation)  # type: ignore[attr-defined]  # Django's own


def _concrete(model: type[Model]) -> type[Model]:
    """The model whose table holds ``model``'s rows (a proxy's is its concrete model)."""
    return model._meta.concrete_model or model


def _insert_fields(model: type[Model]) -> list[Field[Any, Any]] | None:
    """The columns an INSERT of ``model`` (a concrete model) writes (all but an auto id), or
    None when it cannot be kept: a child of another model (two tables), a generated column, a
    field with a placeholder of its own."""
    if model not in _columns:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        plain = not meta.parents
        plain = plain and not any(f.generated or hasattr(f, "get_placeholder") for f in fields)
        _columns[model] = fields if plain else None
    return _columns[model]


#: ``_insert_fields`` of each model written (its fields do not change while a process runs).
_columns: dict[type[Model], list[Field[Any, Any]] | None] = {}


#: Fields whose ``get_db_prep_save`` gives a value of the type named back unchanged (text as
#: text, an int as the int, on every backend): such a value is passed as it is. Exact types
#: only: a subclass may prepare its values otherwise.
_TEXT_FIELDS = frozenset({models.CharField, models.TextField, models.SlugField})
_INT_FIELDS = frozenset(
    {
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.PositiveBigIntegerField,
    }
)
_INT_KEYS = frozenset({models.AutoField, models.BigAutoField, *_INT_FIELDS})


def _passes_as_is(field: Field[Any, Any], value: Any) -> bool:
    kind = type(field)
    if kind in _TEXT_FIELDS:
        # Text, a choice's member too (a str: Django's to_python gives it back as it is).
        return isinstance(value, str) or (value is None and field.null)
    if kind in _INT_FIELDS:
        return type(value) is int or (value is None and field.null)
    if kind is models.BooleanField:
        return type(value) is bool
    if kind is models.ForeignKey or kind is models.OneToOneField:
        target = field.target_field  # type: ignore[attr-defined]  # a relation's
        return value is None or (type(target) in _INT_KEYS and type(value) is int)
    if kind is models.DateTimeField:
        # PostgreSQL takes an aware datetime as it is (SQLite's is written as text).
        return (value is None and field.null) or (
            type(value) is dt.datetime
            and value.tzinfo is not None
            and connection.vendor == "postgresql"
        )
    if kind is models.UUIDField:
        return type(value) is uuid.UUID and connection.features.has_native_uuid_field
    return False


def _prepared(fields: Sequence[Field[Any, Any]], obj: Model, add: bool) -> list[Any] | None:
    """``obj``'s values for ``fields`` as the database takes them, or None if one is an
    expression (written through Django)."""
    values = []
    for field in fields:
        value = field.pre_save(obj, add)
        if _passes_as_is(field, value):
            values.append(value)
            continue
        if hasattr(value, "resolve_expression"):
            return None
        values.append(field.get_db_prep_save(value, connection=connection))
    return values


def _compiled_insert(
    model: type[Model], fields: Sequence[Field[Any, Any]], objs: Sequence[Model]
) -> _Compiled | None:
    """The INSERT of ``len(objs)`` rows of ``model``, compiled once (``by_column``: its
    parameters are one array per column, PostgreSQL's ``UNNEST``)."""
    meta = model._meta
    key = query_key("insert", meta.label, len(objs))
    kept = _get(key)
    if kept is not None:
        return kept
    from django.db.models.sql import InsertQuery

    # Compiled from copies: compiling runs the fields' pre_save (auto_now_add) on them.
    query = InsertQuery(model)
    query.insert_values(fields, [copy.copy(obj) for obj in objs])
    compiler = query.get_compiler(connection=connection)
    if meta.auto_field is not None:
        compiler.returning_fields = [meta.auto_field]
    statements = compiler.as_sql()
    if len(statements) != 1:
        return None
    sql, params = statements[0]
    if len(params) == len(fields) * len(objs):
        by_column = False
    elif len(objs) > 1 and len(params) == len(fields) and all(isinstance(p, list) for p in params):
        by_column = True
    else:
        return None
    kept = _Compiled(sql=sql, params=(), by_column=by_column)
    _keep(key, kept)
    return kept


def insert(obj: Model, *, fallback: Callable[[], None] | None = None) -> None:
    """``obj.save(force_insert=True)`` for a new row (``insert_many`` of one). A model's own
    ``save()`` calls it with ``fallback``, its parent's save, for what cannot be kept."""
    if not insert_many([obj], own_save=fallback is not None):
        (fallback or partial(obj.save, force_insert=True))()


def insert_many(objs: Sequence[Model], *, own_save: bool = False) -> bool:
    """Insert the new rows ``objs`` (of one model) in one statement, as ``bulk_create(objs)``
    does: auto ids read back from ``RETURNING`` into the instances. False, with nothing
    written, when the write cannot be kept (the caller writes through Django)."""
    if not objs:
        return True
    model = type(objs[0])
    concrete = _concrete(model)
    meta = concrete._meta
    fields = _insert_fields(concrete) if _plain(model, own_save) else None
    features = connection.features
    if (
        fields is None
        or any(type(obj) is not model for obj in objs)
        or (meta.auto_field is not None and any(obj.pk is not None for obj in objs))
        or (meta.auto_field is None and any(obj.pk is None for obj in objs))
        or not features.can_return_columns_from_insert
        or (len(objs) > 1 and not features.can_return_rows_from_bulk_insert)
    ):
        return False
    for obj in objs:
        _check_related(obj, "bulk_create")
    kept = _compiled_insert(concrete, fields, objs)
    if kept is None:
        return False
    rows = []
    for obj in objs:
        values = _prepared(fields, obj, True)
        if values is None:
            return False
        rows.append(values)
    if kept.by_column:
        params: list[Any] = [list(column) for column in zip(*rows, strict=True)]
    else:
        params = [value for row in rows for value in row]
    # As save() does: an error marks the surrounding atomic block for rollback.
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        cursor.execute(kept.sql, params)
        returned = cursor.fetchall() if meta.auto_field is not None else []
    if meta.auto_field is not None:
        if len(returned) != len(objs):
            raise DatabaseError(f"INSERT returned {len(returned)} ids for {len(objs)} rows")
        for obj, row in zip(objs, returned, strict=True):
            setattr(obj, meta.auto_field.attname, row[0])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return True


def create_many(model: type[M], objs: Iterable[M]) -> list[M]:
    """``model.objects.bulk_create(objs)``, its INSERT kept (``insert_many``)."""
    made = list(objs)
    if not insert_many(made):
        made = model._default_manager.bulk_create(made)
    return made


# --- Existing rows ------------------------------------------------------------------------------


def _tables(model: type[Model]) -> list[type[Model]] | None:
    """The models whose tables hold ``model``'s columns, the root first (multi-table
    inheritance: the case, then its kind); None for more than one parent at a level."""
    chain = [_concrete(model)]
    while chain[0]._meta.parents:
        if len(chain[0]._meta.parents) != 1:
            return None
        chain.insert(0, next(iter(chain[0]._meta.parents)))
    return chain


def update(
    obj: Model,
    fields: Iterable[str] | None = None,
    *,
    fallback: Callable[..., None] | None = None,
) -> None:
    """``obj.save(update_fields=fields)`` for a row that exists (every column when ``fields``
    is None, as ``save()`` of a loaded instance writes them): one kept UPDATE per table.
    Raises ``DatabaseError`` when the row is not there (``save()`` would have inserted it).
    A model's own ``save()`` calls it with ``fallback``, its parent's save, for what cannot
    be kept."""
    model = type(obj)
    names = None if fields is None else frozenset(fields)
    save: Callable[[], None] = partial(fallback or obj.save, update_fields=names)
    plan = _update_plan(model, names)
    if (
        plan is None
        or not _plain(model, own_save=fallback is not None)
        or obj.pk is None
        or obj._state.adding
        or (names is None and obj.get_deferred_fields())
    ):
        save()
        return
    _check_related(obj, "save")
    prepared = []
    for sql, columns, pk_name in plan:
        values = _prepared(columns, obj, False)
        if values is None:
            save()
            return
        prepared.append((sql, [*values, getattr(obj, pk_name)]))
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        for sql, params in prepared:
            cursor.execute(sql, params)
            if cursor.rowcount != 1:
                raise DatabaseError(f"UPDATE of {obj._meta.label} {obj.pk} matched no row")
    obj._state.db = connection.alias


#: The UPDATEs of a model's columns (``update``): per model, names and database vendor, each
#: table's SQL, its columns and the primary key's attribute; None where save() must write it.
_Plan: TypeAlias = "list[tuple[str, list[Field[Any, Any]], str]]"
_plans: dict[tuple[type[Model], frozenset[str] | None, str], _Plan | None] = {}


def _update_plan(model: type[Model], names: frozenset[str] | None) -> _Plan | None:
    key = (model, names, connection.vendor)
    if key not in _plans:
        _plans[key] = _planned(model, names)
    return _plans[key]


def _planned(model: type[Model], names: frozenset[str] | None) -> _Plan | None:
    tables = _tables(model)
    if tables is None:
        return None
    plan: _Plan = []
    matched: set[str] = set()
    for table in tables:
        meta = table._meta
        columns = [
            f
            for f in meta.local_concrete_fields
            if not f.primary_key and (names is None or f.name in names or f.attname in names)
        ]
        matched.update(name for f in columns for name in (f.name, f.attname))
        if not columns:
            continue
        if any(f.generated or hasattr(f, "get_placeholder") for f in columns):
            return None
        plan.append((_update_sql(meta, columns), columns, meta.pk.attname))
    if names is not None and not names <= matched:  # save() says which name is wrong
        return None
    return plan


def _update_sql(meta: Any, columns: Sequence[Field[Any, Any]]) -> str:
    """``UPDATE table SET … WHERE pk = %s`` for ``columns`` (kept with its plan)."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in columns)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608  (names from the models; values are parameters)

"""Cheap bulk data for the dashboards' tests and bench: a few cases driven through the real
flows (one of each kind the dashboards count), then copied N times row by row with
``governance.bulk.insert_rows`` (no flow, no audit event: the dashboards only read), each copy
with its own id, number and moment."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from governance.bulk import insert_rows
from governance.models import Case, User
from governance.roles import Role
from tests.factories import make_user


def dashboard_cast(cast: dict[str, User]) -> dict[str, User]:
    """The test cast plus a security reviewer, a network administrator, a CSIRT lead and a
    CISO (each role's dashboard has its holder)."""
    people = dict(cast)
    for name, role in (
        ("security", Role.SECURITY_REVIEWER),
        ("netadmin", Role.NETWORK_ADMIN),
        ("lead", Role.CSIRT_LEAD),
        ("ciso", Role.CISO),
    ):
        people[name] = make_user(name, role)
    return people


def _value(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return value


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def clone_rows(
    template: models.Model,
    count: int,
    change: Callable[[int, int], dict[str, Any]],
    *,
    model: type[models.Model] | None = None,
    first_id: int | None = None,
) -> list[int]:
    """Copy ``template``'s row of ``model``'s own table ``count`` times; ``change(i, new_id)``
    gives the columns (by attname) that differ. Returns the new ids."""
    model = model or type(template)
    fields = list(model._meta.local_concrete_fields)
    start = first_id if first_id is not None else _next_id(model)
    rows = []
    for index in range(count):
        new_id = start + index
        changed = change(index, new_id)
        row = []
        for field in fields:
            if field.primary_key:
                row.append(new_id)
            elif field.attname in changed:
                row.append(_value(field, changed[field.attname]))
            else:
                row.append(_value(field, getattr(template, field.attname)))
        rows.append(row)
    insert_rows(model._meta.db_table, [str(f.column) for f in fields], rows)
    return list(range(start, start + count))


def _pick(values: dict[str, Any], index: int) -> dict[str, Any]:
    return {name: value(index) if callable(value) else value for name, value in values.items()}


def clone_cases(
    template: Case,
    count: int,
    moment: Callable[[int], dt.datetime],
    case: dict[str, Any] | None = None,
    **extra: Any,
) -> list[int]:
    """``count`` copies of a case of any kind (the ``Case`` row and its kind's row), numbered
    ``<number>-X<id>``, created at ``moment(i)``, without a process; ``case`` and ``extra``
    are the columns of the ``Case`` table and of the kind's own table that differ (each a
    value or a function of i)."""
    first = _next_id(Case)
    stamp = template.number[:14]

    def base(index: int, new_id: int) -> dict[str, Any]:
        return {
            "number": f"{stamp}-X{new_id}",
            "sequence": 100000 + new_id,
            "process_id": None,
            "system_id": None,
            "created_at": moment(index),
            "updated_at": moment(index),
            **_pick(case or {}, index),
        }

    ids = clone_rows(template, count, base, model=Case, first_id=first)
    child = type(template)
    if child is not Case:

        def own(index: int, new_id: int) -> dict[str, Any]:
            return _pick(extra, index)

        clone_rows(template, count, own, model=child, first_id=first)
    return ids


def reset_sequences(*models_: type[models.Model]) -> None:
    """After copies with explicit ids, move PostgreSQL's id sequences past them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def days_ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)

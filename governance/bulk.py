"""Inserting many rows at once without building model instances: COPY on PostgreSQL, one
prepared statement run over every row (``executemany``) on SQLite.

For imports that add tens of thousands of rows: Django's ``bulk_create`` builds an instance
per row and, on PostgreSQL, sends each batch as arrays whose text escaping costs more than
the insert itself (10,000 systems: seconds). Values must be what the column stores: ids for
foreign keys, JSON already serialised (a ``str``) for JSON columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Datetimes are adapted as Django stores them; the columns holding one are found once
        # (a column-wise pass in C), not by testing every value of every row in Python.
        adapt = connection.ops.adapt_datetimefield_value
        timed = [
            index
            for index, values in enumerate(zip(*rows, strict=True))
            if any(issubclass(kind, dt.datetime) for kind in set(map(type, values)))
        ]
        if timed:
            adapted = []
            for row in rows:
                row = list(row)
                for index in timed:
                    if isinstance(row[index], dt.datetime):
                        row[index] = adapt(row[index])
                adapted.append(row)
            rows = adapted
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608  (names from the models; values are parameters)
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])

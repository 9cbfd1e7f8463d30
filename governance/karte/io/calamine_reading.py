"""Reading an .xlsx workbook's rows with python-calamine (a Rust reader), as openpyxl gave them.

openpyxl reads a sheet twice when the file has no ``<dimension>`` element and builds a Python
object per inline string; calamine reads each sheet once, in Rust, whatever the file says of
its size. The rows handed to ``reading.parse_sheets`` are the ones openpyxl's read-only mode
produced, so every check and message is the same:

- an empty cell is None (calamine gives ``""``);
- a whole number is an int (calamine gives every number as a float: 2021.0);
- a date cell is a ``datetime`` at midnight (calamine gives a ``date``);
- rows are numbered from the top of the sheet, empty leading rows included, so the row numbers
  in messages are the ones people see in Excel.

openpyxl stays the writer (``writing``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from governance.karte.io.layout import (
    MAX_COLUMNS,
    MISSING_SHEET,
    SHEET_SYSTEMS,
    SHEETS,
    UNREADABLE_FILE,
    ImportIssue,
    KarteImportError,
    key_of,
)

# What calamine raises on a file that is not a workbook it can read (a zip that is not an
# .xlsx, a broken XML part, a password-protected file).
_UNREADABLE = (CalamineError, ValueError, OSError, KeyError, IndexError, TypeError)


def _unreadable(sheet: str = "") -> KarteImportError:
    return KarteImportError([ImportIssue(sheet, None, "", UNREADABLE_FILE)])


def _cell(value: Any) -> Any:
    # Runs for every cell: calamine gives exact types (str, float, bool, date, datetime...),
    # so the class is compared, not isinstance'd.
    kind = value.__class__
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is dt.date:
        return dt.datetime.combine(value, dt.time())
    return value


def _rows(workbook: CalamineWorkbook, name: str, label: str) -> Iterator[tuple[Any, ...]]:
    """Every row of sheet ``name``, the first ``MAX_COLUMNS`` cells of each, from column A
    (calamine starts a row at the sheet's first used column; it pads the rows above)."""
    try:
        sheet = workbook.get_sheet_by_name(name)
        start = sheet.start
        padding: tuple[Any, ...] = (None,) * min(start[1] if start else 0, MAX_COLUMNS)
        width = MAX_COLUMNS - len(padding)  # the cells of a row that are kept
        for row in sheet.iter_rows():
            cells = tuple(map(_cell, row[:width]))
            yield padding + cells if padding else cells
    except _UNREADABLE as exc:
        raise _unreadable(label) from exc


def workbook_sheets(data: bytes) -> dict[str, Iterator[tuple[Any, ...]]]:
    """The rows of each sheet the import reads (``SHEETS``, matched as ``key_of`` compares
    names), read lazily; ``KarteImportError`` if the file is not a readable workbook or has
    no システム sheet."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except _UNREADABLE as exc:
        raise _unreadable() from exc
    by_key = {key_of(name): name for name in names}
    if key_of(SHEET_SYSTEMS) not in by_key:
        raise KarteImportError(
            [ImportIssue(SHEET_SYSTEMS, None, "", MISSING_SHEET.format(sheet=SHEET_SYSTEMS))]
        )
    return {
        sheet: _rows(workbook, by_key[key_of(sheet)], sheet)
        for sheet in SHEETS
        if key_of(sheet) in by_key
    }

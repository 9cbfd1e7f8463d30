"""Text written to a spreadsheet (.xlsx or CSV) stays text: the one place every export goes
through (the registry, its reports, the audit export to come).

Department staff can save a system name like ``=HYPERLINK("http://…"&A1,"x")``. A
spreadsheet runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some, tab or
carriage return) as a formula: in CSV always, in .xlsx as soon as someone edits the cell.
Following the OWASP guidance on CSV injection, such a value is written with a single quote
in front (``'=HYPERLINK(…)``), which every spreadsheet shows as text; and in .xlsx every
string is written as a string cell (openpyxl would otherwise store a ``str`` starting with
``=`` as a live formula).

Reading back: the registry import takes the quote off again (``restore``), so exporting then
importing changes nothing. This is chosen over leaving the quote in the data because the
quote is an artefact of the export, not something anyone typed; and it is exact: the export
also adds a quote to a value that already starts with quotes followed by one of those
characters (``'=x`` → ``''=x``), so ``restore(neutralise(v)) == v`` for every value. Someone
who types ``'=x`` in Excel stores ``=x`` (Excel keeps the quote as formatting), so no value
read from a workbook a person saved loses a character it really had.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

#: What makes a spreadsheet read a value as a formula (OWASP: = + - @ tab carriage return).
FORMULA_TRIGGERS = "=+-@\t\r"
QUOTE = "'"

_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_ADDED_QUOTE = re.compile(r"'+[=+\-@\t\r]")


def neutralise(value: Any) -> Any:
    """A string a spreadsheet would run as a formula, with a quote in front; any other value
    unchanged (numbers stay numbers: ``-5`` is a number, not a formula)."""
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """The value ``neutralise`` was given: one leading quote taken off where it added one."""
    if isinstance(value, str) and _ADDED_QUOTE.match(value):
        return value[1:]
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer``: blanks for None, strings neutralised."""
    return ["" if value is None else neutralise(value) for value in values]


def xlsx_cell(worksheet: Any, value: Any, number_format: str = "") -> Any:
    """A cell for a write-only worksheet: a string is neutralised and stored as a string
    cell (``data_type`` "s"), never as a formula; other values as openpyxl types them."""
    cell = WriteOnlyCell(worksheet, value=neutralise(value))
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    return cell


def xlsx_row(
    worksheet: Any, values: Iterable[Any], number_formats: dict[int, str] | None = None
) -> list[Any]:
    """A row for ``worksheet.append``: every string as a neutralised string cell; a value at
    a position of ``number_formats`` with that format (None stays an empty cell)."""
    formats = number_formats or {}
    row: list[Any] = []
    for index, value in enumerate(values):
        if value is None:
            row.append(None)
        elif isinstance(value, str) or index in formats:
            row.append(xlsx_cell(worksheet, value, formats.get(index, "")))
        else:
            row.append(value)
    return row

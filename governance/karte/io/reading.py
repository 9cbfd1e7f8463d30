"""Reading a workbook (.xlsx) or one sheet as CSV into checked rows, every problem located
by sheet, row and column. Nothing here touches the database.

The work is bounded (``ImportLimits``): before calamine reads a workbook, its XML is streamed
once (``governance.workbook_checks``: size, element count, no DTD, formulas without a stored
result); rows are then read lazily, every row of a sheet whatever its declared
``<dimension>`` says, and the import stops at the row limit. A CSV file is decoded and read
a line at a time.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from governance.karte.io import equipment
from governance.karte.io.calamine_reading import workbook_sheets
from governance.karte.io.layout import (
    DISTINCTIVE_HEADERS,
    DUPLICATE_CODE,
    ENROLLED_AND_EXEMPT,
    FORMULA_WITHOUT_VALUE,
    LAYOUTS,
    MISSING_COLUMN,
    NO_HEADER,
    NO_KNOWN_SHEET,
    SHEET_ASSETS,
    SHEET_CONTRACTS,
    SHEET_COSTS,
    SHEET_MONITORING,
    SHEET_SYSTEMS,
    SHEET_TARGETS,
    SHEETS,
    STAFF_IT_EXCEEDS,
    TOO_MANY_ROWS,
    TOO_MANY_SYSTEMS,
    TOO_MUCH_TEXT,
    UNREADABLE_CSV,
    UNREADABLE_FILE,
    UPLOAD_LIMITS,
    CellError,
    ContractRow,
    CostRow,
    ImportIssue,
    ImportLimits,
    KarteImportError,
    MonitoringRow,
    ParsedImport,
    SystemRow,
    is_blank,
    key_of,
)
from governance.office_xml import UnreadableXml, XmlBudget, XmlRefused
from governance.spreadsheet_safety import restore
from governance.workbook_checks import inspect_workbook


class RowBudget:
    """Counts the data rows read in one import and stops it past ``limits``."""

    def __init__(self, limits: ImportLimits) -> None:
        self.limits = limits
        self.rows = 0
        self.systems = 0
        self.text = 0

    def count(self, sheet: str, number: int) -> None:
        # Runs for every data row: no list of checks is built per row.
        self.rows += 1
        limits = self.limits
        if limits.rows is not None and self.rows > limits.rows:
            self._stop(sheet, number, limits.rows, TOO_MANY_ROWS)
        if sheet == SHEET_SYSTEMS:
            self.systems += 1
            if limits.systems is not None and self.systems > limits.systems:
                self._stop(sheet, number, limits.systems, TOO_MANY_SYSTEMS)

    @staticmethod
    def _stop(sheet: str, number: int, limit: int, message: str) -> None:
        raise KarteImportError([ImportIssue(sheet, number, "", message.format(limit=f"{limit:,}"))])

    def count_text(self, sheet: str, number: int, length: int) -> None:
        self.text += length
        if self.limits.text is not None and self.text > self.limits.text:
            message = TOO_MUCH_TEXT.format(limit=f"{self.limits.text:,}")
            raise KarteImportError([ImportIssue(sheet, number, "", message)])


def _is_empty(row: tuple[Any, ...]) -> bool:
    # ``count`` runs in C: a reader yields a row of Nones for each gap between rows.
    return row.count(None) == len(row) or all(is_blank(cell) for cell in row)


_CODE_HEADER = key_of("システムコード")


def _is_header(row: tuple[Any, ...]) -> bool:
    return any(key_of(cell) == _CODE_HEADER for cell in row)


def find_header(rows: list[tuple[Any, ...]]) -> int | None:
    """The index of the header row: the first of the first ten rows naming システムコード."""
    for index, row in enumerate(rows[:10]):
        if _is_header(row):
            return index
    return None


def _counted(
    sheet: str, rows: Iterable[tuple[Any, ...]], budget: RowBudget | None
) -> Iterator[tuple[Any, ...]]:
    """The rows, their text counted against ``budget`` before anything reads it (a shared
    string of millions of characters may fill every cell of a workbook)."""
    if budget is None or budget.limits.text is None:  # nothing to count against
        for row in rows:
            yield tuple(row)
        return
    for number, row in enumerate(rows, start=1):
        row = tuple(row)
        length = sum(len(cell) for cell in row if isinstance(cell, str))
        if length:
            budget.count_text(sheet, number, length)
        yield row


_UNREAD = object()


def parse_rows(
    sheet: str,
    rows: Iterable[tuple[Any, ...]],
    issues: list[ImportIssue],
    budget: RowBudget | None = None,
    make: Callable[[dict[str, Any]], Any] | None = None,
) -> list[Any] | None:
    """Read one sheet's rows as dicts keyed by ``Column.key`` (only the columns present, plus
    ``_row``, the row number people see); problems go to ``issues``. A quote the export put
    before a value that looks like a formula is taken off (``spreadsheet_safety.restore``).

    With ``make``, each row that has every required column is handed to it as soon as it is
    read and the list holds what it returns (rows with a problem in a required column are
    left out), so a sheet's rows are not held twice, as dicts and as row objects."""
    columns = LAYOUTS[sheet]
    iterator = _counted(sheet, rows, budget)
    head: list[tuple[Any, ...]] = []
    header_index = None
    for row in iterator:
        head.append(row)
        if _is_header(row):
            header_index = len(head) - 1
            break
        if len(head) >= 10:
            break
    if header_index is None:
        issues.append(ImportIssue(sheet, None, "", NO_HEADER))
        return None
    positions = {key_of(cell): index for index, cell in enumerate(head[header_index]) if cell}
    present = []
    for column in columns:
        position = positions.get(key_of(column.header))
        if position is None:
            if column.required:
                issues.append(
                    ImportIssue(
                        sheet,
                        header_index + 1,
                        column.header,
                        MISSING_COLUMN.format(column=column.header),
                    )
                )
            continue
        present.append((column, position))
    if len(present) < sum(1 for column in columns if column.required):
        return None
    required = [column.key for column in columns if column.required]
    # Per column: its key, header, position, reader and what the reader gave for each text,
    # whole number or empty cell already read. Cell readers are pure and a sheet repeats the
    # same codes, years, names and listed values on many rows, so each distinct value is read
    # once (a failing one is read again, for its message on each row).
    readers: list[tuple[str, str, int, Callable[[Any], Any], dict[Any, Any]]] = [
        (column.key, column.header, position, column.read, {}) for column, position in present
    ]

    def data_rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        number = header_index + 1
        for row in head[header_index + 1 :]:
            number += 1
            yield number, row
        for row in iterator:
            number += 1
            yield number, row

    result = []
    for number, row in data_rows():
        if _is_empty(row):
            continue
        if budget is not None:
            budget.count(sheet, number)
        values: dict[str, Any] = {"_row": number}
        width = len(row)
        for key, header, position, read, seen in readers:
            cell = row[position] if position < width else None
            # Not bool or float: True == 1 == 1.0 as dict keys, and they read differently.
            kind = cell.__class__
            memo = kind is str or kind is int or cell is None
            if memo:
                value = seen.get(cell, _UNREAD)
                if value is not _UNREAD:
                    values[key] = value
                    continue
            try:
                value = read(restore(cell))
            except CellError as exc:
                issues.append(ImportIssue(sheet, number, header, str(exc)))
                continue
            if memo:
                seen[cell] = value
            values[key] = value
        _check_row(sheet, values, issues)
        if make is None:
            result.append(values)
        elif _complete(values, required):
            result.append(make(values))
    return result


def _check_row(sheet: str, values: dict[str, Any], issues: list[ImportIssue]) -> None:
    """Checks across the cells of one row."""
    number = values["_row"]
    if sheet == SHEET_SYSTEMS:
        total, it = values.get("staff_total"), values.get("staff_it")
        if total is not None and it is not None and it > total:
            issues.append(ImportIssue(sheet, number, "うち情報系職員数", STAFF_IT_EXCEEDS))
    elif sheet == SHEET_MONITORING and values.get("enrolled") and values.get("exemption_reason"):
        issues.append(ImportIssue(sheet, number, "対象外理由", ENROLLED_AND_EXEMPT))


def _complete(values: dict[str, Any], keys: Iterable[str]) -> bool:
    return all(key in values for key in keys)


def _system_row(values: dict[str, Any]) -> SystemRow:
    row = values.pop("_row")
    code = values.pop("code")
    return SystemRow(
        row=row,
        code=code,
        department_name=values.pop("department_name"),
        section_name=values.pop("section_name"),
        values=values,
    )


def _flat_row(cls: Any) -> Callable[[dict[str, Any]], Any]:
    """How a checked row becomes ``cls``, a row class of plain fields: ``row`` from ``_row``,
    every other field from the column of the same key."""
    keys = [f.name for f in dataclasses.fields(cls) if f.name != "row"]

    def make(values: dict[str, Any]) -> Any:
        return cls(values["_row"], *[values[key] for key in keys])

    return make


#: How a checked row (one with every required column) of each sheet becomes its row object.
_MAKERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    SHEET_SYSTEMS: _system_row,
    SHEET_CONTRACTS: _flat_row(ContractRow),
    SHEET_COSTS: _flat_row(CostRow),
    SHEET_MONITORING: _flat_row(MonitoringRow),
    SHEET_ASSETS: equipment.asset_row,
    SHEET_TARGETS: _flat_row(equipment.TargetRow),
}

#: Where ``ParsedImport`` keeps each sheet's rows.
_ATTRIBUTES = {
    SHEET_SYSTEMS: "systems",
    SHEET_CONTRACTS: "contracts",
    SHEET_COSTS: "costs",
    SHEET_MONITORING: "monitoring",
    SHEET_ASSETS: "assets",
    SHEET_TARGETS: "targets",
}


def _check_rows(parsed: ParsedImport) -> None:
    """Checks across cells and rows that need no database: duplicates, staff counts."""
    issues = parsed.issues
    if parsed.systems is not None:
        seen: dict[str, int] = {}
        for system in parsed.systems:
            if system.code in seen:
                issues.append(
                    ImportIssue(
                        SHEET_SYSTEMS,
                        system.row,
                        "システムコード",
                        DUPLICATE_CODE.format(code=system.code, row=seen[system.code]),
                    )
                )
            seen.setdefault(system.code, system.row)
    keyed: list[tuple[str, list[Any], Callable[[Any], tuple[Any, ...]], str]] = [
        (
            SHEET_CONTRACTS,
            parsed.contracts or [],
            lambda r: (r.code, r.fiscal_year, r.vendor_name, r.contract_type),
            "同じシステム・年度・事業者・契約種別の行",
        ),
        (
            SHEET_COSTS,
            parsed.costs or [],
            lambda r: (r.code, r.fiscal_year, r.kind, r.category, r.perspective),
            "同じシステム・年度・予算決算・費目・観点の行",
        ),
        (
            SHEET_MONITORING,
            parsed.monitoring or [],
            lambda r: (r.code, r.service),
            "同じシステム・サービスの行",
        ),
    ]
    for sheet, rows, identity, what in keyed:
        first: dict[tuple[Any, ...], int] = {}
        for item in rows:
            key = identity(item)
            if key in first:
                issues.append(
                    ImportIssue(sheet, item.row, "", f"{what}が {first[key]}行目と重複しています。")
                )
            else:
                first[key] = item.row


def parse_sheets(
    sheets: Mapping[str, Iterable[tuple[Any, ...]]], limits: ImportLimits = UPLOAD_LIMITS
) -> ParsedImport:
    """Parse the named sheets (any subset of ``SHEETS``)."""
    parsed = ParsedImport()
    budget = RowBudget(limits)
    for sheet in SHEETS:
        if sheet not in sheets:
            continue
        rows = parse_rows(sheet, sheets[sheet], parsed.issues, budget, _MAKERS[sheet])
        if rows is not None:
            setattr(parsed, _ATTRIBUTES[sheet], rows)
    _check_rows(parsed)
    return parsed


def _unreadable(sheet: str = "") -> KarteImportError:
    return KarteImportError([ImportIssue(sheet, None, "", UNREADABLE_FILE)])


def check_workbook_xml(data: bytes, limits: ImportLimits) -> None:
    """Refuse a workbook whose XML is over ``limits``, declares a DTD, or holds a formula
    without a stored result in a sheet the import reads (each one listed)."""
    budget = XmlBudget(
        max_part_bytes=limits.xml_part_bytes, max_nodes=limits.xml_nodes, max_text=limits.text
    )
    try:
        facts = inspect_workbook(data, budget)
    except UnreadableXml:
        raise _unreadable() from None
    except XmlRefused as exc:
        raise KarteImportError([ImportIssue("", None, "", exc.text())]) from None
    read = {key_of(sheet): sheet for sheet in SHEETS}
    issues = [
        ImportIssue(read[key_of(cell.sheet)], cell.row, cell.column, FORMULA_WITHOUT_VALUE)
        for cell in facts.uncalculated
        if key_of(cell.sheet) in read
    ]
    if issues:
        raise KarteImportError(issues)


def read_workbook(data: bytes, limits: ImportLimits = UPLOAD_LIMITS) -> ParsedImport:
    """Parse an .xlsx workbook; the システム sheet must be there, the others are optional.

    The cells are read by python-calamine (``calamine_reading``)."""
    check_workbook_xml(data, limits)
    return parse_sheets(workbook_sheets(data), limits)


def _csv_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Shift_JIS, checked a chunk at a time: decoding a 20 MB
    file at once would hold up to 80 MB of text."""
    for encoding in ("utf-8-sig", "cp932"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), 1 << 20):
                decoder.decode(data[start : start + (1 << 20)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise KarteImportError([ImportIssue("", None, "", UNREADABLE_CSV)])


def _csv_rows(data: bytes) -> Iterator[tuple[str, ...]]:
    text = io.TextIOWrapper(io.BytesIO(data), encoding=_csv_encoding(data), newline="")
    reader = csv.reader(text)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over csv.field_size_limit, a NUL byte
            raise KarteImportError([ImportIssue("CSV", None, "", UNREADABLE_FILE)]) from exc
        yield tuple(row)


def read_csv(
    data: bytes, sheet: str | None = None, limits: ImportLimits = UPLOAD_LIMITS
) -> ParsedImport:
    """Parse one sheet given as CSV (UTF-8 or Shift_JIS). Which sheet it is comes from
    ``sheet`` or, if not given, from its header row."""
    rows = _csv_rows(data)
    if sheet is None:
        head = list(itertools.islice(rows, 10))
        header_index = find_header(head)
        header = (
            {key_of(cell) for cell in head[header_index]} if header_index is not None else set()
        )
        sheet = next(
            (name for name, key in DISTINCTIVE_HEADERS.items() if key_of(key) in header), None
        )
        if sheet is None:
            raise KarteImportError([ImportIssue("CSV", None, "", NO_KNOWN_SHEET)])
        rows = itertools.chain(head, rows)
    return parse_sheets({sheet: rows}, limits)


def read_file(
    name: str, data: bytes, sheet: str | None = None, limits: ImportLimits = UPLOAD_LIMITS
) -> ParsedImport:
    """Parse an uploaded or given file by its extension (.xlsx or .csv), reading no more than
    ``limits`` allow (``COMMAND_LIMITS`` for files given to the command)."""
    if name.lower().endswith(".csv"):
        return read_csv(data, sheet, limits)
    return read_workbook(data, limits)

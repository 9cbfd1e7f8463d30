"""Reading a workbook (.xlsx) or one sheet as CSV into checked rows, every problem located
by sheet, row and column. Nothing here touches the database."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from governance.karte_io.layout import (
    DISTINCTIVE_HEADERS,
    DUPLICATE_CODE,
    ENROLLED_AND_EXEMPT,
    LAYOUTS,
    MISSING_COLUMN,
    MISSING_SHEET,
    NO_HEADER,
    NO_KNOWN_SHEET,
    SHEET_CONTRACTS,
    SHEET_COSTS,
    SHEET_MONITORING,
    SHEET_SYSTEMS,
    SHEETS,
    STAFF_IT_EXCEEDS,
    UNREADABLE_CSV,
    UNREADABLE_FILE,
    CellError,
    ContractRow,
    CostRow,
    ImportIssue,
    KarteImportError,
    MonitoringRow,
    ParsedImport,
    SystemRow,
    is_blank,
    key_of,
)


def find_header(rows: list[tuple[Any, ...]]) -> int | None:
    """The index of the header row: the first of the first ten rows naming システムコード."""
    for index, row in enumerate(rows[:10]):
        if any(key_of(cell) == key_of("システムコード") for cell in row):
            return index
    return None


def parse_rows(
    sheet: str, rows: Iterable[tuple[Any, ...]], issues: list[ImportIssue]
) -> list[dict[str, Any]] | None:
    """Read one sheet's rows as dicts keyed by ``Column.key`` (only the columns present, plus
    ``_row``, the row number people see); problems go to ``issues``."""
    columns = LAYOUTS[sheet]
    iterator = iter(rows)
    head = []
    for row in iterator:
        head.append(tuple(row))
        if len(head) >= 10 or find_header(head) is not None:
            break
    header_index = find_header(head)
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

    def data_rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        number = header_index + 1
        for row in head[header_index + 1 :]:
            number += 1
            yield number, row
        for row in iterator:
            number += 1
            yield number, tuple(row)

    result = []
    for number, row in data_rows():
        if all(is_blank(cell) for cell in row):
            continue
        values: dict[str, Any] = {"_row": number}
        for column, position in present:
            cell = row[position] if position < len(row) else None
            try:
                values[column.key] = column.read(cell)
            except CellError as exc:
                issues.append(ImportIssue(sheet, number, column.header, str(exc)))
        _check_row(sheet, values, issues)
        result.append(values)
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


def _build(sheet: str, records: list[dict[str, Any]], parsed: ParsedImport) -> None:
    required = [column.key for column in LAYOUTS[sheet] if column.required]
    complete = [values for values in records if _complete(values, required)]
    if sheet == SHEET_SYSTEMS:
        system_rows = []
        for values in complete:
            row = values.pop("_row")
            code = values.pop("code")
            system_rows.append(
                SystemRow(
                    row=row,
                    code=code,
                    department_name=values.pop("department_name"),
                    section_name=values.pop("section_name"),
                    values=values,
                )
            )
        parsed.systems = system_rows
    elif sheet == SHEET_CONTRACTS:
        parsed.contracts = [
            ContractRow(
                row=v["_row"],
                code=v["code"],
                fiscal_year=v["fiscal_year"],
                vendor_name=v["vendor_name"],
                contract_type=v["contract_type"],
                amount=v["amount"],
            )
            for v in complete
        ]
    elif sheet == SHEET_COSTS:
        parsed.costs = [
            CostRow(
                row=v["_row"],
                code=v["code"],
                fiscal_year=v["fiscal_year"],
                kind=v["kind"],
                category=v["category"],
                perspective=v["perspective"],
                amount_thousand_yen=v["amount_thousand_yen"],
            )
            for v in complete
        ]
    else:
        parsed.monitoring = [
            MonitoringRow(
                row=v["_row"],
                code=v["code"],
                service=v["service"],
                enrolled=v["enrolled"],
                own_measures=v["own_measures"],
                exemption_reason=v["exemption_reason"],
            )
            for v in complete
        ]


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


def parse_sheets(sheets: Mapping[str, Iterable[tuple[Any, ...]]]) -> ParsedImport:
    """Parse the named sheets (any subset of ``SHEETS``)."""
    parsed = ParsedImport()
    for sheet in SHEETS:
        if sheet not in sheets:
            continue
        records = parse_rows(sheet, sheets[sheet], parsed.issues)
        if records is not None:
            _build(sheet, records, parsed)
    _check_rows(parsed)
    return parsed


def read_workbook(data: bytes) -> ParsedImport:
    """Parse an .xlsx workbook; the システム sheet must be there, the others are optional."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise KarteImportError([ImportIssue("", None, "", UNREADABLE_FILE)]) from exc
    try:
        by_key = {key_of(name): name for name in workbook.sheetnames}
        if key_of(SHEET_SYSTEMS) not in by_key:
            raise KarteImportError(
                [ImportIssue(SHEET_SYSTEMS, None, "", MISSING_SHEET.format(sheet=SHEET_SYSTEMS))]
            )
        sheets = {
            sheet: workbook[by_key[key_of(sheet)]].iter_rows(values_only=True)
            for sheet in SHEETS
            if key_of(sheet) in by_key
        }
        return parse_sheets(sheets)
    finally:
        workbook.close()


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise KarteImportError([ImportIssue("", None, "", UNREADABLE_CSV)])


def read_csv(data: bytes, sheet: str | None = None) -> ParsedImport:
    """Parse one sheet given as CSV (UTF-8 or Shift_JIS). Which sheet it is comes from
    ``sheet`` or, if not given, from its header row."""
    rows = list(csv.reader(io.StringIO(decode_csv(data))))
    if sheet is None:
        header_index = find_header([tuple(row) for row in rows])
        header = (
            {key_of(cell) for cell in rows[header_index]} if header_index is not None else set()
        )
        sheet = next(
            (name for name, key in DISTINCTIVE_HEADERS.items() if key_of(key) in header), None
        )
        if sheet is None:
            raise KarteImportError([ImportIssue("CSV", None, "", NO_KNOWN_SHEET)])
    return parse_sheets({sheet: [tuple(row) for row in rows]})


def read_file(name: str, data: bytes, sheet: str | None = None) -> ParsedImport:
    """Parse an uploaded or given file by its extension (.xlsx or .csv)."""
    if name.lower().endswith(".csv"):
        return read_csv(data, sheet)
    return read_workbook(data)

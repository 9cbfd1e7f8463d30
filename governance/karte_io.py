"""Reading and writing the registry as an Excel workbook (or one sheet as CSV).

The layout is the office's: four sheets with Japanese header rows, column order free, extra
columns ignored.

- ``システム``: システムコード, システム名, 部局, 所属, 区分, 初期運用開始年度,
  インターネット公開, サーバ設置場所, 職員数, うち情報系職員数, 常駐委託業者人数, 課題, 更新計画
  (optional: 状態, 台帳管理件数, 規模に関する補足, 合成データ — absent means "leave as is")
- ``契約``: システムコード, 年度, 事業者名, 契約種別, 契約金額
- ``経費``: システムコード, 年度, 予算決算, 費目, 観点, 金額（千円）
- ``監視``: システムコード, サービス, 登録, 独自対策, 対象外理由

This module only checks the shape of each cell (years as 2024 / 令和6 / R6 / 令和６年度,
numbers with full-width digits and separators, the listed values) and reports every problem
with sheet, row, column and reason in Japanese. It writes nothing to the database: names of
departments and sections are resolved, and the rows applied, by
``governance.services.karte.import_systems``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException

from governance.japanese import JapaneseInputError, normalize, parse_amount, parse_fiscal_year
from governance.models import (
    Contract,
    CostCategory,
    CostKind,
    CostPerspective,
    CostRecord,
    InformationSystem,
    MonitoringEnrolment,
    MonitoringService,
    ServerLocation,
    SystemKind,
)

SHEET_SYSTEMS = "システム"
SHEET_CONTRACTS = "契約"
SHEET_COSTS = "経費"
SHEET_MONITORING = "監視"
SHEETS = (SHEET_SYSTEMS, SHEET_CONTRACTS, SHEET_COSTS, SHEET_MONITORING)

# Messages; tests assert on these.
MISSING_SHEET = "シート「{sheet}」がありません。"
NO_KNOWN_SHEET = (
    "取り込めるシートがありません（シート名: システム、契約、経費、監視。"
    "CSV の場合は 1 行目に見出しが必要です）。"
)
MISSING_COLUMN = "列「{column}」がありません（見出し行に追加してください）。"
NO_HEADER = "見出し行（「システムコード」を含む行）が見つかりません。"
REQUIRED = "値を入力してください。"
BAD_CHOICE = "「{value}」は使えません（使える値: {allowed}）。"
BAD_CODE = "システムコードは半角英数字と - _ . の30文字以内で入力してください。"
NOT_WHOLE_NUMBER = "整数で入力してください。"
TOO_LONG = "{limit}文字以内で入力してください。"
UNREADABLE_FILE = "Excel ブック（.xlsx）または CSV ファイルとして読み取れません。"
UNREADABLE_CSV = (
    "CSV ファイルの文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）。"
)
STAFF_IT_EXCEEDS = "うち情報系職員数が職員数を超えています。"
ENROLLED_AND_EXEMPT = "登録が「有」の行に対象外理由は書けません。"
DUPLICATE_CODE = "システムコード「{code}」が {row}行目と重複しています。"
TOO_MANY_ISSUES = "ほかにも {count} 件の問題があります。"

MAX_ISSUES = 200
MAX_AMOUNT = 10**15

#: Accepted spellings of 有/無.
YES = frozenset({"有", "有り", "あり", "○", "〇"})
NO = frozenset({"無", "無し", "なし", "×", "-", "―", "ー"})

_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,30}$")
# Control characters Excel cannot hold (tab and newline are kept).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ImportIssue:
    """One problem in an uploaded file: where it is and why it cannot be read."""

    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"シート「{self.sheet}」"
        if self.row is not None:
            where += f" {self.row}行目"
        if self.column:
            where += f" 列「{self.column}」"
        return f"{where}: {self.message}"


class KarteImportError(ValueError):
    """A file that cannot be imported; nothing of it was applied."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        self.issues = issues
        lines = [str(issue) for issue in issues[:MAX_ISSUES]]
        if len(issues) > MAX_ISSUES:
            lines.append(TOO_MANY_ISSUES.format(count=len(issues) - MAX_ISSUES))
        super().__init__("\n".join(lines))


class CellError(ValueError):
    """A cell that cannot be read; the message is Japanese."""


# --- Rows as read ---------------------------------------------------------------------------


@dataclass
class SystemRow:
    """One row of the システム sheet; ``values`` holds only the columns present."""

    row: int
    code: str
    department_name: str
    section_name: str
    values: dict[str, Any]


@dataclass(frozen=True)
class ContractRow:
    row: int
    code: str
    fiscal_year: int
    vendor_name: str
    contract_type: str
    amount: int | None


@dataclass(frozen=True)
class CostRow:
    row: int
    code: str
    fiscal_year: int
    kind: str
    category: str
    perspective: str
    amount_thousand_yen: int


@dataclass(frozen=True)
class MonitoringRow:
    row: int
    code: str
    service: str
    enrolled: bool
    own_measures: str
    exemption_reason: str


@dataclass
class ParsedImport:
    """What a file says, checked for shape. A sheet that is absent is None (left as is)."""

    systems: list[SystemRow] | None = None
    contracts: list[ContractRow] | None = None
    costs: list[CostRow] | None = None
    monitoring: list[MonitoringRow] | None = None
    issues: list[ImportIssue] = field(default_factory=list)


# --- Cell readers ---------------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def clean_text(value: Any, limit: int | None = None) -> str:
    """Free text as stored: trimmed, line endings unified, control characters dropped. Not
    NFKC-normalised: people's full-width text stays as they wrote it."""
    text = _as_text(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).strip()
    if limit is not None and len(text) > limit:
        raise CellError(TOO_LONG.format(limit=limit))
    return text


def _key(text: Any) -> str:
    """How headers, sheet names and listed values are compared: NFKC, no spaces."""
    return re.sub(r"\s+", "", normalize(_as_text(text)))


def read_code(value: Any) -> str:
    code = normalize(_as_text(value))
    if not code:
        raise CellError(REQUIRED)
    if not _CODE.match(code):
        raise CellError(BAD_CODE)
    return code


def _required_text(limit: int) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        text = clean_text(value, limit)
        if not text:
            raise CellError(REQUIRED)
        return text

    return read


def _optional_text(limit: int | None = None) -> Callable[[Any], str]:
    return lambda value: clean_text(value, limit)


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError(NOT_WHOLE_NUMBER)
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(NOT_WHOLE_NUMBER)
        value = int(value)
    if isinstance(value, int):
        return value
    try:
        return parse_amount(normalize(str(value)).removesuffix("千円"))
    except JapaneseInputError as exc:
        raise CellError(str(exc)) from None


def read_count(value: Any) -> int | None:
    if _is_blank(value):
        return None
    number = _whole(value)
    if number < 0:
        raise CellError(NOT_WHOLE_NUMBER)
    if number > MAX_AMOUNT:
        raise CellError(NOT_WHOLE_NUMBER)
    return number


def read_required_count(value: Any) -> int:
    number = read_count(value)
    if number is None:
        raise CellError(REQUIRED)
    return number


def read_year(value: Any) -> int | None:
    if _is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        raise CellError(NOT_WHOLE_NUMBER)
    try:
        return parse_fiscal_year(value if isinstance(value, int) else str(value))
    except JapaneseInputError as exc:
        raise CellError(str(exc)) from None


def read_required_year(value: Any) -> int:
    year = read_year(value)
    if year is None:
        raise CellError(REQUIRED)
    return year


def read_yes_no(value: Any) -> bool:
    text = _key(value)
    if text in YES:
        return True
    if text in NO:
        return False
    if not text:
        raise CellError(REQUIRED)
    raise CellError(BAD_CHOICE.format(value=_as_text(value).strip(), allowed="有、無"))


def read_optional_yes_no(value: Any) -> bool:
    return False if _is_blank(value) else read_yes_no(value)


def _choice(
    choices: Iterable[tuple[str, Any]],
    *,
    aliases: dict[str, str] | None = None,
    required: bool = True,
) -> Callable[[Any], str]:
    """A reader for one of ``choices`` given by its Japanese label (NFKC-compared)."""
    with translation.override("ja"):
        labels = [(value, str(label)) for value, label in choices]
    lookup = {_key(label): value for value, label in labels}
    for alias, value in (aliases or {}).items():
        lookup[_key(alias)] = value
    allowed = "、".join(label for _value, label in labels)

    def read(cell: Any) -> str:
        text = _key(cell)
        if not text:
            if required:
                raise CellError(REQUIRED)
            return ""
        if text not in lookup:
            raise CellError(BAD_CHOICE.format(value=_as_text(cell).strip(), allowed=allowed))
        return lookup[text]

    return read


# --- Sheet layouts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    read: Callable[[Any], Any]
    required: bool = True  # whether the header must be present


def _label(choices: Any, value: str) -> str:
    with translation.override("ja"):
        return str(dict(choices)[value]) if value else ""


SYSTEM_COLUMNS = (
    Column("システムコード", "code", read_code),
    Column("システム名", "name", _required_text(200)),
    Column("部局", "department_name", _required_text(100)),
    Column("所属", "section_name", _optional_text(100)),
    Column("区分", "kind", _choice(SystemKind.choices)),
    Column("初期運用開始年度", "first_fiscal_year", read_year),
    Column("インターネット公開", "internet_facing", read_yes_no),
    Column("サーバ設置場所", "server_location", _choice(ServerLocation.choices, required=False)),
    Column("職員数", "staff_total", read_count),
    Column("うち情報系職員数", "staff_it", read_count),
    Column("常駐委託業者人数", "vendor_staff", read_count),
    Column("課題", "known_issues", _optional_text()),
    Column("更新計画", "renewal_plan", _optional_text()),
    Column(
        "状態", "status", _choice(InformationSystem.Status.choices, required=False), required=False
    ),
    Column("台帳管理件数", "ledger_records", read_count, required=False),
    Column("規模に関する補足", "scale_notes", _optional_text(), required=False),
    Column("合成データ", "is_synthetic", read_optional_yes_no, required=False),
)

CONTRACT_COLUMNS = (
    Column("システムコード", "code", read_code),
    Column("年度", "fiscal_year", read_required_year),
    Column("事業者名", "vendor_name", _required_text(200)),
    Column("契約種別", "contract_type", _optional_text(100)),
    Column("契約金額", "amount", read_count),
)

COST_COLUMNS = (
    Column("システムコード", "code", read_code),
    Column("年度", "fiscal_year", read_required_year),
    Column("予算決算", "kind", _choice(CostKind.choices)),
    Column(
        "費目",
        "category",
        _choice(
            CostCategory.choices,
            aliases={
                "イニシャルコスト": CostCategory.INITIAL,
                "ランニングコスト": CostCategory.RUNNING,
            },
        ),
    ),
    Column("観点", "perspective", _choice(CostPerspective.choices)),
    Column("金額（千円）", "amount_thousand_yen", read_required_count),
)

MONITORING_COLUMNS = (
    Column("システムコード", "code", read_code),
    Column("サービス", "service", _choice(MonitoringService.choices)),
    Column("登録", "enrolled", read_yes_no),
    Column("独自対策", "own_measures", _optional_text()),
    Column("対象外理由", "exemption_reason", _optional_text()),
)

LAYOUTS: dict[str, tuple[Column, ...]] = {
    SHEET_SYSTEMS: SYSTEM_COLUMNS,
    SHEET_CONTRACTS: CONTRACT_COLUMNS,
    SHEET_COSTS: COST_COLUMNS,
    SHEET_MONITORING: MONITORING_COLUMNS,
}

#: A header only one sheet has: it tells which sheet a lone CSV file is.
_DISTINCTIVE = {
    SHEET_SYSTEMS: "システム名",
    SHEET_CONTRACTS: "事業者名",
    SHEET_COSTS: "観点",
    SHEET_MONITORING: "サービス",
}


# --- Parsing --------------------------------------------------------------------------------


def _find_header(rows: list[tuple[Any, ...]]) -> int | None:
    """The index of the header row: the first of the first ten rows naming システムコード."""
    for index, row in enumerate(rows[:10]):
        if any(_key(cell) == _key("システムコード") for cell in row):
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
        if len(head) >= 10 or _find_header(head) is not None:
            break
    header_index = _find_header(head)
    if header_index is None:
        issues.append(ImportIssue(sheet, None, "", NO_HEADER))
        return None
    positions = {_key(cell): index for index, cell in enumerate(head[header_index]) if cell}
    present = []
    for column in columns:
        position = positions.get(_key(column.header))
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
        if all(_is_blank(cell) for cell in row):
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
    for sheet, rows, key_of, what in keyed:
        first: dict[tuple[Any, ...], int] = {}
        for item in rows:
            key = key_of(item)
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
        by_key = {_key(name): name for name in workbook.sheetnames}
        if _key(SHEET_SYSTEMS) not in by_key:
            raise KarteImportError(
                [ImportIssue(SHEET_SYSTEMS, None, "", MISSING_SHEET.format(sheet=SHEET_SYSTEMS))]
            )
        sheets = {
            sheet: workbook[by_key[_key(sheet)]].iter_rows(values_only=True)
            for sheet in SHEETS
            if _key(sheet) in by_key
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
        header_index = _find_header([tuple(row) for row in rows])
        header = {_key(cell) for cell in rows[header_index]} if header_index is not None else set()
        sheet = next((name for name, key in _DISTINCTIVE.items() if _key(key) in header), None)
        if sheet is None:
            raise KarteImportError([ImportIssue("CSV", None, "", NO_KNOWN_SHEET)])
    return parse_sheets({sheet: [tuple(row) for row in rows]})


def read_file(name: str, data: bytes, sheet: str | None = None) -> ParsedImport:
    """Parse an uploaded or given file by its extension (.xlsx or .csv)."""
    if name.lower().endswith(".csv"):
        return read_csv(data, sheet)
    return read_workbook(data)


# --- Writing --------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "有" if value else "無"


def _chunks(queryset: QuerySet[Any], size: int = 2000) -> Iterator[Any]:
    return queryset.iterator(chunk_size=size)


def export_rows(systems: QuerySet[InformationSystem]) -> dict[str, Iterator[list[Any]]]:
    """The rows of each sheet (header first) for ``systems``, read lazily in chunks."""
    ids = systems.values("pk")

    def system_rows() -> Iterator[list[Any]]:
        yield [column.header for column in SYSTEM_COLUMNS]
        queryset = systems.select_related("department", "section").order_by("code")
        with translation.override("ja"):
            for s in _chunks(queryset):
                yield [
                    s.code,
                    s.name,
                    s.department.name,
                    s.section.name if s.section else "",
                    _label(SystemKind.choices, s.kind),
                    s.first_fiscal_year,
                    _yes_no(s.internet_facing),
                    _label(ServerLocation.choices, s.server_location),
                    s.staff_total,
                    s.staff_it,
                    s.vendor_staff,
                    s.known_issues,
                    s.renewal_plan,
                    _label(InformationSystem.Status.choices, s.status),
                    s.ledger_records,
                    s.scale_notes,
                    _yes_no(s.is_synthetic),
                ]

    def contract_rows() -> Iterator[list[Any]]:
        yield [column.header for column in CONTRACT_COLUMNS]
        queryset = (
            Contract.objects.filter(system__in=ids)
            .order_by("system__code", "fiscal_year", "vendor__name", "contract_type")
            .values_list("system__code", "fiscal_year", "vendor__name", "contract_type", "amount")
        )
        for row in _chunks(queryset):
            yield list(row)

    def cost_rows() -> Iterator[list[Any]]:
        yield [column.header for column in COST_COLUMNS]
        queryset = (
            CostRecord.objects.filter(system__in=ids)
            .order_by("system__code", "fiscal_year", "kind", "category", "perspective")
            .values_list(
                "system__code",
                "fiscal_year",
                "kind",
                "category",
                "perspective",
                "amount_thousand_yen",
            )
        )
        for code, year, kind, category, perspective, amount in _chunks(queryset):
            yield [
                code,
                year,
                _label(CostKind.choices, kind),
                _label(CostCategory.choices, category),
                _label(CostPerspective.choices, perspective),
                amount,
            ]

    def monitoring_rows() -> Iterator[list[Any]]:
        yield [column.header for column in MONITORING_COLUMNS]
        queryset = (
            MonitoringEnrolment.objects.filter(system__in=ids)
            .order_by("system__code", "service")
            .values_list("system__code", "service", "enrolled", "own_measures", "exemption_reason")
        )
        for code, service, enrolled, own, exemption in _chunks(queryset):
            yield [
                code,
                _label(MonitoringService.choices, service),
                _yes_no(enrolled),
                own,
                exemption,
            ]

    return {
        SHEET_SYSTEMS: system_rows(),
        SHEET_CONTRACTS: contract_rows(),
        SHEET_COSTS: cost_rows(),
        SHEET_MONITORING: monitoring_rows(),
    }


#: Columns shown with thousands separators in Excel.
_AMOUNT_HEADERS = frozenset({"契約金額", "金額（千円）", "台帳管理件数"})


def write_workbook(systems: QuerySet[InformationSystem], stream: IO[bytes]) -> None:
    """Write the four sheets for ``systems`` to ``stream`` as .xlsx."""
    workbook = Workbook(write_only=True)
    for sheet, rows in export_rows(systems).items():
        worksheet = workbook.create_sheet(sheet)
        header = next(rows)
        worksheet.append(header)
        amount_positions = {i for i, name in enumerate(header) if name in _AMOUNT_HEADERS}
        for row in rows:
            if amount_positions:
                cells: list[Any] = []
                for index, value in enumerate(row):
                    if index in amount_positions and value is not None:
                        cell = WriteOnlyCell(worksheet, value=value)
                        cell.number_format = "#,##0"
                        cells.append(cell)
                    else:
                        cells.append(value)
                worksheet.append(cells)
            else:
                worksheet.append(row)
    workbook.save(stream)


def write_csv(systems: QuerySet[InformationSystem], sheet: str, stream: IO[str]) -> None:
    """Write one sheet for ``systems`` as CSV (the caller opens ``stream``; Excel wants a BOM)."""
    writer = csv.writer(stream, lineterminator="\r\n")
    for row in export_rows(systems)[sheet]:
        writer.writerow(["" if value is None else value for value in row])


def sheet_for(text: str) -> str:
    """The sheet named ``text`` (NFKC-compared), for command-line options."""
    for sheet in SHEETS:
        if _key(sheet) == _key(text):
            return sheet
    raise ValueError(BAD_CHOICE.format(value=text, allowed="、".join(SHEETS)))


def normalise_name(text: str) -> str:
    """How department and section names from a file are matched against the registry."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "").strip()

"""The workbook layout of the registry: sheets, columns, cell readers, messages.

Cell readers accept what people type: years as 2024 / 令和6 / R6 / 令和６年度, numbers with
full-width digits and separators, the listed values compared after NFKC normalisation. Each
raises ``CellError`` with a Japanese reason.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from governance.japanese import (
    JST,
    JapaneseInputError,
    fiscal_year_of,
    in_japanese,
    normalize,
    parse_amount,
    parse_fiscal_year,
)
from governance.karte.io import equipment
from governance.models import (
    CostCategory,
    CostKind,
    CostPerspective,
    InformationSystem,
    MonitoringService,
    ServerLocation,
    SystemKind,
)

SHEET_SYSTEMS = "システム"
SHEET_CONTRACTS = "契約"
SHEET_COSTS = "経費"
SHEET_MONITORING = "監視"
SHEETS: tuple[str, ...] = (SHEET_SYSTEMS, SHEET_CONTRACTS, SHEET_COSTS, SHEET_MONITORING)

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
FORMULA_WITHOUT_VALUE = (
    "数式の計算結果がファイルに保存されていません（空欄として取り込むと値が消えるため"
    "取り込みません）。Excel で開いて保存し直すか、値に置き換えてください。"
)
TOO_MANY_ROWS = (
    "1 回に取り込めるのは全シート合わせて {limit} 行までです（この行で超えました）。"
    "システムごとにファイルを分けて取り込んでください。"
)
TOO_MANY_SYSTEMS = (
    "1 回に取り込めるシステムは {limit} 件までです（この行で超えました）。"
    "ファイルを分けて取り込んでください。"
)
TOO_MUCH_TEXT = (
    "1 回に取り込める文字数は全シート合わせて {limit} 文字までです（この行で超えました）。"
    "ファイルを分けて取り込んでください。"
)
YEAR_OUT_OF_RANGE = "{earliest}年度から{latest}年度までの年度を入力してください（{year}年度）。"

MAX_ISSUES = 200
MAX_AMOUNT = 10**15

#: Years a registry row may carry. Prefectures computerised their work from the 1960s (the
#: registry's oldest system today went into operation in 1982); budgets and renewal plans
#: look a few years ahead, never more than ten. 平成99年度 (2087) and 令和50年度 (2068) are
#: typing mistakes, not years.
EARLIEST_YEAR = 1960
YEARS_AHEAD = 10
#: Columns read from each row; extra columns are ignored, and a reader fills every row up to
#: its last cell (column XFD is 16,384).
MAX_COLUMNS = 256
#: The longest text a cell may hold: Excel's own limit.
MAX_CELL_TEXT = 32_767


@dataclass(frozen=True)
class ImportLimits:
    """How much one import may read; None is no limit.

    The import page runs the import inside the request, so an upload is held to
    ``UPLOAD_LIMITS``: about twice the office's registry (245 systems, 4,700 rows in all
    sheets, 145,000 XML elements and attributes) and what stays within 5 s and 200 MB here
    (``bench/bench_uploads.py``). openpyxl takes about 5 µs of CPU per XML node, twice that
    for a sheet without a ``<dimension>`` (it reads the sheet once to size it), so the XML
    budget is what bounds the time; a faster reader could raise it.
    ``manage.py import_systems`` reads a file an administrator chose on the server and has
    no limits (10,000 systems: about 6–7 s and 230–250 MB for the whole command on a loaded
    2-core machine, ``bench/bench_karte.py``).
    """

    rows: int | None = None
    systems: int | None = None
    #: Characters of text, in the XML (what openpyxl holds) and in the cells read (a
    #: workbook's shared string is stored once and may be used by every cell).
    text: int | None = None
    xml_nodes: int | None = None
    xml_part_bytes: int | None = None


UPLOAD_LIMITS = ImportLimits(
    rows=10_000,
    systems=1_000,
    text=10_000_000,
    xml_nodes=300_000,
    xml_part_bytes=30 * 1024 * 1024,
)
COMMAND_LIMITS = ImportLimits()

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


@dataclass(slots=True)
class SystemRow:
    """One row of the システム sheet; ``values`` holds only the columns present."""

    row: int
    code: str
    department_name: str
    section_name: str
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ContractRow:
    row: int
    code: str
    fiscal_year: int
    vendor_name: str
    contract_type: str
    amount: int | None


@dataclass(frozen=True, slots=True)
class CostRow:
    row: int
    code: str
    fiscal_year: int
    kind: str
    category: str
    perspective: str
    amount_thousand_yen: int


@dataclass(frozen=True, slots=True)
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
    assets: list[Any] | None = None  # equipment.AssetRow
    targets: list[Any] | None = None  # equipment.TargetRow
    issues: list[ImportIssue] = field(default_factory=list)


# --- Cell readers ---------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str:
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
    text = as_text(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).strip()
    if limit is not None and len(text) > limit:
        raise CellError(TOO_LONG.format(limit=limit))
    return text


def key_of(text: Any) -> str:
    """How headers, sheet names and listed values are compared: NFKC, no spaces."""
    return re.sub(r"\s+", "", normalize(as_text(text)))


def read_code(value: Any) -> str:
    code = normalize(as_text(value))
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


def _optional_text(limit: int | None = MAX_CELL_TEXT) -> Callable[[Any], str]:
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
    if is_blank(value):
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
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        raise CellError(NOT_WHOLE_NUMBER)
    try:
        year = parse_fiscal_year(value if isinstance(value, int) else str(value))
    except JapaneseInputError as exc:
        raise CellError(str(exc)) from None
    # In Asia/Tokyo without the active-timezone lookup: this runs for every row of a workbook.
    latest = fiscal_year_of(timezone.now().astimezone(JST).date()) + YEARS_AHEAD
    if not EARLIEST_YEAR <= year <= latest:
        raise CellError(YEAR_OUT_OF_RANGE.format(earliest=EARLIEST_YEAR, latest=latest, year=year))
    return year


def read_required_year(value: Any) -> int:
    year = read_year(value)
    if year is None:
        raise CellError(REQUIRED)
    return year


def read_yes_no(value: Any) -> bool:
    text = key_of(value)
    if text in YES:
        return True
    if text in NO:
        return False
    if not text:
        raise CellError(REQUIRED)
    raise CellError(BAD_CHOICE.format(value=as_text(value).strip(), allowed="有、無"))


def read_optional_yes_no(value: Any) -> bool:
    return False if is_blank(value) else read_yes_no(value)


def _choice(
    choices: Iterable[tuple[str, Any]],
    *,
    aliases: dict[str, str] | None = None,
    required: bool = True,
) -> Callable[[Any], str]:
    """A reader for one of ``choices`` given by its Japanese label (NFKC-compared)."""
    with in_japanese():
        labels = [(value, str(label)) for value, label in choices]
    lookup = {key_of(label): value for value, label in labels}
    for alias, value in (aliases or {}).items():
        lookup[key_of(alias)] = value
    allowed = "、".join(label for _value, label in labels)

    def read(cell: Any) -> str:
        text = key_of(cell)
        if not text:
            if required:
                raise CellError(REQUIRED)
            return ""
        if text not in lookup:
            raise CellError(BAD_CHOICE.format(value=as_text(cell).strip(), allowed=allowed))
        return lookup[text]

    return read


# --- Sheet layouts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    read: Callable[[Any], Any]
    required: bool = True  # whether the header must be present


def label_of(choices: Any, value: str) -> str:
    with in_japanese():
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
DISTINCTIVE_HEADERS = {
    SHEET_SYSTEMS: "システム名",
    SHEET_CONTRACTS: "事業者名",
    SHEET_COSTS: "観点",
    SHEET_MONITORING: "サービス",
}


def sheet_for(text: str) -> str:
    """The sheet named ``text`` (NFKC-compared), for command-line options."""
    for sheet in SHEETS:
        if key_of(sheet) == key_of(text):
            return sheet
    raise ValueError(BAD_CHOICE.format(value=text, allowed="、".join(SHEETS)))


def normalise_name(text: str) -> str:
    """How department and section names from a file are matched against the registry."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "").strip()


# --- The equipment sheets (``equipment``), appended so the four above keep their columns ----

SHEET_ASSETS = equipment.SHEET_ASSETS
SHEET_TARGETS = equipment.SHEET_TARGETS
ASSET_COLUMNS, TARGET_COLUMNS = equipment.columns(sys.modules[__name__])
SHEETS = (*SHEETS, SHEET_ASSETS, SHEET_TARGETS)
LAYOUTS.update({SHEET_ASSETS: ASSET_COLUMNS, SHEET_TARGETS: TARGET_COLUMNS})
# Checked first: the 監視対象 sheet also has the 監視 sheet's サービス column.
DISTINCTIVE_HEADERS = {SHEET_ASSETS: "ホスト名", SHEET_TARGETS: "監視対象", **DISTINCTIVE_HEADERS}

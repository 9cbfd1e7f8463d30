"""What the registry import checks in a workbook's XML before any library reads its cells.

One streaming pass over the XML parts (``governance.office_xml``: a DTD is refused, the parts
are held to a budget of size and elements) also looks at the cells of each worksheet:

- a formula without a stored result (``<c><f>…</f></c>`` with no ``<v>`` or an empty one,
  as written by openpyxl and other programs that never calculate) reads as an empty cell in
  every library, so importing it would silently clear that field: each one is reported with
  sheet, row and column. (An empty ``<v>`` of a ``t="str"`` cell is a stored result: the
  formula gave an empty string.);
- a row or column reference beyond Excel's grid (row 1,048,576, column XFD) makes the file
  unreadable: readers fill the gap up to it with empty rows, so row 1,000,000,000 would
  take hours.

The worksheets are found the way Excel and openpyxl find them: the workbook part from
``[Content_Types].xml``, its sheets and their parts from ``workbook.xml`` and its
relationships.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache

from governance.office_xml import (
    ContentTypes,
    UnreadableXml,
    Watcher,
    XmlBudget,
    check_package,
    content_types,
    open_archive,
)

EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMN = 16_384  # XFD

_RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


@dataclass(frozen=True)
class Uncalculated:
    """A formula cell with no stored result."""

    sheet: str  # as named in the workbook
    row: int
    column: str  # letters, as Excel shows them


@dataclass
class WorkbookFacts:
    sheets: dict[str, str] = field(default_factory=dict)  # sheet name → worksheet part
    uncalculated: list[Uncalculated] = field(default_factory=list)


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@lru_cache(maxsize=4096)
def column_number(letters: str) -> int:
    """ "A" → 1, "AA" → 27 (cached: a sheet repeats the same dozen columns on every row)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


class _Sheet:
    """Watches one worksheet part: which formula cells have no stored result."""

    def __init__(self, sheet: str, found: list[Uncalculated]) -> None:
        self.sheet = sheet
        self.found = found
        self.row = 0
        self.column = 0
        self.in_cell = False
        self.string = False
        self.formula = False
        self.value = False
        self.in_value = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "c":
            reference = attributes.get("r")
            if reference:
                match = _REFERENCE.match(reference)
                if match is None:
                    raise UnreadableXml(f"{self.sheet}: cell reference {reference!r}")
                self.column = column_number(match.group(1))
                self.row = int(match.group(2))
            else:
                self.column += 1
            if not (1 <= self.row <= EXCEL_MAX_ROW and 1 <= self.column <= EXCEL_MAX_COLUMN):
                raise UnreadableXml(f"{self.sheet}: cell {reference or self.column} off the grid")
            self.in_cell = True
            self.string = attributes.get("t") == "str"
            self.formula = self.value = False
        elif name == "row":
            number = attributes.get("r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            if not 1 <= self.row <= EXCEL_MAX_ROW:
                raise UnreadableXml(f"{self.sheet}: row {number} off the grid")
            self.column = 0
        elif self.in_cell:
            if name == "f":
                self.formula = True
            elif name == "v":
                self.in_value = True
                self.value = self.value or self.string
            elif name == "is":
                self.value = True

    def text(self, data: str) -> None:
        if self.in_value and data.strip():
            self.value = True

    def end(self, name: str) -> None:
        if name == "v":
            self.in_value = False
        elif name == "c":
            if self.formula and not self.value:
                self.found.append(Uncalculated(self.sheet, self.row, column_letters(self.column)))
            self.in_cell = False


def _workbook_part(types: ContentTypes) -> str:
    for name, kind in types.overrides.items():
        if kind.endswith(".main+xml") and ("spreadsheetml" in kind or "ms-excel" in kind):
            return name
    return "xl/workbook.xml"


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _target(part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def inspect_workbook(data: bytes, budget: XmlBudget) -> WorkbookFacts:
    """Check every XML part of the .xlsx ``data`` against ``budget`` and find the formulas
    without a stored result. Raises ``XmlRefused`` or ``UnreadableXml``."""
    facts = WorkbookFacts()
    sheet_ids: list[tuple[str, str]] = []
    targets: dict[str, str] = {}

    def sheet(name: str, attributes: dict[str, str]) -> None:
        if name == "sheet":
            sheet_ids.append((attributes.get("name", ""), attributes.get(_RELATIONSHIP_ID, "")))

    def relationship(name: str, attributes: dict[str, str]) -> None:
        if name == "Relationship" and attributes.get("TargetMode") != "External":
            targets[attributes.get("Id", "")] = attributes.get("Target", "")

    with open_archive(data) as archive:
        types = content_types(archive, budget)
        workbook = _workbook_part(types)
        rels = _rels_part(workbook)
        parts: dict[str, str] = {}

        def watch(part: str) -> Watcher | None:
            if part == workbook:
                return Watcher(start=sheet)
            if part == rels:
                return Watcher(start=relationship)
            if not parts:
                for sheet_name, rel_id in sheet_ids:
                    if rel_id in targets:
                        parts[_target(workbook, targets[rel_id])] = sheet_name
                facts.sheets = {name: part for part, name in parts.items()}
            if part in parts:
                watcher = _Sheet(parts[part], facts.uncalculated)
                return Watcher(start=watcher.start, end=watcher.end, text=watcher.text)
            return None

        check_package(archive, budget, watch=watch, first=(workbook, rels), types=types)
    return facts

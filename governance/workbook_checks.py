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
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

from governance.office_xml import (
    ContentTypes,
    UnreadableXml,
    Watcher,
    XmlBudget,
    check_package,
    content_types,
    local_name,
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
    """Watches one worksheet part: which formula cells have no stored result.

    Its handlers take expat's names (``Watcher.raw``) and look the local name up in a dict of
    the few names a sheet uses: they run for every element of the sheet."""

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
        self.names: dict[str, str] = {}

    def _local(self, name: str) -> str:
        local = self.names[name] = local_name(name)
        return local

    def grid(self, name: str, attributes: dict[str, str]) -> str:
        """Where each cell and row is, checked to be on Excel's grid; the element's local name.
        The whole of ``start`` for a sheet with no formula (``_needs``)."""
        local = self.names.get(name) or self._local(name)
        if local == "c":
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
        elif local == "row":
            number = attributes.get("r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            if not 1 <= self.row <= EXCEL_MAX_ROW:
                raise UnreadableXml(f"{self.sheet}: row {number} off the grid")
            self.column = 0
        return local

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = self.grid(name, attributes)
        if self.in_cell:
            if local == "f":
                self.formula = True
            elif local == "v":
                self.in_value = True
                self.value = self.value or self.string
            elif local == "is":
                self.value = True

    def text(self, data: str) -> None:
        if self.in_value and data.strip():
            self.value = True

    def end(self, name: str) -> None:
        local = self.names.get(name) or self._local(name)
        if local == "v":
            self.in_value = False
        elif local == "c":
            if self.formula and not self.value:
                self.found.append(Uncalculated(self.sheet, self.row, column_letters(self.column)))
            self.in_cell = False


#: The start tag of an element named ``f`` (a cell's formula), with or without a prefix.
_FORMULA_TAG = re.compile(rb"<(?:[^\s<>/!?:]+:)?f[\s/>]")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_CHUNK = 64 * 1024


def _plain_encoding(head: bytes) -> bool:
    """Whether a part starting with ``head`` is UTF-8 (or ASCII), so that its tags can be
    found in its bytes: no UTF-16 or UTF-32 byte order or zero bytes, and an XML declaration
    naming no other encoding."""
    head = head.removeprefix(b"\xef\xbb\xbf")[:512]
    if head.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in head:
        return False
    if head.startswith(b"<?xml"):
        end = head.find(b"?>")
        match = _ENCODING.search(head[: end if end >= 0 else len(head)])
        if match is not None:
            return match.group(1).lower() in (b"utf-8", b"utf8", b"us-ascii")
        return end >= 0
    return True


# A start tag whose ``r`` is not a reference on the grid, or that has none: a ``c`` or ``row``
# element not of the form ``<c … r="XFD1048576" …>`` / ``<row … r="1048576" …>``.
_PREFIX = rb"(?:[^\s<>/!?:]+:)?"
_ATTRIBUTE = rb"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_NOT_R = rb"""\s+(?!r\s*=)[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_ROW_NUMBER = (
    rb"(?:[1-9][0-9]{0,5}|10[0-3][0-9]{4}|104[0-7][0-9]{3}|1048[0-4][0-9]{2}"
    rb"|10485[0-6][0-9]|104857[0-6])"
)
_COLUMN = rb"(?:[A-Za-z]{1,2}|[A-Wa-w][A-Za-z]{2}|[Xx][A-Ea-e][A-Za-z]|[Xx][Ff][A-Da-d])"


def _not_placed(name: bytes, value: bytes) -> bytes:
    placed = rb"\s+r\s*=\s*(?:\"" + value + rb"\"|'" + value + rb"')"
    return (
        rb"<" + _PREFIX + name + rb"(?=[\s/>])"
        rb"(?!(?:" + _NOT_R + rb")*" + placed + rb"(?:" + _ATTRIBUTE + rb")*\s*/?>)"
    )


_UNPLACED = re.compile(
    _not_placed(rb"c", rb"\$?" + _COLUMN + rb"\$?" + _ROW_NUMBER)
    + rb"|"
    + _not_placed(rb"row", _ROW_NUMBER)
)


class _Needs:
    """What the pass must watch in a worksheet, from a look at its bytes (``_needs``)."""

    NOTHING, GRID, ALL = 0, 1, 2


def _needs(archive: zipfile.ZipFile, part: str, budget: XmlBudget) -> int:
    """What the worksheet ``part`` needs watched, found in its bytes (C speed) before the
    pass reads it with expat: ``ALL`` if it may hold an element named ``f`` (a formula);
    else ``GRID`` if a ``c`` or ``row`` element may have no ``r`` or one that is not a
    reference on Excel's grid (only those can take a cell off the grid); else ``NOTHING``.
    The answer is ``ALL`` when unsure: another encoding, a part over the budget or one that
    cannot be read (the pass then reports it as before). A wrong ``ALL`` or ``GRID`` only
    costs time; what the watch would find is never missed, since it finds nothing in a sheet
    without those elements."""
    limit = budget.max_part_bytes
    grid = False
    try:
        with archive.open(part) as stream:
            read = 0
            carry = b""
            while chunk := stream.read(_CHUNK):
                if not read and not _plain_encoding(chunk):
                    return _Needs.ALL
                read += len(chunk)
                if limit is not None and read > limit:
                    return _Needs.ALL
                data = carry + chunk
                if _FORMULA_TAG.search(data):
                    return _Needs.ALL
                # Tags end before the last "<" ("<" cannot appear inside one); the tag it
                # starts is searched again with the next chunk.
                cut = data.rfind(b"<")
                if not grid:
                    grid = _UNPLACED.search(data, 0, max(cut, 0)) is not None
                carry = data[cut:] if cut >= 0 else b""
                if len(carry) > _CHUNK:
                    return _Needs.ALL
            if carry and _FORMULA_TAG.search(carry + b">"):
                return _Needs.ALL
            grid = grid or (bool(carry) and _UNPLACED.search(carry) is not None)
    except Exception:  # the pass itself reads the part and reports what is wrong with it
        return _Needs.ALL
    return _Needs.GRID if grid else _Needs.NOTHING


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
                needs = _needs(archive, part, budget)
                if needs == _Needs.NOTHING:
                    # No formula and every cell and row placed on the grid by its own
                    # reference: nothing to watch, so expat calls no Python code (budgets
                    # with a limit still count).
                    return None
                if needs == _Needs.GRID:
                    # No formula, so none without a result: only the grid is watched, and the
                    # pass calls no Python code at the end of an element or for its text.
                    return Watcher(start=watcher.grid, raw=True)
                return Watcher(start=watcher.start, end=watcher.end, text=watcher.text, raw=True)
            return None

        check_package(archive, budget, watch=watch, first=(workbook, rels), types=types)
    return facts

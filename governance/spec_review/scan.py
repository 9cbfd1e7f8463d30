"""Scanning a specification (.docx) for signs of vendor lock-in. Pure functions, no database.

What it reads: every paragraph of the body, headers and footers, every table cell (nested
tables included), text boxes once (Word stores each twice, a modern copy and a fallback copy;
the fallback is skipped), tabs and line breaks as spaces. Deleted tracked changes are not
text (Word keeps them as ``w:delText``), so they are not read.

How it matches: text and phrases are NFKC-normalised and case-folded, so ３６ and 36, ＯＲＡＣＬＥ
and oracle are the same; spaces between the characters of a phrase are allowed (同等品 不可);
a phrase that starts or ends with a Latin letter or digit must stand as a word there, so NEC
is not found in "necessary".

What it reports:
- each flagged phrase (brand or model name, 同等品不可, proprietary format) with the number of
  occurrences, where they are and an excerpt of the first one;
- each required clause no paragraph or table row satisfies. A clause is groups of
  alternatives (``契約終了|次期システム & データ``) that must all occur in the same paragraph
  (read together with the heading it sits under) or in the same table row.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_noop

from governance.office_xml import UnreadableXml, XmlBudget, XmlRefused, check_office_file

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_BREAKS = {f"{W}tab", f"{W}br", f"{W}cr"}
_HEADING_NAMES = ("heading", "title", "見出し", "表題")

#: The largest XML part of a specification the scan will parse (checked before parsing, see
#: ``governance.uploads.check_upload``). A 300-page specification's document.xml is a few MB;
#: a zip bomb's part is hundreds, and an XML tree takes several times its text in memory.
MAX_SPEC_XML_PART = 30 * 1024 * 1024
#: Elements and attributes of all XML parts together, counted while streaming before
#: python-docx builds its tree (about 250 bytes each there). A dense 300-page specification
#: written by Word holds about 300,000; a 125 KB file of a million empty paragraphs took
#: 9 s and 790 MB before this limit. See ``bench/bench_uploads.py``.
MAX_SPEC_XML_NODES = 500_000
#: Characters of text of all parts together: what the scan reads. A 300-page Japanese
#: specification has about 450,000.
MAX_SPEC_TEXT = 1_500_000
#: Paragraphs, table cells and table rows read: the scan's time grows with them (about 20 µs
#: each). A 300-page specification has about 15,000.
MAX_SPEC_UNITS = 60_000

MAX_LOCATIONS = 20
EXCERPT_MARGIN = 30

CLAUSE_SYNTAX_ERROR = gettext_noop(
    "条件の書き方が正しくありません。語句の候補は「|」で、同じ段落に揃うべき語句のまとまりは"
    "「&」で区切ってください（例: 契約終了|契約満了 & データ）。"
)
PHRASE_EMPTY = gettext_noop("語句を入力してください。")
SPEC_TOO_MANY_UNITS = gettext_noop(
    "仕様書の段落と表のセルが多すぎます（{limit} 個まで）。ファイルを分けて登録してください。"
)


class ScanError(ValueError):
    """The file cannot be read as a Word document."""


@dataclass(frozen=True)
class Term:
    """What the scan needs of one entry of the lock-in list."""

    key: str
    kind: str
    phrase: str
    label: str = ""

    @property
    def is_clause(self) -> bool:
        return self.kind == "required_clause"


@dataclass(frozen=True)
class Unit:
    """One piece of text read from the document and where it is."""

    location: str
    text: str
    kind: str  # "paragraph", "cell" or "row"
    heading: str = ""


@dataclass
class Hit:
    """A flagged phrase found (``missing`` False) or a required clause not found (True)."""

    term: Term
    missing: bool = False
    occurrences: int = 0
    locations: list[str] = field(default_factory=list)
    excerpt: str = ""


@dataclass
class ScanReport:
    units_scanned: int
    hits: list[Hit]


# --- Matching -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


@lru_cache(maxsize=2048)
def phrase_pattern(phrase: str) -> str:
    """A regular expression finding ``phrase`` as the module docstring describes."""
    chars = [c for c in normalise(phrase) if not c.isspace()]
    if not chars:
        raise ValueError(PHRASE_EMPTY)
    body = r"\s*".join(re.escape(c) for c in chars)
    if _is_word_char(chars[0]):
        body = r"(?<![0-9a-z])" + body
    if _is_word_char(chars[-1]):
        body += r"(?![0-9a-z])"
    return body


def parse_clause(pattern: str) -> list[list[str]]:
    """``"A|B & C"`` → ``[["A", "B"], ["C"]]``; raises ``ValueError`` when malformed."""
    groups = []
    for group in pattern.split("&"):
        alternatives = [alt.strip() for alt in group.split("|")]
        if not alternatives or any(not alt for alt in alternatives):
            raise ValueError(CLAUSE_SYNTAX_ERROR)
        groups.append(alternatives)
    if not groups:
        raise ValueError(CLAUSE_SYNTAX_ERROR)
    return groups


@lru_cache(maxsize=512)
def _compiled_phrase(phrase: str) -> re.Pattern[str]:
    return re.compile(phrase_pattern(phrase))


@lru_cache(maxsize=256)
def _compiled_clause(pattern: str) -> tuple[re.Pattern[str], ...]:
    return tuple(
        re.compile("|".join(f"(?:{phrase_pattern(alt)})" for alt in group))
        for group in parse_clause(pattern)
    )


def _excerpt(text: str, start: int, end: int) -> str:
    """The match with some context, whitespace collapsed (``text`` as it reads, not folded)."""
    left = max(0, start - EXCERPT_MARGIN)
    right = min(len(text), end + EXCERPT_MARGIN)
    snippet = " ".join(text[left:right].split())
    return f"{'…' if left > 0 else ''}{snippet}{'…' if right < len(text) else ''}"


# --- Reading the document -------------------------------------------------------------------


def _collect(element: Any, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag == MC_FALLBACK or tag == f"{W}tbl":
            continue  # comments/processing instructions, duplicate text boxes, nested tables
        if tag == f"{W}t":
            parts.append(child.text or "")
        elif tag in _BREAKS:
            parts.append(" ")
        else:
            _collect(child, parts)
            if tag == f"{W}p":
                parts.append(" ")


def _text(element: Any) -> str:
    parts: list[str] = []
    _collect(element, parts)
    return "".join(parts).strip()


def _children(element: Any, tag: str) -> Iterator[Any]:
    """Children with ``tag``, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            yield from _children(child, tag)


class _Reader:
    def __init__(self, heading_styles: set[str]) -> None:
        self.heading_styles = heading_styles
        self.paragraphs = 0
        self.tables = 0
        self.heading = ""
        self.units: list[Unit] = []

    def add(self, unit: Unit) -> None:
        if len(self.units) >= MAX_SPEC_UNITS:
            raise XmlRefused(SPEC_TOO_MANY_UNITS, part="", limit=f"{MAX_SPEC_UNITS:,}")
        self.units.append(unit)

    def _is_heading(self, paragraph: Any) -> bool:
        properties = paragraph.find(f"{W}pPr")
        if properties is None:
            return False
        if properties.find(f"{W}outlineLvl") is not None:
            return True
        style = properties.find(f"{W}pStyle")
        return style is not None and style.get(f"{W}val") in self.heading_styles

    def body(self, container: Any, place: str = "") -> None:
        for child in container:
            tag = child.tag
            if tag == f"{W}p":
                self.paragraph(child, place)
            elif tag == f"{W}tbl":
                self.table(child)
            elif tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
                self.body(child, place)

    def paragraph(self, element: Any, place: str) -> None:
        text = _text(element)
        if not place:
            self.paragraphs += 1
        if not text:
            return
        if self._is_heading(element):
            self.heading = text[:60]
        heading = "" if place else self.heading
        location = place or f"第{self.paragraphs}段落"
        if heading and heading != text[:60]:
            location += f"（{heading[:20]}）"
        self.add(Unit(location, text, "paragraph", heading))

    def table(self, element: Any) -> None:
        self.tables += 1
        number = self.tables
        for row_number, row in enumerate(_children(element, f"{W}tr"), start=1):
            cells = []
            for cell_number, cell in enumerate(_children(row, f"{W}tc"), start=1):
                text = _text(cell)
                if text:
                    location = f"表{number} {row_number}行{cell_number}列"
                    self.add(Unit(location, text, "cell", self.heading))
                    cells.append(text)
                for nested in _children(cell, f"{W}tbl"):
                    self.table(nested)
            if cells:
                self.add(Unit(f"表{number} {row_number}行", " ".join(cells), "row", self.heading))


def _heading_styles(document: Any) -> set[str]:
    styles = set()
    for style in document.styles.element.iterchildren(f"{W}style"):
        name = style.find(f"{W}name")
        value = (name.get(f"{W}val") if name is not None else "") or ""
        if value.lower().startswith(_HEADING_NAMES) or value.startswith(_HEADING_NAMES):
            styles.add(style.get(f"{W}styleId"))
    return styles


def spec_budget() -> XmlBudget:
    return XmlBudget(
        max_part_bytes=MAX_SPEC_XML_PART, max_nodes=MAX_SPEC_XML_NODES, max_text=MAX_SPEC_TEXT
    )


def read_units(data: bytes) -> list[Unit]:
    """Every piece of text in the document, in order.

    Raises ``ScanError`` for a file that is not a readable Word document and
    ``governance.office_xml.XmlRefused`` (with a message for the user) for one whose XML is
    over the limits above or declares a DTD; the XML is checked by streaming it before
    python-docx parses it.
    """
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        check_office_file(data, spec_budget())
    except UnreadableXml as exc:
        raise ScanError(str(exc)) from None
    try:
        document = Document(io.BytesIO(data))
    except (ValueError, KeyError, zipfile.BadZipFile, OSError, SyntaxError) as exc:
        # python-docx raises ValueError for a non-Word package, lxml's XMLSyntaxError (a
        # SyntaxError) for broken XML, KeyError for a missing part.
        raise ScanError(str(exc)) from None
    reader = _Reader(_heading_styles(document))
    reader.body(document.element.body)
    places = {RT.HEADER: "ヘッダー", RT.FOOTER: "フッター"}
    seen: set[str] = set()
    for rel in document.part.rels.values():
        if rel.reltype in places and not rel.is_external:
            part = rel.target_part
            if str(part.partname) in seen:
                continue
            seen.add(str(part.partname))
            reader.body(part.element, places[rel.reltype])
    return reader.units


# --- Scanning -------------------------------------------------------------------------------


def scan_units(units: list[Unit], terms: Iterable[Term]) -> list[Hit]:
    terms = list(terms)
    flags = [term for term in terms if not term.is_clause]
    clauses = [term for term in terms if term.is_clause]
    hits: dict[str, Hit] = {}

    flag_units = []
    for unit in units:
        if unit.kind != "row":
            readable = unicodedata.normalize("NFKC", unit.text)
            folded = readable.casefold()
            # Excerpts quote the text as written; case folding rarely changes the length
            # (ß → ss), and then the folded text is quoted instead.
            flag_units.append((unit, folded, readable if len(readable) == len(folded) else folded))
    if flags:
        # Each phrase is searched once in the whole text, the pieces joined by a character
        # no phrase can match or span (a phrase allows spaces between its characters, NUL is
        # not a space and cannot occur in XML text). Searching piece by piece costs a Python
        # call per piece and phrase: 11 s for 130,000 one-word paragraphs.
        starts = []
        offset = 0
        for _unit, text, _readable in flag_units:
            starts.append(offset)
            offset += len(text) + 1
        joined = "\0".join(text for _unit, text, _readable in flag_units)
        for term in flags:
            matches = _compiled_phrase(term.phrase).finditer(joined)
            for match in matches:
                index = bisect_right(starts, match.start()) - 1
                unit, _text, readable = flag_units[index]
                hit = hits.setdefault(term.key, Hit(term))
                if not hit.excerpt:
                    start = match.start() - starts[index]
                    hit.excerpt = _excerpt(readable, start, start + len(match.group()))
                hit.occurrences += 1
                if unit.location not in hit.locations:
                    hit.locations.append(unit.location)
                if len(hit.locations) == MAX_LOCATIONS:
                    hit.occurrences += sum(1 for _match in matches)  # only the count is left
                    break

    clause_texts = [
        normalise(f"{unit.heading} {unit.text}" if unit.kind == "paragraph" else unit.text)
        for unit in units
        if unit.kind != "cell"
    ]
    missing = []
    for term in clauses:
        groups = _compiled_clause(term.phrase)
        if not any(all(group.search(text) for group in groups) for text in clause_texts):
            missing.append(Hit(term, missing=True))
    ordered = [hits[term.key] for term in flags if term.key in hits]
    return ordered + missing


def scan_docx(data: bytes, terms: Iterable[Term]) -> ScanReport:
    """Read the .docx ``data`` and scan it with ``terms`` (raises ``ScanError``)."""
    units = read_units(data)
    return ScanReport(
        units_scanned=sum(1 for unit in units if unit.kind != "row"),
        hits=scan_units(units, terms),
    )

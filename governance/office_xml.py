"""Streaming checks of the XML inside an Office file (.docx, .xlsx) before a library parses it.

python-docx and openpyxl build what they read in memory: python-docx a whole lxml tree of
each part (about 250 bytes per element or attribute), openpyxl a Python object per cell. A
125 KB .docx can hold a 30 MB document.xml of a million tiny paragraphs (measured: 9 s and
790 MB to scan), so the size of the zip says little. Here every XML part is read once with
expat, a chunk at a time, keeping nothing but counters, and the file is refused as soon as a
budget is spent:

- ``max_part_bytes``: the uncompressed size of one part;
- ``max_nodes``: elements, attributes, comments and processing instructions of all parts
  together (what the tree will hold);
- ``max_text``: characters of text (and comments) of all parts together (what a scan reads).

A document type declaration is refused outright: Word and Excel never write one, and its
entities are how an XML file makes a parser expand or fetch what it does not contain.

A part is XML when its name ends in ``.xml`` or ``.rels`` or when ``[Content_Types].xml``
gives it an XML content type: libraries follow the content type, so a part named
``document.bin`` declared as the main document is parsed as XML and is checked as XML here.

``watch`` lets a caller look at the elements of chosen parts during the same pass (the
registry import finds formulas without a stored result this way). Nothing here depends on
the library that reads the file afterwards.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import IO, Any
from xml.parsers import expat

from django.utils.translation import gettext_noop

XML_DTD = gettext_noop(
    "文書型宣言（DOCTYPE）やエンティティ宣言を含むファイルは受け付けられません"
    "（Word・Excel で保存したファイルには含まれません）。"
)
XML_PART_TOO_BIG = gettext_noop(
    "ファイル内の部品「{part}」が大きすぎます（展開後 {limit} バイトまで）。"
)
XML_TOO_MANY_NODES = gettext_noop(
    "ファイルの内容が複雑すぎます（XML の要素と属性が {limit} 個を超えています）。"
    "ファイルを分けるか、書式を整理して保存し直してください。"
)
XML_TOO_MUCH_TEXT = gettext_noop(
    "ファイルの文字数が多すぎます（{limit} 文字を超えています）。ファイルを分けてください。"
)

CONTENT_TYPES_PART = "[Content_Types].xml"
_CHUNK = 64 * 1024


class UnreadableXml(ValueError):
    """The archive or one of its XML parts cannot be read at all."""


class XmlRefused(ValueError):
    """A readable file refused for its XML; ``message`` is a Japanese constant (translate it
    where it is shown) and ``params`` its placeholders."""

    def __init__(self, message: str, *, part: str, **params: Any) -> None:
        self.message = message
        self.part = part
        self.params = {"part": part, **params}
        super().__init__(message.format(**self.params))

    def text(self, translate: Callable[[str], str] = str) -> str:
        return translate(self.message).format(**self.params)


@dataclass
class XmlBudget:
    """What the XML of one file may hold; ``None`` is no limit. Counters start at zero; what
    has no limit is not counted (the pass then calls no Python code for it)."""

    max_part_bytes: int | None = None
    max_nodes: int | None = None
    max_text: int | None = None
    nodes: int = 0
    text: int = 0


#: Called with (local name, attributes) on each start tag of a watched part. Attributes of no
#: namespace keep their name (``r``); namespaced ones are ``"namespace-uri name"``.
StartHandler = Callable[[str, dict[str, str]], object]  # what it returns is ignored
#: Called with the local name on each end tag of a watched part.
EndHandler = Callable[[str], None]


@dataclass
class Watcher:
    start: StartHandler | None = None
    end: EndHandler | None = None
    text: Callable[[str], None] | None = None  # character data of a watched part
    #: The handlers take element names as expat gives them (``"namespace-uri local"``, or
    #: ``"prefix:local"``) and find local names themselves (``local_name``): a handler that
    #: needs no local name for most elements then costs one call per element, not two.
    raw: bool = False


@lru_cache(maxsize=1024)
def local_name(name: str) -> str:
    """``"uri local"`` (expat with a namespace separator) or ``"prefix:local"`` → local.

    Cached: a part repeats a handful of element names hundreds of thousands of times."""
    return name.rpartition(" ")[2].rpartition(":")[2]


def _refuse_dtd(*_args: Any) -> None:
    raise XmlRefused(XML_DTD, part="")


def scan_part(
    stream: IO[bytes], part: str, budget: XmlBudget, watcher: Watcher | None = None
) -> None:
    """Read one XML part from ``stream`` against ``budget``; raise ``XmlRefused`` or
    ``UnreadableXml``."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = _CHUNK

    max_nodes, max_text = budget.max_nodes, budget.max_text

    def spend(nodes: int, text: int = 0) -> None:
        budget.nodes += nodes
        budget.text += text
        if max_nodes is not None and budget.nodes > max_nodes:
            raise XmlRefused(XML_TOO_MANY_NODES, part=part, limit=f"{max_nodes:,}")
        if max_text is not None and budget.text > max_text:
            raise XmlRefused(XML_TOO_MUCH_TEXT, part=part, limit=f"{max_text:,}")

    # The handlers run for every element (two million in a workbook of 10,000 systems): they
    # are kept to the fewest calls, and none is set where nothing is counted or watched.
    watched_start = watcher.start if watcher else None
    watched_end = watcher.end if watcher else None
    watched_text = watcher.text if watcher else None
    raw = watcher is not None and watcher.raw

    def start(name: str, attributes: dict[str, str]) -> None:
        budget.nodes += 1 + len(attributes)
        if max_nodes is not None and budget.nodes > max_nodes:
            spend(0)
        if watched_start is not None:
            watched_start(name if raw else local_name(name), attributes)

    def text(data: str) -> None:
        budget.text += len(data)
        if max_text is not None and budget.text > max_text:
            spend(0)
        if watched_text is not None:
            watched_text(data)

    if max_nodes is not None or (watched_start is not None and not raw):
        parser.StartElementHandler = start
    elif watched_start is not None:
        parser.StartElementHandler = watched_start
    if max_text is not None:
        parser.CharacterDataHandler = text
    elif watched_text is not None:
        parser.CharacterDataHandler = watched_text
    if watched_end is not None:
        end_handler = watched_end
        parser.EndElementHandler = (
            end_handler if raw else lambda name: end_handler(local_name(name))
        )
    parser.CommentHandler = lambda data: spend(1, len(data))
    parser.ProcessingInstructionHandler = lambda target, data: spend(1, len(data))
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    read = 0
    try:
        while chunk := stream.read(_CHUNK):
            read += len(chunk)
            if budget.max_part_bytes is not None and read > budget.max_part_bytes:
                raise XmlRefused(XML_PART_TOO_BIG, part=part, limit=f"{budget.max_part_bytes:,}")
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except XmlRefused as exc:
        if not exc.part:  # the DTD handler does not know the part
            raise XmlRefused(exc.message, part=part) from None
        raise
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        # zipfile raises BadZipFile for a bad CRC or a size that lies; a part that is not
        # well-formed XML is ExpatError.
        raise UnreadableXml(f"{part}: {exc}") from None


@dataclass
class ContentTypes:
    """What ``[Content_Types].xml`` says: content type by extension and by part name."""

    defaults: dict[str, str]
    overrides: dict[str, str]

    def of(self, name: str) -> str:
        suffix = PurePosixPath(name).suffix.lower().lstrip(".")
        return self.overrides.get(name) or self.defaults.get(suffix, "")


def content_types(archive: zipfile.ZipFile, budget: XmlBudget) -> ContentTypes:
    types = ContentTypes({}, {})

    def start(name: str, attributes: dict[str, str]) -> None:
        kind = attributes.get("ContentType", "").lower()
        if name == "Default":
            types.defaults[attributes.get("Extension", "").lower()] = kind
        elif name == "Override":
            types.overrides[attributes.get("PartName", "").lstrip("/")] = kind

    if CONTENT_TYPES_PART in archive.NameToInfo:
        _scan_member(archive, CONTENT_TYPES_PART, budget, Watcher(start=start))
    return types


def _scan_member(
    archive: zipfile.ZipFile, name: str, budget: XmlBudget, watcher: Watcher | None = None
) -> None:
    info = archive.getinfo(name)
    if budget.max_part_bytes is not None and info.file_size > budget.max_part_bytes:
        raise XmlRefused(XML_PART_TOO_BIG, part=name, limit=f"{budget.max_part_bytes:,}")
    try:
        stream = archive.open(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
        # NotImplementedError: an unknown compression method; RuntimeError: encrypted.
        raise UnreadableXml(f"{name}: {exc}") from None
    with stream:
        scan_part(stream, name, budget, watcher)


def xml_parts(archive: zipfile.ZipFile, types: ContentTypes) -> list[str]:
    """The names of the parts a library would parse as XML, but ``[Content_Types].xml``."""
    names = []
    for info in archive.infolist():
        name = info.filename
        if info.is_dir() or name == CONTENT_TYPES_PART:
            continue
        if name.lower().endswith((".xml", ".rels")) or "xml" in types.of(name):
            names.append(name)
    return names


def open_archive(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableXml(str(exc)) from None


def check_package(
    archive: zipfile.ZipFile,
    budget: XmlBudget,
    *,
    watch: Callable[[str], Watcher | None] | None = None,
    first: Iterable[str] = (),
    types: ContentTypes | None = None,
) -> None:
    """Read every XML part of ``archive`` once against one ``budget`` (shared by all parts),
    ``[Content_Types].xml`` first since it decides what is XML.

    ``watch(name)`` gives the handlers for a part's pass, or None; it is asked just before the
    part is read, so it can use what watchers of the parts in ``first`` (read before the
    others) have seen. ``types``: the content types if the caller has read them already.
    Raises ``XmlRefused`` or ``UnreadableXml``.
    """
    names = xml_parts(archive, types or content_types(archive, budget))
    ordered = [name for name in first if name in names]
    early = set(ordered)
    ordered += [name for name in names if name not in early]
    for name in ordered:
        _scan_member(archive, name, budget, watch(name) if watch else None)


def check_office_file(data: bytes, budget: XmlBudget) -> None:
    """``check_package`` for the bytes of a file."""
    with open_archive(data) as archive:
        check_package(archive, budget)

"""A specification whose XML would take unbounded memory or time to read (a small .docx that
expands to a million elements, too many paragraphs, too much text, a DTD) is refused with a
Japanese message before python-docx parses it, and nothing is kept; a large real
specification is still read."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.models import Process

from governance import office_xml, uploads
from governance.models import Attachment, AuditEvent, SpecReview
from governance.spec_review import scan as spec_scan
from tests.spec_cases import register
from tests.spec_docs import make_spec, zip_with
from workflows.spec_review import SpecReviewFlow

pytestmark = pytest.mark.django_db

WORD_PARAGRAPH = (
    '<w:p w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3" w:rsidP="00D4E5F6"><w:pPr>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    '<w:ind w:firstLineChars="100" w:firstLine="210"/></w:pPr>'
    '<w:r><w:rPr><w:rFonts w:ascii="ＭＳ 明朝" w:hAnsi="ＭＳ 明朝" w:hint="eastAsia"/>'
    '<w:szCs w:val="21"/></w:rPr>'
    "<w:t>受注者は、本業務の実施にあたり、発注者と協議のうえ</w:t></w:r>"
    '<w:proofErr w:type="spellStart"/><w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr>'
    "<w:t>詳細な作業計画を策定すること。</w:t></w:r></w:p>"
).encode()


def spec_with_body(body: bytes, *, prolog: bytes = b"", rename: str = "") -> bytes:
    """A real .docx whose body is ``body``; ``rename`` moves word/document.xml to another
    part name, which the relationships and content types then point to (a harmless
    word/document.xml stays, so only the content type says what the part is)."""
    archive = zipfile.ZipFile(io.BytesIO(make_spec(paragraphs=["本文"])))
    entries = {name: archive.read(name) for name in archive.namelist()}
    head, _body, _tail = entries["word/document.xml"].partition(b"<w:body>")
    document = head + b"<w:body>" + body + b"<w:sectPr/></w:body></w:document>"
    if prolog:
        declaration, _sep, rest = document.partition(b"?>")
        document = declaration + b"?>" + prolog + rest
    if rename:
        del entries["word/document.xml"]
        entries[rename] = document
        target = rename.removeprefix("word/").encode()
        entries["_rels/.rels"] = entries["_rels/.rels"].replace(
            b"word/document.xml", rename.encode()
        )
        entries["[Content_Types].xml"] = entries["[Content_Types].xml"].replace(
            b"/word/document.xml", b"/" + rename.encode()
        )
        rels = entries.pop("word/_rels/document.xml.rels")
        entries[f"word/_rels/{target.decode()}.rels"] = rels
        entries["word/document.xml"] = head + b"<w:body/></w:document>"
    else:
        entries["word/document.xml"] = document
    return zip_with(entries)


def element_bomb(rename: str = "") -> bytes:
    """About 125 KB: a million empty-ish paragraphs' worth of elements, past the budget."""
    paragraph = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    return spec_with_body(paragraph * (spec_scan.MAX_SPEC_XML_NODES // 3 + 1), rename=rename)


def too_many_paragraphs() -> bytes:
    return spec_with_body(b"<w:p><w:t>a</w:t></w:p>" * (spec_scan.MAX_SPEC_UNITS + 1))


def too_much_text() -> bytes:
    paragraph = b"<w:p><w:r><w:t>" + "仕様".encode() * 5000 + b"</w:t></w:r></w:p>"
    return spec_with_body(paragraph * (spec_scan.MAX_SPEC_TEXT // 10000 + 1))


def entity_declaration() -> bytes:
    prolog = b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    return spec_with_body(b"<w:p><w:r><w:t>&b;</w:t></w:r></w:p>", prolog=prolog)


REFUSED = {
    "element-bomb": (element_bomb, "ファイルの内容が複雑すぎます（XML の要素と属性が"),
    "renamed-part": (
        lambda: element_bomb(rename="word/main.dat"),
        "ファイルの内容が複雑すぎます（XML の要素と属性が",
    ),
    "paragraphs": (too_many_paragraphs, "仕様書の段落と表のセルが多すぎます"),
    "text": (too_much_text, "ファイルの文字数が多すぎます"),
    "dtd": (entity_declaration, office_xml.XML_DTD),
}


def stored_files() -> list[str]:
    return [str(p) for p in Path(django_settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_the_element_bomb_is_small_and_within_the_zip_limits() -> None:
    data = element_bomb()
    assert len(data) < 200_000
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.getinfo("word/document.xml").file_size < spec_scan.MAX_SPEC_XML_PART
    assert sum(info.file_size for info in archive.infolist()) < uploads.MAX_ZIP_UNCOMPRESSED


@pytest.mark.parametrize("kind", list(REFUSED))
def test_an_oversized_specification_is_refused_over_http_and_nothing_is_kept(
    cast: Any, login: Any, kind: str
) -> None:
    build, message = REFUSED[kind]
    events = AuditEvent.objects.count()
    response = login(cast["staff_a"]).post(
        SpecReviewFlow.start.reverse("execute"),
        {
            "title": "調達",
            "fiscal_year": "2025",
            "procurement_type": "goods",
            "estimated_price": "40,000,000",
            "contract_board_date": "2025-10-01",
            "spec_file": SimpleUploadedFile("仕様書.docx", build()),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SpecReview.objects.exists()
    assert not Attachment.objects.exists()
    assert not Process.objects.exists()
    assert AuditEvent.objects.count() == events
    assert stored_files() == []


@pytest.mark.parametrize("kind", list(REFUSED))
def test_the_service_refuses_an_oversized_specification_itself(cast: Any, kind: str) -> None:
    build, message = REFUSED[kind]
    with pytest.raises(uploads.UploadRejected) as refused:
        register(cast["staff_a"], spec_file=SimpleUploadedFile("仕様書.docx", build()))
    assert message in str(refused.value)
    assert not Attachment.objects.exists()


def test_the_scan_refuses_before_python_docx_parses(monkeypatch: Any) -> None:
    def parse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("python-docx was asked to parse the file")

    monkeypatch.setattr("docx.Document", parse)
    with pytest.raises(office_xml.XmlRefused):
        spec_scan.read_units(element_bomb())


def test_a_long_specification_formatted_by_word_is_still_read() -> None:
    """About 250 pages: 10,000 paragraphs with Word's direct formatting (340,000 nodes)."""
    units = spec_scan.read_units(spec_with_body(WORD_PARAGRAPH * 10_000))
    assert len(units) == 10_000
    assert units[-1].text.startswith("受注者は")

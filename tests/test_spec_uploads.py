"""Only readable .docx specifications (and .pdf references) within the limits are kept; a
refused file leaves nothing behind: no attachment row, no stored file, no audit event."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.models import Process

from governance import uploads
from governance.models import Attachment, AuditEvent, SpecReview, SpecVersion
from governance.spec_review import services
from governance.spec_review.scan import MAX_SPEC_XML_PART
from tests.spec_cases import register
from tests.spec_docs import clean_spec, docx_upload, pdf_upload, zip_with
from workflows.spec_review import SpecReviewFlow

pytestmark = pytest.mark.django_db

CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


def stored_files() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return [str(path) for path in root.rglob("*") if path.is_file()]


def zip_bomb() -> bytes:
    """A small file that declares (and really holds) more than the uncompressed limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        archive.writestr("word/document.xml", b"<w/>")
        chunk = b"\0" * (1024 * 1024)
        with archive.open("word/media/padding.bin", "w", force_zip64=True) as entry:
            for _ in range(uploads.MAX_ZIP_UNCOMPRESSED // len(chunk) + 1):
                entry.write(chunk)
    return buffer.getvalue()


def xml_bomb() -> bytes:
    """A .docx whose document.xml alone expands past what the scan will parse."""
    body = b"<w:document>" + b" " * (MAX_SPEC_XML_PART + 1) + b"</w:document>"
    return zip_with({"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": body})


def lying_sizes() -> bytes:
    """A real .docx whose document.xml claims, in both headers, to be 200 bytes long."""
    data = bytearray(clean_spec())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("word/document.xml")
    assert info.file_size > 200
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack("<H", data[central + 28 : central + 30])[0]
        if data[central + 46 : central + 46 + name_length] == b"word/document.xml":
            data[central + 24 : central + 28] = struct.pack("<I", 200)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    data[info.header_offset + 22 : info.header_offset + 26] = struct.pack("<I", 200)
    return bytes(data)


def too_many_entries() -> bytes:
    entries = {"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": b"<w/>"}
    entries.update({f"word/media/{n}.bin": b"x" for n in range(uploads.MAX_ZIP_ENTRIES)})
    return zip_with(entries)


def macro_enabled_document() -> bytes:
    """A .docm (macro-enabled) renamed to .docx: a valid package, the wrong main part."""
    archive = zipfile.ZipFile(io.BytesIO(clean_spec()))
    entries = {name: archive.read(name) for name in archive.namelist()}
    entries["[Content_Types].xml"] = entries["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    return zip_with(entries)


def broken_xml() -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(clean_spec()))
    entries = {name: archive.read(name) for name in archive.namelist()}
    entries["word/document.xml"] = b"<w:document><w:body><w:p>"
    return zip_with(entries)


def xlsx_named_docx() -> bytes:
    return zip_with({"[Content_Types].xml": CONTENT_TYPES_XML, "xl/workbook.xml": b"<x/>"})


REFUSED_SPECS = [
    pytest.param("仕様書.docx", b"", uploads.UPLOAD_EMPTY, id="empty"),
    pytest.param("仕様書.doc", b"\xd0\xcf\x11\xe0old word", "登録できる形式: .docx", id="old-doc"),
    pytest.param("仕様書.pdf", b"%PDF-1.4 renamed", "登録できる形式: .docx", id="pdf-as-spec"),
    pytest.param("仕様書.docx", b"MZ\x90\x00 an executable", uploads.UPLOAD_NOT_DOCX, id="exe"),
    pytest.param("仕様書.docx", b"%PDF-1.4 renamed", uploads.UPLOAD_NOT_DOCX, id="pdf-renamed"),
    pytest.param("仕様書.docx", None, uploads.UPLOAD_NOT_DOCX, id="xlsx-renamed"),
    pytest.param("仕様書.docx", None, uploads.UPLOAD_ZIP_TOO_BIG, id="zip-bomb"),
    pytest.param("仕様書.docx", None, uploads.UPLOAD_ZIP_TOO_BIG, id="xml-bomb"),
    pytest.param("仕様書.docx", None, uploads.UPLOAD_ZIP_TOO_BIG, id="too-many-entries"),
    pytest.param("仕様書.docx", None, uploads.UPLOAD_NOT_DOCX, id="lying-sizes"),
    pytest.param("仕様書.docx", None, uploads.UPLOAD_NOT_DOCX, id="macro-enabled"),
    pytest.param("仕様書.docx", None, uploads.UPLOAD_NOT_DOCX, id="broken-xml"),
]
BUILDERS = {
    "xlsx-renamed": xlsx_named_docx,
    "zip-bomb": zip_bomb,
    "xml-bomb": xml_bomb,
    "too-many-entries": too_many_entries,
    "lying-sizes": lying_sizes,
    "macro-enabled": macro_enabled_document,
    "broken-xml": broken_xml,
}


def _content(request: Any, data: bytes | None) -> bytes:
    if data is not None:
        return data
    return BUILDERS[request.node.callspec.id]()


@pytest.mark.parametrize(("name", "data", "message"), REFUSED_SPECS)
def test_a_refused_specification_registers_nothing_over_http(
    cast: Any, login: Any, request: Any, name: str, data: bytes | None, message: str
) -> None:
    content = _content(request, data)
    events = AuditEvent.objects.count()
    response = login(cast["staff_a"]).post(
        SpecReviewFlow.start.reverse("execute"),
        {
            "title": "調達",
            "fiscal_year": "2025",
            "procurement_type": "goods",
            "estimated_price": "40,000,000",
            "contract_board_date": "2025-10-01",
            "spec_file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SpecReview.objects.exists()
    assert not Attachment.objects.exists()
    assert not Process.objects.exists()
    assert AuditEvent.objects.count() == events
    assert stored_files() == []


@pytest.mark.parametrize(("name", "data", "message"), REFUSED_SPECS)
def test_the_service_refuses_the_same_files_itself(
    cast: Any, request: Any, name: str, data: bytes | None, message: str
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(uploads.UploadRejected) as refused:
        register(cast["staff_a"], spec_file=SimpleUploadedFile(name, _content(request, data)))
    assert message in str(refused.value)
    assert not Attachment.objects.exists()
    assert AuditEvent.objects.count() == events
    assert stored_files() == []


def test_a_specification_over_the_size_limit_is_refused(
    cast: Any, login: Any, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    response = login(cast["staff_a"]).post(
        SpecReviewFlow.start.reverse("execute"),
        {
            "title": "調達",
            "fiscal_year": "2025",
            "procurement_type": "goods",
            "estimated_price": "40,000,000",
            "contract_board_date": "2025-10-01",
            "spec_file": docx_upload(clean_spec()),
        },
    )
    assert "ファイルが大きすぎます（上限 4.0" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_a_docx_as_reference_is_refused_and_a_pdf_is_kept_read_only(cast: Any, login: Any) -> None:
    client = login(cast["staff_a"])
    data = {
        "title": "調達",
        "fiscal_year": "2025",
        "procurement_type": "goods",
        "estimated_price": "40,000,000",
        "contract_board_date": "2025-10-01",
    }
    response = client.post(
        SpecReviewFlow.start.reverse("execute"),
        {
            **data,
            "spec_file": docx_upload(clean_spec()),
            "reference_file": docx_upload(clean_spec(), "参考.docx"),
        },
    )
    assert "登録できる形式: .pdf" in response.content.decode()
    assert not Attachment.objects.exists()

    response = client.post(
        SpecReviewFlow.start.reverse("execute"),
        {**data, "spec_file": docx_upload(clean_spec()), "reference_file": pdf_upload()},
    )
    assert response.status_code == 302
    review = SpecReview.objects.get()
    reference = review.attachments.get(purpose="reference")
    assert reference.content_type == "application/pdf"
    assert not SpecVersion.objects.filter(attachment=reference).exists()
    assert len(stored_files()) == 2


def test_a_refused_revision_keeps_nothing_and_leaves_the_case_returned(
    cast: Any, login: Any
) -> None:
    from tests.spec_cases import ALL_OK, decide_all_drafts

    review = register(cast["staff_a"])
    decide_all_drafts(cast["reviewer"], review, accept=("Oracle",))
    services.complete_review(
        actor=cast["reviewer"],
        review=review,
        checklist={**ALL_OK, "neutrality": ("issue", "")},
        decision="returned",
    )
    files, attachments = stored_files(), Attachment.objects.count()
    events = AuditEvent.objects.count()
    finding = review.findings.get()
    with pytest.raises(uploads.UploadRejected):
        services.resubmit_spec(
            actor=cast["staff_a"],
            review=review,
            spec_file=SimpleUploadedFile("仕様書v2.docx", zip_bomb()),
            answers={finding.pk: "修正しました"},
        )
    review.refresh_from_db()
    assert review.status == "returned"
    assert review.versions.count() == 1
    assert stored_files() == files
    assert Attachment.objects.count() == attachments
    assert AuditEvent.objects.count() == events


def test_uploaded_file_names_never_reach_the_file_system(cast: Any) -> None:
    review = register(cast["staff_a"], spec_file=docx_upload(clean_spec(), "../../etc/passwd.docx"))
    attachment = review.versions.get().attachment
    assert attachment.original_name == "passwd.docx"
    assert os.path.basename(str(attachment.file.name)) == attachment.sha256

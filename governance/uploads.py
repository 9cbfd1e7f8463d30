"""Checking uploaded files before anything of them is kept.

A refused file leaves nothing behind: checks run on the bytes in memory, and only a file that
passes is written to storage. Office files are zip archives, so their entry count and total
uncompressed size are limited too (a small .docx can expand to gigabytes).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance.models import Attachment, Case

UPLOAD_EMPTY = gettext_noop("ファイルが空です。")
UPLOAD_TOO_LARGE = gettext_noop("ファイルが大きすぎます（上限 {limit}）。")
UPLOAD_WRONG_TYPE = gettext_noop(
    "この形式のファイルは登録できません（登録できる形式: {allowed}）。"
)
UPLOAD_NOT_DOCX = gettext_noop("Word 文書（.docx）として読み取れません。")
UPLOAD_NOT_XLSX = gettext_noop("Excel ブック（.xlsx）として読み取れません。")
UPLOAD_NOT_PDF = gettext_noop("PDF として読み取れません。")
UPLOAD_ZIP_TOO_BIG = gettext_noop(
    "ファイルの展開後のサイズが大きすぎるか、含まれる部品が多すぎます。"
)

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
}

#: Limits for Office files (zip archives).
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_UNCOMPRESSED = 100 * 1024 * 1024


class UploadRejected(ValueError):
    """A file that is refused; the message is Japanese and meant for the user."""


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def _read(upload: Any, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise UploadRejected(_(UPLOAD_TOO_LARGE).format(limit=filesizeformat(limit)))
    upload.seek(0)
    data: bytes = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(_(UPLOAD_TOO_LARGE).format(limit=filesizeformat(limit)))
    return data


def _check_zip(data: bytes, required: str, message: str, max_xml_part: int | None = None) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRejected(_(message)) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise UploadRejected(_(UPLOAD_ZIP_TOO_BIG))
    total = 0
    names = set()
    for entry in entries:
        path = PurePosixPath(entry.filename)
        if path.is_absolute() or ".." in path.parts:
            raise UploadRejected(_(message))
        total += entry.file_size
        names.add(entry.filename)
        if (
            max_xml_part is not None
            and entry.filename.endswith((".xml", ".rels"))
            and entry.file_size > max_xml_part
        ):
            raise UploadRejected(_(UPLOAD_ZIP_TOO_BIG))
    if total > MAX_ZIP_UNCOMPRESSED:
        raise UploadRejected(_(UPLOAD_ZIP_TOO_BIG))
    if "[Content_Types].xml" not in names or required not in names:
        raise UploadRejected(_(message))


def check_upload(
    upload: Any,
    *,
    allowed: tuple[str, ...],
    max_bytes: int | None = None,
    max_xml_part: int | None = None,
) -> CheckedUpload:
    """Read and check an uploaded file; raise ``UploadRejected`` with the reason in Japanese.

    ``max_xml_part`` limits each XML part of an Office file, for callers that parse the XML
    (an XML tree takes several times its text in memory).
    """
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    name = PurePosixPath(str(getattr(upload, "name", "") or "file").replace("\\", "/")).name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed:
        raise UploadRejected(
            _(UPLOAD_WRONG_TYPE).format(allowed="、".join(f".{ext}" for ext in allowed))
        )
    data = _read(upload, limit)
    if not data:
        raise UploadRejected(_(UPLOAD_EMPTY))
    if extension == "docx":
        _check_zip(data, "word/document.xml", UPLOAD_NOT_DOCX, max_xml_part)
    elif extension == "xlsx":
        _check_zip(data, "xl/workbook.xml", UPLOAD_NOT_XLSX, max_xml_part)
    elif extension == "pdf" and not data.startswith(b"%PDF-"):
        raise UploadRejected(_(UPLOAD_NOT_PDF))
    return CheckedUpload(
        name=name[:255],
        extension=extension,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def store_attachment(*, case: Case, upload: CheckedUpload, purpose: str, actor: Any) -> Attachment:
    """Keep a checked file on the case (call from inside a service, which records the event)."""
    attachment = Attachment(
        case=case,
        purpose=purpose,
        original_name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(upload.sha256, ContentFile(upload.data), save=False)
    attachment.save()
    return attachment

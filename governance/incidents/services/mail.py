"""Mail intake (NEXT_WAVE §B.3 item 3, §B.10 Mail): one forwarded or received mail becomes a
security event, through ``receive_event``.

- Deduplicated by Message-ID (the source reference), and by the hash of the body: a second
  forward of the same phishing mail (a new Message-ID, the same text) adds its sender as a
  reporter of the event already recorded. A mail without Message-ID is referenced by that hash.
- Only text is kept for display; HTML is converted to text, never rendered.
- The raw .eml is stored quarantined; each attachment is stored under its content hash (the
  sender's file name is shown, never used on disk) and quarantined when suspicious. Archives are
  listed without being expanded; an archive inside an archive is stored and never opened.
- A mail over ``MAIL_MAX_BYTES`` (20 MB) is refused and logged; nothing is stored.
- A mail carrying the drill marker is recorded as an exercise and dismissed as training.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.incidents import permissions as incident_permissions
from governance.incidents.services.events import dismiss_drill_event
from governance.incidents.services.intake import receive_event, report_again
from governance.models import EventAttachment, IntakeSource, SecurityEvent, User

logger = logging.getLogger("governance.incidents.mail")

MAIL_TOO_LARGE = gettext_noop("メールが大きすぎるため受け付けませんでした（上限 {limit} MB）。")
NO_SUBJECT = gettext_noop("（件名なし）")

#: Endings of files that run code or carry macros when opened.
RISKY_ENDINGS = (
    ".exe", ".scr", ".com", ".bat", ".cmd", ".pif", ".js", ".jse", ".vbs", ".vbe", ".wsf",
    ".hta", ".ps1", ".lnk", ".msi", ".dll", ".jar", ".iso", ".img", ".vhd", ".one",
    ".docm", ".xlsm", ".pptm", ".dotm", ".xlam", ".html", ".htm", ".svg",
)  # fmt: skip
ARCHIVE_ENDINGS = (".zip", ".7z", ".rar", ".gz", ".tar", ".lzh", ".cab")
#: What a harmless file of each ending starts with (a mismatch is a disguise).
MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8",),
    ".jpeg": (b"\xff\xd8",),
    ".gif": (b"GIF8",),
    ".txt": (),
    ".csv": (),
    ".docx": (b"PK",),
    ".xlsx": (b"PK",),
    ".pptx": (b"PK",),
}

REASON_RISKY = gettext_noop("実行・マクロを含むおそれのある形式")
REASON_ARCHIVE = gettext_noop("圧縮ファイル（展開していません）")
REASON_NESTED = gettext_noop("圧縮ファイルの中に圧縮ファイル（展開していません）")
REASON_ENCRYPTED = gettext_noop("パスワード付きの圧縮ファイル")
REASON_DISGUISED = gettext_noop("拡張子と内容が一致しない")
REASON_UNKNOWN = gettext_noop("不明な形式")
REASON_RAW = gettext_noop("受信メールの原本")


@dataclass
class MailResult:
    event: SecurityEvent | None
    created: bool
    refused: str = ""


class _Text(HTMLParser):
    """HTML to plain text: tags dropped, scripts and styles skipped, blocks on new lines."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


def body_text(message: EmailMessage) -> str:
    """The mail's text: its text/plain part, else its HTML converted to text."""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return str(plain.get_content()).strip()
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return html_to_text(str(html.get_content()))
    return ""


def body_hash(text: str) -> str:
    """The same text forwarded by different people hashes the same: whitespace and forward
    quoting (``>``) are ignored, full width folded."""
    folded = unicodedata.normalize("NFKC", text)
    lines = [re.sub(r"^[>\s]+", "", line).strip() for line in folded.splitlines()]
    return hashlib.sha256("\n".join(line for line in lines if line).encode()).hexdigest()


def _archive_reason(data: bytes) -> str:
    """Why an archive is quarantined: its central directory is read, nothing is extracted."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return REASON_ARCHIVE
    if any(info.flag_bits & 0x1 for info in infos):
        return REASON_ENCRYPTED
    if any(info.filename.lower().endswith(ARCHIVE_ENDINGS) for info in infos):
        return REASON_NESTED
    return REASON_ARCHIVE


def suspicion(name: str, data: bytes) -> str:
    """Why an attachment is quarantined, or "" for a harmless one (a known type whose content
    matches its ending)."""
    lowered = name.lower().strip()
    if lowered.endswith(RISKY_ENDINGS) or data[:2] == b"MZ":
        return REASON_RISKY
    if lowered.endswith(ARCHIVE_ENDINGS) or (
        data[:4] == b"PK\x03\x04" and not lowered.endswith((".docx", ".xlsx", ".pptx"))
    ):
        return _archive_reason(data)
    ending = "." + lowered.rsplit(".", 1)[-1] if "." in lowered else ""
    if ending not in MAGIC:
        return REASON_UNKNOWN
    starts = MAGIC[ending]
    if starts and not data.startswith(starts):
        return REASON_DISGUISED
    return ""


def _store(
    event: SecurityEvent, *, kind: str, name: str, content_type: str, data: bytes, reason: str
) -> EventAttachment:
    digest = hashlib.sha256(data).hexdigest()
    existing = EventAttachment.objects.filter(event=event, sha256=digest).first()
    if existing is not None:
        return existing
    row = EventAttachment(
        event=event,
        kind=kind,
        original_name=name[:255],
        content_type=content_type[:100] or "application/octet-stream",
        size=len(data),
        sha256=digest,
        quarantined=bool(reason),
        quarantine_reason=reason,
        received_at=timezone.now(),
    )
    stored = EventAttachment.objects.filter(sha256=digest).exclude(file="").first()
    if stored is not None:
        row.file.name = stored.file.name  # the same content is one file on disk
    else:
        row.file.save(digest, ContentFile(data), save=False)
    row.save()
    return row


def _attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        found.append((part.get_filename() or "", part.get_content_type(), data))
    return found


def _sent_at(message: EmailMessage) -> Any:
    try:
        moment = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or timezone.is_naive(moment) or moment > timezone.now():
        return None
    return moment


def ingest_mail(*, actor: User, source: IntakeSource, data: bytes, origin: str = "") -> MailResult:
    """Record one mail (its raw bytes) for ``source`` as ``actor``; see the module's text."""
    permissions.require(incident_permissions.can_ingest_events(actor))
    limit = settings.MAIL_MAX_BYTES
    if len(data) > limit:
        message_text = _(MAIL_TOO_LARGE).format(limit=limit // (1024 * 1024))
        logger.warning("mail refused (%d bytes, over %d): %s", len(data), limit, origin)
        return MailResult(event=None, created=False, refused=message_text)
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = body_text(message)
    digest = body_hash(text)
    message_id = str(message.get("Message-ID", "")).strip()
    reference = f"mid:{message_id}"[:200] if message_id else f"body:{digest}"
    sender_name, sender = parseaddr(str(message.get("From", "")))
    reporter = (
        User.objects.filter(email__iexact=sender, is_active=True).order_by("pk").first()
        if sender
        else None
    )
    subject = str(message.get("Subject", "")).strip() or _(NO_SUBJECT)
    marker = settings.MAIL_DRILL_MARKER
    drill = bool(marker) and (marker in subject or marker in text)
    with transaction.atomic():
        same_body = (
            SecurityEvent.objects.filter(source=source, raw__body_sha256=digest)
            .order_by("pk")
            .first()
            if text
            else None
        )
        if same_body is not None and same_body.source_ref != reference:
            # A second forward of the same mail: one more reporter of the event recorded.
            report_again(actor=actor, event=same_body, reporter=reporter)
            return MailResult(event=same_body, created=False)
        event, created = receive_event(
            actor=actor,
            source=source,
            channel="mail",
            title=subject[:200],
            description=text,
            source_ref=reference,
            detected_at=_sent_at(message),
            reporter=reporter,
            category_hint=source.default_category,
            is_exercise=drill,
            raw={
                "message_id": message_id[:300],
                "from": sender[:300],
                "from_name": sender_name[:200],
                "subject": subject[:300],
                "body_sha256": digest,
                "size": len(data),
            },
        )
        if not created:
            return MailResult(event=event, created=False)
        _store(
            event,
            kind=EventAttachment.Kind.RAW_MAIL,
            name="message.eml",
            content_type="application/octet-stream",
            data=data,
            reason=REASON_RAW,
        )
        for name, content_type, payload in _attachments(message):
            _store(
                event,
                kind=EventAttachment.Kind.ATTACHMENT,
                name=name,
                content_type=content_type,
                data=payload,
                reason=suspicion(name, payload),
            )
        if drill:
            event = dismiss_drill_event(actor=actor, event=event)
    return MailResult(event=event, created=True)

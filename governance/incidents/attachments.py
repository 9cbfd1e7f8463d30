"""Files that arrived with a security event by mail: the raw .eml and each attachment, stored
under their content hash (a sender's file name never reaches the file system) and quarantined
when they could carry an attack (NEXT_WAVE §B.3, §B.10 Mail)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.incidents.models import SecurityEvent


def quarantine_path(instance: EventAttachment, filename: str) -> str:
    # The content hash only: the same file reported twice is one file on disk.
    return f"incidents/quarantine/{instance.sha256[:2]}/{instance.sha256}"


class EventAttachment(models.Model):
    """One file of an event's mail: the raw message (always quarantined) or an attachment
    (quarantined when suspicious: executable or macro content, an archive, a disguised type).
    Archives are listed, never expanded."""

    class Kind(models.TextChoices):
        RAW_MAIL = "raw_mail", _("受信メール（.eml）")
        ATTACHMENT = "attachment", _("添付ファイル")

    event = models.ForeignKey(
        SecurityEvent,
        verbose_name=_("セキュリティイベント"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("ファイル"), upload_to=quarantine_path, max_length=300)
    original_name = models.CharField(_("ファイル名（表示のみ）"), max_length=255, blank=True)
    content_type = models.CharField(_("形式"), max_length=100)
    size = models.PositiveBigIntegerField(_("サイズ"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    quarantined = models.BooleanField(_("隔離"), default=True)
    quarantine_reason = models.CharField(_("隔離の理由"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("受信日時"))

    class Meta:
        verbose_name = _("イベントの添付ファイル")
        verbose_name_plural = _("イベントの添付ファイル")
        ordering = ["event", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "sha256"], name="event_attachment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.sha256[:12]}"

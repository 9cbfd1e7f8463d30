"""The audit chain: who changed what, when and why, in an append-only hash chain."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change of business state, written by a service in the same transaction as the change.

    Rows are never updated or deleted (on PostgreSQL the database itself refuses). Each row
    carries the HMAC of its own content and of the previous row's hash, so a modified,
    deleted, reordered or forged row breaks the chain; ``manage.py verify_audit`` finds it.
    ``sequence`` is gap-free and starts at 1.
    """

    sequence = models.PositiveBigIntegerField(_("通番"), unique=True, editable=False)
    occurred_at = models.DateTimeField(_("日時"), editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実行者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # The actor's name as it was, so the trail reads the same after a user is renamed.
    actor_name = models.CharField(_("実行者名"), max_length=200, editable=False)
    action = models.CharField(_("操作"), max_length=100, db_index=True, editable=False)
    object_type = models.CharField(_("対象の種類"), max_length=100, editable=False)
    object_id = models.CharField(_("対象ID"), max_length=64, editable=False)
    object_repr = models.CharField(_("対象"), max_length=300, editable=False)
    # The case the change belongs to (the case itself, or its document, job, …), so a case's
    # whole trail is one indexed query. Cases are never deleted while they have events.
    case = models.ForeignKey(
        "governance.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        editable=False,
    )
    # {"field": [old, new], ...}; JSON-serialisable values only.
    changes = models.JSONField(_("変更内容"), default=dict, editable=False)
    reason = models.TextField(_("理由"), blank=True, editable=False)
    prev_hash = models.CharField(_("前の記録のハッシュ"), max_length=64, editable=False)
    hash = models.CharField(_("ハッシュ"), max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("監査記録")
        verbose_name_plural = _("監査記録")
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # Who reviewed a case (``permissions.reviewed_by_q``, asked by every approver's
            # queue): one range of this index, where the actor's and the action's own indexes
            # made PostgreSQL recheck every page of an approver's events (1.8 s at 100k cases).
            models.Index(fields=["actor", "action", "case"], name="audit_actor_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.actor_name} {self.action} {self.object_repr}"


def anchor_document_path(instance: AuditAnchor, filename: str) -> str:
    return f"audit-anchors/{instance.period}.docx"


class AuditAnchor(models.Model):
    """The head of the chain as it stood when a month closed, issued to the auditors: the
    design's ``ChainAnchor`` (NEXT_WAVE §C.5b), one mechanism with the anchor file.

    One row per month, issued on the first business day (開庁日) of the next month by the
    anchoring job (``governance.audit.anchors``) and never changed: on PostgreSQL the
    database refuses UPDATE, DELETE and TRUNCATE, as for the chain. Its document, the
    監査記録ハッシュ通知 (a Word file with its SHA-256, sealed into the anchor's audit event), is
    written with the row in one INSERT. The same head is appended to the anchor file under
    ``SHINSA_VAR_DIR`` and sent to every auditor, so copies live outside the database.
    ``signature`` is the HMAC (keyed by ``AUDIT_CHAIN_KEY``) of the period, time, sequence and
    hash; ``manage.py verify_audit`` and the 監査記録の照合 page fail when the chain no longer
    holds an anchored (sequence, hash). Rows from before the notice was a Word document have
    no document (their text notice is made on download).
    """

    # The month that closed, "2026-10" (Asia/Tokyo).
    period = models.CharField(_("対象月"), max_length=7, unique=True, editable=False)
    issued_at = models.DateTimeField(_("発行日時"), editable=False)
    sequence = models.PositiveBigIntegerField(_("通番"), editable=False)
    hash = models.CharField(_("ハッシュ"), max_length=64, editable=False)
    signature = models.CharField(_("署名"), max_length=64, editable=False)
    # The 監査記録ハッシュ通知: its number in the office's series, the file and its SHA-256.
    document_number = models.CharField(_("文書番号"), max_length=50, blank=True, editable=False)
    document = models.FileField(
        _("監査記録ハッシュ通知"),
        upload_to=anchor_document_path,
        max_length=300,
        blank=True,
        editable=False,
    )
    document_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("監査アンカー")
        verbose_name_plural = _("監査アンカー")
        ordering = ["-period"]

    def __str__(self) -> str:
        return f"{self.period} #{self.sequence}"

    @property
    def issued_on(self) -> dt.date:
        """The day the notice was issued (Asia/Tokyo)."""
        return timezone.localdate(self.issued_at)

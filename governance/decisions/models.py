"""Decisions with what the decider saw (``DecisionRecord``) and which evidence each person
opened (``EvidenceAccess``). Both are append-only; on PostgreSQL the database refuses UPDATE,
DELETE and TRUNCATE (migration 0018)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DecisionRecord(models.Model):
    """One human decision on a case (a send-back, a result, an approval, a return, an answer),
    with the snapshot of what the decision page showed at that moment.

    Written by ``governance.decisions.services.record_decision`` in the transaction of the
    deciding service. ``snapshot_sha256`` is the SHA-256 of the canonical JSON of every field
    below it; the audit event written with it carries that hash in its ``changes``
    (``decision_snapshot``), so editing a record breaks ``manage.py verify_audit``.
    """

    # Empty only for a decision outside any case (an audit measure's approval): its
    # ``subject_type``/``subject_id`` name what was decided.
    case = models.ForeignKey(
        "governance.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="decision_records",
        null=True,
        blank=True,
        editable=False,
    )
    subject_type = models.CharField(_("対象の種類"), max_length=100, blank=True, editable=False)
    subject_id = models.CharField(_("対象ID"), max_length=64, blank=True, editable=False)
    node = models.CharField(_("工程"), max_length=200, blank=True, editable=False)
    task_id = models.BigIntegerField(_("タスクID"), null=True, blank=True, editable=False)
    decision = models.CharField(_("決定"), max_length=100, db_index=True, editable=False)
    decision_label = models.CharField(_("決定の内容"), max_length=200, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("決定者"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # Who, as they were: the name, roles and department at that moment.
    decided_by_name = models.CharField(_("決定者名"), max_length=200, editable=False)
    decided_by_roles = models.JSONField(_("決定時のロール"), default=list, editable=False)
    decided_by_department = models.CharField(
        _("決定時の部局"), max_length=200, blank=True, editable=False
    )
    decided_at = models.DateTimeField(_("決定日時"), db_index=True, editable=False)
    reason = models.TextField(_("理由"), blank=True, editable=False)
    rule = models.ForeignKey(
        "governance.Rule",
        verbose_name=_("適用ルール"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    rule_snapshot = models.JSONField(_("ルールの内容"), default=dict, editable=False)
    inputs = models.JSONField(_("判断時の情報"), default=dict, editable=False)
    evidence = models.JSONField(_("判断時の資料"), default=list, editable=False)
    evidence_viewed = models.JSONField(_("判断前に閲覧した資料"), default=list, editable=False)
    sod = models.JSONField(_("職務分離の確認"), default=dict, editable=False)
    snapshot_sha256 = models.CharField(_("記録のハッシュ"), max_length=64, editable=False)
    audit_event = models.OneToOneField(
        "governance.AuditEvent",
        verbose_name=_("監査記録"),
        on_delete=models.PROTECT,
        related_name="decision_record",
        editable=False,
    )

    class Meta:
        verbose_name = _("決定記録")
        verbose_name_plural = _("決定記録")
        ordering = ["decided_at", "pk"]
        indexes = [
            # The latest decisions and this month's count on the auditor's home.
            models.Index(fields=["decided_at", "id"], name="decision_decided_at_idx"),
            # Decisions that broke segregation of duties: there should be none, so the index
            # holds none, and counting them over all history costs nothing.
            models.Index(
                fields=["case"], condition=Q(sod__ok=False), name="decision_sod_breach_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_label} {self.decided_by_name}"


class EvidenceAccess(models.Model):
    """One opening of a piece of evidence (an attachment or a document version) by a person,
    written by the permission-checked download views. Not business state, so not chained,
    but never changed or removed."""

    class Channel(models.TextChoices):
        WEB = "web", _("画面")
        API = "api", _("API")
        EXPORT = "export", _("エクスポート")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("利用者"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    case = models.ForeignKey(
        "governance.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="evidence_accesses",
        editable=False,
    )
    attachment = models.ForeignKey(
        "governance.Attachment",
        verbose_name=_("添付ファイル"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    document_version = models.ForeignKey(
        "governance.DocumentVersion",
        verbose_name=_("助言文書の版"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    accessed_at = models.DateTimeField(_("閲覧日時"), auto_now_add=True, db_index=True)
    channel = models.CharField(
        _("経路"), max_length=10, choices=Channel.choices, default=Channel.WEB, editable=False
    )

    class Meta:
        verbose_name = _("資料の閲覧")
        verbose_name_plural = _("資料の閲覧")
        ordering = ["accessed_at", "pk"]
        indexes = [models.Index(fields=["case", "user"], name="evidence_access_case_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.accessed_at:%Y-%m-%d %H:%M}"

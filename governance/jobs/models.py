"""The job outbox: background work recorded in the same transaction as the change needing it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One piece of background work (render a document, send a notice, fire a reminder).

    Written in the same transaction as the state change that needs it; handed to Celery (or run
    in-process in the embedded default) after commit; re-sent by the relay until it is done.
    Execution is idempotent by ``id``: the handler's database effects and the ``done`` status
    commit together, so a job delivered twice takes effect once. An attempt is counted (and
    ``started_at`` set) before it runs, so attempts cut short by a killed worker count too.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待機中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("種類"), max_length=100, db_index=True)
    payload = models.JSONField(_("内容"), default=dict)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("試行回数"), default=0)
    max_attempts = models.PositiveIntegerField(_("最大試行回数"), default=3)
    last_error = models.TextField(_("直近のエラー"), blank=True)
    # The case (or other record) the job belongs to, so a failure is visible where it matters.
    case = models.ForeignKey(
        "governance.Case",
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("依頼者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    # Not handed out before this moment (retry back-off).
    available_at = models.DateTimeField(_("実行可能日時"), db_index=True)
    # When the relay last picked it to re-send (the first hand-off, after commit, is not noted).
    dispatched_at = models.DateTimeField(_("送出日時"), null=True, blank=True)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    # Set when one request must make at most one job (``enqueue(..., idempotency_key=...)``):
    # the same form posted twice (a double click on 再作成) finds the job the first made.
    idempotency_key = models.CharField(
        _("重複防止キー"), max_length=200, null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("バックグラウンドジョブ")
        verbose_name_plural = _("バックグラウンドジョブ")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "available_at"], name="job_relay_idx")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_status_display()})"

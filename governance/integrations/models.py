"""Integration keys: how a monitoring service's system reaches the API without a person.

A key is hashed (``AbstractAPIKey``: the prefix and a hash are stored, never the secret). It
acts as one service user in the ``integration`` role, for one intake source, with scopes and
the networks it may come from. Issuing is a two-person decision: one administrator files an
``IntegrationKeyRequest``, another approves it, and only then is the key made and its secret
shown once. Rows change only through ``governance.integrations.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class KeyScope(models.TextChoices):
    SYSTEMS_READ = "systems:read", _("システムカルテの参照")
    TARGETS_READ = "targets:read", _("監視対象の参照")
    EVENTS_CREATE = "events:create", _("セキュリティイベントの登録")
    EVENTS_READ_OWN = "events:read_own", _("自ソースのセキュリティイベントの参照")


class KeyState(models.TextChoices):
    ACTIVE = "active", _("有効")
    ROTATING = "rotating", _("切替猶予中")
    REVOKED = "revoked", _("失効")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("承認待ち")
    APPROVED = "approved", _("承認済み（発行済み）")
    REJECTED = "rejected", _("却下")


class IntegrationKeyRequest(models.Model):
    """One administrator's request to issue a key; another administrator approves or rejects
    it (the two-person rule). The approved request points at the key it produced."""

    service_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("連携用のシステム利用者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The intake source's code (e.g. web_malware); a foreign key to IntakeSource once the
    # CSIRT's model lands.
    source_code = models.CharField(_("受付ソース"), max_length=50)
    name = models.CharField(_("名称"), max_length=50)
    scopes = models.JSONField(_("権限範囲"), default=list)
    allowed_cidrs = models.JSONField(_("接続元ネットワーク"), default=list)
    expires_at = models.DateTimeField(_("有効期限"))
    contact = models.CharField(_("連絡先"), max_length=200, blank=True)
    reason = models.TextField(_("発行の理由"))
    status = models.CharField(
        _("状態"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申請者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申請日時"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承認・却下した者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("承認・却下日時"), null=True, blank=True)
    decision_reason = models.TextField(_("承認・却下の理由"), blank=True)

    class Meta:
        verbose_name = _("APIキー発行申請")
        verbose_name_plural = _("APIキー発行申請")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"


class IntegrationKey(AbstractAPIKey):
    """One hashed key a monitoring service's system uses, acting as ``service_user`` for
    ``source_code``, limited to ``scopes`` and ``allowed_cidrs``, until ``expiry_date``.

    A rotated key stays usable until ``grace_until`` (state ``rotating``); a revoked one never
    again (``revoked`` of the base class is set too)."""

    service_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("連携用のシステム利用者"),
        on_delete=models.PROTECT,
        related_name="integration_keys",
    )
    source_code = models.CharField(_("受付ソース"), max_length=50)
    scopes = models.JSONField(_("権限範囲"), default=list)
    allowed_cidrs = models.JSONField(_("接続元ネットワーク"), default=list)
    contact = models.CharField(_("連絡先"), max_length=200, blank=True)
    state = models.CharField(
        _("状態"), max_length=20, choices=KeyState.choices, default=KeyState.ACTIVE
    )
    request = models.ForeignKey(
        IntegrationKeyRequest,
        verbose_name=_("発行申請"),
        on_delete=models.PROTECT,
        related_name="keys",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("切替前のキー"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    grace_until = models.DateTimeField(_("旧キーの利用期限"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    revoke_reason = models.TextField(_("失効の理由"), blank=True)
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("連携用APIキー")
        verbose_name_plural = _("連携用APIキー")
        ordering = ["-created"]

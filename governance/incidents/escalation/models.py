"""Escalation of an incident along the chain 部局 → CSIRT → CSIRT 責任者 → CISO → 知事・副知事
(NEXT_WAVE §B.5 targets, §B.6 row 9).

The chain is data: each ``EscalationLevel`` names the roles told and the minutes within which
one of them acknowledges, per severity. The defaults of the design are seeded by a migration;
the office changes them without a code change. Each ``Escalation`` is raised with a reason and
runs an acknowledgement clock (a row of the shared clock table, kind ``escalation_ack``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

SEVERITIES = ("L1", "L2", "L3", "L4")


class EscalationLevel(models.Model):
    code = models.CharField(_("コード"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    order = models.PositiveSmallIntegerField(_("順序"), unique=True)
    #: Role codes (``governance.roles.Role``) whose holders are told and may acknowledge.
    notify_roles = models.JSONField(_("通知するロール"), default=list)
    #: {"L1": minutes, …, "L4": minutes}: the acknowledgement clock per severity.
    ack_minutes = models.JSONField(_("確認までの時間（分、重大度別）"), default=dict)
    basis = models.CharField(_("根拠"), max_length=300, blank=True)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("エスカレーション先")
        verbose_name_plural = _("エスカレーション先")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from governance.roles import Role

        roles = self.notify_roles if isinstance(self.notify_roles, list) else None
        if not roles or any(role not in Role.values for role in roles):
            raise ValidationError(
                {"notify_roles": _("通知するロールをロールのコードの一覧で指定してください。")}
            )
        minutes = self.ack_minutes if isinstance(self.ack_minutes, dict) else {}
        if set(minutes) != set(SEVERITIES) or not all(
            isinstance(value, int) and not isinstance(value, bool) and value > 0
            for value in minutes.values()
        ):
            raise ValidationError(
                {
                    "ack_minutes": _(
                        "確認までの時間を L1〜L4 のそれぞれに 1 以上の分数で指定してください。"
                    )
                }
            )

    def minutes_for(self, severity: str) -> int:
        """The acknowledgement time for ``severity``; unknown severity: the shortest."""
        values = {key: int(value) for key, value in (self.ack_minutes or {}).items()}
        if severity in values:
            return values[severity]
        return min(values.values()) if values else 60


class Escalation(models.Model):
    incident = models.ForeignKey(
        "governance.Incident",
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("インシデント"),
    )
    level = models.ForeignKey(
        EscalationLevel,
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("エスカレーション先"),
    )
    severity = models.CharField(_("重大度（エスカレーション時）"), max_length=2, blank=True)
    reason = models.TextField(_("理由"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("エスカレーションした人"),
    )
    raised_at = models.DateTimeField(_("エスカレーション日時"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認した人"),
    )
    acknowledged_at = models.DateTimeField(_("確認日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("エスカレーション")
        verbose_name_plural = _("エスカレーション")
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return f"{self.level} {self.raised_at:%Y-%m-%d %H:%M}"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

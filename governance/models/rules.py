"""Rules that decide routing and detection, as versioned data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKey(models.TextChoices):
    SPEC_REVIEW_THRESHOLD = "spec_review_threshold", _("仕様書確認の基準額（円）")
    LOCK_IN_YEARS = "lock_in_years", _("ベンダーロックイン判定の継続年数")


class Rule(models.Model):
    """One version of a rule, in force from ``effective_from`` (a fiscal year) until replaced.

    Rules are never edited in place: a change is a new row with a later fiscal year, so a case
    can record the version that decided it and an auditor can replay why.
    """

    key = models.CharField(_("ルール"), max_length=50, choices=RuleKey.choices)
    effective_from = models.PositiveIntegerField(_("適用開始年度"))
    value = models.BigIntegerField(_("値"))
    basis = models.TextField(_("根拠"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("判定ルール")
        verbose_name_plural = _("判定ルール")
        ordering = ["key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="rule_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} {self.value:,}（{self.effective_from}年度〜）"

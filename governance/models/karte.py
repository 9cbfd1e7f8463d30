"""The system registry (システムカルテ): one record per information system."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SystemKind(models.TextChoices):
    PACKAGE_CUSTOMISATION = "package_customisation", _("パッケージカスタマイズ")
    SCRATCH = "scratch", _("スクラッチ")
    SCRATCH_ACCESS = "scratch_access", _("スクラッチ（Access）")
    NETWORK = "network", _("ネットワーク・回線")
    SHARED_INFRASTRUCTURE = "shared_infrastructure", _("情報基盤")
    NATIONAL_SYSTEM = "national_system", _("国等のシステムを利用")
    SERVICE_USE = "service_use", _("サービス・パッケージを利用")


#: Kinds that can be customised, and so can be locked in to a vendor (DOMAIN.md).
CUSTOMISABLE_KINDS = (
    SystemKind.PACKAGE_CUSTOMISATION,
    SystemKind.SCRATCH,
    SystemKind.SCRATCH_ACCESS,
)


class InformationSystem(models.Model):
    """One information system in the registry (システムカルテ一件), owned by a department."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("稼働中")
        RETIRED = "retired", _("廃止")

    code = models.CharField(_("システムコード"), max_length=30, unique=True)
    name = models.CharField(_("システム名"), max_length=200)
    department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("部局"),
        on_delete=models.PROTECT,
        related_name="systems",
    )
    section = models.ForeignKey(
        "governance.Section",
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="systems",
    )
    kind = models.CharField(_("区分"), max_length=30, choices=SystemKind.choices)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )

    class Meta:
        verbose_name = _("情報システム")
        verbose_name_plural = _("情報システム")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

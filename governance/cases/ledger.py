"""The follow-up ledger shared by review kinds: items a department must act on after a review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerStatus(models.TextChoices):
    OPEN = "open", _("未対応")
    # The department says it is done; the governance office confirms (対応済) or reopens it.
    REPORTED = "reported", _("対応報告")
    RESOLVED = "resolved", _("対応済")
    WAIVED = "waived", _("対応不要")


class LedgerItem(models.Model):
    """Abstract base of one follow-up item: a guidance item (指導事項) of a budget check, a
    finding (指摘事項) of a spec review. It belongs to the case that raised it and is owned by
    a department, which resolves it with evidence or has it waived with a reason."""

    case = models.ForeignKey(
        "governance.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("対応部局"),
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    system = models.ForeignKey(
        "governance.InformationSystem",
        verbose_name=_("情報システム"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    text = models.TextField(_("内容"))
    due_date = models.DateField(_("対応期限"), null=True, blank=True)
    status = models.CharField(
        _("状態"),
        max_length=20,
        choices=LedgerStatus.choices,
        default=LedgerStatus.OPEN,
        db_index=True,
    )
    # Evidence of the resolution, or the reason it was waived.
    resolution = models.TextField(_("対応内容・理由"), blank=True)
    resolved_at = models.DateTimeField(_("対応日時"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("対応登録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

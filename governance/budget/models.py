"""予算確認 (budget checks): a department's IT budget request checked from a technical
standpoint, the guidance items (指導事項) it leaves, and the budget season it belongs to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.cases.ledger import LedgerItem, LedgerStatus
from governance.cases.models import Case


class BudgetPerspective(models.TextChoices):
    """The five technical perspectives a budget request is checked from (DOMAIN.md)."""

    CONFIGURATION = "configuration", _("システム構成")
    CONTINUITY = "continuity", _("業務継続性")
    COST = "cost", _("経費の妥当性")
    OPERATION = "operation", _("運用体制")
    NETWORK_SECURITY = "network_security", _("ネットワーク・セキュリティ要件")


class CheckOutcome(models.TextChoices):
    ADEQUATE = "adequate", _("妥当")
    GUIDANCE = "guidance", _("指導事項あり")
    NOT_APPLICABLE = "not_applicable", _("該当なし")


#: The column holding the reviewer's outcome for each perspective of the checklist.
CHECKLIST_FIELDS: dict[str, str] = {
    BudgetPerspective.CONFIGURATION: "check_configuration",
    BudgetPerspective.CONTINUITY: "check_continuity",
    BudgetPerspective.COST: "check_cost",
    BudgetPerspective.OPERATION: "check_operation",
    BudgetPerspective.NETWORK_SECURITY: "check_network_security",
}


class BudgetSeason(models.Model):
    """The budget season for one fiscal year's budget: when requests open, the finance
    deadline by which every check must be decided, and how many business days before that
    deadline the people holding a task are reminded."""

    fiscal_year = models.PositiveIntegerField(_("予算年度"), unique=True)
    opens_on = models.DateField(_("受付開始日"))
    deadline = models.DateField(_("締切日"))
    reminder_lead_days = models.PositiveSmallIntegerField(_("締切前の督促（営業日前）"), default=3)
    notes = models.TextField(_("備考"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("予算確認シーズン")
        verbose_name_plural = _("予算確認シーズン")
        ordering = ["-fiscal_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")),
                name="budget_season_deadline_after_opening",
            )
        ]

    def __str__(self) -> str:
        from governance.japanese import fiscal_year_label

        return f"{fiscal_year_label(self.fiscal_year)} 予算確認"


class BudgetCheck(Case):
    """One budget check (予算確認): a department's request for one system's budget in one
    fiscal year, the reviewer's checklist and result, and its approval and acknowledgement.

    Amounts are integer yen. ``fiscal_year`` (on ``Case``) is the year of the requested
    budget: a request made in autumn 2025 for the 2026 budget has ``fiscal_year`` 2026
    (令和8年度).
    """

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("確認済")
        CONFIRMED_WITH_GUIDANCE = "confirmed_with_guidance", _("確認済（指導事項あり）")

    season = models.ForeignKey(
        BudgetSeason,
        verbose_name=_("予算確認シーズン"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_checks",
    )
    initial_cost = models.PositiveBigIntegerField(_("要求額（イニシャルコスト・円）"))
    running_cost = models.PositiveBigIntegerField(_("要求額（ランニングコスト・円）"))
    purpose = models.TextField(_("事業の目的・概要"))
    configuration = models.TextField(_("システム構成"))
    continuity = models.TextField(_("業務継続性（障害時・災害時の対応）"))
    operating_structure = models.TextField(_("運用体制"))
    network_security = models.TextField(_("ネットワーク・セキュリティ要件"))
    # True when the request registered the system in the karte (a system not yet on record).
    registered_system = models.BooleanField(_("申請時にカルテ登録"), default=False)

    check_configuration = models.CharField(
        _("確認: システム構成"), max_length=20, choices=CheckOutcome.choices, blank=True
    )
    check_continuity = models.CharField(
        _("確認: 業務継続性"), max_length=20, choices=CheckOutcome.choices, blank=True
    )
    check_cost = models.CharField(
        _("確認: 経費の妥当性"), max_length=20, choices=CheckOutcome.choices, blank=True
    )
    check_operation = models.CharField(
        _("確認: 運用体制"), max_length=20, choices=CheckOutcome.choices, blank=True
    )
    check_network_security = models.CharField(
        _("確認: ネットワーク・セキュリティ"),
        max_length=20,
        choices=CheckOutcome.choices,
        blank=True,
    )
    review_notes = models.TextField(_("審査所見"), blank=True)
    result = models.CharField(
        _("確認結果"), max_length=30, choices=Result.choices, blank=True, db_index=True
    )
    result_recorded_at = models.DateTimeField(_("結果記録日時"), null=True, blank=True)
    send_back_count = models.PositiveIntegerField(_("差戻し回数"), default=0)
    approval_return_count = models.PositiveIntegerField(_("決裁差戻し回数"), default=0)
    approved_at = models.DateTimeField(_("決裁日時"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("予算確認")
        verbose_name_plural = _("予算確認")

    @property
    def total_cost(self) -> int:
        return self.initial_cost + self.running_cost

    def checklist(self) -> list[tuple[str, str, str]]:
        """(perspective label, outcome value, outcome label) in checklist order."""
        rows = []
        for perspective, field in CHECKLIST_FIELDS.items():
            value = getattr(self, field)
            label = CheckOutcome(value).label if value else ""
            rows.append((str(BudgetPerspective(perspective).label), value, str(label)))
        return rows


class GuidanceItem(LedgerItem):
    """One guidance item (指導事項) a budget check left for the department: what to reflect,
    by when, and whether it was resolved (with evidence) or waived (with a reason).

    Items are drafts while the case is reviewed; they are issued with the advisory document
    on approval, and stay in the ledger, so next year's check of the same system shows the
    ones still open.
    """

    sequence = models.PositiveIntegerField(_("番号"))
    perspective = models.CharField(
        _("観点"), max_length=30, choices=BudgetPerspective.choices, blank=True
    )
    evidence = models.ForeignKey(
        "governance.Attachment",
        verbose_name=_("対応の根拠資料"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why the governance office did not accept the department's last report (対応報告).
    reopen_reason = models.TextField(_("差戻しの理由"), blank=True)

    class Meta(LedgerItem.Meta):
        verbose_name = _("指導事項")
        verbose_name_plural = _("指導事項")
        ordering = ["case", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="guidance_unique_sequence")
        ]
        indexes = [models.Index(fields=["system", "status"], name="guidance_system_status_idx")]

    @property
    def is_open(self) -> bool:
        return self.status == LedgerStatus.OPEN

"""The annual activity report (事務事業実績): its figures, the report and its issued versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FigureSource(models.TextChoices):
    AUTO = "auto", _("自動集計")
    MANUAL = "manual", _("手入力")


class Qualifier(models.TextChoices):
    NONE = "", _("なし")
    ABOUT = "about", _("約")
    OR_MORE = "or_more", _("以上")


class ActivityFigure(models.Model):
    """One figure of one fiscal year's report (「相談件数 19件」, 「507名」, a 決算額 in yen).

    Automatic figures are recomputed from the cases and the registry while the report is a
    draft (``value`` is the last count, ``basis`` the counting rule's version); manual ones
    are entered by the office with who entered them and on what basis. What an issued report
    printed is frozen in its version's snapshot, not here.
    """

    fiscal_year = models.PositiveIntegerField(_("年度"), db_index=True)
    group = models.CharField(_("グループ"), max_length=50)
    section_no = models.CharField(_("項番"), max_length=20, blank=True)
    item_key = models.CharField(_("項目キー"), max_length=60)
    label = models.CharField(_("項目"), max_length=200)
    value = models.DecimalField(_("値"), max_digits=18, decimal_places=3)
    unit = models.CharField(_("単位"), max_length=20)
    qualifier = models.CharField(
        _("修飾"), max_length=10, choices=Qualifier.choices, default=Qualifier.NONE, blank=True
    )
    note = models.CharField(_("補足"), max_length=200, blank=True)
    # Seed 003's table shapes for figures in yen: the three-fiscal-year 決算額 table, the
    # contract table and the thousand-yen table (``details`` holds the other columns).
    table = models.CharField(_("表"), max_length=20, blank=True)
    details = models.JSONField(_("表の他の列"), default=dict, blank=True)
    source = models.CharField(_("出典"), max_length=10, choices=FigureSource.choices)
    basis = models.TextField(_("根拠"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("入力者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("入力日時"), auto_now=True)

    class Meta:
        verbose_name = _("実績値")
        verbose_name_plural = _("実績値")
        ordering = ["fiscal_year", "item_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "item_key"], name="activity_figure_unique_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.label} {self.value}{self.unit}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("作成中")
    AWAITING_APPROVAL = "awaiting_approval", _("決裁待ち")
    ISSUED = "issued", _("発行済")


class AnnualReport(models.Model):
    """The activity report of one fiscal year: drafted, approved by a governance approver other
    than the drafter, issued with a number; a correction after issue is a new version."""

    fiscal_year = models.PositiveIntegerField(_("年度"), unique=True)
    status = models.CharField(
        _("状態"), max_length=30, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    number = models.CharField(_("文書番号"), max_length=40, blank=True)
    # The editable text of each section, keyed by section; absent keys print the default.
    narratives = models.JSONField(_("本文"), default=dict, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("決裁依頼者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why the issued report is being corrected (a correction is issued as the next version).
    correction_reason = models.TextField(_("訂正の理由"), blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("事務事業実績")
        verbose_name_plural = _("事務事業実績")
        ordering = ["-fiscal_year"]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.get_status_display()}"


def report_version_path(instance: AnnualReportVersion, filename: str) -> str:
    return f"annual_reports/{instance.report.fiscal_year}/{filename}"


class AnnualReportVersion(models.Model):
    """One issued version of a report: its Word and Excel files with their hashes, and the
    figures, case numbers and texts it printed (frozen: later changes to the data do not
    reach it)."""

    report = models.ForeignKey(
        AnnualReport,
        verbose_name=_("事務事業実績"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    version = models.PositiveIntegerField(_("版"))
    docx = models.FileField(_("Word"), upload_to=report_version_path, max_length=300)
    xlsx = models.FileField(_("Excel"), upload_to=report_version_path, max_length=300)
    sha256 = models.CharField(_("SHA-256（Word）"), max_length=64)
    xlsx_sha256 = models.CharField(_("SHA-256（Excel）"), max_length=64)
    snapshot = models.JSONField(_("発行時の集計"))
    reason = models.TextField(_("訂正の理由"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("決裁者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("発行日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("事務事業実績の版")
        verbose_name_plural = _("事務事業実績の版")
        ordering = ["report", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="annual_report_version")
        ]

    def __str__(self) -> str:
        return f"{self.report.fiscal_year} v{self.version}"

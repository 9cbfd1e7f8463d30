"""Audit findings and the measures taken on them (監査指摘と措置, NEXT_WAVE §C.3).

Named ``oversight`` so that they are not confused with ``AuditEvent`` (the audit chain)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EngagementKind(models.TextChoices):
    KANSA_PERIODIC = "kansa_periodic", _("定期監査")
    KANSA_ADMINISTRATIVE = "kansa_administrative", _("行政監査")
    EXTERNAL = "external", _("外部監査")
    INFOSEC = "infosec", _("情報セキュリティ監査")
    SELF_INSPECTION = "self_inspection", _("自己点検")


class AuditEngagement(models.Model):
    """One audit of the office (seed 001: the 監査委員's audit of 令和4年度), with its dates:
    the members' day and the secretariat's period."""

    kind = models.CharField(_("監査の種類"), max_length=30, choices=EngagementKind.choices)
    fiscal_year = models.PositiveIntegerField(_("年度"))
    title = models.CharField(_("件名"), max_length=200)
    audited_departments = models.ManyToManyField(
        "governance.Department", verbose_name=_("監査対象部局"), blank=True, related_name="+"
    )
    member_audit_on = models.DateField(_("実施年月日（委員）"), null=True, blank=True)
    secretariat_from = models.DateField(_("実施期間（事務局）の初日"), null=True, blank=True)
    secretariat_to = models.DateField(_("実施期間（事務局）の末日"), null=True, blank=True)
    # Where the audit report itself is kept (the file stays in the 監査委員's system).
    report_reference = models.CharField(_("監査結果報告書"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("監査")
        verbose_name_plural = _("監査")
        ordering = ["-fiscal_year", "-pk"]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.title}"


class FindingKind(models.TextChoices):
    FINDING = "finding", _("指摘")
    OPINION = "opinion", _("意見")
    REQUEST = "request", _("要望")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("措置未報告")
    MEASURES_REPORTED = "measures_reported", _("措置報告済")
    CLOSED = "closed", _("完了")


class AuditFinding(models.Model):
    """One result of an audit (監査の結果), numbered ①②… within it, whose text asks for
    something (「…されたい」), owned by the department that must take measures."""

    engagement = models.ForeignKey(
        AuditEngagement,
        verbose_name=_("監査"),
        on_delete=models.PROTECT,
        related_name="findings",
    )
    number = models.PositiveIntegerField(_("番号"))
    kind = models.CharField(
        _("区分"), max_length=20, choices=FindingKind.choices, default=FindingKind.FINDING
    )
    facts = models.TextField(_("事実"), blank=True)
    text = models.TextField(_("監査の結果"))
    owner_department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("措置を講じる部局"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    systems = models.ManyToManyField(
        "governance.InformationSystem", verbose_name=_("対象システム"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("状態"), max_length=30, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    close_reason = models.TextField(_("完了の理由"), blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("監査の結果")
        verbose_name_plural = _("監査の結果")
        ordering = ["engagement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "number"], name="audit_finding_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.engagement.title} ({self.number})"


class MeasureStatus(models.TextChoices):
    DRAFT = "draft", _("作成中")
    APPROVED = "approved", _("決裁済")
    REPORTED = "reported", _("通知済")


class AuditMeasure(models.Model):
    """One measure taken on a finding (措置の内容), drafted by the owner department or the
    governance office and approved by a governance approver who did not draft it.

    ``figures`` is the frozen snapshot of a live query taken at approval (its name, parameters,
    the day it speaks for, when it ran, the values and their SHA-256): the live page keeps
    moving, the measure does not."""

    finding = models.ForeignKey(
        AuditFinding,
        verbose_name=_("監査の結果"),
        on_delete=models.PROTECT,
        related_name="measures",
    )
    text = models.TextField(_("措置の内容"))
    taken_on = models.DateField(_("措置の日"), null=True, blank=True)
    reported_on = models.DateField(_("措置の通知日"), null=True, blank=True)
    evidence_note = models.TextField(_("根拠資料"), blank=True)
    # The live query the measure cites (``""``: none) and the day its figures speak for.
    figures_query = models.CharField(_("数値の出典"), max_length=50, blank=True)
    figures_as_of = models.DateField(_("数値の時点"), null=True, blank=True)
    figures = models.JSONField(_("数値（決裁時に固定）"), default=dict, blank=True)
    status = models.CharField(
        _("状態"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.DRAFT
    )
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
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("決裁日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("措置")
        verbose_name_plural = _("措置")
        ordering = ["finding", "pk"]

    def __str__(self) -> str:
        return f"{self.finding} {self.get_status_display()}"


def measure_report_path(instance: MeasureReportVersion, filename: str) -> str:
    return f"audit_measures/{instance.engagement_id}/{filename}"


class MeasureReportVersion(models.Model):
    """One issued 措置状況報告 of an engagement: the Word file with its hash and the values it
    printed (frozen like the measures' figures)."""

    engagement = models.ForeignKey(
        AuditEngagement,
        verbose_name=_("監査"),
        on_delete=models.PROTECT,
        related_name="report_versions",
    )
    version = models.PositiveIntegerField(_("版"))
    number = models.CharField(_("文書番号"), max_length=40)
    file = models.FileField(_("Word"), upload_to=measure_report_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    snapshot = models.JSONField(_("作成時の内容"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("措置状況報告の版")
        verbose_name_plural = _("措置状況報告の版")
        ordering = ["engagement", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "version"], name="measure_report_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.engagement} v{self.version}"

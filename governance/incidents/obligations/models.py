"""External reporting obligations of an incident and the submissions that satisfy them
(NEXT_WAVE §B.6).

An obligation is created by ``reconcile_obligations`` when the facts first require it and is
never deleted: when the facts stop requiring it, it is flagged and a CSIRT lead or the CISO
waives it with a reason (a decision record). Its clock is a row of the shared clock table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Recipient(models.TextChoices):
    PPC = "ppc", _("個人情報保護委員会（漏えい等報告）")
    PPC_MY_NUMBER = "ppc_my_number", _("個人情報保護委員会（特定個人情報の漏えい等報告）")
    INDIVIDUAL_NOTICE = "individual_notice", _("本人への通知")
    MIC = "mic", _("総務省")
    JLIS = "jlis", _("J-LIS（LGWAN全国センター）")
    POLICE = "police", _("警察（サイバー犯罪相談窓口）")
    NCO_FORM = "nco_form", _("国家サイバー統括室 共通様式")
    PUBLICATION_DECISION = "publication_decision", _("公表の判断")
    CISO = "ciso", _("CISO への報告")
    TOP = "top", _("知事・副知事への報告")


class Stage(models.TextChoices):
    PRELIMINARY = "preliminary", _("速報")
    FINAL = "final", _("確報")
    UPDATE = "update", _("続報")
    FIRST = "first", _("第一報")
    NOTICE = "notice", _("通知")
    DECISION = "decision", _("判断")


class Requirement(models.TextChoices):
    YES = "yes", _("要")
    MAYBE = "maybe", _("要判断")
    NO = "no", _("不要")
    NOT_APPLICABLE = "not_applicable", _("対象外")


class ObligationStatus(models.TextChoices):
    PENDING = "pending", _("未提出")
    SUBMITTED = "submitted", _("提出済")
    WAIVED = "waived", _("免除")
    NOT_APPLICABLE = "not_applicable", _("対象外")
    # A decision obligation (公表の判断, 本人通知の代替・不要) settled by a decision record.
    DECIDED = "decided", _("判断済")


class PublicationChoice(models.TextChoices):
    PUBLISH = "publish", _("公表する")
    NOT_PUBLISH = "not_publish", _("公表しない")


class NoticeChoice(models.TextChoices):
    NOTIFY = "notify", _("本人に通知する")
    REPLACED = (
        "replaced_by_publication",
        _("通知が困難なため公表で代替する（個人情報保護法第68条第2項ただし書第1号）"),
    )
    NOT_REQUIRED = "not_required", _("通知を要しない（個人情報保護法第68条第2項ただし書第2号など）")


class SubmissionMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("電子情報処理組織")
    EMAIL = "email", _("メール")
    PHONE = "phone", _("電話")
    PAPER = "paper", _("書面")


class ReportingObligation(models.Model):
    """One report, notice or decision an incident owes (PPC 確報, 本人通知, 公表判断…), with
    why (``basis``), under which rule version (``rule`` and ``rule_snapshot``), and its clock."""

    incident = models.ForeignKey(
        "governance.Incident",
        verbose_name=_("インシデント"),
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    recipient = models.CharField(_("報告先"), max_length=30, choices=Recipient.choices)
    stage = models.CharField(_("段階"), max_length=20, choices=Stage.choices)
    required = models.CharField(_("要否"), max_length=20, choices=Requirement.choices)
    basis = models.TextField(_("根拠"))
    rule = models.ForeignKey(
        "governance.Rule",
        verbose_name=_("適用ルール"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rule_snapshot = models.JSONField(_("適用ルールの内容"), default=dict, blank=True)
    status = models.CharField(
        _("状態"),
        max_length=20,
        choices=ObligationStatus.choices,
        default=ObligationStatus.PENDING,
        db_index=True,
    )
    due_on = models.DateField(_("期限日"), null=True, blank=True)
    target_on = models.DateField(_("目標日"), null=True, blank=True)
    unrolled_due_on = models.DateField(_("休日による繰延べ前の期限日"), null=True, blank=True)
    deadline = models.ForeignKey(
        "governance.Deadline",
        verbose_name=_("期限"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The facts no longer require it: a CSIRT lead or the CISO is asked to waive it.
    flagged_for_waiver = models.BooleanField(_("免除の判断待ち"), default=False)
    flagged_reason = models.TextField(_("免除を検討する理由"), blank=True)
    flagged_at = models.DateTimeField(_("免除の判断を求めた日時"), null=True, blank=True)
    waived_at = models.DateTimeField(_("免除日時"), null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("免除者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    waived_reason = models.TextField(_("免除の理由"), blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("報告義務")
        verbose_name_plural = _("報告義務")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "recipient", "stage"], name="obligation_unique_per_incident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_recipient_display()} {self.get_stage_display()}"


class ObligationSubmission(models.Model):
    """One report sent (or notice given): when, by whom, how, its 受付番号 and receipt. One
    submission may satisfy two obligations (the PPC's combined form for 個人情報保護法 and
    番号法). Its content is approved by a CSIRT lead (L1–L2) or the CISO (L3–L4); only then do
    the obligations count as submitted."""

    class Approval(models.TextChoices):
        AWAITING = "awaiting", _("承認待ち")
        APPROVED = "approved", _("承認済")

    incident = models.ForeignKey(
        "governance.Incident",
        verbose_name=_("インシデント"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    obligations = models.ManyToManyField(
        ReportingObligation, verbose_name=_("対象の報告義務"), related_name="submissions"
    )
    submitted_at = models.DateTimeField(_("提出日時"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    method = models.CharField(_("提出方法"), max_length=20, choices=SubmissionMethod.choices)
    reference = models.CharField(_("受付番号"), max_length=100, blank=True)
    receipt = models.ForeignKey(
        "governance.Attachment",
        verbose_name=_("受付の控え"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("備考"), blank=True)
    approval = models.CharField(
        _("内容の承認"), max_length=20, choices=Approval.choices, default=Approval.AWAITING
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承認者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    approver_role = models.CharField(_("承認者のロール"), max_length=40, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("報告の提出")
        verbose_name_plural = _("報告の提出")
        ordering = ["submitted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.reference}".strip()

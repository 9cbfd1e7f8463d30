"""Rules that decide routing and detection, as versioned data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKey(models.TextChoices):
    SPEC_REVIEW_THRESHOLD = "spec_review_threshold", _("仕様書確認の基準額（円）")
    LOCK_IN_YEARS = "lock_in_years", _("ベンダーロックイン判定の継続年数")
    # Clocks and thresholds of network connections and incidents (NEXT_WAVE §2.4); seeded by
    # migration 0012_seed_clock_rules with their basis.
    PPC_PERSONS_THRESHOLD = "ppc_persons_threshold", _("個人情報保護委員会への報告の人数基準（超）")
    PPC_PRELIMINARY_TARGET_DAYS = "ppc_preliminary_target_days", _("速報の目標日数")
    PPC_PRELIMINARY_LIMIT_DAYS = "ppc_preliminary_limit_days", _("速報の上限日数")
    PPC_FINAL_DAYS = "ppc_final_days", _("確報の期限日数")
    PPC_FINAL_MALICIOUS_DAYS = "ppc_final_malicious_days", _("確報の期限日数（不正の目的）")
    MYNUMBER_PERSONS_THRESHOLD = (
        "mynumber_persons_threshold",
        _("特定個人情報の報告の人数基準（超）"),
    )
    INDIVIDUAL_NOTICE_DAYS = "individual_notice_days", _("本人通知の目標日数")
    MIC_FIRST_REPORT_DAYS = "mic_first_report_days", _("総務省への第一報の日数")
    JLIS_REPORT_DAYS = "jlis_report_days", _("J-LIS への報告の日数")
    PUBLICATION_DECISION_BUSINESS_DAYS = (
        "publication_decision_business_days",
        _("公表の判断期限（開庁日）"),
    )
    # Reporting obligations of incidents (NEXT_WAVE §B.6, §F.2, §F.5); migration 0019.
    PPC_ORDINANCE_SENSITIVE_APPLIES = (
        "ppc_ordinance_sensitive_applies",
        _("条例要配慮個人情報を報告の対象とする（1: する、0: しない）"),
    )
    PPC_FIRST_DAY_EXCLUDED = (
        "ppc_first_day_excluded",
        _("報告期限の初日不算入（1: 翌日から数える、0: 知った日から数える）"),
    )
    PPC_HOLIDAY_ROLL = (
        "ppc_holiday_roll",
        _("報告期限の末日が行政機関の休日のとき翌開庁日とする（1: する、0: しない）"),
    )
    MIC_REPORT_MIN_LEVEL = "mic_report_min_level", _("総務省へ報告するサイバー事案の重大度（以上）")
    PUBLICATION_DECISION_MIN_LEVEL = (
        "publication_decision_min_level",
        _("公表の判断を要する重大度（以上）"),
    )
    CISO_REPORT_MIN_LEVEL = "ciso_report_min_level", _("CISO へ報告する重大度（以上）")
    TOP_REPORT_MIN_LEVEL = "top_report_min_level", _("知事・副知事へ報告する重大度（以上）")
    POST_INCIDENT_REVIEW_DAYS = "post_incident_review_days", _("事後レビューの期限日数")
    CISO_ACK_MINUTES = "ciso_ack_minutes", _("CISO の確認期限（分）")
    SEVERITY_MATRIX_VERSION = "severity_matrix_version", _("重大度判定表の版")
    NC_REVIEW_BUSINESS_DAYS = "nc_review_business_days", _("接続審査の判断期限（開庁日）")
    NC_APPROVAL_MAX_YEARS = "nc_approval_max_years", _("接続承認の最長有効期間（年）")
    NC_RENEWAL_LEAD_DAYS = "nc_renewal_lead_days", _("接続承認の更新案内（期限の何日前）")
    NC_UNUSED_LAPSE_DAYS = "nc_unused_lapse_days", _("未接続の承認が失効するまでの日数")
    NC_CONDITION_DEFAULT_DAYS = "nc_condition_default_days", _("承認条件の標準履行期限（日）")
    NC_SUSPENSION_CONFIRM_BUSINESS_DAYS = (
        "nc_suspension_confirm_business_days",
        _("緊急遮断後の復旧・取消の判断期限（開庁日）"),
    )
    NC_DISCONNECT_CONFIRM_BUSINESS_DAYS = (
        "nc_disconnect_confirm_business_days",
        _("接続解除の確認期限（開庁日）"),
    )
    # Network connection approval: assumptions of NEXT_WAVE §A built as rules (migration 0013).
    NC_CISO_ROUTING = "nc_ciso_routing", _("CISO 承認を要する接続の判定基準（版）")
    NC_RENEWAL_CONTINUES = (
        "nc_renewal_continues",
        _("更新審査中は従前の承認で継続する（1: する、0: しない）"),
    )
    NC_CLOUD_ISMAP_REQUIRED = (
        "nc_cloud_ismap_required",
        _("クラウドサービスに ISMAP 登録を求める（1: 必須、0: 指摘のみ）"),
    )
    NC_REVOCATION_TRIGGER_BUSINESS_DAYS = (
        "nc_revocation_trigger_business_days",
        _("承認条件の期限超過から見直しを求めるまでの開庁日数"),
    )


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

"""The clock table: one row per deadline, whatever workflow it belongs to."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    # ネットワーク接続承認 (NEXT_WAVE §A.8)
    NC_REVIEW = "nc_review", _("接続審査の判断")
    NC_CONDITION = "nc_condition", _("承認条件の履行")
    NC_EXPIRY = "nc_expiry", _("接続承認の有効期限")
    NC_UNUSED_LAPSE = "nc_unused_lapse", _("承認後の接続（未接続の失効）")
    NC_SUSPENSION_CONFIRM = "nc_suspension_confirm", _("緊急遮断後の復旧・取消の判断")
    NC_DISCONNECT_CONFIRM = "nc_disconnect_confirm", _("接続解除の確認")
    # CSIRT (NEXT_WAVE §B.5, §B.6)
    PPC_PRELIMINARY = "ppc_preliminary", _("個人情報保護委員会への速報")
    PPC_FINAL = "ppc_final", _("個人情報保護委員会への確報")
    MYNUMBER_PRELIMINARY = "mynumber_preliminary", _("特定個人情報の漏えい等の速報")
    MYNUMBER_FINAL = "mynumber_final", _("特定個人情報の漏えい等の確報")
    INDIVIDUAL_NOTICE = "individual_notice", _("本人への通知")
    MIC_FIRST_REPORT = "mic_first_report", _("総務省への第一報")
    JLIS_REPORT = "jlis_report", _("J-LIS への報告")
    PUBLICATION_DECISION = "publication_decision", _("公表の判断")
    CISO_ACK = "ciso_ack", _("CISO の確認")
    ESCALATION_ACK = "escalation_ack", _("エスカレーションの確認")
    TRIAGE_RESPONSE = "triage_response", _("初動対応（トリアージ）")
    CONTAINMENT = "containment", _("封じ込め")
    POST_INCIDENT_REVIEW = "post_incident_review", _("事後レビュー")
    # Administration (NEXT_WAVE §C.5b, §D.3b)
    AUDIT_CHAIN_ANCHOR = "audit_chain_anchor", _("監査記録の定期確定")
    API_KEY_EXPIRY = "api_key_expiry", _("API キーの有効期限")


#: Clocks of a network connection approval; waived by the 統括情報セキュリティ責任者.
NETWORK_DEADLINE_KINDS = frozenset(kind for kind in DeadlineKind if kind.startswith("nc_"))
#: Clocks of an incident; waived by the CSIRT lead or the CISO.
INCIDENT_DEADLINE_KINDS = frozenset(
    {
        DeadlineKind.PPC_PRELIMINARY,
        DeadlineKind.PPC_FINAL,
        DeadlineKind.MYNUMBER_PRELIMINARY,
        DeadlineKind.MYNUMBER_FINAL,
        DeadlineKind.INDIVIDUAL_NOTICE,
        DeadlineKind.MIC_FIRST_REPORT,
        DeadlineKind.JLIS_REPORT,
        DeadlineKind.PUBLICATION_DECISION,
        DeadlineKind.CISO_ACK,
        DeadlineKind.ESCALATION_ACK,
        DeadlineKind.TRIAGE_RESPONSE,
        DeadlineKind.CONTAINMENT,
        DeadlineKind.POST_INCIDENT_REVIEW,
    }
)
#: Clocks of the administrators' own duties.
ADMIN_DEADLINE_KINDS = frozenset({DeadlineKind.AUDIT_CHAIN_ANCHOR, DeadlineKind.API_KEY_EXPIRY})


class DeadlineStatus(models.TextChoices):
    RUNNING = "running", _("進行中")
    MET = "met", _("対応済")
    MISSED = "missed", _("期限超過")
    WAIVED = "waived", _("免除")
    CANCELLED = "cancelled", _("取消")


#: A clock still owed: running, or missed and still to be done (it stays visible).
OPEN_DEADLINE_STATUSES = (DeadlineStatus.RUNNING, DeadlineStatus.MISSED)


class Counting(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("暦日")
    BUSINESS_DAYS = "business_days", _("開庁日")
    HOURS = "hours", _("時間")
    MINUTES = "minutes", _("分")


#: Countings whose due is the end of a day (23:59:59 JST), not a moment.
DATE_COUNTINGS = (Counting.CALENDAR_DAYS, Counting.BUSINESS_DAYS)


class Deadline(models.Model):
    """One deadline something is owed by: a legal report (確報 within 30 days of 知った日), an
    approval's expiry, a condition's due date, an internal service level.

    It runs for ``subject`` (an obligation, an approval, a condition, or the case itself) from
    ``starts_at`` to ``due_at``; the length comes from a versioned ``rule`` (its ``basis`` is
    copied, so the row reads the same after the rule changes) and is counted in ``counting``.
    A date-based clock is due at 23:59:59 JST of its last day; ``unrolled_due_on`` and
    ``roll_basis`` say why that day moved past a 行政機関の休日. The periodic runner reminds
    ``holder`` (or everyone holding ``holder_role``) as time passes, and at the due time marks
    the clock ``missed`` once and tells ``escalate_roles`` once; a missed clock is still owed
    and stays visible until it is met, waived or cancelled. Rows are changed only through
    ``governance.clocks.services``, each change with an audit event.
    """

    case = models.ForeignKey(
        "governance.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("対象の種類"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.CharField(_("対象の ID"), max_length=64)
    kind = models.CharField(_("期限の種類"), max_length=40, choices=DeadlineKind.choices)
    starts_at = models.DateTimeField(_("起算日時"))
    soft_due_at = models.DateTimeField(_("目標期限"), null=True, blank=True)
    due_at = models.DateTimeField(_("期限"))
    unrolled_due_on = models.DateField(_("休日による繰延べ前の期限日"), null=True, blank=True)
    roll_basis = models.CharField(_("繰延べの根拠"), max_length=300, blank=True)
    counting = models.CharField(_("期間の数え方"), max_length=20, choices=Counting.choices)
    # The length in ``counting`` units; null when the due date itself was given (an expiry).
    length = models.PositiveIntegerField(_("期間"), null=True, blank=True)
    rule = models.ForeignKey(
        "governance.Rule",
        verbose_name=_("適用ルール"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    basis = models.TextField(_("根拠"))
    status = models.CharField(
        _("状態"), max_length=20, choices=DeadlineStatus.choices, default=DeadlineStatus.RUNNING
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_deadlines",
    )
    # Reminded instead of (or as well as) ``holder``: everyone holding this role who may act
    # on the case (department staff: of the case's department).
    holder_role = models.CharField(_("担当ロール"), max_length=40, blank=True)
    escalate_roles = models.JSONField(_("期限超過の連絡先ロール"), default=list, blank=True)
    met_at = models.DateTimeField(_("対応日時"), null=True, blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("対応者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    missed_at = models.DateTimeField(_("期限超過の記録日時"), null=True, blank=True)
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
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    cancelled_reason = models.TextField(_("取消の理由"), blank=True)
    # While set, the clock stands still (e.g. a network application sent back to the
    # department); resuming moves the due time by the time that was left.
    paused_at = models.DateTimeField(_("一時停止日時"), null=True, blank=True)
    # When the holder is reminded before the due time: ``pct50``/``pct75`` (of the time
    # elapsed), ``bd<n>`` (n business days before), ``d<n>`` (n days before, moved to the
    # next business day). The runner also announces the breach itself (``missed``).
    reminders = models.JSONField(_("督促の時点"), default=list, blank=True)
    # The runner's bookkeeping: the next moment it has something to say, the reminder stages
    # already announced in this schedule, and the schedule's number (a reschedule starts a
    # new one, so its reminders are sent again).
    next_notice_at = models.DateTimeField(null=True, blank=True, editable=False)
    notices_sent = models.JSONField(default=list, blank=True, editable=False)
    schedule = models.PositiveSmallIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("開始者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        ordering = ["due_at", "pk"]
        constraints = [
            # One owed clock of a kind per subject: starting it again returns the same row.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=models.Q(status__in=["running", "missed"]),
                name="deadline_one_open_per_subject",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_notice_at"], name="deadline_runner_idx"),
            models.Index(fields=["status", "due_at"], name="deadline_due_idx"),
            models.Index(fields=["case", "status"], name="deadline_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DEADLINE_STATUSES

    @property
    def is_date_based(self) -> bool:
        return self.counting in DATE_COUNTINGS

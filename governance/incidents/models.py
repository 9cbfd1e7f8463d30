"""Security events (イベント・通報) and incidents (インシデント) with what hangs off them.

An event is high-volume and cheap: one phishing mail reported by fifty staff is one event with
fifty reporters. A CSIRT member triages events and promotes the real ones into an ``Incident``
(a ``Case``), which the ``IncidentFlow`` moves through triage, handling and a four-eyes closure.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.cases.models import Case
from governance.org.models import ReportingBody

RAW_MAX_BYTES = 32 * 1024


class Channel(models.TextChoices):
    WEB_FORM = "web_form", _("部局からの報告（Web）")
    API = "api", _("API 連携")
    MAIL = "mail", _("メール")
    PHONE = "phone", _("電話")
    MANUAL = "manual", _("手入力（通知・文書）")


class Tlp(models.TextChoices):
    """TLP 2.0, from the least to the most restricted (the order is the strictness)."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber_strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


TLP_ORDER = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]


def stricter_tlp(first: str, second: str) -> str:
    return first if TLP_ORDER.index(Tlp(first)) >= TLP_ORDER.index(Tlp(second)) else second


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("はい")
    NO = "no", _("いいえ")
    UNKNOWN = "unknown", _("わからない")


class IncidentCategory(models.TextChoices):
    TARGETED_MAIL = "targeted_mail", _("標的型メール")
    MALWARE = "malware", _("マルウェア感染")
    RANSOMWARE = "ransomware", _("ランサムウェア")
    UNAUTHORIZED_ACCESS = "unauthorized_access", _("不正アクセス")
    DDOS = "ddos", _("DDoS 攻撃")
    WEB_TAMPERING = "web_tampering", _("Web 改ざん")
    VULNERABILITY = "vulnerability", _("脆弱性")
    ACCOUNT_COMPROMISE = "account_compromise", _("アカウント侵害")
    MISDELIVERY_EMAIL = "misdelivery_email", _("メール誤送信")
    MISDELIVERY_POST = "misdelivery_post", _("誤送付（郵便・FAX）")
    LOSS_THEFT = "loss_theft", _("紛失・盗難")
    MISPUBLICATION = "mispublication", _("誤公開")
    MISCONFIGURATION = "misconfiguration", _("設定誤り")
    INSIDER = "insider", _("内部不正")
    OUTAGE = "outage", _("障害")
    OTHER = "other", _("その他")


class IntakeSource(models.Model):
    """One place events come from (a J-LIS notice service, the 不審メール通報窓口, a vendor…);
    master data the administrators keep."""

    class Operator(models.TextChoices):
        JLIS = "jlis", "J-LIS"
        VENDOR = "vendor", _("委託先事業者")
        SOC = "soc", _("セキュリティクラウド SOC")
        INTERNAL = "internal", _("内部")

    class Matching(models.TextChoices):
        NONE = "", _("なし")
        URL = "url", "URL"
        IP = "ip", _("IP アドレス")
        SYSTEM_CODE = "system_code", _("システムコード")

    code = models.SlugField(_("コード"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    operator = models.CharField(_("運営"), max_length=20, choices=Operator.choices)
    channel = models.CharField(_("受付経路"), max_length=20, choices=Channel.choices)
    default_tlp = models.CharField(
        _("既定の TLP"), max_length=20, choices=Tlp.choices, default=Tlp.AMBER
    )
    default_category = models.CharField(
        _("既定の分類"), max_length=30, choices=IncidentCategory.choices, blank=True
    )
    matching = models.CharField(
        _("対象の照合"), max_length=20, choices=Matching.choices, blank=True
    )
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("通報元")
        verbose_name_plural = _("通報元")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    TRIAGE = "triage", _("トリアージ")
    ANALYSIS = "analysis", _("分析")
    CONTAINMENT = "containment", _("封じ込め")
    ERADICATION = "eradication", _("根絶")
    RECOVERY = "recovery", _("復旧")
    POST_INCIDENT = "post_incident", _("事後対応")
    CLOSED = "closed", _("完了")
    DISMISSED = "dismissed", _("対象外")


#: The handling phases in their forward order (the flow alone reaches closed or dismissed).
HANDLING_PHASES = [
    Phase.TRIAGE,
    Phase.ANALYSIS,
    Phase.CONTAINMENT,
    Phase.ERADICATION,
    Phase.RECOVERY,
    Phase.POST_INCIDENT,
]


class Severity(models.TextChoices):
    L1 = "L1", _("L1 低")
    L2 = "L2", _("L2 中")
    L3 = "L3", _("L3 高")
    L4 = "L4", _("L4 重大")


class Incident(Case):
    """One incident (IN-2026-0001): what happened, how bad it is, who handles it and the facts
    the legal duties depend on. Its ``phase`` is the CSIRT's own lifecycle; ``Case.status``
    follows it so that cross-kind lists keep working."""

    class Scope(models.TextChoices):
        ONE_TERMINAL = "one_terminal", _("端末1台")
        ONE_SECTION = "one_section", _("1所属")
        MULTIPLE_SECTIONS = "multiple_sections", _("複数所属")
        PREFECTURE_WIDE = "prefecture_wide", _("庁内全体")
        EXTERNAL_BODIES = "external_bodies", _("外部機関（市町村・LGWAN 等）")

    class FunctionalImpact(models.TextChoices):
        NONE = "none", _("なし")
        LOW = "low", _("小")
        MEDIUM = "medium", _("中")
        HIGH = "high", _("大")

    class InformationImpact(models.TextChoices):
        NONE = "none", _("なし")
        PRIVACY = "privacy", _("個人情報")
        PROPRIETARY = "proprietary", _("機密情報")
        INTEGRITY = "integrity", _("改ざん")

    class Recoverability(models.TextChoices):
        REGULAR = "regular", _("通常の手順で復旧")
        SUPPLEMENTED = "supplemented", _("追加の資源で復旧")
        EXTENDED = "extended", _("外部支援が必要")
        NOT_RECOVERABLE = "not_recoverable", _("復旧不能")

    class ActivityStage(models.TextChoices):
        ATTEMPTED = "attempted", _("未遂・遮断済")
        ONGOING = "ongoing", _("進行中")
        COMPLETED = "completed", _("完了（被害あり）")

    class ThreatActor(models.TextChoices):
        UNKNOWN = "unknown", _("不明")
        CRIMINAL = "criminal", _("犯罪者")
        INSIDER = "insider", _("内部者")
        STATE = "state", _("国家")
        NONE = "none", _("なし（過失）")

    class Resolution(models.TextChoices):
        TRUE_POSITIVE = "true_positive", _("インシデントと確認")
        FALSE_POSITIVE = "false_positive", _("誤検知")
        DUPLICATE = "duplicate", _("重複")
        OTHER = "other", _("その他")

    class DismissReason(models.TextChoices):
        FALSE_POSITIVE = "false_positive", _("誤検知")
        BENIGN = "benign", _("問題なし")
        TRAINING = "training", _("訓練メール")
        OUT_OF_SCOPE = "out_of_scope", _("対象外")

    category = models.CharField(
        _("分類"), max_length=30, choices=IncidentCategory.choices, default=IncidentCategory.OTHER
    )
    description = models.TextField(_("概要"), blank=True)
    occurred_at = models.DateTimeField(_("発生日時"), null=True, blank=True)
    aware_at = models.DateTimeField(_("覚知日時"))
    reported_to_csirt_at = models.DateTimeField(_("CSIRT 受付日時"))
    contained_at = models.DateTimeField(_("封じ込め日時"), null=True, blank=True)
    recovered_at = models.DateTimeField(_("復旧日時"), null=True, blank=True)
    systems = models.ManyToManyField(
        "governance.InformationSystem", verbose_name=_("影響システム"), blank=True, related_name="+"
    )
    departments = models.ManyToManyField(
        "governance.Department", verbose_name=_("影響部局"), blank=True, related_name="+"
    )
    scope = models.CharField(
        _("影響範囲"), max_length=30, choices=Scope.choices, default=Scope.ONE_TERMINAL
    )
    segments_hit = models.JSONField(_("影響を受けたネットワーク"), default=list, blank=True)
    # NIST SP 800-61r3 triage factors
    functional_impact = models.CharField(
        _("機能への影響"), max_length=20, choices=FunctionalImpact.choices, default="none"
    )
    information_impact = models.CharField(
        _("情報への影響"), max_length=20, choices=InformationImpact.choices, default="none"
    )
    recoverability = models.CharField(
        _("復旧性"), max_length=20, choices=Recoverability.choices, default="regular"
    )
    activity_stage = models.CharField(
        _("攻撃の段階"), max_length=20, choices=ActivityStage.choices, default="attempted"
    )
    threat_actor = models.CharField(
        _("脅威主体"), max_length=20, choices=ThreatActor.choices, default="unknown"
    )
    mynumber_system = models.BooleanField(_("マイナンバー利用事務系"), default=False)
    public_service_down = models.BooleanField(_("住民向けサービス停止"), default=False)
    # result
    severity = models.CharField(_("重大度"), max_length=2, choices=Severity.choices, blank=True)
    computed_severity = models.CharField(
        _("算定された重大度"), max_length=2, choices=Severity.choices, blank=True
    )
    severity_matrix_version = models.PositiveIntegerField(_("重大度表の版"), default=1)
    severity_overridden = models.BooleanField(_("重大度の変更"), default=False)
    severity_override_reason = models.TextField(_("重大度を変更した理由"), blank=True)
    phase = models.CharField(
        _("対応段階"), max_length=20, choices=Phase.choices, default=Phase.TRIAGE, db_index=True
    )
    resolution = models.CharField(_("判定"), max_length=20, choices=Resolution.choices, blank=True)
    dismiss_reason = models.CharField(
        _("対象外の理由"), max_length=20, choices=DismissReason.choices, blank=True
    )
    tlp = models.CharField(_("TLP"), max_length=20, choices=Tlp.choices, default=Tlp.AMBER)
    is_exercise = models.BooleanField(_("訓練"), default=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("対応担当"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("トリアージ担当"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closure_requested = models.BooleanField(_("完了申請中"), default=False)
    # personal data facts (§B.2 PersonalDataImpact, kept on the incident)
    pd_involved = models.CharField(
        _("個人情報の有無"), max_length=10, choices=YesNoUnknown.choices, default="unknown"
    )
    pd_items = models.TextField(_("漏えい等した項目"), blank=True)
    pd_persons = models.PositiveIntegerField(_("本人の数"), null=True, blank=True)
    pd_persons_is_estimate = models.BooleanField(_("概数"), default=False)
    pd_persons_upper = models.PositiveIntegerField(_("本人の数の上限"), null=True, blank=True)
    pd_sensitive = models.BooleanField(_("要配慮個人情報"), default=False)
    pd_financial_risk = models.BooleanField(_("財産的被害のおそれ"), default=False)
    pd_malicious = models.BooleanField(_("不正の目的のおそれ"), default=False)
    pd_high_encryption = models.BooleanField(_("高度な暗号化等"), default=False)
    pd_encryption_evidence = models.TextField(_("暗号化等の根拠"), blank=True)
    pd_recovered_unviewed = models.BooleanField(_("閲覧前に全て回収"), default=False)
    pd_recovery_evidence = models.TextField(_("回収の根拠"), blank=True)
    pd_my_number = models.BooleanField(_("特定個人情報（マイナンバー）"), default=False)
    pd_my_number_system = models.BooleanField(
        _("情報提供ネットワークシステム・個人番号利用事務のシステムからの漏えい等"), default=False
    )
    pd_ordinance_sensitive = models.BooleanField(_("条例要配慮個人情報"), default=False)
    pd_publicly_viewable = models.BooleanField(_("不特定多数の者が閲覧できる状態"), default=False)
    # The 行政機関の長等 reporting in its own name, copied from the department (choices of
    # ``ReportingBody``); blank reads as 知事.
    pd_reporting_body = models.CharField(
        _("報告主体"), max_length=100, blank=True, choices=ReportingBody.choices
    )
    # A leak at a 委託先: the prefecture's clocks start when the vendor's notice is received.
    vendor_notice_received_at = models.DateTimeField(
        _("委託先からの通知の受領日時"), null=True, blank=True
    )
    # The versions of the obligation rules this incident was evaluated under (kept, so a later
    # rule version does not change what it owes): {key: {id, value, effective_from, basis}}.
    obligation_rules = models.JSONField(_("報告義務の判定ルール"), default=dict, blank=True)
    # response
    root_cause = models.TextField(_("原因"), blank=True)
    recurrence_prevention = models.TextField(_("再発防止策"), blank=True)
    lessons_learned = models.TextField(_("教訓"), blank=True)
    follow_up_of = models.ForeignKey(
        "self",
        verbose_name=_("再開元"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("統合先"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
    )

    class Meta:
        verbose_name = _("インシデント")
        verbose_name_plural = _("インシデント")


class SecurityEvent(models.Model):
    """One security event (イベント・通報): a report or an alert, before anyone decided whether it
    is an incident. Many reporters of the same thing are one event."""

    class Status(models.TextChoices):
        NEW = "new", _("未確認")
        TRIAGING = "triaging", _("確認中")
        PROMOTED = "promoted", _("インシデント化")
        MERGED = "merged", _("統合")
        DISMISSED = "dismissed", _("対象外")
        DUPLICATE = "duplicate", _("重複")

    number = models.CharField(_("受付番号"), max_length=20, unique=True, editable=False)
    fiscal_year = models.PositiveIntegerField(_("年度"))
    source = models.ForeignKey(
        IntakeSource, verbose_name=_("通報元"), on_delete=models.PROTECT, related_name="events"
    )
    source_ref = models.CharField(_("通報元の識別子"), max_length=200, blank=True, default="")
    channel = models.CharField(_("受付経路"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("受付日時"), db_index=True)
    aware_at = models.DateTimeField(_("覚知日時"))
    detected_at = models.DateTimeField(_("検知日時"), null=True, blank=True)
    title = models.CharField(_("件名"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    category_hint = models.CharField(
        _("分類の見込み"), max_length=30, choices=IncidentCategory.choices, blank=True
    )
    reporters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="EventReport",
        verbose_name=_("通報者"),
        related_name="reported_events",
    )
    reporter_department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("通報部局"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_phone = models.CharField(_("連絡先電話番号"), max_length=40, blank=True)
    systems = models.ManyToManyField(
        "governance.InformationSystem", verbose_name=_("システム"), blank=True, related_name="+"
    )
    personal_data = models.CharField(
        _("個人情報の有無"), max_length=10, choices=YesNoUnknown.choices, default="unknown"
    )
    persons_estimate = models.PositiveIntegerField(_("おおよその人数"), null=True, blank=True)
    severity_hint = models.CharField(_("通報元の重大度"), max_length=40, blank=True)
    tlp = models.CharField(_("TLP"), max_length=20, choices=Tlp.choices, default=Tlp.AMBER)
    raw = models.JSONField(_("受信データ"), default=dict, blank=True)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    dismiss_reason = models.CharField(
        _("対象外の理由"), max_length=20, choices=Incident.DismissReason.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("重複元"), on_delete=models.PROTECT, null=True, blank=True
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("インシデント"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認担当"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_exercise = models.BooleanField(_("訓練"), default=False)

    class Meta:
        verbose_name = _("セキュリティイベント")
        verbose_name_plural = _("セキュリティイベント")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="event_unique_source_ref",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class EventReport(models.Model):
    """One person's report of an event, with when they reported it."""

    event = models.ForeignKey(SecurityEvent, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="event_reports"
    )
    reported_at = models.DateTimeField(_("通報日時"))
    note = models.TextField(_("補足"), blank=True)

    class Meta:
        verbose_name = _("通報")
        verbose_name_plural = _("通報")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="event_report_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.user_id}"


class TaskTemplate(models.Model):
    """One step of a category's playbook: the task every new incident of that category gets."""

    category = models.CharField(_("分類"), max_length=30, choices=IncidentCategory.choices)
    key = models.SlugField(_("キー"), max_length=60)
    title = models.CharField(_("作業"), max_length=200)
    phase = models.CharField(_("対応段階"), max_length=20, choices=Phase.choices)
    for_department = models.BooleanField(_("部局が行う作業"), default=False)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("対応手順（プレイブック）")
        verbose_name_plural = _("対応手順（プレイブック）")
        ordering = ["category", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["category", "key"], name="task_template_unique")
        ]

    def __str__(self) -> str:
        return self.title


class IncidentTask(models.Model):
    """One piece of work on an incident, from a playbook or added by the handler."""

    class Status(models.TextChoices):
        TODO = "todo", _("未着手")
        DOING = "doing", _("対応中")
        DONE = "done", _("完了")
        CANCELLED = "cancelled", _("取消")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("作業"), max_length=200)
    phase = models.CharField(_("対応段階"), max_length=20, choices=Phase.choices)
    template_key = models.CharField(_("手順のキー"), max_length=60, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assignee_department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("担当部局"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.TODO)
    result = models.TextField(_("結果・取消の理由"), blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("インシデントの作業")
        verbose_name_plural = _("インシデントの作業")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.title


class TimelineEntry(models.Model):
    """One line of an incident's timeline. Append-only: a correction is a new entry pointing at
    the entry it corrects."""

    class Kind(models.TextChoices):
        OBSERVATION = "observation", _("観測")
        ACTION = "action", _("対応")
        DECISION = "decision", _("判断")
        COMMUNICATION = "communication", _("連絡")
        STATUS_CHANGE = "status_change", _("状態の変更")
        ESCALATION = "escalation", _("エスカレーション")
        REPORT_SUBMITTED = "report_submitted", _("報告の提出")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("日時"))
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("内容"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("訂正対象"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    task = models.ForeignKey(
        IncidentTask, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("時系列の記録")
        verbose_name_plural = _("時系列の記録")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:40]}"


class Observable(models.Model):
    """One indicator seen in an incident (IP, domain, URL, hash…), stored re-fanged and
    normalised, shown defanged and never as a link."""

    class Type(models.TextChoices):
        IP = "ip", _("IP アドレス")
        CIDR = "cidr", "CIDR"
        DOMAIN = "domain", _("ドメイン")
        URL = "url", "URL"
        EMAIL_ADDRESS = "email_address", _("メールアドレス")
        EMAIL_SUBJECT = "email_subject", _("メール件名")
        SHA256 = "sha256", "SHA-256"
        SHA1 = "sha1", "SHA-1"
        MD5 = "md5", "MD5"
        FILENAME = "filename", _("ファイル名")
        HOSTNAME = "hostname", _("ホスト名")
        ACCOUNT = "account", _("アカウント")
        OTHER = "other", _("その他")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="observables")
    type = models.CharField(_("種類"), max_length=20, choices=Type.choices)
    value = models.CharField(_("値"), max_length=500)
    is_ioc = models.BooleanField(_("IoC"), default=True)
    tlp = models.CharField(_("TLP"), max_length=20, choices=Tlp.choices, default=Tlp.AMBER)
    first_seen = models.DateTimeField(_("初回観測"), null=True, blank=True)
    last_seen = models.DateTimeField(_("最終観測"), null=True, blank=True)
    note = models.TextField(_("メモ"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("観測値（IoC）")
        verbose_name_plural = _("観測値（IoC）")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "type", "value"], name="observable_unique_per_incident"
            )
        ]
        indexes = [models.Index(fields=["type", "value"], name="observable_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"


class IncidentMember(models.Model):
    """A person named on one incident (handler, reviewer, department contact…); on TLP:RED
    only named members (with the CSIRT lead and the CISO) see the incident."""

    class RoleInIncident(models.TextChoices):
        HANDLER = "handler", _("対応担当")
        REVIEWER = "reviewer", _("レビュー担当")
        DEPARTMENT_CONTACT = "department_contact", _("部局の連絡窓口")
        PRIVACY_OFFICER = "privacy_officer", _("個人情報保護担当")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_memberships"
    )
    role_in_incident = models.CharField(_("役割"), max_length=30, choices=RoleInIncident.choices)

    class Meta:
        verbose_name = _("インシデントの担当者")
        verbose_name_plural = _("インシデントの担当者")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "user", "role_in_incident"], name="incident_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.user_id}"

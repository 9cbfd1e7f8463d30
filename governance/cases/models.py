"""Review cases and what hangs off every kind of case: grants, attachments, documents, notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class CaseKind(models.TextChoices):
    BUDGET_CHECK = "budget_check", _("予算確認")
    SPEC_REVIEW = "spec_review", _("仕様書確認")
    NETWORK_CONNECTION = "network_connection", _("ネットワーク接続")
    CONSULTATION = "consultation", _("相談")
    INCIDENT = "incident", _("インシデント")


#: Kinds the governance office reviews (governance staff and auditors see all of these).
REVIEW_KINDS = (
    CaseKind.BUDGET_CHECK,
    CaseKind.SPEC_REVIEW,
    CaseKind.NETWORK_CONNECTION,
    CaseKind.CONSULTATION,
)

#: Short codes used in case numbers: BC-2025-0001.
CASE_NUMBER_PREFIX = {
    CaseKind.BUDGET_CHECK: "BC",
    CaseKind.SPEC_REVIEW: "SR",
    CaseKind.NETWORK_CONNECTION: "NC",
    CaseKind.CONSULTATION: "CS",
    CaseKind.INCIDENT: "IN",
}


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("受付")
    UNDER_REVIEW = "under_review", _("審査中")
    RETURNED = "returned", _("差戻し中")
    AWAITING_APPROVAL = "awaiting_approval", _("決裁待ち")
    APPROVED = "approved", _("承認済")
    AWAITING_ACKNOWLEDGEMENT = "awaiting_acknowledgement", _("通知済・確認待ち")
    CLOSED = "closed", _("完了")
    WITHDRAWN = "withdrawn", _("取下げ")


class Case(models.Model):
    """One review case of any kind (budget check, spec review, consultation, …).

    The business facts every kind shares live here in real columns; each kind adds its own
    columns in a subclass (``BudgetCheck(Case)``, ``SpecReview(Case)``). The viewflow process
    that moves the case along links here through ``process``. Who may see a case is decided
    by ``department`` and by explicit grants (``CaseUserObjectPermission`` and
    ``CaseGroupObjectPermission``), in ``governance.permissions``.
    """

    kind = models.CharField(_("種別"), max_length=30, choices=CaseKind.choices, db_index=True)
    fiscal_year = models.PositiveIntegerField(_("年度"), db_index=True)
    sequence = models.PositiveIntegerField(_("年度内番号"), editable=False)
    number = models.CharField(_("案件番号"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("件名"), max_length=200)
    department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("部局"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    section = models.ForeignKey(
        "governance.Section",
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    system = models.ForeignKey(
        "governance.InformationSystem",
        verbose_name=_("情報システム"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    status = models.CharField(
        _("状態"),
        max_length=30,
        choices=CaseStatus.choices,
        default=CaseStatus.SUBMITTED,
        db_index=True,
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("依頼者"),
        on_delete=models.PROTECT,
        related_name="requested_cases",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審査担当"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_cases",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("決裁者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_cases",
    )
    # The routing rule version that decided how the case was handled, for replay by auditors.
    rule = models.ForeignKey(
        "governance.Rule",
        verbose_name=_("適用ルール"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    process = models.OneToOneField(
        "viewflow.Process",
        verbose_name=_("プロセス"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case",
    )
    # Generated rows (benchmarks, load tests), never the office's work: the annual report's
    # counts leave them out.
    is_synthetic = models.BooleanField(_("架空データ"), default=False)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "fiscal_year", "sequence"], name="case_unique_sequence"
            ),
            # One budget check per system and budget year unless withdrawn: two requests
            # submitted at once (a double click) cannot both pass the service's check.
            models.UniqueConstraint(
                fields=["system", "fiscal_year"],
                condition=models.Q(kind=CaseKind.BUDGET_CHECK)
                & ~models.Q(status=CaseStatus.WITHDRAWN),
                name="one_budget_check_per_system_and_year",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "kind", "status"], name="case_scope_idx"),
            # The case list's order (newest first, ties by id): its keyset pages walk it.
            models.Index(fields=["created_at", "id"], name="case_list_order_idx"),
        ]
        permissions = [
            ("act_as_department_staff", "部局担当者として案件を処理する"),
            ("act_as_reviewer", "審査担当として案件を処理する"),
            ("act_as_approver", "決裁者として案件を処理する"),
            ("act_as_csirt_member", "CSIRT 要員としてインシデントを処理する"),
            ("act_as_csirt_lead", "CSIRT 責任者としてインシデントを処理する"),
            ("act_as_ciso", "CISO としてインシデントを処理する"),
            ("act_as_security_reviewer", "情報セキュリティ担当として案件を処理する"),
            ("act_as_network_admin", "ネットワーク管理者として案件を処理する"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def fiscal_year_label(self) -> str:
        from governance.japanese import fiscal_year_label

        return fiscal_year_label(self.fiscal_year)


class Counter(models.Model):
    """The last number issued in one numbering series for one fiscal year.

    Series are e.g. ``case:budget_check`` (case numbers) and ``document`` (document numbers).
    """

    series = models.CharField(max_length=50)
    fiscal_year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "fiscal_year"], name="counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.fiscal_year}: {self.last}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """A grant on one case to one user (a case shared beyond its department)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("案件の個別共有（利用者）")
        verbose_name_plural = _("案件の個別共有（利用者）")


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """A grant on one case to a group, e.g. every member of another department."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("案件の個別共有（グループ）")
        verbose_name_plural = _("案件の個別共有（グループ）")


class CaseMessage(models.Model):
    """One message in the conversation on a case: a question sent back, an answer, a remark."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("質問・差戻し")
        ANSWER = "answer", _("回答")
        REMARK = "remark", _("コメント")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    body = models.TextField(_("本文"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記入者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("記入日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件のやりとり")
        verbose_name_plural = _("案件のやりとり")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is the content hash: user-supplied names never reach the file system.
    return f"cases/{instance.case_id}/attachments/{instance.sha256}"


class Attachment(models.Model):
    """One file uploaded to a case (a specification version, evidence, a reference document)."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="attachments"
    )
    purpose = models.CharField(_("用途"), max_length=50, default="reference")
    file = models.FileField(_("ファイル"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("ファイル名"), max_length=255)
    content_type = models.CharField(_("形式"), max_length=100)
    size = models.PositiveBigIntegerField(_("サイズ"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class AdvisoryDocument(models.Model):
    """One advisory document issued on a case (予算確認結果通知, 仕様書確認結果, …).

    The document keeps its number for life; every generation adds a ``DocumentVersion``.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="documents"
    )
    template = models.CharField(_("様式"), max_length=100)
    number = models.CharField(_("文書番号"), max_length=50, unique=True)
    title = models.CharField(_("表題"), max_length=200)
    # Reports issued again and again on one case (an incident's 第一報, 第2報, …, 最終報): each is
    # its own numbered document; ``stage`` and ``edition`` say which one. Blank on the others.
    stage = models.CharField(_("報告の段階"), max_length=20, blank=True, default="")
    edition = models.PositiveSmallIntegerField(_("報告の回数"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("助言文書")
        verbose_name_plural = _("助言文書")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


def document_version_path(instance: DocumentVersion, filename: str) -> str:
    # The suffix of the name given on save: .docx for Word documents, .xlsx for workbooks.
    suffix = ".xlsx" if filename.endswith(".xlsx") else ".docx"
    return f"documents/{instance.document_id}/v{instance.version}{suffix}"


class DocumentVersion(models.Model):
    """One generated file of an advisory document, with its hash and the case state it used."""

    document = models.ForeignKey(
        AdvisoryDocument,
        verbose_name=_("助言文書"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    version = models.PositiveIntegerField(_("版"))
    file = models.FileField(_("ファイル"), upload_to=document_version_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The values the document was rendered from, as they were at the time.
    case_state = models.JSONField(_("作成時の案件情報"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成依頼者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("助言文書の版")
        verbose_name_plural = _("助言文書の版")
        ordering = ["document", "version"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document.number} 第{self.version}版"


class Notification(models.Model):
    """One in-app notice to one person (a reminder, an assignment, a returned case)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("宛先"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    subject = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"), blank=True)
    url = models.CharField(_("リンク"), max_length=300, blank=True)
    # Identifies a notice that must be sent once only (e.g. "reminder:42:2025-10-03").
    dedupe_key = models.CharField(_("重複防止キー"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)
    # The notice's e-mail waits for the recipient's daily digest (``EmailDigest.DAILY``);
    # ``digested_at`` is when that digest went out.
    in_digest = models.BooleanField(_("日次まとめで送信"), default=False)
    digested_at = models.DateTimeField(_("まとめ送信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class EmailDigest(models.TextChoices):
    IMMEDIATE = "immediate", _("その都度送信")
    DAILY = "daily", _("1日1回まとめて送信")


class NotificationSetting(models.Model):
    """One person's choice of how their notices reach them by e-mail. Without a row the role's
    default applies (``governance.cases.services.notifications.digest_choice``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("利用者"),
        on_delete=models.CASCADE,
        related_name="notification_setting",
    )
    email_digest = models.CharField(
        _("メール通知"), max_length=20, choices=EmailDigest.choices, default=EmailDigest.IMMEDIATE
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("通知設定")
        verbose_name_plural = _("通知設定")

    def __str__(self) -> str:
        return f"{self.user} {self.get_email_digest_display()}"


class Delegation(models.Model):
    """代理: while it runs (``starts_on``–``ends_on``, both included, unless ended early), the
    tasks assigned to ``principal`` go to ``delegate`` (when the delegate may work them)."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人"),
        on_delete=models.PROTECT,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代理者"),
        on_delete=models.PROTECT,
        related_name="delegations_taken",
    )
    starts_on = models.DateField(_("開始日"))
    ends_on = models.DateField(_("終了日"))
    reason = models.CharField(_("理由"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("設定者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("設定日時"), auto_now_add=True)
    ended_at = models.DateTimeField(_("終了操作日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("代理")
        verbose_name_plural = _("代理")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["principal", "ends_on"], name="delegation_principal_idx")]

    def __str__(self) -> str:
        return f"{self.principal} → {self.delegate} ({self.starts_on}–{self.ends_on})"

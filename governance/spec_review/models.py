"""仕様書確認 (specification review): the procurement case, every version of its specification,
the reviewer's checklist and findings, the automatic lock-in scan and the phrases it looks for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.cases.ledger import LedgerItem
from governance.cases.models import Attachment, Case


class ProcurementType(models.TextChoices):
    GOODS = "goods", _("物品調達")
    SERVICE = "service", _("委託役務")
    LEASE = "lease", _("リース")


class Perspective(models.TextChoices):
    """The points of view a specification is checked from (DOMAIN.md, 仕様書確認)."""

    FUNCTIONAL = "functional", _("機能要件")
    OPERATION = "operation", _("運用・保守要件")
    SCHEDULE = "schedule", _("スケジュールの妥当性")
    SECURITY = "security", _("セキュリティ要件")
    STRUCTURE = "structure", _("運用体制")
    NEUTRALITY = "neutrality", _("ベンダー中立性（ロックイン回避）")


class SpecReview(Case):
    """One procurement whose specification is (or may be) reviewed before the contract board.

    ``mandatory`` and ``routing_reason`` are decided once, at registration, by the
    ``spec_review_threshold`` rule in force for the fiscal year; ``Case.rule`` keeps that rule
    version so an auditor can replay the decision. Below the threshold the department may
    still ask for a review (``review_requested``).
    """

    procurement_type = models.CharField(
        _("調達種別"), max_length=20, choices=ProcurementType.choices
    )
    estimated_price = models.PositiveBigIntegerField(_("予定価格（円）"))
    contract_board_date = models.DateField(_("契約局審査会の予定日"), null=True, blank=True)
    mandatory = models.BooleanField(_("確認必須"), default=False)
    review_requested = models.BooleanField(_("任意の確認を依頼"), default=False)
    routing_reason = models.CharField(_("判定理由"), max_length=300)
    approved_at = models.DateTimeField(_("決裁日時"), null=True, blank=True)
    ready_for_board_at = models.DateTimeField(_("審査会付議準備完了日時"), null=True, blank=True)
    ready_for_board_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審査会付議準備完了の登録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("仕様書確認")
        verbose_name_plural = _("仕様書確認")

    @property
    def needs_review(self) -> bool:
        return self.mandatory or self.review_requested


class SpecVersion(models.Model):
    """One uploaded version of the specification (.docx); versions are numbered from 1 and
    never replaced, so the reviewer and an auditor can see what each round looked at."""

    review = models.ForeignKey(
        SpecReview, verbose_name=_("仕様書確認"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版"))
    attachment = models.OneToOneField(
        Attachment,
        verbose_name=_("ファイル"),
        on_delete=models.PROTECT,
        related_name="spec_version",
    )
    note = models.TextField(_("修正内容の説明"), blank=True)
    # What the scan read, so a scan that found nothing can be told from one that read nothing.
    paragraphs_scanned = models.PositiveIntegerField(_("走査した段落・セル数"), default=0)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("仕様書の版")
        verbose_name_plural = _("仕様書の版")
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="spec_version_unique")
        ]

    def __str__(self) -> str:
        return f"第{self.number}版 {self.attachment.original_name}"


class Finding(LedgerItem):
    """One finding (指摘事項) of a spec review: what is wrong, the revision the reviewer asks
    for, the department's answer and, through ``LedgerItem``, its resolution."""

    number = models.PositiveIntegerField(_("指摘番号"))
    perspective = models.CharField(_("観点"), max_length=20, choices=Perspective.choices)
    requested_revision = models.TextField(_("修正依頼内容"))
    raised_on = models.ForeignKey(
        SpecVersion,
        verbose_name=_("指摘した版"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department_answer = models.TextField(_("部局の回答"), blank=True)
    answered_on = models.ForeignKey(
        SpecVersion,
        verbose_name=_("回答した版"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回答者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(LedgerItem.Meta):
        verbose_name = _("指摘事項")
        verbose_name_plural = _("指摘事項")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="finding_unique_number")
        ]

    def __str__(self) -> str:
        return f"指摘{self.number} {self.text[:50]}"


class ChecklistResult(models.TextChoices):
    OK = "ok", _("適")
    ISSUE = "issue", _("要指摘")
    NOT_APPLICABLE = "na", _("該当なし")


class SpecChecklistEntry(models.Model):
    """The reviewer's conclusion on one perspective of the checklist, as of the latest round."""

    review = models.ForeignKey(
        SpecReview, verbose_name=_("仕様書確認"), on_delete=models.CASCADE, related_name="checklist"
    )
    perspective = models.CharField(_("観点"), max_length=20, choices=Perspective.choices)
    result = models.CharField(_("結果"), max_length=10, choices=ChecklistResult.choices)
    note = models.TextField(_("所見"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記入者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("記入日時"), auto_now=True)

    class Meta:
        verbose_name = _("確認観点の結果")
        verbose_name_plural = _("確認観点の結果")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "perspective"], name="spec_checklist_unique_perspective"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_perspective_display()}: {self.get_result_display()}"


class SpecReviewRound(models.Model):
    """One completed review round: who reviewed which version and what they decided.

    Everyone who ever reviewed the case is kept here, so four-eyes approval can refuse any of
    them, not only the reviewer of the last round.
    """

    class Decision(models.TextChoices):
        RETURNED = "returned", _("部局へ差戻し（修正依頼）")
        TO_APPROVAL = "to_approval", _("決裁へ")

    review = models.ForeignKey(
        SpecReview, verbose_name=_("仕様書確認"), on_delete=models.CASCADE, related_name="rounds"
    )
    number = models.PositiveIntegerField(_("回"))
    version = models.ForeignKey(
        SpecVersion, verbose_name=_("確認した版"), on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審査担当"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(_("判断"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("コメント"), blank=True)
    completed_at = models.DateTimeField(_("完了日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("確認の回")
        verbose_name_plural = _("確認の回")
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="spec_round_unique")
        ]

    def __str__(self) -> str:
        return f"第{self.number}回 {self.get_decision_display()}"


class LockInTermKind(models.TextChoices):
    BRAND = "brand", _("製品名・ブランド名")
    NO_EQUIVALENT = "no_equivalent", _("同等品不可")
    PROPRIETARY_FORMAT = "proprietary_format", _("独自形式")
    REQUIRED_CLAUSE = "required_clause", _("必須条項")


class LockInTerm(models.Model):
    """One entry of the list the specification scan uses, maintained by governance staff.

    For the first three kinds ``phrase`` is a phrase whose presence signals lock-in. For a
    required clause it is a pattern that must match somewhere: alternatives separated by
    ``|``, groups that must all occur in the same paragraph (or table row) joined by ``&``,
    e.g. ``契約終了|契約満了 & データ``. Entries are never edited or deleted: a change is a
    new entry and the old one is deactivated, each with an audit event, and every scan result
    copies the phrase it matched, so earlier results stay explainable.
    """

    kind = models.CharField(_("種類"), max_length=30, choices=LockInTermKind.choices)
    phrase = models.CharField(_("語句・条件"), max_length=300)
    label = models.CharField(_("名称"), max_length=200, blank=True)
    suggested_revision = models.TextField(_("修正依頼の文案"), blank=True)
    active = models.BooleanField(_("有効"), default=True, db_index=True)
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
        verbose_name = _("ロックイン検出語句")
        verbose_name_plural = _("ロックイン検出語句")
        ordering = ["kind", "phrase"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label or self.phrase}"


class SpecScanResult(models.Model):
    """One thing the scan found in one version: a lock-in phrase (with every place it occurs)
    or a required clause that is missing. The first time it is found on a case it is offered
    to the reviewer as a draft finding to accept or dismiss; found again in a later version
    after that decision, it is recorded as already decided and not offered again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未判断")
        ACCEPTED = "accepted", _("指摘事項に採用")
        DISMISSED = "dismissed", _("不採用")
        DECIDED_BEFORE = "decided_before", _("前の版で判断済")

    version = models.ForeignKey(
        SpecVersion,
        verbose_name=_("仕様書の版"),
        on_delete=models.CASCADE,
        related_name="scan_results",
    )
    # Which term found it; "term:<id>" or "clause:<id>" — the same key across versions.
    key = models.CharField(_("検出キー"), max_length=50)
    term = models.ForeignKey(
        LockInTerm,
        verbose_name=_("検出語句"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("種類"), max_length=30, choices=LockInTermKind.choices)
    phrase = models.CharField(_("検出語句・条件"), max_length=300)
    occurrences = models.PositiveIntegerField(_("出現数"), default=0)
    locations = models.JSONField(_("出現箇所"), default=list)
    excerpt = models.TextField(_("抜粋"), blank=True)
    suggested_text = models.TextField(_("指摘文案"))
    suggested_revision = models.TextField(_("修正依頼の文案"))
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    finding = models.OneToOneField(
        Finding,
        verbose_name=_("採用した指摘事項"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scan_result",
    )
    decision_note = models.TextField(_("判断理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("判断者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("自動検出結果")
        verbose_name_plural = _("自動検出結果")
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="spec_scan_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.phrase}"

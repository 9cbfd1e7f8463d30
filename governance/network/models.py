"""ネットワーク接続承認 (network connection approval): the application (a case), the equipment
and communications it names, the reviewers' checklist, rounds and findings, the conditions of
the approval, and the approval itself, which lives on after the case has closed.

Statuses are ``TextChoices``; every change goes through ``governance.network.services``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.cases.ledger import LedgerItem
from governance.cases.models import Case


class TargetKind(models.TextChoices):
    """What is connected (NEXT_WAVE §A.2)."""

    SERVER = "server", _("サーバ")
    TERMINAL = "terminal", _("端末（標準端末以外）")
    NETWORK_DEVICE = "network_device", _("ネットワーク機器")
    SPECIAL_DEVICE = "special_device", _("特定用途機器・IoT")
    CLOUD_SERVICE = "cloud_service", _("クラウドサービス（外部サービス）")
    EXTERNAL_LINE = "external_line", _("外部回線")
    REMOTE_ACCESS = "remote_access", _("リモートアクセス（保守・テレワーク）")


#: Kinds that are equipment: they name assets and carry a network diagram or an asset row.
EQUIPMENT_KINDS = (
    TargetKind.SERVER,
    TargetKind.TERMINAL,
    TargetKind.NETWORK_DEVICE,
    TargetKind.SPECIAL_DEVICE,
)


class NetworkSegment(models.TextChoices):
    """Where it is connected: the 三層 of the 総務省 guideline, or another closed network."""

    MYNUMBER = "mynumber", _("マイナンバー利用事務系（個人番号利用事務系）")
    LGWAN = "lgwan", _("LGWAN接続系")
    INTERNET = "internet", _("インターネット接続系（セキュリティクラウド経由）")
    CLOSED_OTHER = "closed_other", _("その他の閉域網")


class RequestKind(models.TextChoices):
    NEW = "new", _("新規")
    CHANGE = "change", _("変更")
    RENEWAL = "renewal", _("更新")


class Confidentiality(models.TextChoices):
    C3 = "3", _("機密性3")
    C2 = "2", _("機密性2")
    C1 = "1", _("機密性1")


class InternetExposure(models.TextChoices):
    NONE = "none", _("インターネット通信なし")
    OUTBOUND_ONLY = "outbound_only", _("外向きのみ")
    INBOUND_PUBLIC = "inbound_public", _("インターネットへ公開（内向きあり）")


class IsmapStatus(models.TextChoices):
    ISMAP = "ismap", _("ISMAP 登録")
    ISMAP_LIU = "ismap_liu", _("ISMAP-LIU 登録")
    NONE = "none", _("未登録")
    UNKNOWN = "unknown", _("不明")


class DataLocation(models.TextChoices):
    DOMESTIC = "domestic", _("国内")
    FOREIGN = "foreign", _("国外")
    UNKNOWN = "unknown", _("不明")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("承認")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("条件付承認")
    RETURNED = "returned", _("差戻し")
    REJECTED = "rejected", _("不承認")


class NetworkConnection(Case):
    """One application to connect equipment, a cloud service, a line or remote access to the
    prefecture's network (kind ``network_connection``, number NC-2026-0001).

    ``requires_ciso`` and ``routing_reason`` are decided at submission (and again at each
    resubmission) by the routing rule in force, whose version ``Case.rule`` keeps. ``reviewer``
    is the security reviewer of record, ``approver`` the 統括情報セキュリティ責任者, ``ciso`` the
    second approver when routed. ``after_the_fact`` flags an application whose start date was
    already past (事後申請).
    """

    request_kind = models.CharField(
        _("申請区分"), max_length=20, choices=RequestKind.choices, default=RequestKind.NEW
    )
    renews = models.ForeignKey(
        "governance.ConnectionApproval",
        verbose_name=_("更新する承認"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    target_kind = models.CharField(_("接続するもの"), max_length=30, choices=TargetKind.choices)
    segment = models.CharField(_("接続先セグメント"), max_length=20, choices=NetworkSegment.choices)
    segment_other_name = models.CharField(_("その他の閉域網の名称"), max_length=100, blank=True)
    crosses_segments = models.BooleanField(_("セグメントをまたぐ通信"), default=False)
    crossing_method = models.CharField(_("セグメント間の連携方法"), max_length=200, blank=True)
    purpose = models.TextField(_("接続の目的"))
    desired_start_on = models.DateField(_("接続開始希望日"))
    desired_end_on = models.DateField(_("接続終了予定日"), null=True, blank=True)
    location = models.CharField(_("設置場所"), max_length=200, blank=True)
    info_confidentiality = models.CharField(
        _("取り扱う情報の機密性"), max_length=1, choices=Confidentiality.choices
    )
    handles_personal_info = models.BooleanField(_("個人情報を取り扱う"), default=False)
    handles_my_number = models.BooleanField(
        _("特定個人情報（マイナンバー）を取り扱う"), default=False
    )
    internet_exposure = models.CharField(
        _("インターネットとの通信"), max_length=20, choices=InternetExposure.choices
    )
    global_ip = models.BooleanField(_("グローバル IP アドレスを使用"), default=False)
    wireless = models.BooleanField(_("無線LANを使用"), default=False)
    wireless_auth = models.CharField(_("無線LANの認証方式"), max_length=20, blank=True)
    remote_maintenance = models.BooleanField(_("リモート保守あり"), default=False)
    remote_method = models.CharField(_("リモート接続の方式"), max_length=200, blank=True)
    remote_vendor = models.ForeignKey(
        "governance.Vendor",
        verbose_name=_("リモート接続する事業者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    mfa = models.BooleanField(_("多要素認証"), default=False)
    cloud_provider = models.CharField(_("クラウド事業者"), max_length=200, blank=True)
    cloud_service_name = models.CharField(_("クラウドサービス名"), max_length=200, blank=True)
    ismap_status = models.CharField(
        _("ISMAP 登録状況"), max_length=20, choices=IsmapStatus.choices, blank=True
    )
    data_location = models.CharField(
        _("データの保存場所"), max_length=20, choices=DataLocation.choices, blank=True
    )
    lgwan_asp = models.BooleanField(_("LGWAN-ASP"), default=False)
    av_product = models.CharField(_("ウイルス対策ソフト"), max_length=100, blank=True)
    edr = models.BooleanField(_("EDR 導入"), default=False)
    av_auto_update = models.BooleanField(_("定義ファイルの自動更新"), default=False)
    compensating_measures = models.TextField(_("ウイルス対策ができない場合の代替策"), blank=True)
    patch_policy = models.TextField(_("パッチ適用の方針"), blank=True)
    default_password_changed = models.BooleanField(_("初期パスワード変更済"), default=False)
    logging = models.TextField(_("ログの取得・保存"), blank=True)
    after_the_fact = models.BooleanField(_("事後申請"), default=False)
    requires_ciso = models.BooleanField(_("CISO の承認が必要"), default=False)
    routing_reason = models.CharField(_("承認経路の判定理由"), max_length=500, blank=True)
    outcome = models.CharField(_("結果"), max_length=30, choices=Outcome.choices, blank=True)
    decided_at = models.DateTimeField(_("決裁日時"), null=True, blank=True)
    ciso = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("CISO"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ciso_decided_at = models.DateTimeField(_("CISO の決裁日時"), null=True, blank=True)
    network_admin = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("技術確認者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_vlan = models.CharField(_("割当 VLAN"), max_length=50, blank=True)
    assigned_addresses = models.CharField(_("割当アドレス"), max_length=300, blank=True)
    fw_change_ref = models.CharField(_("FW 設定変更の管理番号"), max_length=100, blank=True)
    connected_at = models.DateTimeField(_("接続日時"), null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接続の登録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ネットワーク接続")
        verbose_name_plural = _("ネットワーク接続")


class ConnectionAsset(models.Model):
    """One piece of equipment named in an application, with what it was at request time (OS,
    version, end of support, storage), so a later change of the registry does not rewrite
    what was approved."""

    connection = models.ForeignKey(
        NetworkConnection,
        verbose_name=_("ネットワーク接続"),
        on_delete=models.CASCADE,
        related_name="connection_assets",
    )
    asset = models.ForeignKey(
        "governance.NetworkAsset",
        verbose_name=_("機器"),
        on_delete=models.PROTECT,
        related_name="connection_rows",
    )
    hostname = models.CharField(_("ホスト名"), max_length=253)
    kind = models.CharField(_("機器の種類"), max_length=30)
    ip_address = models.CharField(_("IP アドレス・CIDR"), max_length=50, blank=True)
    mac_address = models.CharField(_("MAC アドレス"), max_length=17, blank=True)
    os_name = models.CharField(_("OS"), max_length=100, blank=True)
    os_version = models.CharField(_("OS のバージョン"), max_length=50, blank=True)
    os_eol_on = models.DateField(_("OS のサポート終了日"), null=True, blank=True)
    has_storage = models.BooleanField(_("記憶媒体あり"), default=False)

    class Meta:
        verbose_name = _("申請の機器")
        verbose_name_plural = _("申請の機器")
        ordering = ["connection", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "asset"], name="connection_asset_unique")
        ]

    def __str__(self) -> str:
        return self.hostname


class Direction(models.TextChoices):
    INBOUND = "inbound", _("内向き（受信）")
    OUTBOUND = "outbound", _("外向き（送信）")


class Protocol(models.TextChoices):
    TCP = "tcp", "TCP"
    UDP = "udp", "UDP"
    ICMP = "icmp", "ICMP"
    OTHER = "other", _("その他")


class CommunicationFlow(models.Model):
    """One row of the communication matrix: what talks to what, on which ports, which way.
    ``source`` and ``destination`` are canonical (a CIDR, a host name, ``*.example.jp`` or
    ``any``); ``ports`` is ``443,8000-8080`` or ``any``."""

    connection = models.ForeignKey(
        NetworkConnection,
        verbose_name=_("ネットワーク接続"),
        on_delete=models.CASCADE,
        related_name="flows",
    )
    number = models.PositiveIntegerField(_("番号"))
    source = models.CharField(_("通信元"), max_length=300)
    destination = models.CharField(_("通信先"), max_length=300)
    ports = models.CharField(_("ポート"), max_length=300)
    protocol = models.CharField(_("プロトコル"), max_length=10, choices=Protocol.choices)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    purpose = models.CharField(_("用途"), max_length=300)

    class Meta:
        verbose_name = _("通信")
        verbose_name_plural = _("通信")
        ordering = ["connection", "number"]

    def __str__(self) -> str:
        return f"{self.source} → {self.destination} {self.protocol}/{self.ports}"


class ConnectionPerspective(models.TextChoices):
    """The review perspectives: 1–4 are seed 001 §3(2) itself; 9, 10 and 13 come from seeds 000
    and 001; the rest follow the 総務省 guideline's chapter 6."""

    SEGMENT = "segment", _("セグメントの妥当性")
    CONFIGURATION = "configuration", _("ネットワーク構成")
    COMMUNICATIONS = "communications", _("通信内容")
    EQUIPMENT = "equipment", _("機器構成")
    OS_PATCH = "os_patch", _("OS・パッチ")
    MALWARE = "malware", _("ウイルス対策")
    ASSET_REGISTRATION = "asset_registration", _("資産登録")
    EXTERNAL_RISK = "external_risk", _("外部接続リスク")
    MONITORING = "monitoring", _("監視サービス")
    VULNERABILITY_SCAN = "vulnerability_scan", _("脆弱性診断")
    WIRELESS = "wireless", _("無線LAN")
    LOGGING = "logging", _("ログ")
    DISPOSAL = "disposal", _("廃棄計画")


class CheckResult(models.TextChoices):
    OK = "ok", _("適")
    ISSUE = "issue", _("要指摘")
    NOT_APPLICABLE = "na", _("該当なし")


class ConnectionCheckEntry(models.Model):
    """The security reviewer's conclusion on one perspective, as of the latest round."""

    connection = models.ForeignKey(
        NetworkConnection,
        verbose_name=_("ネットワーク接続"),
        on_delete=models.CASCADE,
        related_name="checklist",
    )
    perspective = models.CharField(_("観点"), max_length=30, choices=ConnectionPerspective.choices)
    result = models.CharField(_("結果"), max_length=10, choices=CheckResult.choices)
    note = models.TextField(_("所見"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記入者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("記入日時"), auto_now=True)

    class Meta:
        verbose_name = _("接続審査の観点")
        verbose_name_plural = _("接続審査の観点")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "perspective"], name="nc_checklist_unique_perspective"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_perspective_display()}: {self.get_result_display()}"


class ReviewStage(models.TextChoices):
    SECURITY = "security", _("セキュリティ審査")
    NETWORK = "network", _("技術確認")


class ConnectionReview(models.Model):
    """One completed review round of one stage: who reviewed and what they decided. Everyone
    here (and every author or decider of a finding) is a reviewer of the case, so none of them
    may approve it (segregation of duties)."""

    class Decision(models.TextChoices):
        RETURNED = "returned", _("部局へ差戻し")
        COMPLETED = "completed", _("完了")

    connection = models.ForeignKey(
        NetworkConnection,
        verbose_name=_("ネットワーク接続"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    stage = models.CharField(_("段階"), max_length=20, choices=ReviewStage.choices)
    number = models.PositiveIntegerField(_("回"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認者"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(_("判断"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("コメント"), blank=True)
    completed_at = models.DateTimeField(_("完了日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("接続審査の回")
        verbose_name_plural = _("接続審査の回")
        ordering = ["connection", "number"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "number"], name="nc_review_unique_round")
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} 第{self.number}回 {self.get_decision_display()}"


class Severity(models.TextChoices):
    WARNING = "warning", _("要確認")
    INFO = "info", _("参考")


class Proposal(models.TextChoices):
    """What became of a finding the automatic checks pre-filled (manual ones are accepted)."""

    PENDING = "pending", _("未判断")
    ACCEPTED = "accepted", _("採用")
    DISMISSED = "dismissed", _("不採用")


class ConnectionFinding(LedgerItem):
    """One finding (指摘事項) on an application: raised by the security reviewer, or pre-filled
    by the automatic checks against the registry (``check_code``) for the reviewer to accept or
    dismiss with a reason. A finding may propose a condition of the approval
    (``proposed_condition``, due ``condition_due_days`` after approval)."""

    number = models.PositiveIntegerField(_("指摘番号"))
    perspective = models.CharField(_("観点"), max_length=30, choices=ConnectionPerspective.choices)
    check_code = models.CharField(_("自動確認の種類"), max_length=40, blank=True)
    severity = models.CharField(
        _("重要度"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    proposal = models.CharField(
        _("採否"), max_length=20, choices=Proposal.choices, default=Proposal.ACCEPTED
    )
    proposed_condition = models.TextField(_("承認条件の案"), blank=True)
    condition_due_days = models.PositiveIntegerField(
        _("条件の履行期限（承認から日）"), null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("採否の判断者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("採否の判断日時"), null=True, blank=True)
    decision_note = models.TextField(_("不採用の理由"), blank=True)

    class Meta(LedgerItem.Meta):
        verbose_name = _("接続審査の指摘事項")
        verbose_name_plural = _("接続審査の指摘事項")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="nc_finding_unique_number")
        ]

    def __str__(self) -> str:
        return f"指摘{self.number} {self.text[:50]}"


class ConnectionCondition(LedgerItem):
    """One condition (条件) of a conditional approval: what the department must do by
    ``due_date`` (a clock ``nc_condition`` runs for it from the approval), the evidence it
    submits, and the security reviewer's verification. The office may reopen it or, as the
    approver, waive it with a reason."""

    number = models.PositiveIntegerField(_("条件番号"))
    finding = models.ForeignKey(
        ConnectionFinding,
        verbose_name=_("元の指摘事項"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conditions",
    )
    approval = models.ForeignKey(
        "governance.ConnectionApproval",
        verbose_name=_("接続承認"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conditions",
    )
    evidence_required = models.CharField(_("求める証跡"), max_length=300, blank=True)
    evidence = models.TextField(_("部局の報告"), blank=True)
    evidence_file = models.ForeignKey(
        "governance.Attachment",
        verbose_name=_("証跡ファイル"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("報告日時"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("報告者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A 廃棄証明書 condition, created when an approval of equipment with storage ends.
    is_disposal = models.BooleanField(_("廃棄証明書の提出"), default=False)

    class Meta(LedgerItem.Meta):
        verbose_name = _("接続承認の条件")
        verbose_name_plural = _("接続承認の条件")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="nc_condition_unique_number")
        ]

    def __str__(self) -> str:
        return f"条件{self.number} {self.text[:50]}"


class ApprovalStatus(models.TextChoices):
    """The approval's life after the case (NEXT_WAVE §A.5, second table)."""

    APPROVED_PENDING_CONNECTION = "approved_pending_connection", _("承認済・未接続")
    ACTIVE = "active", _("接続中")
    LAPSED = "lapsed", _("未使用失効")
    EXPIRED = "expired", _("接続承認期限切れ")
    SUPERSEDED = "superseded", _("更新済")
    SUSPENDED = "suspended", _("緊急遮断中")
    REVOKED = "revoked", _("取消")
    DECOMMISSIONED = "decommissioned", _("廃止")


#: Approvals under which something is (or may be) connected.
LIVE_APPROVAL_STATUSES = (
    ApprovalStatus.APPROVED_PENDING_CONNECTION,
    ApprovalStatus.ACTIVE,
    ApprovalStatus.SUSPENDED,
)


class ValidityBasis(models.TextChoices):
    """What set ``valid_until``: the requested end, an asset's end of support, or the longest
    validity the rule allows."""

    DESIRED_END = "desired_end", _("申請の接続終了予定日")
    EOL = "eol", _("機器のサポート終了日")
    MAX_YEARS = "max_years", _("最長有効期間")


class ConnectionApproval(models.Model):
    """The approval in force for one approved application: what the registry shows as the
    system's connection status and what the CSIRT suspends. ``valid_until`` is the earliest of
    the requested end, the earliest end of support of its assets, and ``valid_from`` plus the
    longest validity (rule ``nc_approval_max_years``). While a renewal is under review
    (``renewal_case``) it continues after ``valid_until`` until the renewal is decided."""

    case = models.OneToOneField(
        NetworkConnection,
        verbose_name=_("ネットワーク接続"),
        on_delete=models.PROTECT,
        related_name="approval",
    )
    system = models.ForeignKey(
        "governance.InformationSystem",
        verbose_name=_("情報システム"),
        on_delete=models.PROTECT,
        related_name="connection_approvals",
    )
    segment = models.CharField(_("接続先セグメント"), max_length=20, choices=NetworkSegment.choices)
    target_kind = models.CharField(_("接続するもの"), max_length=30, choices=TargetKind.choices)
    assets = models.ManyToManyField(
        "governance.NetworkAsset", verbose_name=_("機器"), blank=True, related_name="approvals"
    )
    valid_from = models.DateField(_("有効期間の開始日"))
    valid_until = models.DateField(_("有効期限"))
    valid_until_basis = models.CharField(
        _("有効期限の根拠"), max_length=20, choices=ValidityBasis.choices
    )
    status = models.CharField(
        _("状態"),
        max_length=40,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.APPROVED_PENDING_CONNECTION,
        db_index=True,
    )
    renewal_case = models.ForeignKey(
        NetworkConnection,
        verbose_name=_("審査中の更新申請"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("更新後の承認"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    connected_at = models.DateTimeField(_("接続日時"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("緊急遮断日時"), null=True, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("緊急遮断の実施者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    suspended_reason = models.TextField(_("緊急遮断の理由"), blank=True)
    suspended_incident = models.ForeignKey(
        "governance.Case",
        verbose_name=_("遮断の原因のインシデント"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取消者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.TextField(_("取消の理由"), blank=True)
    decommission_reported_at = models.DateTimeField(_("廃止届の日時"), null=True, blank=True)
    decommissioned_at = models.DateTimeField(_("廃止日時"), null=True, blank=True)
    ended_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    disconnected_at = models.DateTimeField(_("接続解除の確認日時"), null=True, blank=True)
    disconnected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接続解除の確認者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    document = models.ForeignKey(
        "governance.AdvisoryDocument",
        verbose_name=_("承認書"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_document = models.ForeignKey(
        "governance.AdvisoryDocument",
        verbose_name=_("取消通知書"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("接続承認")
        verbose_name_plural = _("接続承認")
        ordering = ["valid_until", "pk"]
        indexes = [models.Index(fields=["system", "status"], name="nc_approval_system_idx")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_status_display()}"

    @property
    def validity_text(self) -> str:
        """「令和9年3月31日まで」, with why when an asset's end of support cut it short."""
        from governance.japanese import era_date

        text = f"{era_date(self.valid_until)}まで"
        if self.valid_until_basis == ValidityBasis.EOL:
            text += "（機器のサポート終了日による）"
        return text

    def status_label(self, today: dt.date) -> str:
        """How the registry words the status on ``today``: a renewal under review shows
        更新審査中, and after ``valid_until`` 更新審査中（従前の承認で継続）."""
        if self.status == ApprovalStatus.ACTIVE and self.renewal_case_id is not None:
            if today > self.valid_until:
                return str(_("更新審査中（従前の承認で継続）"))
            return str(_("更新審査中"))
        return str(self.get_status_display())


class ReviewTrigger(models.TextChoices):
    """Why an approval needs the approver's look (never a silent revocation)."""

    SUSPENSION = "suspension", _("緊急遮断（復旧または取消の判断）")
    CONDITION_OVERDUE = "condition_overdue", _("承認条件の履行期限超過")
    SYSTEM_RETIRED = "system_retired", _("システムの廃止（カルテ）")
    ASSET_EOL = "asset_eol", _("機器のサポート終了")


class ApprovalReview(models.Model):
    """One task for the 統括情報セキュリティ責任者 (or the CISO) to look at an approval: after an
    emergency disconnection (restore or revoke within a business day), or when an automatic
    revocation trigger fires. ``key`` makes each trigger fire once per approval."""

    class Resolution(models.TextChoices):
        RESTORED = "restored", _("復旧")
        REVOKED = "revoked", _("取消")
        KEPT = "kept", _("承認を継続")

    approval = models.ForeignKey(
        ConnectionApproval,
        verbose_name=_("接続承認"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    trigger = models.CharField(_("きっかけ"), max_length=30, choices=ReviewTrigger.choices)
    key = models.CharField(_("重複防止キー"), max_length=100)
    detail = models.TextField(_("内容"))
    resolution = models.CharField(_("判断"), max_length=20, choices=Resolution.choices, blank=True)
    resolved_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("判断者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("判断の理由"), blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("接続承認の見直し")
        verbose_name_plural = _("接続承認の見直し")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "key"], name="nc_approval_review_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.approval.case.number}"

    @property
    def is_open(self) -> bool:
        return not self.resolution

"""The system registry (システムカルテ): one record per information system, with its vendors,
contract history, costs per fiscal year and security-monitoring enrolment."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SystemKind(models.TextChoices):
    PACKAGE_CUSTOMISATION = "package_customisation", _("パッケージカスタマイズ")
    SCRATCH = "scratch", _("スクラッチ")
    SCRATCH_ACCESS = "scratch_access", _("スクラッチ（Access）")
    NETWORK = "network", _("ネットワーク・回線")
    SHARED_INFRASTRUCTURE = "shared_infrastructure", _("情報基盤")
    NATIONAL_SYSTEM = "national_system", _("国等のシステムを利用")
    SERVICE_USE = "service_use", _("サービス・パッケージを利用")


#: Kinds that can be customised, and so can be locked in to a vendor (DOMAIN.md). The others
#: (network & lines, shared infrastructure, national systems, service use) are never flagged.
CUSTOMISABLE_KINDS = (
    SystemKind.PACKAGE_CUSTOMISATION,
    SystemKind.SCRATCH,
    SystemKind.SCRATCH_ACCESS,
)


class ServerLocation(models.TextChoices):
    SECTION = "section", _("所属内")
    DATA_CENTRE = "data_centre", _("データセンター")
    CLOUD = "cloud", _("クラウド")
    GOVERNMENT_CLOUD = "government_cloud", _("ガバメントクラウド")


class InformationSystem(models.Model):
    """One information system in the registry (システムカルテ一件), owned by a department."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("稼働中")
        RETIRED = "retired", _("廃止")

    code = models.CharField(_("システムコード"), max_length=30, unique=True)
    name = models.CharField(_("システム名"), max_length=200, db_index=True)
    department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("部局"),
        on_delete=models.PROTECT,
        related_name="systems",
    )
    section = models.ForeignKey(
        "governance.Section",
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="systems",
    )
    kind = models.CharField(_("区分"), max_length=30, choices=SystemKind.choices, db_index=True)
    first_fiscal_year = models.PositiveIntegerField(_("初期運用開始年度"), null=True, blank=True)
    internet_facing = models.BooleanField(_("インターネット公開"), default=False, db_index=True)
    server_location = models.CharField(
        _("サーバ設置場所"), max_length=30, choices=ServerLocation.choices, blank=True
    )
    staff_total = models.PositiveIntegerField(_("職員数"), null=True, blank=True)
    staff_it = models.PositiveIntegerField(_("うち情報系職員数"), null=True, blank=True)
    vendor_staff = models.PositiveIntegerField(_("常駐委託業者人数"), null=True, blank=True)
    # Scale figures (規模): e.g. the number of ledger records managed.
    ledger_records = models.PositiveBigIntegerField(_("台帳管理件数"), null=True, blank=True)
    scale_notes = models.TextField(_("規模に関する補足"), blank=True)
    known_issues = models.TextField(_("課題"), blank=True)
    renewal_plan = models.TextField(_("更新計画"), blank=True)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    # Demo data made up to reach realistic totals is marked, so nobody mistakes it for fact.
    is_synthetic = models.BooleanField(_("合成データ"), default=False)
    # The current vendor's tenure, cached from the contract history so that the list can
    # filter and sort by lock-in in SQL at any size. ``governance.karte.rules.refresh_tenures``
    # rewrites it; every service that changes contracts calls it in the same transaction.
    # ``governance.karte.rules.vendor_tenure`` (computed live) stays the truth for one system.
    tenure_vendor = models.ForeignKey(
        "governance.Vendor",
        verbose_name=_("現在の事業者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    tenure_years = models.PositiveSmallIntegerField(
        _("同一事業者の継続年数"), default=0, editable=False, db_index=True
    )
    tenure_since = models.PositiveIntegerField(
        _("継続開始年度"), null=True, blank=True, editable=False
    )
    tenure_latest_year = models.PositiveIntegerField(
        _("契約の最新年度"), null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("情報システム")
        verbose_name_plural = _("情報システム")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Vendor(models.Model):
    """One vendor (事業者) that builds, runs or supplies information systems."""

    name = models.CharField(_("事業者名"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("事業者")
        verbose_name_plural = _("事業者")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """One contract of one fiscal year: which vendor worked on the system, how, for how much.

    The contract history is what vendor tenure (and so lock-in) is computed from.
    """

    system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("情報システム"),
        on_delete=models.CASCADE,
        related_name="contracts",
    )
    fiscal_year = models.PositiveIntegerField(_("年度"))
    vendor = models.ForeignKey(
        Vendor, verbose_name=_("事業者"), on_delete=models.PROTECT, related_name="contracts"
    )
    contract_type = models.CharField(_("契約種別"), max_length=100, blank=True)
    amount = models.PositiveBigIntegerField(_("契約金額（円）"), null=True, blank=True)

    class Meta:
        verbose_name = _("契約")
        verbose_name_plural = _("契約")
        ordering = ["system", "fiscal_year", "vendor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "fiscal_year", "vendor", "contract_type"],
                name="contract_unique_per_year",
            )
        ]
        indexes = [models.Index(fields=["system", "fiscal_year"], name="contract_system_year_idx")]

    def __str__(self) -> str:
        return f"{self.system.code} {self.fiscal_year} {self.vendor.name}"


class CostKind(models.TextChoices):
    BUDGET = "budget", _("予算")
    SETTLEMENT = "settlement", _("決算")


class CostCategory(models.TextChoices):
    INITIAL = "initial", _("イニシャル")
    RUNNING = "running", _("ランニング")


class CostPerspective(models.TextChoices):
    """The five perspectives costs are classified under (DOMAIN.md: a reading, an assumption)."""

    HARDWARE = "hardware", _("ハードウェア")
    SOFTWARE = "software", _("ソフトウェア")
    DEVELOPMENT = "development", _("開発・改修")
    OPERATION = "operation", _("運用・保守")
    LINES_CLOUD = "lines_cloud", _("回線・クラウド利用")


class CostRecord(models.Model):
    """One cost figure: a system's budget or settlement, initial or running, under one
    perspective, for one fiscal year, in thousand yen (as the registry records it)."""

    system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("情報システム"),
        on_delete=models.CASCADE,
        related_name="costs",
    )
    fiscal_year = models.PositiveIntegerField(_("年度"))
    kind = models.CharField(_("予算決算"), max_length=20, choices=CostKind.choices)
    category = models.CharField(_("費目"), max_length=20, choices=CostCategory.choices)
    perspective = models.CharField(_("観点"), max_length=20, choices=CostPerspective.choices)
    amount_thousand_yen = models.BigIntegerField(_("金額（千円）"))

    class Meta:
        verbose_name = _("経費")
        verbose_name_plural = _("経費")
        ordering = ["system", "fiscal_year", "kind", "category", "perspective"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "fiscal_year", "kind", "category", "perspective"],
                name="cost_unique_figure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.system.code} {self.fiscal_year} {self.kind} {self.amount_thousand_yen}"


class MonitoringService(models.TextChoices):
    CYBER_ATTACK = "cyber_attack", _("サイバー攻撃検知通報")
    WEB_MALWARE = "web_malware", _("ウェブ感染型マルウェア検知")
    RESPONSE_TIME = "response_time", _("ホームページレスポンス観測")


class MonitoringEnrolment(models.Model):
    """Whether a system is enrolled in one of the three monitoring services, and if not, its
    own countermeasures or the reason it is exempt."""

    system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("情報システム"),
        on_delete=models.CASCADE,
        related_name="monitoring",
    )
    service = models.CharField(_("サービス"), max_length=30, choices=MonitoringService.choices)
    enrolled = models.BooleanField(_("登録"), default=False)
    own_measures = models.TextField(_("独自対策"), blank=True)
    exemption_reason = models.TextField(_("対象外理由"), blank=True)

    class Meta:
        verbose_name = _("監視サービス登録")
        verbose_name_plural = _("監視サービス登録")
        ordering = ["system", "service"]
        constraints = [
            models.UniqueConstraint(fields=["system", "service"], name="monitoring_unique_service")
        ]

    def __str__(self) -> str:
        return f"{self.system.code} {self.service} {'有' if self.enrolled else '無'}"


# --- Equipment and monitored targets (NEXT_WAVE §A.4) ----------------------------------------


class AssetKind(models.TextChoices):
    """What a piece of equipment is (the kinds of network connection that are equipment)."""

    SERVER = "server", _("サーバ")
    TERMINAL = "terminal", _("端末（標準端末以外）")
    NETWORK_DEVICE = "network_device", _("ネットワーク機器")
    SPECIAL_DEVICE = "special_device", _("特定用途機器・IoT")


class WirelessAuth(models.TextChoices):
    """How a wireless LAN authenticates (the guideline's 6.1(13) asks for Enterprise in LGWAN)."""

    WPA3_ENTERPRISE = "wpa3_enterprise", _("WPA3 エンタープライズ（IEEE802.1X）")
    WPA2_ENTERPRISE = "wpa2_enterprise", _("WPA2 エンタープライズ（IEEE802.1X）")
    PSK = "psk", _("事前共有鍵（PSK）")
    OPEN = "open", _("認証なし（オープン）")


class AssetLocation(models.TextChoices):
    HEADQUARTERS = "headquarters", _("本庁")
    BRANCH = "branch", _("出先機関")
    DATA_CENTRE = "data_centre", _("データセンター")
    CLOUD = "cloud", _("クラウド")


class NetworkAsset(models.Model):
    """One piece of equipment of an information system (a server, a switch, a 複合機): what
    it is, where it sits on the network and how long its OS is supported. Network connection
    approvals, incidents and the disposal of storage devices point at these rows.

    ``mac_address`` is stored as ``aa:bb:cc:dd:ee:ff`` and is unique among active assets;
    ``ip_address`` is a canonical address or CIDR. Rows are changed only through
    ``governance.karte.services`` (each change audited against the system)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("使用中")
        RETIRED = "retired", _("使用終了")
        DISPOSED = "disposed", _("廃棄済")

    system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("情報システム"),
        on_delete=models.PROTECT,
        related_name="assets",
    )
    kind = models.CharField(_("機器の種類"), max_length=30, choices=AssetKind.choices)
    hostname = models.CharField(_("ホスト名"), max_length=253)
    asset_tag = models.CharField(_("備品番号"), max_length=50, blank=True)
    ip_address = models.CharField(_("IP アドレス・CIDR"), max_length=50, blank=True)
    mac_address = models.CharField(_("MAC アドレス"), max_length=17, blank=True)
    maker = models.CharField(_("メーカー"), max_length=100, blank=True)
    model_name = models.CharField(_("型番"), max_length=100, blank=True)
    os_name = models.CharField(_("OS"), max_length=100, blank=True)
    os_version = models.CharField(_("OS のバージョン"), max_length=50, blank=True)
    os_eol_on = models.DateField(_("OS のサポート終了日"), null=True, blank=True)
    firmware_version = models.CharField(_("ファームウェア"), max_length=50, blank=True)
    has_storage = models.BooleanField(_("記憶媒体あり"), default=False)
    wireless = models.BooleanField(_("無線LAN"), default=False)
    wireless_auth = models.CharField(
        _("無線LANの認証方式"), max_length=20, choices=WirelessAuth.choices, blank=True
    )
    location = models.CharField(
        _("設置場所"), max_length=20, choices=AssetLocation.choices, blank=True
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    # The 廃棄証明書 (an attachment of the condition that asked for it), once disposed.
    disposal_certificate = models.ForeignKey(
        "governance.Attachment",
        verbose_name=_("廃棄証明書"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("機器")
        verbose_name_plural = _("機器")
        ordering = ["system", "hostname", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mac_address"],
                condition=models.Q(status="active") & ~models.Q(mac_address=""),
                name="asset_unique_active_mac",
            ),
            models.UniqueConstraint(
                fields=["system", "hostname"],
                condition=models.Q(status="active"),
                name="asset_unique_active_hostname",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hostname}（{self.system.code}）"


class MonitoredTarget(models.Model):
    """One target (a URL or a CIDR) registered with one of the three monitoring services for a
    system, from ``registered_on`` until ``removed_on``. Counting the rows active at a fiscal
    year's end gives the yearly figures (seed 000: 177 / 88 / 75)."""

    system = models.ForeignKey(
        InformationSystem,
        verbose_name=_("情報システム"),
        on_delete=models.PROTECT,
        related_name="monitored_targets",
    )
    service = models.CharField(_("サービス"), max_length=30, choices=MonitoringService.choices)
    target = models.CharField(_("監視対象（URL・CIDR）"), max_length=300)
    registered_on = models.DateField(_("登録日"))
    removed_on = models.DateField(_("登録解除日"), null=True, blank=True)

    class Meta:
        verbose_name = _("監視対象")
        verbose_name_plural = _("監視対象")
        ordering = ["system", "service", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "target"],
                condition=models.Q(removed_on__isnull=True),
                name="monitored_target_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()}: {self.target}"

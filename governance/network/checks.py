"""The automatic checks of a network connection application against the registry (NEXT_WAVE
§A.6), as pure functions: facts in, results out, no database.

- ``blocking_errors``: what refuses the application outright (an end-of-life OS, wireless where
  the guideline forbids it, inbound traffic from the internet into the inner segments, My Number
  data abroad, a retired system). Nothing is saved.
- ``proposed_findings``: pre-filled findings the security reviewer accepts or dismisses with a
  reason; some propose a condition of the approval with its due days.
- ``routing``: whether the CISO must approve too, and why in words.
- ``validity``: the approval's last day and what set it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from governance.japanese import era_date
from governance.netinput import ANY, is_global

# Blocking messages; tests assert on these (NEXT_WAVE §A.10 checks 1–3).
LGWAN_WIRELESS_ENTERPRISE = gettext_noop(
    "LGWAN接続系で無線LANを利用する場合は、WPA2/WPA3エンタープライズ（IEEE802.1X認証）が必要です。"
)
MYNUMBER_NO_WIRELESS = gettext_noop("マイナンバー利用事務系では無線LANは利用できません。")
EOL_PASSED = gettext_noop(
    "機器「{hostname}」の OS（{os}）はサポートが終了しています（{date}）。"
    "サポート中の OS に更新してから申請してください。"
)
INBOUND_FROM_INTERNET = gettext_noop(
    "インターネットから{segment}への内向きの通信は認められません（通信{number}: {source}）。"
)
MYNUMBER_FOREIGN_CLOUD = gettext_noop(
    "マイナンバー利用事務系には、国外にデータを保存するクラウドサービスを接続できません。"
)
SYSTEM_RETIRED = gettext_noop("廃止済みのシステムへの接続は申請できません。")
CLOUD_ISMAP_REQUIRED = gettext_noop(
    "クラウドサービスは ISMAP（又は ISMAP-LIU）に登録されたものに限られます。"
)

# Pre-filled findings and the conditions they propose.
EXPOSURE_MISMATCH = "カルテのインターネット公開区分と申請内容が一致しません"
MONITORING_UNCOVERED = (
    "インターネットに公開するシステムですが、監視サービスへの登録も独自対策の登録もありません。"
)
MONITORING_CONDITION = "監視サービス（ウェブ感染型マルウェア検知 等）への申込み又は独自対策の登録"
GLOBAL_IP = "グローバル IP アドレスを使用するため、プラットフォーム診断の対象です。"
VULNERABILITY_CONDITION = "プラットフォーム診断の受診"
EOL_BEFORE_END = (
    "機器「{hostname}」の OS のサポート終了日（{date}）が接続終了予定日より前のため、"
    "承認の有効期限はサポート終了日までとなります。"
)
ANY_ANY = "通信先・ポートを限定してください（通信{number}: 通信先 any、ポート any）。"
CLOUD_NOT_ISMAP = (
    "ISMAP に登録されていない（又は登録状況が不明な）クラウドサービスです。"
    "外部サービス利用要領に沿って安全性を確認してください。"
)
STORAGE_DISPOSAL = (
    "記憶媒体を持つ機器（{hostnames}）があります。廃棄時には廃棄証明書の提出が必要です。"
)

SEGMENT_WORDS = {
    "mynumber": "マイナンバー利用事務系",
    "lgwan": "LGWAN接続系",
    "internet": "インターネット接続系",
    "closed_other": "その他の閉域網",
}
ENTERPRISE_AUTH = ("wpa3_enterprise", "wpa2_enterprise")


@dataclass(frozen=True)
class AssetFacts:
    hostname: str
    os_name: str = ""
    os_eol_on: dt.date | None = None
    has_storage: bool = False
    wireless: bool = False
    wireless_auth: str = ""


@dataclass(frozen=True)
class FlowFacts:
    """One communication: endpoints as ``(kind, value)`` from ``netinput.parse_endpoint``."""

    number: int
    source: tuple[str, str]
    destination: tuple[str, str]
    ports: str
    direction: str


@dataclass(frozen=True)
class ApplicationFacts:
    target_kind: str
    segment: str
    internet_exposure: str
    crosses_segments: bool = False
    global_ip: bool = False
    wireless: bool = False
    wireless_auth: str = ""
    data_location: str = ""
    ismap_status: str = ""
    desired_end_on: dt.date | None = None
    assets: Sequence[AssetFacts] = ()
    flows: Sequence[FlowFacts] = ()


@dataclass(frozen=True)
class SystemFacts:
    """The registry's view of the system: its status, public flag and monitoring coverage."""

    status: str = "active"
    internet_facing: bool = False
    coverage: str = "not_applicable"


@dataclass(frozen=True)
class Blocking:
    """A refusal: the message constant and the values it is formatted with."""

    message: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProposedFinding:
    """A finding the checks pre-fill for the reviewer (text already in Japanese)."""

    check: str
    perspective: str
    text: str
    severity: str = "warning"
    proposed_condition: str = ""
    condition_due_days: int | None = None


@dataclass(frozen=True)
class Routing:
    requires_ciso: bool
    reasons: tuple[str, ...]

    @property
    def sentence(self) -> str:
        if self.requires_ciso:
            return "CISO の承認が必要（" + "、".join(self.reasons) + "）"
        return "統括情報セキュリティ責任者の承認で完結（CISO の承認を要する事由なし）"


def _wireless_in_use(app: ApplicationFacts) -> list[str]:
    """The authentication of every wireless LAN the application brings ("" if unknown)."""
    found = [app.wireless_auth] if app.wireless else []
    found.extend(asset.wireless_auth for asset in app.assets if asset.wireless)
    return found


def _from_internet(endpoint: tuple[str, str]) -> bool:
    kind, value = endpoint
    if kind == ANY:
        return True
    if kind == "cidr":
        return is_global(value)
    return kind in ("fqdn", "wildcard")


def blocking_errors(
    app: ApplicationFacts,
    system: SystemFacts | None,
    *,
    today: dt.date,
    ismap_required: bool = False,
) -> list[Blocking]:
    """Everything that refuses the application (an empty list: it may be submitted)."""
    errors: list[Blocking] = []
    if system is not None and system.status != "active":
        errors.append(Blocking(SYSTEM_RETIRED))
    for asset in app.assets:
        if asset.os_eol_on is not None and asset.os_eol_on < today:
            errors.append(
                Blocking(
                    EOL_PASSED,
                    {
                        "hostname": asset.hostname,
                        "os": asset.os_name or "—",
                        "date": era_date(asset.os_eol_on),
                    },
                )
            )
    wireless = _wireless_in_use(app)
    if wireless and app.segment == "mynumber":
        errors.append(Blocking(MYNUMBER_NO_WIRELESS))
    elif app.segment == "lgwan" and any(auth not in ENTERPRISE_AUTH for auth in wireless):
        errors.append(Blocking(LGWAN_WIRELESS_ENTERPRISE))
    if app.segment in ("mynumber", "lgwan"):
        for flow in app.flows:
            if flow.direction == "inbound" and _from_internet(flow.source):
                errors.append(
                    Blocking(
                        INBOUND_FROM_INTERNET,
                        {
                            "segment": SEGMENT_WORDS[app.segment],
                            "number": str(flow.number),
                            "source": flow.source[1],
                        },
                    )
                )
    if (
        app.segment == "mynumber"
        and app.target_kind == "cloud_service"
        and app.data_location == "foreign"
    ):
        errors.append(Blocking(MYNUMBER_FOREIGN_CLOUD))
    if (
        ismap_required
        and app.target_kind == "cloud_service"
        and app.ismap_status not in ("ismap", "ismap_liu")
    ):
        errors.append(Blocking(CLOUD_ISMAP_REQUIRED))
    return errors


def proposed_findings(
    app: ApplicationFacts, system: SystemFacts | None, *, condition_days: int
) -> list[ProposedFinding]:
    """The pre-filled findings, in a fixed order (one per check that fires)."""
    found: list[ProposedFinding] = []
    public = app.internet_exposure == "inbound_public"
    if system is not None and public and not system.internet_facing:
        found.append(ProposedFinding("exposure_mismatch", "external_risk", EXPOSURE_MISMATCH))
    if system is not None and public and system.coverage == "uncovered":
        found.append(
            ProposedFinding(
                "monitoring",
                "monitoring",
                MONITORING_UNCOVERED,
                proposed_condition=MONITORING_CONDITION,
                condition_due_days=condition_days,
            )
        )
    if app.global_ip:
        found.append(
            ProposedFinding(
                "vulnerability_scan",
                "vulnerability_scan",
                GLOBAL_IP,
                proposed_condition=VULNERABILITY_CONDITION,
                condition_due_days=condition_days,
            )
        )
    if app.desired_end_on is not None:
        for asset in app.assets:
            if asset.os_eol_on is not None and asset.os_eol_on < app.desired_end_on:
                found.append(
                    ProposedFinding(
                        f"eol_before_end:{asset.hostname}",
                        "os_patch",
                        EOL_BEFORE_END.format(
                            hostname=asset.hostname, date=era_date(asset.os_eol_on)
                        ),
                        severity="info",
                    )
                )
    for flow in app.flows:
        if flow.destination[0] == ANY and flow.ports == ANY:
            found.append(
                ProposedFinding(
                    f"any_any:{flow.number}", "communications", ANY_ANY.format(number=flow.number)
                )
            )
    if app.target_kind == "cloud_service" and app.ismap_status not in ("ismap", "ismap_liu"):
        found.append(ProposedFinding("cloud_ismap", "external_risk", CLOUD_NOT_ISMAP))
    storage = [asset.hostname for asset in app.assets if asset.has_storage]
    if storage:
        found.append(
            ProposedFinding(
                "storage_disposal",
                "disposal",
                STORAGE_DISPOSAL.format(hostnames="、".join(storage)),
                severity="info",
            )
        )
    return found


def routing(app: ApplicationFacts) -> Routing:
    """Whether the CISO approves too (NEXT_WAVE §A.6 item 11, rule ``nc_ciso_routing`` v1)."""
    reasons = []
    if app.segment == "mynumber":
        reasons.append("マイナンバー利用事務系への接続")
    if app.crosses_segments:
        reasons.append("セグメントをまたぐ通信")
    if app.target_kind == "external_line":
        reasons.append("外部回線")
    if app.target_kind == "remote_access":
        reasons.append("リモートアクセス")
    if app.internet_exposure == "inbound_public":
        reasons.append("インターネットへの公開（内向き通信）")
    if app.data_location == "foreign":
        reasons.append("国外へのデータ保存")
    return Routing(bool(reasons), tuple(reasons))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validity(
    *,
    valid_from: dt.date,
    desired_end_on: dt.date | None,
    eols: Sequence[dt.date | None],
    max_years: int,
) -> tuple[dt.date, str]:
    """The approval's last day and its basis (``desired_end`` / ``eol`` / ``max_years``): the
    earliest of the requested end, the earliest end of support, and ``max_years`` from
    ``valid_from`` (its eve: from 2024-04-01, three years end on 2027-03-31)."""
    candidates = [(add_years(valid_from, max_years) - dt.timedelta(days=1), "max_years")]
    if desired_end_on is not None:
        candidates.append((desired_end_on, "desired_end"))
    known = [eol for eol in eols if eol is not None]
    if known:
        candidates.append((min(known), "eol"))
    return min(candidates, key=lambda item: item[0])


def is_after_the_fact(desired_start_on: dt.date, today: dt.date) -> bool:
    """A start date already past: the connection may already exist (事後申請)."""
    return desired_start_on < today

"""Demo network connections: a dozen applications and approvals across four departments, every
segment and most states, made by the demo users through the flow's own pages (the headless
driver), so that each role finds work and the registry shows each system's connection status.

- Some cases are dated back, as if made earlier (``as_of``): their steps ran with the clock
  set to that day, so their audit events, clocks and documents carry those dates. Then the
  clock runner and the revocation triggers run once at today's date: the approval whose
  validity ended is 接続承認期限切れ, the condition long overdue has opened a review task.
- Among them: one approval expiring within 60 days (its reminder comes), one suspended
  (緊急遮断中, the approver's task open), one with an overdue condition, one pending the CISO,
  one pending the approver, one sent back, one under security review, one rejected.
- The systems are the registry's when they exist (by code); otherwise a minimal karte entry is
  created, marked synthetic, with the facts the checks read (public or not, monitoring).
- The step does nothing if network connections already exist.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from forms import network as nc_forms
from governance import flows
from governance.clocks.runner import run_deadlines
from governance.japanese import fiscal_year_of
from governance.karte import services as karte
from governance.models import (
    ConnectionApproval,
    ConnectionFinding,
    Department,
    InformationSystem,
    MonitoringEnrolment,
    MonitoringService,
    NetworkConnection,
    Proposal,
    SystemKind,
    User,
)
from governance.network import services

# (code, name, department code, kind, internet-facing, monitoring enrolment)
SYSTEMS: list[tuple[str, str, str, str, bool, str]] = [
    (
        "DEMO-NW-SOMU-01",
        "電子申請受付システム",
        "somu",
        SystemKind.PACKAGE_CUSTOMISATION,
        True,
        "web_malware",
    ),
    ("DEMO-NW-SOMU-02", "文書管理システム", "somu", SystemKind.SCRATCH, False, ""),
    ("DEMO-NW-ZAIMU-01", "公売情報公開システム", "zaimu", SystemKind.SCRATCH, True, ""),
    (
        "DEMO-NW-ZAIMU-02",
        "税務窓口端末システム",
        "zaimu",
        SystemKind.PACKAGE_CUSTOMISATION,
        False,
        "",
    ),
    ("DEMO-NW-FUKUSHI-01", "障害者手帳発行システム", "fukushi", SystemKind.SCRATCH, False, ""),
    (
        "DEMO-NW-KENKO-01",
        "感染症情報管理システム",
        "kenko",
        SystemKind.PACKAGE_CUSTOMISATION,
        False,
        "",
    ),
]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@contextlib.contextmanager
def as_of(days_ago: int) -> Iterator[None]:
    """Run the enclosed steps with the clock set back ``days_ago`` days (10:00 that day)."""
    real = timezone.now
    moment = timezone.localtime(real()).replace(hour=10, minute=0, second=0, microsecond=0)
    start = moment - dt.timedelta(days=days_ago)
    offset = start - real()
    timezone.now = lambda: real() + offset  # a demo-only clock shift
    try:
        yield
    finally:
        timezone.now = real


def _system(code: str, name: str, department: str, kind: str, public: bool, service: str) -> Any:
    found = InformationSystem.objects.filter(code=code).first()
    if found is not None:
        return found
    system = InformationSystem.objects.create(
        code=code,
        name=name,
        department=Department.objects.get(code=department),
        kind=kind,
        internet_facing=public,
        is_synthetic=True,
    )
    if service:
        MonitoringEnrolment.objects.create(system=system, service=service, enrolled=True)
    return system


def _flow() -> Any:
    return flows.flow_class("network_connection")


def _diagram() -> SimpleUploadedFile:
    return SimpleUploadedFile("ネットワーク構成図.pdf", io.BytesIO(PDF).read())


def _apply(user: User, system: Any, **values: Any) -> NetworkConnection:
    data = nc_forms.application_data(system=system, **values)
    process = flows.driver().start(
        _flow(), user=user, data=data, files={"network_diagram": _diagram()}
    )
    return NetworkConnection.objects.get(process=process)


def _step(connection: NetworkConnection, node: str, user: User, data: dict[str, str]) -> Any:
    flows.driver().complete(connection.process, getattr(_flow(), node), user=user, data=data)
    return NetworkConnection.objects.get(pk=connection.pk)


def _review(connection: NetworkConnection, people: dict[str, User]) -> NetworkConnection:
    for finding in ConnectionFinding.objects.filter(case=connection, proposal=Proposal.PENDING):
        flows.driver().act(
            connection.process,
            _flow().security_review,
            user=people["security"],
            data=nc_forms.accept_data(finding),
        )
    connection = _step(
        connection, "security_review", people["security"], nc_forms.security_review_data()
    )
    return _step(connection, "network_review", people["netadmin"], nc_forms.network_review_data())


def _approve(
    connection: NetworkConnection,
    people: dict[str, User],
    *,
    conditions: list[dict[str, Any]] | None = None,
) -> NetworkConnection:
    proposed = [
        {
            "text": finding.proposed_condition,
            "due_date": services.default_condition_due(),
            "finding": finding.pk,
        }
        for finding in services.proposed_condition_findings(connection)
    ]
    rows = proposed + (conditions or [])
    decision = "approve_with_conditions" if rows else "approve"
    connection = _step(
        connection,
        "approve",
        people["approver"],
        nc_forms.approve_data(decision=decision, conditions=rows),
    )
    if connection.requires_ciso and connection.status != "closed":
        connection = _step(connection, "ciso_approve", people["ciso"], nc_forms.ciso_data())
    return connection


def _connect(connection: NetworkConnection, people: dict[str, User], staff: User) -> Any:
    connection = _step(
        connection, "connect", people["netadmin"], nc_forms.connect_data("配線・FW 設定済")
    )
    _step(connection, "acknowledge", staff, nc_forms.acknowledge_data())
    return ConnectionApproval.objects.get(case=connection)


def _server(host: str, ip: str, **values: Any) -> dict[str, Any]:
    return nc_forms.asset_row(
        host,
        ip_address=ip,
        os_name=values.pop("os_name", "Red Hat Enterprise Linux"),
        os_version=values.pop("os_version", "9"),
        os_eol_on=values.pop("os_eol_on", "2032-05-31"),
        **values,
    )


def load(stdout: Any) -> None:
    if NetworkConnection.objects.exists():
        stdout.write("ネットワーク接続のデモデータは登録済みです。")
        return
    names = (
        "staff_somu", "staff_zaimu", "staff_fukushi", "staff_kenko",
        "security", "netadmin", "approver", "ciso",
    )  # fmt: skip
    people = {user.username: user for user in User.objects.filter(username__in=names)}
    if len(people) < len(names):
        stdout.write("ネットワーク接続のデモに必要な利用者がいないため、登録しませんでした。")
        return
    systems = {row[0]: _system(*row) for row in SYSTEMS}
    today = timezone.localdate()
    inner = nc_forms.flow_row
    somu, zaimu = people["staff_somu"], people["staff_zaimu"]
    fukushi, kenko = people["staff_fukushi"], people["staff_kenko"]

    # 1. 総務部: a public reception server, routed to the CISO, connected (接続中), its URL
    #    registered with the web-malware monitoring service.
    with as_of(200):
        case = _apply(
            somu,
            systems["DEMO-NW-SOMU-01"],
            title="電子申請受付サーバのインターネット公開",
            segment="internet",
            internet_exposure="inbound_public",
            desired_start_on=timezone.localdate() + dt.timedelta(days=14),
            assets=[_server("eapply01", "203.0.113.10", mac_address="00-1A-2B-3C-4D-01")],
            flows=[
                inner("any", "eapply01", "443", direction="inbound", purpose="府民からの申請受付"),
                inner("eapply01", "10.20.0.0/24", "5432", purpose="受付データの連携"),
            ],
            global_ip=True,
        )
        approval = _connect(_approve(_review(case, people), people), people, somu)
        condition = approval.conditions.get()
        services.report_condition(
            actor=somu,
            condition=condition,
            evidence="プラットフォーム診断を受診し、指摘はなかった。",
        )
        services.verify_condition(actor=people["security"], condition=condition)
        karte.add_monitored_target(
            actor=people["approver"],
            system=systems["DEMO-NW-SOMU-01"],
            service=MonitoringService.WEB_MALWARE,
            target="https://shinsei.pref.example.jp/",
        )

    # 2. 総務部: a document server whose approval ends within 60 days (reminder due).
    with as_of(320):
        case = _apply(
            somu,
            systems["DEMO-NW-SOMU-02"],
            title="文書管理サーバの接続",
            desired_start_on=timezone.localdate() + dt.timedelta(days=7),
            desired_end_on=today + dt.timedelta(days=45),
            assets=[_server("docsrv01", "10.30.1.5", has_storage=True)],
            flows=[
                inner("10.30.0.0/16", "docsrv01", "443", direction="inbound", purpose="職員の閲覧")
            ],
        )
        _connect(_approve(_review(case, people), people), people, somu)

    # 3. 財務部: a public server on a system without any monitoring: a condition to enrol,
    #    never met; long overdue, it has opened a review task for the approver.
    with as_of(110):
        case = _apply(
            zaimu,
            systems["DEMO-NW-ZAIMU-01"],
            title="公売情報公開サーバの接続",
            segment="internet",
            internet_exposure="inbound_public",
            desired_start_on=timezone.localdate() + dt.timedelta(days=10),
            assets=[_server("kobai01", "203.0.113.20")],
            flows=[inner("any", "kobai01", "443", direction="inbound", purpose="公売情報の公開")],
        )
        _connect(_approve(_review(case, people), people), people, zaimu)

    # 4. 財務部: 複合機 with storage in LGWAN, connected.
    with as_of(150):
        case = _apply(
            zaimu,
            systems["DEMO-NW-ZAIMU-02"],
            title="窓口複合機の接続",
            target_kind="special_device",
            default_password_changed=True,
            assets=[
                nc_forms.asset_row(
                    "mfp-zaimu01",
                    "special_device",
                    ip_address="10.40.2.15",
                    has_storage=True,
                    os_name="複合機ファームウェア",
                    os_eol_on="2031-03-31",
                )
            ],
            flows=[
                inner("10.40.0.0/16", "mfp-zaimu01", "9100", direction="inbound", purpose="印刷")
            ],
            desired_start_on=timezone.localdate() + dt.timedelta(days=5),
        )
        _connect(_approve(_review(case, people), people), people, zaimu)

    # 5. 福祉部: wireless access point (WPA3 Enterprise) in LGWAN, connected, then cut in an
    #    emergency by the network admin: 緊急遮断中, the approver's decision due.
    with as_of(90):
        case = _apply(
            fukushi,
            systems["DEMO-NW-FUKUSHI-01"],
            title="手帳発行窓口の無線LANアクセスポイント",
            target_kind="network_device",
            wireless=True,
            wireless_auth="wpa3_enterprise",
            assets=[
                nc_forms.asset_row(
                    "ap-fukushi01",
                    "network_device",
                    ip_address="10.50.3.2",
                    wireless=True,
                    wireless_auth="wpa3_enterprise",
                    os_name="AP OS",
                    os_eol_on="2030-12-31",
                )
            ],
            flows=[
                inner("ap-fukushi01", "10.50.0.0/16", "1812", protocol="udp", purpose="802.1X 認証")
            ],
            desired_start_on=timezone.localdate() + dt.timedelta(days=3),
        )
        approval = _connect(_approve(_review(case, people), people), people, fukushi)
    services.suspend_approvals(
        actor=people["netadmin"], approval=approval, reason="不審な認証失敗が多数発生したため"
    )

    # 6. 福祉部: a cloud service (LGWAN-ASP), approved with a condition, not yet connected.
    case = _apply(
        fukushi,
        systems["DEMO-NW-FUKUSHI-01"],
        title="手帳情報のLGWAN-ASP利用",
        target_kind="cloud_service",
        cloud_provider="株式会社サンプルクラウド",
        cloud_service_name="手帳管理サービス",
        ismap_status="unknown",
        data_location="domestic",
        lgwan_asp=True,
        assets=[],
        flows=[inner("10.50.0.0/16", "asp.example.lg.jp", "443", purpose="ASP の利用")],
        desired_start_on=today + dt.timedelta(days=20),
    )
    _approve(
        _review(case, people),
        people,
        conditions=[
            {
                "text": "ISMAP 登録状況を確認し報告すること",
                "due_date": services.default_condition_due(),
            }
        ],
    )

    # 7. 健康医療部: remote maintenance by the vendor: the CISO's approval awaited.
    case = _apply(
        kenko,
        systems["DEMO-NW-KENKO-01"],
        title="保守事業者のリモート保守接続",
        target_kind="remote_access",
        remote_maintenance=True,
        remote_method="SSL-VPN（端末証明書）",
        mfa=True,
        assets=[],
        flows=[
            inner("198.51.100.0/28", "10.60.1.0/24", "22", direction="inbound", purpose="保守作業")
        ],
        segment="closed_other",
        segment_other_name="保守専用閉域網",
        desired_start_on=today + dt.timedelta(days=30),
    )
    case = _review(case, people)
    _step(case, "approve", people["approver"], nc_forms.approve_data())

    # 8. 健康医療部: a server in the My Number segment: waiting for the approver.
    case = _apply(
        kenko,
        systems["DEMO-NW-KENKO-01"],
        title="感染症情報管理サーバ（マイナンバー系）",
        segment="mynumber",
        handles_personal_info=True,
        handles_my_number=True,
        info_confidentiality="3",
        assets=[_server("kansen-db01", "10.70.1.10", has_storage=True)],
        flows=[
            inner(
                "10.70.0.0/16",
                "kansen-db01",
                "443",
                direction="inbound",
                purpose="業務端末からの利用",
            )
        ],
        desired_start_on=today + dt.timedelta(days=30),
    )
    _review(case, people)

    # 9. 総務部: a kiosk terminal, sent back to the department.
    case = _apply(
        somu,
        systems["DEMO-NW-SOMU-02"],
        title="受付キオスク端末の接続",
        target_kind="terminal",
        assets=[
            nc_forms.asset_row(
                "kiosk01",
                "terminal",
                ip_address="10.30.9.9",
                os_name="Windows 11 IoT",
                os_eol_on="2032-10-12",
            )
        ],
        flows=[inner("kiosk01", "any", "any", purpose="更新")],
        desired_start_on=today + dt.timedelta(days=14),
    )
    _step(
        case,
        "security_review",
        people["security"],
        nc_forms.security_review_data(
            send_back=True, message="通信先とポートを限定してください（any は不可）。"
        ),
    )

    # 10. 財務部: a server with a global IP, under security review (a finding to decide).
    _apply(
        zaimu,
        systems["DEMO-NW-ZAIMU-01"],
        title="公売参加申込サーバの接続",
        segment="internet",
        internet_exposure="outbound_only",
        global_ip=True,
        assets=[_server("kobai02", "203.0.113.21")],
        flows=[inner("kobai02", "*.windowsupdate.com", "443", purpose="OS の更新")],
        desired_start_on=today + dt.timedelta(days=21),
    )

    # 11. 福祉部: an external line: rejected.
    case = _apply(
        fukushi,
        systems["DEMO-NW-FUKUSHI-01"],
        title="委託先との専用回線",
        target_kind="external_line",
        segment="closed_other",
        segment_other_name="委託先専用線",
        assets=[],
        flows=[
            inner("192.0.2.0/28", "10.50.5.0/24", "443", direction="inbound", purpose="データ授受")
        ],
        desired_start_on=today + dt.timedelta(days=30),
    )
    case = _review(case, people)
    _step(
        case,
        "approve",
        people["approver"],
        nc_forms.approve_data(
            decision="reject", comment="LGWAN-ASP による授受で足りるため、専用回線は認めない。"
        ),
    )

    # 12. 健康医療部: an approval whose validity has ended (接続承認期限切れ).
    with as_of(400):
        case = _apply(
            kenko,
            systems["DEMO-NW-KENKO-01"],
            title="旧集計サーバの接続",
            desired_start_on=timezone.localdate() + dt.timedelta(days=5),
            desired_end_on=today - dt.timedelta(days=20),
            assets=[_server("shukei01", "10.60.2.20", has_storage=True)],
            flows=[inner("shukei01", "10.60.0.0/16", "445", purpose="集計データの共有")],
        )
        _connect(_approve(_review(case, people), people), people, kenko)

    run_deadlines()
    services.run_approval_triggers()
    count = NetworkConnection.objects.count()
    stdout.write(
        f"ネットワーク接続 {count} 件（{fiscal_year_of(today)}年度）、"
        f"接続承認 {ConnectionApproval.objects.count()} 件を登録しました。"
    )

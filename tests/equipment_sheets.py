"""The registry's workbook carries each system's equipment (機器) and monitored targets
(監視対象) on two new sheets: the four original sheets keep their columns, the import reads
addresses in any width, stays all or nothing, and importing an export changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from governance.karte import io as karte_io
from governance.karte.services import import_systems
from governance.models import (
    AuditEvent,
    InformationSystem,
    MonitoredTarget,
    NetworkAsset,
)
from tests.factories import InformationSystemFactory
from tests.karte_files import (
    CONTRACT_HEADER,
    COST_HEADER,
    MONITORING_HEADER,
    SYSTEM_HEADER,
    basic_workbook,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

ASSET_HEADER = [
    "システムコード",
    "ホスト名",
    "機器の種類",
    "IP アドレス",
    "MAC アドレス",
    "OS",
    "OS のバージョン",
    "OS のサポート終了日",
    "記憶媒体",
    "無線LAN",
    "無線LANの認証方式",
]
TARGET_HEADER = ["システムコード", "サービス", "監視対象", "登録日", "登録解除日"]


def _import(actor: Any, data: bytes, name: str = "karte.xlsx") -> Any:
    return import_systems(actor=actor, parsed=karte_io.read_file(name, data), source=name)


def _equipment() -> tuple[Any, ...]:
    return (
        sorted(
            NetworkAsset.objects.values_list(
                "system__code",
                "hostname",
                "kind",
                "ip_address",
                "mac_address",
                "os_eol_on",
                "status",
            )
        ),
        sorted(
            MonitoredTarget.objects.values_list(
                "system__code", "service", "target", "registered_on", "removed_on"
            )
        ),
    )


def _with_equipment() -> bytes:
    return basic_workbook(
        機器=[
            ASSET_HEADER,
            [
                "A-001",
                "WEB01",
                "サーバ",
                "１９２．１６８．１．１０",
                "AA-BB-CC-00-11-22",
                "RHEL",
                "9",
                "令和14年5月31日",
                "有",
                "無",
                "",
            ],
            [
                "A-001",
                "ap01",
                "ネットワーク機器",
                "",
                "aabb.cc00.1133",
                "",
                "",
                None,
                "無",
                "有",
                "WPA3 エンタープライズ（IEEE802.1X）",
            ],
        ],
        監視対象=[
            TARGET_HEADER,
            ["A-001", "ウェブ感染型マルウェア検知", "https://a001.example.jp/", "2025-04-01", None],
            ["A-001", "サイバー攻撃検知通報", "２０３．０．１１３．０／２８", "R7.4.1", None],
        ],
    )


def test_the_equipment_sheets_are_read_in_any_width_and_recorded_against_the_system(
    cast: Any,
) -> None:
    result = _import(cast["reviewer"], _with_equipment())
    assert result.rows_added["機器"] == 2 and result.rows_added["監視対象"] == 2
    web = NetworkAsset.objects.get(hostname="web01")
    assert (web.ip_address, web.mac_address, web.os_eol_on) == (
        "192.168.1.10",
        "aa:bb:cc:00:11:22",
        dt.date(2032, 5, 31),
    )
    assert web.has_storage and web.system.code == "A-001"
    assert NetworkAsset.objects.get(hostname="ap01").wireless_auth == "wpa3_enterprise"
    assert set(MonitoredTarget.objects.values_list("target", flat=True)) == {
        "https://a001.example.jp/",
        "203.0.113.0/28",
    }
    event = AuditEvent.objects.filter(
        action="karte.system.create", object_repr__contains="A-001"
    ).get()
    assert "asset:web01" in event.changes and "target:cyber_attack:203.0.113.0/28" in event.changes


def test_the_original_four_sheets_keep_their_columns_and_two_sheets_are_added(
    cast: Any, login: Any
) -> None:
    _import(cast["reviewer"], _with_equipment())
    workbook = load_workbook(io.BytesIO(login(cast["reviewer"]).get("/karte/export/").content))
    assert workbook.sheetnames == ["システム", "契約", "経費", "監視", "機器", "監視対象"]
    headers = {name: [cell.value for cell in workbook[name][1]] for name in workbook.sheetnames}
    assert headers["システム"][: len(SYSTEM_HEADER)] == SYSTEM_HEADER
    assert headers["契約"] == CONTRACT_HEADER
    assert headers["経費"] == COST_HEADER
    assert headers["監視"] == MONITORING_HEADER
    assert headers["機器"][: len(ASSET_HEADER)] == ASSET_HEADER
    assert headers["監視対象"] == TARGET_HEADER


def test_importing_the_export_changes_nothing_and_records_nothing(cast: Any, login: Any) -> None:
    _import(cast["reviewer"], _with_equipment())
    exported = login(cast["reviewer"]).get("/karte/export/").content
    before, events = _equipment(), AuditEvent.objects.count()
    result = _import(cast["reviewer"], exported, "export.xlsx")
    assert not result.changed
    assert _equipment() == before
    assert AuditEvent.objects.count() == events


def test_equipment_left_out_of_the_sheet_goes_out_of_use_and_targets_are_replaced(
    cast: Any,
) -> None:
    _import(cast["reviewer"], _with_equipment())
    again = basic_workbook(
        機器=[
            ASSET_HEADER,
            [
                "A-001",
                "web01",
                "サーバ",
                "192.168.1.11",
                "aa:bb:cc:00:11:22",
                "RHEL",
                "9",
                "2032-05-31",
                "有",
                "無",
                "",
            ],
        ],
        監視対象=[
            TARGET_HEADER,
            [
                "A-001",
                "ウェブ感染型マルウェア検知",
                "https://a001.example.jp/",
                "2025-04-01",
                "2026-03-31",
            ],
        ],
    )
    _import(cast["reviewer"], again)
    assert NetworkAsset.objects.get(hostname="web01").ip_address == "192.168.1.11"
    assert NetworkAsset.objects.get(hostname="ap01").status == NetworkAsset.Status.RETIRED
    assert list(MonitoredTarget.objects.values_list("target", "removed_on")) == [
        ("https://a001.example.jp/", dt.date(2026, 3, 31))
    ]


def test_a_bad_mac_address_rejects_the_whole_file_and_names_sheet_row_and_column(
    cast: Any,
) -> None:
    bad = basic_workbook(
        機器=[
            ASSET_HEADER,
            ["A-001", "web01", "サーバ", "10.0.0.1/8", "zz-zz", "", "", None, "無", "無", ""],
        ],
    )
    with pytest.raises(karte_io.KarteImportError) as caught:
        _import(cast["reviewer"], bad)
    messages = [str(issue) for issue in caught.value.issues]
    assert any(m.startswith("シート「機器」 2行目 列「MAC アドレス」") for m in messages)
    assert any("（10.0.0.0/8 の意味ですか）" in m for m in messages)
    assert not InformationSystem.objects.exists()  # the システム sheet was not applied either
    assert not NetworkAsset.objects.exists()


def test_a_mac_address_in_use_by_another_system_is_refused(cast: Any, dept_a: Any) -> None:
    other = InformationSystemFactory.create(code="Z-999", department=dept_a)
    NetworkAsset.objects.create(
        system=other, kind="server", hostname="db01", mac_address="aa:bb:cc:00:11:22"
    )
    with pytest.raises(karte_io.KarteImportError) as caught:
        _import(cast["reviewer"], _with_equipment())
    assert any("Z-999" in str(issue) and "db01" in str(issue) for issue in caught.value.issues)


def test_a_monitored_target_of_another_system_is_refused(cast: Any, dept_a: Any) -> None:
    other = InformationSystemFactory.create(code="Z-998", department=dept_a)
    MonitoredTarget.objects.create(
        system=other,
        service="web_malware",
        target="https://a001.example.jp/",
        registered_on=dt.date(2024, 4, 1),
    )
    with pytest.raises(karte_io.KarteImportError) as caught:
        _import(cast["reviewer"], _with_equipment())
    assert any("Z-998" in str(issue) for issue in caught.value.issues)


def test_a_csv_of_the_equipment_sheet_is_recognised_by_its_header(cast: Any) -> None:
    _import(cast["reviewer"], basic_workbook())
    rows = [",".join(ASSET_HEADER), "A-002,mfp01,特定用途機器・IoT,10.2.0.5,,,,,有,無,"]
    result = _import(cast["reviewer"], "\n".join(rows).encode("utf-8"), "assets.csv")
    assert result.rows_added["機器"] == 1
    assert NetworkAsset.objects.get(hostname="mfp01").system.code == "A-002"
    targets = (
        ",".join(TARGET_HEADER)
        + "\nA-002,ホームページレスポンス観測,https://a002.example.jp/,2026-04-01,\n"
    )
    parsed = karte_io.read_csv(targets.encode("utf-8"))
    assert parsed.targets is not None and parsed.monitoring is None


def test_a_workbook_without_the_equipment_sheets_leaves_equipment_as_it_is(cast: Any) -> None:
    _import(cast["reviewer"], _with_equipment())
    before = _equipment()
    _import(cast["reviewer"], workbook_bytes({"システム": [SYSTEM_HEADER]}))
    assert _equipment() == before

"""The automatic checks of an application against the registry are pure functions: each row of
these tables is one fact in and the one result it must produce (NEXT_WAVE §A.6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from governance.network import checks

TODAY = dt.date(2026, 11, 30)
BASE = {"target_kind": "server", "segment": "lgwan", "internet_exposure": "none"}
PUBLIC_SYSTEM = checks.SystemFacts(internet_facing=True, coverage="enrolled")


def facts(**values: Any) -> checks.ApplicationFacts:
    return checks.ApplicationFacts(**{**BASE, **values})


def flow(
    direction: str,
    source: tuple[str, str],
    destination: tuple[str, str] = ("asset", "web01"),
    ports: str = "443",
) -> checks.FlowFacts:
    return checks.FlowFacts(
        number=1, source=source, destination=destination, ports=ports, direction=direction
    )


@pytest.mark.parametrize(
    ("values", "system", "messages"),
    [
        ({}, None, []),
        ({}, checks.SystemFacts(status="retired"), [checks.SYSTEM_RETIRED]),
        (
            {"assets": [checks.AssetFacts("old01", "Windows Server 2012", dt.date(2025, 10, 14))]},
            None,
            [checks.EOL_PASSED],
        ),
        ({"assets": [checks.AssetFacts("new01", "RHEL 9", TODAY)]}, None, []),
        ({"wireless": True, "wireless_auth": "psk"}, None, [checks.LGWAN_WIRELESS_ENTERPRISE]),
        ({"wireless": True, "wireless_auth": "open"}, None, [checks.LGWAN_WIRELESS_ENTERPRISE]),
        ({"wireless": True, "wireless_auth": "wpa3_enterprise"}, None, []),
        ({"segment": "internet", "wireless": True, "wireless_auth": "psk"}, None, []),
        (
            {"segment": "mynumber", "wireless": True, "wireless_auth": "wpa3_enterprise"},
            None,
            [checks.MYNUMBER_NO_WIRELESS],
        ),
        ({"flows": [flow("inbound", ("any", "any"))]}, None, [checks.INBOUND_FROM_INTERNET]),
        (
            {"flows": [flow("inbound", ("cidr", "8.8.8.0/24"))]},
            None,
            [checks.INBOUND_FROM_INTERNET],
        ),
        ({"flows": [flow("inbound", ("cidr", "10.0.0.0/8"))]}, None, []),
        ({"flows": [flow("outbound", ("asset", "web01"), ("any", "any"))]}, None, []),
        ({"segment": "internet", "flows": [flow("inbound", ("any", "any"))]}, None, []),
        (
            {"segment": "mynumber", "target_kind": "cloud_service", "data_location": "foreign"},
            None,
            [checks.MYNUMBER_FOREIGN_CLOUD],
        ),
        (
            {"segment": "lgwan", "target_kind": "cloud_service", "data_location": "foreign"},
            None,
            [],
        ),
    ],
)
def test_blocking_checks(values: dict[str, Any], system: Any, messages: list[str]) -> None:
    errors = checks.blocking_errors(facts(**values), system, today=TODAY)
    assert [error.message for error in errors] == messages


def test_an_end_of_life_os_is_refused_naming_the_asset_and_the_date() -> None:
    app = facts(assets=[checks.AssetFacts("old01", "Windows Server 2012", dt.date(2025, 10, 14))])
    [error] = checks.blocking_errors(app, None, today=TODAY)
    assert error.values == {
        "hostname": "old01",
        "os": "Windows Server 2012",
        "date": "令和7年10月14日",
    }


def test_cloud_services_need_ismap_only_when_the_rule_says_so() -> None:
    app = facts(target_kind="cloud_service", ismap_status="none")
    assert checks.blocking_errors(app, None, today=TODAY) == []
    [error] = checks.blocking_errors(app, None, today=TODAY, ismap_required=True)
    assert error.message == checks.CLOUD_ISMAP_REQUIRED


@pytest.mark.parametrize(
    ("values", "system", "codes"),
    [
        ({}, checks.SystemFacts(), []),
        (
            {"internet_exposure": "inbound_public"},
            checks.SystemFacts(internet_facing=False, coverage="not_applicable"),
            ["exposure_mismatch"],
        ),
        (
            {"internet_exposure": "inbound_public"},
            checks.SystemFacts(internet_facing=True, coverage="uncovered"),
            ["monitoring"],
        ),
        ({"internet_exposure": "inbound_public"}, PUBLIC_SYSTEM, []),
        (
            {"internet_exposure": "inbound_public"},
            checks.SystemFacts(internet_facing=True, coverage="own_measures"),
            [],
        ),
        ({"global_ip": True}, PUBLIC_SYSTEM, ["vulnerability_scan"]),
        (
            {
                "desired_end_on": dt.date(2029, 3, 31),
                "assets": [checks.AssetFacts("web01", os_eol_on=dt.date(2027, 6, 30))],
            },
            checks.SystemFacts(),
            ["eol_before_end:web01"],
        ),
        (
            {
                "desired_end_on": dt.date(2027, 3, 31),
                "assets": [checks.AssetFacts("web01", os_eol_on=dt.date(2027, 6, 30))],
            },
            checks.SystemFacts(),
            [],
        ),
        (
            {"flows": [flow("outbound", ("asset", "web01"), ("any", "any"), "any")]},
            checks.SystemFacts(),
            ["any_any:1"],
        ),
        (
            {"flows": [flow("outbound", ("asset", "web01"), ("any", "any"), "443")]},
            checks.SystemFacts(),
            [],
        ),
        (
            {"target_kind": "cloud_service", "ismap_status": "unknown"},
            checks.SystemFacts(),
            ["cloud_ismap"],
        ),
        ({"target_kind": "cloud_service", "ismap_status": "ismap"}, checks.SystemFacts(), []),
        (
            {"assets": [checks.AssetFacts("mfp01", has_storage=True)]},
            checks.SystemFacts(),
            ["storage_disposal"],
        ),
    ],
)
def test_prefilled_findings(values: dict[str, Any], system: Any, codes: list[str]) -> None:
    found = checks.proposed_findings(facts(**values), system, condition_days=30)
    assert [item.check for item in found] == codes


def test_an_unmonitored_public_server_gets_a_monitoring_condition_due_in_the_rules_days() -> None:
    [finding] = checks.proposed_findings(
        facts(internet_exposure="inbound_public"),
        checks.SystemFacts(internet_facing=True, coverage="uncovered"),
        condition_days=30,
    )
    assert (
        finding.proposed_condition
        == "監視サービス（ウェブ感染型マルウェア検知 等）への申込み又は独自対策の登録"
    )
    assert finding.condition_due_days == 30


@pytest.mark.parametrize(
    ("values", "requires", "reasons"),
    [
        ({}, False, ()),
        ({"segment": "mynumber"}, True, ("マイナンバー利用事務系への接続",)),
        ({"crosses_segments": True}, True, ("セグメントをまたぐ通信",)),
        ({"target_kind": "external_line"}, True, ("外部回線",)),
        ({"target_kind": "remote_access"}, True, ("リモートアクセス",)),
        (
            {"segment": "internet", "internet_exposure": "inbound_public"},
            True,
            ("インターネットへの公開（内向き通信）",),
        ),
        ({"segment": "internet", "internet_exposure": "outbound_only"}, False, ()),
        (
            {"target_kind": "cloud_service", "data_location": "foreign"},
            True,
            ("国外へのデータ保存",),
        ),
        ({"target_kind": "cloud_service", "data_location": "domestic"}, False, ()),
    ],
)
def test_routing_to_the_ciso(
    values: dict[str, Any], requires: bool, reasons: tuple[str, ...]
) -> None:
    routing = checks.routing(facts(**values))
    assert (routing.requires_ciso, routing.reasons) == (requires, reasons)


@pytest.mark.parametrize(
    ("valid_from", "desired_end", "eols", "expected"),
    [
        (dt.date(2024, 4, 1), None, [], (dt.date(2027, 3, 31), "max_years")),
        (
            dt.date(2026, 11, 30),
            dt.date(2029, 3, 31),
            [dt.date(2027, 6, 30)],
            (dt.date(2027, 6, 30), "eol"),
        ),
        (
            dt.date(2026, 11, 30),
            dt.date(2027, 3, 31),
            [dt.date(2031, 1, 1)],
            (dt.date(2027, 3, 31), "desired_end"),
        ),
        (dt.date(2024, 2, 29), None, [None], (dt.date(2027, 2, 27), "max_years")),
        (
            dt.date(2026, 4, 1),
            dt.date(2031, 3, 31),
            [dt.date(2030, 1, 1), dt.date(2028, 5, 1)],
            (dt.date(2028, 5, 1), "eol"),
        ),
    ],
)
def test_the_validity_is_the_earliest_of_end_support_and_the_longest_period(
    valid_from: dt.date, desired_end: dt.date | None, eols: list[Any], expected: tuple[dt.date, str]
) -> None:
    assert (
        checks.validity(valid_from=valid_from, desired_end_on=desired_end, eols=eols, max_years=3)
        == expected
    )


def test_an_application_starting_in_the_past_is_after_the_fact() -> None:
    assert checks.is_after_the_fact(dt.date(2026, 11, 29), TODAY)
    assert not checks.is_after_the_fact(TODAY, TODAY)

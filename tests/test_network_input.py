"""Network connection input is read the way people type it (full-width addresses and ports, MAC
notations, era dates) and every bad value is refused with a Japanese message naming its field,
with nothing saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms import network as nc_forms
from governance import netinput
from governance.models import AuditEvent, Case, NetworkAsset, NetworkConnection
from governance.network import checks
from governance.network import messages as msg
from tests.factories import InformationSystemFactory
from tests.network_support import SERVER, apply
from workflows.driver import StepRefused

F = "通信先"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("192.168.1.10", "192.168.1.10"),
        ("１９２．１６８．１．１０", "192.168.1.10"),
        (" 10.0.0.1 ", "10.0.0.1"),
        ("2001:DB8::1", "2001:db8::1"),
    ],
)
def test_an_ip_address_is_read_in_any_width_and_stored_canonical(
    typed: str, canonical: str
) -> None:
    assert netinput.parse_ip(typed, field="IP") == canonical


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("192.168.1.0/24", "192.168.1.0/24"),
        ("１９２．１６８．１．０／２４", "192.168.1.0/24"),
        ("10.0.0.1", "10.0.0.1/32"),
        ("2001:db8::/32", "2001:db8::/32"),
    ],
)
def test_a_network_is_read_in_any_width_and_stored_canonical(typed: str, canonical: str) -> None:
    assert netinput.parse_cidr(typed, field=F) == canonical


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "192.168.1.10/24",
            "通信先: ネットワークアドレスではありません（192.168.1.0/24 の意味ですか）。",
        ),
        (
            "１９２．１６８．１．１０／２４",
            "通信先: ネットワークアドレスではありません（192.168.1.0/24 の意味ですか）。",
        ),
        ("10.1.2.3/8", "通信先: ネットワークアドレスではありません（10.0.0.0/8 の意味ですか）。"),
        ("192.168.1.0/33", netinput.CIDR_INVALID.format(field=F, value="192.168.1.0/33")),
        ("192.168.1.300", netinput.IP_INVALID.format(field=F, value="192.168.1.300")),
    ],
)
def test_a_network_with_host_bits_set_is_refused_with_the_network_it_probably_meant(
    typed: str, message: str
) -> None:
    with pytest.raises(netinput.NetInputError) as refused:
        netinput.parse_cidr(typed, field=F)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("443", "443"),
        ("４４３", "443"),
        ("443, 8000-8080", "443,8000-8080"),
        ("４４３、８０００－８０８０", "443,8000-8080"),
        ("80 443 80", "80,443"),
        ("any", "any"),
        ("1-65535", "1-65535"),
    ],
)
def test_ports_and_ranges_are_read_in_any_width(typed: str, canonical: str) -> None:
    assert netinput.parse_ports(typed, field="ポート") == canonical


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", netinput.PORT_INVALID.format(field="ポート", value="0")),
        ("65536", netinput.PORT_INVALID.format(field="ポート", value="65536")),
        ("http", netinput.PORT_INVALID.format(field="ポート", value="http")),
        (
            "8080-80",
            netinput.PORT_RANGE_REVERSED.format(
                field="ポート", value="8080-80", suggestion="80-8080"
            ),
        ),
        (
            ",".join(str(port) for port in range(1000, 1021)),
            netinput.PORTS_TOO_MANY.format(field="ポート", limit=20),
        ),
        ("", netinput.PORTS_REQUIRED.format(field="ポート")),
    ],
)
def test_bad_ports_are_refused_naming_the_field(typed: str, message: str) -> None:
    with pytest.raises(netinput.NetInputError) as refused:
        netinput.parse_ports(typed, field="ポート")
    assert str(refused.value) == message


def test_twenty_ports_in_one_row_are_accepted_and_twenty_one_are_not() -> None:
    twenty = ",".join(str(port) for port in range(1000, 1020))
    assert netinput.parse_ports(twenty, field="ポート") == twenty
    with pytest.raises(netinput.NetInputError):
        netinput.parse_ports(twenty + ",2000", field="ポート")


@pytest.mark.parametrize(
    "typed",
    [
        "AA-BB-CC-DD-EE-FF",
        "aa:bb:cc:dd:ee:ff",
        "aabb.ccdd.eeff",
        "ＡＡ：ＢＢ：ＣＣ：ＤＤ：ＥＥ：ＦＦ",
        "AABBCCDDEEFF",
    ],
)
def test_a_mac_address_is_read_in_its_common_notations(typed: str) -> None:
    assert netinput.parse_mac(typed, field="MAC アドレス") == "aa:bb:cc:dd:ee:ff"


@pytest.mark.parametrize("typed", ["aa:bb:cc:dd:ee", "aa-bb:cc-dd:ee-ff", "gg:bb:cc:dd:ee:ff", ""])
def test_a_malformed_mac_address_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(netinput.NetInputError) as refused:
        netinput.parse_mac(typed, field="MAC アドレス")
    assert str(refused.value).startswith("MAC アドレス: ")


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("any", "any", "any"),
        ("0.0.0.0/0", "any", "any"),
        ("www.pref.osaka.lg.jp", "fqdn", "www.pref.osaka.lg.jp"),
        ("ＷＷＷ．ＥＸＡＭＰＬＥ．ＪＰ", "fqdn", "www.example.jp"),
        ("*.example.jp", "wildcard", "*.example.jp"),
        ("10.0.0.0/24", "cidr", "10.0.0.0/24"),
    ],
)
def test_an_endpoint_is_any_a_network_or_a_host_name(typed: str, kind: str, value: str) -> None:
    assert netinput.parse_endpoint(typed, field=F) == netinput.Endpoint(kind, value)


@pytest.mark.parametrize("typed", ["-bad-.example.jp", "localhost", "exa mple.jp", "*.*.jp"])
def test_a_malformed_host_name_is_refused(typed: str) -> None:
    with pytest.raises(netinput.NetInputError) as refused:
        netinput.parse_endpoint(typed, field=F)
    assert str(refused.value).startswith(f"{F}: ")


@given(st.lists(st.integers(min_value=1, max_value=65535), min_size=1, max_size=20))
def test_reading_canonical_ports_again_changes_nothing(ports: list[int]) -> None:
    canonical = netinput.parse_ports(",".join(str(p) for p in ports), field="ポート")
    assert netinput.parse_ports(canonical, field="ポート") == canonical


@given(st.binary(min_size=6, max_size=6))
def test_every_mac_notation_of_the_same_address_reads_the_same(raw: bytes) -> None:
    hexes = raw.hex()
    colons = ":".join(hexes[i : i + 2] for i in range(0, 12, 2))
    dashes = colons.replace(":", "-").upper()
    dotted = ".".join(hexes[i : i + 4] for i in range(0, 12, 4))
    full_width = colons.translate(
        str.maketrans("0123456789abcdef:", "０１２３４５６７８９ａｂｃｄｅｆ：")
    )
    readings = {
        netinput.parse_mac(text, field="MAC") for text in (colons, dashes, dotted, full_width)
    }
    assert readings == {colons}


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_a_cidr_is_accepted_exactly_when_it_is_its_own_network(address: Any, prefix: int) -> None:
    import ipaddress

    text = f"{address}/{prefix}"
    network = ipaddress.ip_network(text, strict=False)
    if str(network.network_address) == str(address):
        assert netinput.parse_cidr(text, field=F) == str(network)
    else:
        with pytest.raises(netinput.NetInputError, match=str(network)):
            netinput.parse_cidr(text, field=F)


# --- The application page refuses bad input and saves nothing -----------------------------


def _counts() -> tuple[int, int, int]:
    return (
        NetworkConnection.objects.count(),
        NetworkAsset.objects.count(),
        AuditEvent.objects.count(),
    )


def _refused(staff: Any, system: Any, **values: Any) -> str:
    before = _counts()
    with pytest.raises(StepRefused) as refused:
        apply(staff, system, **values)
    assert _counts() == before, "a refused application must leave nothing behind"
    return str(refused.value)


FULL_WIDTH_SERVER = {
    **SERVER,
    "ip_address": "１９２．１６８．１０．５",
    "mac_address": "ａａｂｂ．ｃｃ００．１１２２",
}


@pytest.mark.django_db
def test_an_application_typed_in_full_width_is_stored_canonical(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    connection = apply(
        nc_cast["staff_a"],
        system,
        assets=[FULL_WIDTH_SERVER],
        flows=[nc_forms.flow_row("web01", "１０．０．０．０／２４", "４４３、８０００－８０８０")],
        desired_end_on="令和9年3月31日",
    )
    asset = NetworkAsset.objects.get(system=system)
    assert (asset.ip_address, asset.mac_address) == ("192.168.10.5", "aa:bb:cc:00:11:22")
    flow = connection.flows.get()
    assert (flow.destination, flow.ports) == ("10.0.0.0/24", "443,8000-8080")
    assert connection.desired_end_on == dt.date(2027, 3, 31)


@pytest.mark.django_db
def test_an_era_date_in_short_form_is_read(frozen_now: Any, nc_cast: Any, system: Any) -> None:
    connection = apply(nc_cast["staff_a"], system, desired_end_on="R9.3.31")
    assert connection.desired_end_on == dt.date(2027, 3, 31)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"flows": [nc_forms.flow_row("web01", "192.168.1.10/24", "443")]},
            "通信先: ネットワークアドレスではありません（192.168.1.0/24 の意味ですか）。",
        ),
        (
            {"flows": [nc_forms.flow_row("web01", "10.0.0.0/8", "8080-80")]},
            "ポートの範囲「8080-80」",
        ),
        ({"flows": [nc_forms.flow_row("web01", "10.0.0.0/8", "70000")]}, "ポート「70000」"),
        ({"assets": [{**SERVER, "mac_address": "zz-zz"}]}, "MAC アドレス: 「zz-zz」"),
        ({"assets": [{**SERVER, "ip_address": "10.0.0.1/8"}]}, "（10.0.0.0/8 の意味ですか）"),
        (
            {"desired_start_on": "令和8年12月1日", "desired_end_on": "令和8年11月30日"},
            msg.END_BEFORE_START,
        ),
        ({"desired_end_on": "令和8年13月1日"}, "接続終了予定日: 日付として読み取れません"),
        (
            {"flows": [nc_forms.flow_row("*.example.jp", "web01", "443", direction="inbound")]},
            msg.WILDCARD_OUTBOUND_ONLY.format(number=1),
        ),
        ({"assets": []}, msg.ASSET_REQUIRED),
        ({"flows": []}, msg.FLOW_REQUIRED),
        ({"segment": "closed_other"}, msg.SEGMENT_OTHER_NAME_REQUIRED),
        ({"crosses_segments": True}, msg.CROSSING_METHOD_REQUIRED),
    ],
)
@pytest.mark.django_db
def test_a_bad_application_is_refused_naming_the_field_and_nothing_is_saved(
    frozen_now: Any, nc_cast: Any, system: Any, values: dict[str, Any], message: str
) -> None:
    assert message in _refused(nc_cast["staff_a"], system, **values)


@pytest.mark.django_db
def test_a_mac_address_of_another_systems_active_asset_is_refused_naming_that_system(
    frozen_now: Any, nc_cast: Any, system: Any, dept_a: Any
) -> None:
    other = InformationSystemFactory.create(code="OTHER-01", department=dept_a)
    NetworkAsset.objects.create(
        system=other, kind="server", hostname="db01", mac_address="aa:bb:cc:00:11:22"
    )
    refusal = _refused(nc_cast["staff_a"], system)
    assert "aa:bb:cc:00:11:22" in refusal and "OTHER-01" in refusal and "db01" in refusal


@pytest.mark.django_db
def test_a_retired_asset_frees_its_mac_address(
    frozen_now: Any, nc_cast: Any, system: Any, dept_a: Any
) -> None:
    other = InformationSystemFactory.create(code="OTHER-02", department=dept_a)
    NetworkAsset.objects.create(
        system=other,
        kind="server",
        hostname="old01",
        mac_address="aa:bb:cc:00:11:22",
        status=NetworkAsset.Status.RETIRED,
    )
    assert apply(nc_cast["staff_a"], system).pk


@pytest.mark.django_db
def test_a_start_date_in_the_past_is_accepted_but_flagged_after_the_fact(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    past = apply(nc_cast["staff_a"], system, desired_start_on="令和8年9月1日")
    assert past.after_the_fact is True
    timely = apply(
        nc_cast["staff_a"],
        system,
        desired_start_on="2026-11-01",
        assets=[{**SERVER, "hostname": "web02", "mac_address": ""}],
        flows=[nc_forms.flow_row("web02", "10.0.0.0/24", "443")],
        segment="internet",
    )
    assert timely.after_the_fact is False


@pytest.mark.django_db
def test_a_system_of_another_department_cannot_be_named(
    frozen_now: Any, nc_cast: Any, dept_b: Any
) -> None:
    foreign = InformationSystemFactory.create(code="ZAIMU-01", department=dept_b)
    before = Case.objects.count()
    with pytest.raises(StepRefused):
        apply(nc_cast["staff_a"], foreign)
    assert Case.objects.count() == before


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        (
            checks.ApplicationFacts(
                target_kind="special_device",
                segment="lgwan",
                internet_exposure="none",
                wireless=True,
                wireless_auth="psk",
            ),
            checks.LGWAN_WIRELESS_ENTERPRISE,
        ),
        (
            checks.ApplicationFacts(
                target_kind="network_device",
                segment="lgwan",
                internet_exposure="none",
                assets=[checks.AssetFacts("ap01", wireless=True, wireless_auth="open")],
            ),
            checks.LGWAN_WIRELESS_ENTERPRISE,
        ),
        (
            checks.ApplicationFacts(
                target_kind="terminal",
                segment="mynumber",
                internet_exposure="none",
                wireless=True,
                wireless_auth="wpa3_enterprise",
            ),
            checks.MYNUMBER_NO_WIRELESS,
        ),
        (
            checks.ApplicationFacts(
                target_kind="cloud_service",
                segment="mynumber",
                internet_exposure="outbound_only",
                data_location="foreign",
            ),
            checks.MYNUMBER_FOREIGN_CLOUD,
        ),
    ],
)
def test_the_blocking_checks_refuse_what_the_guideline_forbids(
    facts: checks.ApplicationFacts, message: str
) -> None:
    errors = checks.blocking_errors(facts, None, today=dt.date(2026, 11, 30))
    assert [error.message for error in errors] == [message]


def test_lgwan_wireless_with_enterprise_authentication_is_accepted() -> None:
    facts = checks.ApplicationFacts(
        target_kind="network_device",
        segment="lgwan",
        internet_exposure="none",
        wireless=True,
        wireless_auth="wpa2_enterprise",
    )
    assert checks.blocking_errors(facts, None, today=dt.date(2026, 11, 30)) == []

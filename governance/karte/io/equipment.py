"""The registry's equipment sheets: ``機器`` (the network assets of each system) and
``監視対象`` (the URLs and CIDRs enrolled in each monitoring service), their columns, cell
readers, rows as read, and the rows written back. Kept beside ``layout`` so the four original
sheets stay as they were; ``layout`` appends these to ``SHEETS`` and ``LAYOUTS``.

- ``機器``: システムコード, ホスト名, 機器の種類, IP アドレス, MAC アドレス, OS, OS のバージョン,
  OS のサポート終了日, 記憶媒体, 無線LAN, 無線LANの認証方式 (optional: 状態, 備品番号). Only
  equipment in use is exported; a row names a system's active equipment by host name.
- ``監視対象``: システムコード, サービス, 監視対象, 登録日, 登録解除日.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from governance import netinput
from governance.japanese import JapaneseInputError, in_japanese, parse_date

SHEET_ASSETS = "機器"
SHEET_TARGETS = "監視対象"

NOT_A_DATE = "日付として読み取れません（例: 2027-03-31、令和9年3月31日、R9.3.31）。"


@dataclass(frozen=True, slots=True)
class AssetRow:
    row: int
    code: str
    hostname: str
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TargetRow:
    row: int
    code: str
    service: str
    target: str
    registered_on: dt.date
    removed_on: dt.date | None


def columns(base: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The two sheets' columns, made with the layout's ``Column`` and cell readers (``base`` is
    the ``layout`` module, which calls this; this module never imports it)."""
    from governance.models import AssetKind, MonitoringService, NetworkAsset, WirelessAuth

    def read_date(value: Any) -> dt.date | None:
        if base.is_blank(value):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(base.as_text(value))
        except JapaneseInputError:
            raise base.CellError(NOT_A_DATE) from None

    def read_required_date(value: Any) -> dt.date:
        day = read_date(value)
        if day is None:
            raise base.CellError(base.REQUIRED)
        return day

    def hostname(value: Any) -> str:
        text = netinput.normalize(base.as_text(value)).lower()
        if not text:
            raise base.CellError(base.REQUIRED)
        if len(text) > 253:
            raise base.CellError(base.TOO_LONG.format(limit=253))
        return text

    def address(value: Any) -> str:
        if base.is_blank(value):
            return ""
        try:
            text = netinput.parse_cidr(base.as_text(value), field="IP アドレス")
        except netinput.NetInputError as exc:
            raise base.CellError(str(exc)) from None
        return text.rsplit("/", 1)[0] if text.endswith(("/32", "/128")) else text

    def mac(value: Any) -> str:
        if base.is_blank(value):
            return ""
        try:
            return netinput.parse_mac(base.as_text(value), field="MAC アドレス")
        except netinput.NetInputError as exc:
            raise base.CellError(str(exc)) from None

    def target(value: Any) -> str:
        text = netinput.normalize(base.as_text(value))
        if not text:
            raise base.CellError(base.REQUIRED)
        if "://" in text:
            return text
        try:
            return netinput.parse_cidr(text, field="監視対象")
        except netinput.NetInputError as exc:
            raise base.CellError(str(exc)) from None

    assets = (
        base.Column("システムコード", "code", base.read_code),
        base.Column("ホスト名", "hostname", hostname),
        base.Column("機器の種類", "kind", base._choice(AssetKind.choices)),
        base.Column("IP アドレス", "ip_address", address),
        base.Column("MAC アドレス", "mac_address", mac),
        base.Column("OS", "os_name", base._optional_text(100)),
        base.Column("OS のバージョン", "os_version", base._optional_text(50)),
        base.Column("OS のサポート終了日", "os_eol_on", read_date),
        base.Column("記憶媒体", "has_storage", base.read_optional_yes_no),
        base.Column("無線LAN", "wireless", base.read_optional_yes_no),
        base.Column(
            "無線LANの認証方式", "wireless_auth", base._choice(WirelessAuth.choices, required=False)
        ),
        base.Column(
            "状態",
            "status",
            base._choice(NetworkAsset.Status.choices, required=False),
            required=False,
        ),
        base.Column("備品番号", "asset_tag", base._optional_text(50), required=False),
    )
    targets = (
        base.Column("システムコード", "code", base.read_code),
        base.Column("サービス", "service", base._choice(MonitoringService.choices)),
        base.Column("監視対象", "target", target),
        base.Column("登録日", "registered_on", read_required_date),
        base.Column("登録解除日", "removed_on", read_date),
    )
    return assets, targets


def asset_row(values: dict[str, Any]) -> AssetRow:
    """A checked row of the ``機器`` sheet (one with every required column)."""
    values = dict(values)
    row, code, hostname = values.pop("_row"), values.pop("code"), values.pop("hostname")
    if not values.get("wireless"):
        values["wireless_auth"] = ""
    return AssetRow(row=row, code=code, hostname=hostname, values=values)


def export_rows(ids: QuerySet[Any], base: Any) -> dict[str, Iterator[list[Any]]]:
    """The rows of the two sheets (header first) for the systems ``ids`` (a values queryset);
    ``base`` is the ``layout`` module (as for ``columns``)."""
    from governance.models import (
        AssetKind,
        MonitoredTarget,
        MonitoringService,
        NetworkAsset,
        WirelessAuth,
    )

    asset_columns, target_columns = base.ASSET_COLUMNS, base.TARGET_COLUMNS

    def yes_no(value: bool) -> str:
        return "有" if value else "無"

    def asset_rows() -> Iterator[list[Any]]:
        yield [column.header for column in asset_columns]
        queryset = (
            NetworkAsset.objects.filter(system__in=ids, status=NetworkAsset.Status.ACTIVE)
            .select_related("system")
            .order_by("system__code", "hostname")
        )
        with in_japanese():
            for a in queryset.iterator(chunk_size=2000):
                yield [
                    a.system.code,
                    a.hostname,
                    base.label_of(AssetKind.choices, a.kind),
                    a.ip_address,
                    a.mac_address,
                    a.os_name,
                    a.os_version,
                    a.os_eol_on,
                    yes_no(a.has_storage),
                    yes_no(a.wireless),
                    base.label_of(WirelessAuth.choices, a.wireless_auth),
                    base.label_of(NetworkAsset.Status.choices, a.status),
                    a.asset_tag,
                ]

    def target_rows() -> Iterator[list[Any]]:
        yield [column.header for column in target_columns]
        queryset = (
            MonitoredTarget.objects.filter(system__in=ids)
            .order_by("system__code", "service", "target", "registered_on")
            .values_list("system__code", "service", "target", "registered_on", "removed_on")
        )
        for code, service, target, registered, removed in queryset.iterator(chunk_size=2000):
            yield [
                code,
                base.label_of(MonitoringService.choices, service),
                target,
                registered,
                removed,
            ]

    return {SHEET_ASSETS: asset_rows(), SHEET_TARGETS: target_rows()}

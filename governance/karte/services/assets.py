"""A system's equipment (機器) and monitored targets (監視対象) in the registry.

Each function checks permission itself (``governance.permissions``), runs in one transaction and
records its audit event against the system (``obj=system``), like every registry change. Input
is read with ``governance.netinput`` (full-width addresses, MAC notations) and refused with a
message naming the field; nothing is saved then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import netinput, permissions
from governance.audit.services import record_event
from governance.models import (
    AssetKind,
    InformationSystem,
    MonitoredTarget,
    MonitoringService,
    NetworkAsset,
    WirelessAuth,
)

# Messages; tests assert on these.
HOSTNAME_REQUIRED = gettext_noop("ホスト名: 入力してください。")
UNKNOWN_ASSET_KIND = gettext_noop("機器の種類: 選んでください。")
UNKNOWN_WIRELESS_AUTH = gettext_noop("無線LANの認証方式: 選んでください。")
MAC_IN_USE = gettext_noop(
    "MAC アドレス: {mac} は使用中の機器「{hostname}」（システム {system}）に登録されています。"
)
TARGET_REQUIRED = gettext_noop("監視対象: URL 又は CIDR を入力してください。")
TARGET_TAKEN = gettext_noop("監視対象: 「{target}」は既に{service}に登録されています。")
UNKNOWN_SERVICE = gettext_noop("サービス: 選んでください。")
ASSET_NOT_ACTIVE = gettext_noop("この機器は使用中ではありません。")
TARGET_REMOVED = gettext_noop("この監視対象は既に登録解除されています。")


@dataclass(frozen=True)
class AssetFacts:
    """What the registry keeps of one piece of equipment, as typed (read by ``clean_asset``)."""

    hostname: str
    kind: str
    ip_address: str = ""
    mac_address: str = ""
    os_name: str = ""
    os_version: str = ""
    os_eol_on: dt.date | None = None
    has_storage: bool = False
    wireless: bool = False
    wireless_auth: str = ""
    asset_tag: str = ""
    maker: str = ""
    model_name: str = ""


ASSET_FIELDS = tuple(field.name for field in fields(AssetFacts))


def clean_asset(facts: AssetFacts) -> AssetFacts:
    """The same facts in canonical form (lower-case host name, canonical address and MAC), or
    a ``ValueError`` naming the field."""
    hostname = netinput.normalize(facts.hostname).lower()
    if not hostname:
        raise ValueError(_(HOSTNAME_REQUIRED))
    if facts.kind not in AssetKind.values:
        raise ValueError(_(UNKNOWN_ASSET_KIND))
    if facts.wireless and facts.wireless_auth not in WirelessAuth.values:
        raise ValueError(_(UNKNOWN_WIRELESS_AUTH))
    ip = facts.ip_address.strip()
    if ip:
        ip = netinput.parse_cidr(ip, field=str(_("IP アドレス")))
        if ip.endswith(("/32", "/128")):
            ip = ip.rsplit("/", 1)[0]
    mac = facts.mac_address.strip()
    if mac:
        mac = netinput.parse_mac(mac, field=str(_("MAC アドレス")))
    return AssetFacts(
        hostname=hostname,
        kind=facts.kind,
        ip_address=ip,
        mac_address=mac,
        os_name=facts.os_name.strip(),
        os_version=facts.os_version.strip(),
        os_eol_on=facts.os_eol_on,
        has_storage=facts.has_storage,
        wireless=facts.wireless,
        wireless_auth=facts.wireless_auth if facts.wireless else "",
        asset_tag=facts.asset_tag.strip(),
        maker=facts.maker.strip(),
        model_name=facts.model_name.strip(),
    )


def mac_owner(mac: str, *, except_system: InformationSystem, hostname: str) -> NetworkAsset | None:
    """The active asset, other than ``hostname`` of ``except_system``, holding ``mac``."""
    if not mac:
        return None
    return (
        NetworkAsset.objects.filter(mac_address=mac, status=NetworkAsset.Status.ACTIVE)
        .exclude(system=except_system, hostname=hostname)
        .select_related("system")
        .first()
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _value(asset: NetworkAsset, name: str) -> Any:
    return _plain(getattr(asset, name))


def register_assets(
    *, actor: Any, system: InformationSystem, assets: Sequence[AssetFacts], reason: str = ""
) -> list[NetworkAsset]:
    """Record each piece of equipment for ``system``: an active asset of the same host name is
    updated in place (only what changed), a new one is added. One audit event for the system
    lists what was added and changed. ``actor=None`` is not allowed: equipment is declared by
    people (the department, or governance staff)."""
    permissions.require_edit_system(actor, system)
    cleaned = [clean_asset(facts) for facts in assets]
    for facts in cleaned:
        owner = mac_owner(facts.mac_address, except_system=system, hostname=facts.hostname)
        if owner is not None:
            raise ValueError(
                _(MAC_IN_USE).format(
                    mac=facts.mac_address, hostname=owner.hostname, system=owner.system.code
                )
            )
    with transaction.atomic():
        existing = {
            asset.hostname: asset
            for asset in NetworkAsset.objects.filter(
                system=system, status=NetworkAsset.Status.ACTIVE
            )
        }
        result: list[NetworkAsset] = []
        added: list[str] = []
        changed: dict[str, dict[str, list[Any]]] = {}
        for facts in cleaned:
            asset = existing.get(facts.hostname)
            values = {name: getattr(facts, name) for name in ASSET_FIELDS}
            if asset is None:
                asset = NetworkAsset.objects.create(system=system, **values)
                existing[facts.hostname] = asset
                added.append(facts.hostname)
            else:
                diff = {
                    name: [_value(asset, name), _plain(value)]
                    for name, value in values.items()
                    if getattr(asset, name) != value
                }
                if diff:
                    for name in diff:
                        setattr(asset, name, values[name])
                    asset.save()
                    changed[facts.hostname] = diff
            result.append(asset)
        if added or changed:
            record_event(
                actor=actor,
                action="karte.assets.update",
                obj=system,
                changes={
                    **({"assets_added": [None, added]} if added else {}),
                    **{f"asset:{host}": [None, diff] for host, diff in changed.items()},
                },
                reason=reason,
            )
    return result


def retire_asset(*, actor: Any, asset: NetworkAsset, disposed: bool = False) -> NetworkAsset:
    """Take an asset out of use (or record it disposed); its MAC may then be used again."""
    system = asset.system
    permissions.require_edit_system(actor, system)
    if asset.status != NetworkAsset.Status.ACTIVE:
        raise ValueError(_(ASSET_NOT_ACTIVE))
    with transaction.atomic():
        old = asset.status
        asset.status = NetworkAsset.Status.DISPOSED if disposed else NetworkAsset.Status.RETIRED
        asset.save(update_fields=["status", "updated_at"])
        record_event(
            actor=actor,
            action="karte.asset.retire",
            obj=system,
            changes={f"asset:{asset.hostname}": [old, asset.status]},
        )
    return asset


def set_internet_facing(
    *, actor: Any, system: InformationSystem, internet_facing: bool, reason: str
) -> InformationSystem:
    """Correct the registry's public flag from an approved network connection (the approval's
    own decision is the authority; ``actor`` may be None, the system issuing the approval)."""
    if actor is not None:
        permissions.require_edit_system(actor, system)
    if system.internet_facing == internet_facing:
        return system
    with transaction.atomic():
        old = system.internet_facing
        system.internet_facing = internet_facing
        system.save(update_fields=["internet_facing", "updated_at"])
        record_event(
            actor=actor,
            action="karte.system.update",
            obj=system,
            changes={"internet_facing": [old, internet_facing]},
            reason=reason,
        )
    return system


def add_monitored_target(
    *,
    actor: Any,
    system: InformationSystem,
    service: str,
    target: str,
    registered_on: dt.date | None = None,
) -> MonitoredTarget:
    """Register a URL or a CIDR with a monitoring service for ``system``. A CIDR is stored in
    canonical form (full-width accepted); a URL as typed, trimmed."""
    permissions.require_edit_system(actor, system)
    if service not in MonitoringService.values:
        raise ValueError(_(UNKNOWN_SERVICE))
    text = netinput.normalize(target)
    if not text:
        raise ValueError(_(TARGET_REQUIRED))
    if "://" not in text:
        text = netinput.parse_cidr(text, field=str(_("監視対象")))
    with transaction.atomic():
        if MonitoredTarget.objects.filter(
            service=service, target=text, removed_on__isnull=True
        ).exists():
            raise ValueError(
                _(TARGET_TAKEN).format(target=text, service=MonitoringService(service).label)
            )
        row = MonitoredTarget.objects.create(
            system=system,
            service=service,
            target=text,
            registered_on=registered_on or timezone.localdate(),
        )
        record_event(
            actor=actor,
            action="karte.monitored_target.add",
            obj=system,
            changes={"monitored_target": [None, [service, text, row.registered_on.isoformat()]]},
        )
    return row


def remove_monitored_target(
    *, actor: Any, target: MonitoredTarget, removed_on: dt.date | None = None
) -> MonitoredTarget:
    system = target.system
    permissions.require_edit_system(actor, system)
    if target.removed_on is not None:
        raise ValueError(_(TARGET_REMOVED))
    with transaction.atomic():
        target.removed_on = removed_on or timezone.localdate()
        target.save(update_fields=["removed_on"])
        record_event(
            actor=actor,
            action="karte.monitored_target.remove",
            obj=system,
            changes={
                "monitored_target": [[target.service, target.target], None],
                "removed_on": [None, target.removed_on.isoformat()],
            },
        )
    return target

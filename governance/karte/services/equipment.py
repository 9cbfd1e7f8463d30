"""The workbook import of the equipment sheets (``機器``, ``監視対象``), called by
``imports.import_systems`` inside its one transaction, so the whole file is still applied all
or nothing.

- ``機器``: each row names a system's equipment in use by host name: it is added, or updated
  in place. Equipment in use of a system the sheet concerns that the sheet no longer lists is
  set out of use (使用終了), never deleted: approvals and disposal certificates point at it.
  Only equipment in use is exported, so importing an export changes nothing.
- ``監視対象``: the whole truth for the systems it concerns, like the ``監視`` sheet.
- Problems (a duplicate row, a MAC address or target held by another system) are reported
  with sheet, row and column before anything is applied.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from governance.karte.io import SHEET_ASSETS, SHEET_TARGETS, ImportIssue, ParsedImport
from governance.models import InformationSystem, MonitoredTarget, NetworkAsset

DUPLICATE_ASSET = "同じシステム・ホスト名の行が {row}行目と重複しています。"
DUPLICATE_MAC = "MAC アドレス {mac} が {row}行目と重複しています。"
MAC_ELSEWHERE = (
    "MAC アドレス {mac} は使用中の機器「{hostname}」（システム {code}）に登録されています。"
)
DUPLICATE_TARGET = "同じシステム・サービス・監視対象・登録日の行が {row}行目と重複しています。"
TARGET_ELSEWHERE = "「{target}」は既にシステム {code} の監視対象として登録されています。"
TARGET_TWICE = "「{target}」は {row}行目でも登録中です（同じサービスに登録中の監視対象は1件まで）。"


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def check(parsed: ParsedImport) -> list[ImportIssue]:
    """Duplicates within the file and clashes with other systems (one query per sheet)."""
    issues: list[ImportIssue] = []
    scope = {row.code for row in parsed.systems or []}
    if parsed.assets is not None:
        scope_assets = scope | {row.code for row in parsed.assets}
        seen: dict[tuple[str, str], int] = {}
        macs: dict[str, int] = {}
        for row in parsed.assets:
            key = (row.code, row.hostname)
            if key in seen:
                issues.append(
                    ImportIssue(
                        SHEET_ASSETS, row.row, "ホスト名", DUPLICATE_ASSET.format(row=seen[key])
                    )
                )
            seen.setdefault(key, row.row)
            mac = row.values.get("mac_address")
            active = row.values.get("status") in (None, "", NetworkAsset.Status.ACTIVE)
            if mac and active:
                if mac in macs:
                    issues.append(
                        ImportIssue(
                            SHEET_ASSETS,
                            row.row,
                            "MAC アドレス",
                            DUPLICATE_MAC.format(mac=mac, row=macs[mac]),
                        )
                    )
                macs.setdefault(mac, row.row)
        elsewhere = (
            NetworkAsset.objects.filter(
                mac_address__in=list(macs), status=NetworkAsset.Status.ACTIVE
            )
            .exclude(system__code__in=scope_assets)
            .values_list("mac_address", "hostname", "system__code")
        )
        for mac, hostname, code in elsewhere:
            issues.append(
                ImportIssue(
                    SHEET_ASSETS,
                    macs[mac],
                    "MAC アドレス",
                    MAC_ELSEWHERE.format(mac=mac, hostname=hostname, code=code),
                )
            )
    if parsed.targets is not None:
        scope_targets = scope | {row.code for row in parsed.targets}
        keys: dict[tuple[Any, ...], int] = {}
        live: dict[tuple[str, str], int] = {}
        for row in parsed.targets:
            identity = (row.code, row.service, row.target, row.registered_on)
            if identity in keys:
                issues.append(
                    ImportIssue(
                        SHEET_TARGETS, row.row, "", DUPLICATE_TARGET.format(row=keys[identity])
                    )
                )
            keys.setdefault(identity, row.row)
            if row.removed_on is None:
                if (row.service, row.target) in live:
                    issues.append(
                        ImportIssue(
                            SHEET_TARGETS,
                            row.row,
                            "監視対象",
                            TARGET_TWICE.format(
                                target=row.target, row=live[(row.service, row.target)]
                            ),
                        )
                    )
                live.setdefault((row.service, row.target), row.row)
        taken = (
            MonitoredTarget.objects.filter(
                target__in=[target for _service, target in live], removed_on__isnull=True
            )
            .exclude(system__code__in=scope_targets)
            .values_list("service", "target", "system__code")
        )
        for service, target, code in taken:
            if (service, target) in live:
                issues.append(
                    ImportIssue(
                        SHEET_TARGETS,
                        live[(service, target)],
                        "監視対象",
                        TARGET_ELSEWHERE.format(target=target, code=code),
                    )
                )
    return issues


def apply(
    parsed: ParsedImport, systems: dict[str, InformationSystem]
) -> tuple[dict[str, dict[str, list[Any]]], dict[str, int], dict[str, int]]:
    """Apply the two sheets; the changes per system code (for its audit event) and the rows
    added and removed per sheet."""
    changes: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    added: dict[str, int] = {}
    removed: dict[str, int] = {}
    codes = {row.code for row in parsed.systems or []}
    if parsed.assets is not None:
        added[SHEET_ASSETS], removed[SHEET_ASSETS] = _apply_assets(parsed, systems, codes, changes)
    if parsed.targets is not None:
        added[SHEET_TARGETS], removed[SHEET_TARGETS] = _apply_targets(
            parsed, systems, codes, changes
        )
    return changes, added, removed


def _apply_assets(
    parsed: ParsedImport,
    systems: dict[str, InformationSystem],
    codes: set[str],
    changes: dict[str, dict[str, list[Any]]],
) -> tuple[int, int]:
    rows = parsed.assets or []
    scope = codes | {row.code for row in rows}
    ids = {systems[code].pk: code for code in scope}
    existing = {
        (ids[asset.system_id], asset.hostname): asset
        for asset in NetworkAsset.objects.filter(
            system_id__in=list(ids), status=NetworkAsset.Status.ACTIVE
        )
    }
    listed = set()
    created = retired = 0
    for row in rows:
        key = (row.code, row.hostname)
        listed.add(key)
        values = {name: value for name, value in row.values.items() if name != "status" or value}
        asset = existing.get(key)
        if asset is None:
            NetworkAsset.objects.create(system=systems[row.code], hostname=row.hostname, **values)
            changes[row.code][f"asset:{row.hostname}"] = [None, "added"]
            created += 1
            continue
        diff = {
            name: [_value(getattr(asset, name)), _value(value)]
            for name, value in values.items()
            if getattr(asset, name) != value
        }
        if diff:
            for name, value in values.items():
                setattr(asset, name, value)
            asset.save()
            changes[row.code][f"asset:{row.hostname}"] = [None, diff]
    for key, asset in existing.items():
        if key not in listed:
            asset.status = NetworkAsset.Status.RETIRED
            asset.save(update_fields=["status", "updated_at"])
            changes[key[0]][f"asset:{key[1]}"] = [NetworkAsset.Status.ACTIVE, asset.status]
            retired += 1
    return created, retired


def _apply_targets(
    parsed: ParsedImport,
    systems: dict[str, InformationSystem],
    codes: set[str],
    changes: dict[str, dict[str, list[Any]]],
) -> tuple[int, int]:
    rows = parsed.targets or []
    scope = codes | {row.code for row in rows}
    ids = {systems[code].pk: code for code in scope}
    wanted = {
        (row.code, row.service, row.target, row.registered_on, row.removed_on) for row in rows
    }
    current = MonitoredTarget.objects.filter(system_id__in=list(ids)).values_list(
        "pk", "system_id", "service", "target", "registered_on", "removed_on"
    )
    have = {
        (ids[system_id], service, target, registered, removed): pk
        for pk, system_id, service, target, registered, removed in current
    }
    gone = [have[item] for item in set(have) - wanted]
    new = sorted(wanted - set(have), key=repr)
    MonitoredTarget.objects.filter(pk__in=gone).delete()
    MonitoredTarget.objects.bulk_create(
        [
            MonitoredTarget(
                system=systems[code],
                service=service,
                target=target,
                registered_on=registered,
                removed_on=removed_on,
            )
            for code, service, target, registered, removed_on in new
        ]
    )
    for code, service, target, registered, removed_on in new:
        changes[code][f"target:{service}:{target}"] = [
            None,
            [_value(registered), _value(removed_on)],
        ]
    for code, service, target, registered, removed_on in set(have) - wanted:
        changes[code][f"target:{service}:{target}"] = [
            [_value(registered), _value(removed_on)],
            None,
        ]
    return len(new), len(gone)

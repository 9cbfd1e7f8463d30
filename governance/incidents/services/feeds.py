"""The monitoring feeds' intake (NEXT_WAVE §B.3 item 2, §B.10 Feeds, §D.3, §D.4): one alert or
a batch of up to 100, posted by an integration key for its own intake source.

Everything lands through ``receive_event`` (idempotent on source and ``source_ref``), so an
alert posted twice is one event. A ``target`` (URL, IP address or system code) is matched
against the registry's monitored targets, equipment and system codes; one that matches nothing
leaves the event unmatched (「未照合」) for triage. Observables are normalised one by one: a bad
one is reported back and the event is still recorded with the good ones.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.incidents import observables as observable_rules
from governance.incidents import permissions as incident_permissions
from governance.incidents.models import FEED_BATCH_LIMIT
from governance.incidents.services.intake import receive_event
from governance.models import (
    InformationSystem,
    IntakeSource,
    MonitoredTarget,
    NetworkAsset,
    Observable,
    SecurityEvent,
    User,
)

BATCH_LIMIT = FEED_BATCH_LIMIT
#: A vendor's clock may run this far ahead of ours before ``detected_at`` counts as future.
CLOCK_SKEW = dt.timedelta(minutes=5)

DETECTED_IN_FUTURE = gettext_noop(
    "検知日時が未来になっています（5分を超える先の日時は受け付けません）。"
)
#: No monitoring feed saw anything before this: an earlier time is a broken clock or a typo
#: (and before 1888 Japan's zone had no whole-minute offset to print it with).
EARLIEST_DETECTED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
DETECTED_TOO_EARLY = gettext_noop(
    "検知日時が古すぎます（2000年1月1日より前の日時は受け付けません）。"
)
SOURCE_REF_REQUIRED = gettext_noop("通報元の識別子（source_ref）を指定してください。")
UNKNOWN_OBSERVABLE_TYPE = gettext_noop("観測値の種類が正しくありません: {type}")
BATCH_EMPTY = gettext_noop("登録するイベントを1件以上指定してください。")
BATCH_TOO_LARGE = gettext_noop("一度に登録できるイベントは{limit}件までです。")
NO_SOURCE_FOR_KEY = gettext_noop("このAPIキーの受付ソースが登録されていないか、無効です。")


@dataclass
class FeedAlert:
    """One alert as a monitoring service posts it (already of the right shape)."""

    source_ref: str
    title: str
    description: str = ""
    detected_at: dt.datetime | None = None
    severity_hint: str = ""
    target: str = ""
    observables: list[dict[str, str]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class FeedResult:
    event: SecurityEvent
    created: bool
    rejected_observables: list[dict[str, str]] = field(default_factory=list)


class BatchRefused(ValueError):
    """One or more alerts of a batch were refused; nothing of the batch was saved."""

    def __init__(self, errors: dict[int, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def source_for_key(source_code: str) -> IntakeSource:
    """The active intake source a key posts for (its code written with - or _)."""
    codes = {source_code, source_code.replace("_", "-")}
    source = IntakeSource.objects.filter(code__in=codes, active=True).first()
    if source is None:
        raise ValueError(_(NO_SOURCE_FOR_KEY))
    return source


def matched_systems(target: str) -> list[InformationSystem]:
    """The registry's systems a target names: a system code, an active monitored target (URL
    or CIDR), or an active piece of equipment's address. Full-width input is read as NFKC."""
    return SystemMatcher([target]).match(target)


def _clean(target: str) -> str:
    return unicodedata.normalize("NFKC", target or "").strip()


class SystemMatcher:
    """``matched_systems`` for the alerts of one batch: the codes they name in one query, the
    active monitored targets and equipment each read once (when an alert first needs them),
    instead of two or three queries per alert."""

    def __init__(self, targets: list[str]) -> None:
        texts = {text for text in (_clean(t) for t in targets) if text}
        self.by_code: dict[str, list[InformationSystem]] = {}
        if texts:
            for system in InformationSystem.objects.filter(code__in=texts):
                self.by_code.setdefault(system.code, []).append(system)
        self._targets: list[MonitoredTarget] | None = None
        self._assets: list[NetworkAsset] | None = None

    def targets(self) -> list[MonitoredTarget]:
        if self._targets is None:
            self._targets = list(
                MonitoredTarget.objects.filter(removed_on__isnull=True).select_related("system")
            )
        return self._targets

    def assets(self) -> list[NetworkAsset]:
        if self._assets is None:
            self._assets = list(
                NetworkAsset.objects.filter(status=NetworkAsset.Status.ACTIVE)
                .exclude(ip_address="")
                .select_related("system")
            )
        return self._assets

    def match(self, target: str) -> list[InformationSystem]:
        text = _clean(target)
        if not text:
            return []
        if text in self.by_code:
            return list(self.by_code[text])
        address = _address(text)
        found: dict[int, InformationSystem] = {}
        if address is None:
            bare = text.rstrip("/").lower()
            prefix = bare.split("/")[0][:20]
            for row in self.targets():
                named = row.target.rstrip("/").lower()
                if not row.target.lower().startswith(prefix):
                    continue
                if named == bare or bare.startswith(named + "/"):
                    found[row.system_id] = row.system
            return list(found.values())
        for row in self.targets():
            if "://" in row.target.lower():
                continue
            network = _network(row.target)
            if network is not None and address in network:
                found[row.system_id] = row.system
        for asset in self.assets():
            network = _network(asset.ip_address)
            if network is not None and address in network:
                found[asset.system_id] = asset.system
        return list(found.values())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _observables(items: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    kinds = set(Observable.Type.values)
    accepted: list[dict[str, str]] = []
    rejected: list[dict[str, str]] = []
    for item in items:
        kind, value = item.get("type", ""), item.get("value", "")
        if kind not in kinds:
            message = _(UNKNOWN_OBSERVABLE_TYPE).format(type=kind)
            rejected.append({"type": kind, "value": value, "error": message})
            continue
        try:
            normal = observable_rules.normalise(kind, value)
        except ValueError as exc:
            message = _(str(exc)).format(type=kind, length=observable_rules.HASH_LENGTHS.get(kind))
            rejected.append({"type": kind, "value": value, "error": message})
            continue
        if {"type": kind, "value": normal} not in accepted:
            accepted.append({"type": kind, "value": normal})
    return accepted, rejected


def _check(alert: FeedAlert, now: dt.datetime) -> dt.datetime | None:
    if not alert.source_ref.strip():
        raise ValueError(_(SOURCE_REF_REQUIRED))
    detected = alert.detected_at
    if detected is not None:
        if detected > now + CLOCK_SKEW:
            raise ValueError(_(DETECTED_IN_FUTURE))
        if detected < EARLIEST_DETECTED:
            raise ValueError(_(DETECTED_TOO_EARLY))
        detected = min(detected, now)
    return detected


def ingest_feed_event(
    *,
    actor: User,
    source: IntakeSource,
    alert: FeedAlert,
    matcher: SystemMatcher | None = None,
) -> FeedResult:
    """Record one monitoring alert for ``source`` as ``actor`` (the key's service user), or
    find the event already recorded for its ``source_ref`` (``matcher``: a batch's registry
    reads, shared by its alerts)."""
    permissions.require(incident_permissions.can_ingest_events(actor))
    detected = _check(alert, timezone.now())
    accepted, rejected = _observables(alert.observables)
    payload: dict[str, Any] = {"payload": alert.raw}
    if alert.target:
        payload["target"] = alert.target
    if accepted:
        payload["observables"] = accepted
    event, created = receive_event(
        actor=actor,
        source=source,
        channel="api",
        title=alert.title,
        description=alert.description,
        source_ref=alert.source_ref.strip(),
        detected_at=detected,
        systems=(matcher or SystemMatcher([alert.target])).match(alert.target),
        category_hint=source.default_category,
        severity_hint=alert.severity_hint,
        raw=payload,
    )
    return FeedResult(event=event, created=created, rejected_observables=rejected)


def ingest_feed_batch(
    *, actor: User, source: IntakeSource, alerts: list[FeedAlert]
) -> list[FeedResult]:
    """Record up to ``BATCH_LIMIT`` alerts all or nothing: one refused alert refuses the batch
    (``BatchRefused`` with the messages by position) and nothing of it is saved."""
    permissions.require(incident_permissions.can_ingest_events(actor))
    if not alerts:
        raise ValueError(_(BATCH_EMPTY))
    if len(alerts) > BATCH_LIMIT:
        raise ValueError(_(BATCH_TOO_LARGE).format(limit=BATCH_LIMIT))
    results: list[FeedResult] = []
    errors: dict[int, list[str]] = {}
    matcher = SystemMatcher([alert.target for alert in alerts])
    with transaction.atomic():
        for index, alert in enumerate(alerts):
            try:
                with transaction.atomic():
                    results.append(
                        ingest_feed_event(actor=actor, source=source, alert=alert, matcher=matcher)
                    )
            except ValueError as exc:
                errors[index] = [str(exc)]
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise BatchRefused(errors)
    return results

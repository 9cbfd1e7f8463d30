"""Writing and verifying the audit chain.

``record_event`` is called by every service, inside the service's transaction, after the
change itself. Events are chained: each carries an HMAC (keyed by ``AUDIT_CHAIN_KEY``) over
its own content and the previous event's hash. Someone able to edit the table but without the
key cannot repair the chain after a modification, deletion, reordering or forged insertion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from governance import compiled, compiled_writes
from governance.bulk import insert_rows
from governance.japanese import in_japanese
from governance.models import AuditEvent
from governance.writes import count_appended, held, note

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR_NAME = "システム"
# Any constant: the key of the PostgreSQL advisory lock that serialises chain appends.
_CHAIN_LOCK_KEY = 0x5348494E5341  # "SHINSA"


def _canonical(value: Any) -> Any:
    """JSON-normalise a value the way it will read back from a JSONField.

    Lazy labels in it are written in Japanese, whatever language the request is in: the trail
    is a record.
    """
    with in_japanese():
        return _normalised(value)


def _normalised(value: Any) -> Any:
    """``_canonical`` in the language already active."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def compute_hash(
    *,
    sequence: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    case_id: int | None,
    changes: Any,
    reason: str,
    prev_hash: str,
) -> str:
    body = json.dumps(
        {
            "sequence": sequence,
            "occurred_at": _timestamp(occurred_at),
            "actor_id": actor_id,
            "actor_name": actor_name,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "object_repr": object_repr,
            "case_id": case_id,
            "changes": changes,
            "reason": reason,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return compute_hash(
        sequence=event.sequence,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        object_repr=event.object_repr,
        case_id=event.case_id,
        changes=event.changes,
        reason=event.reason,
        prev_hash=event.prev_hash,
    )


def lock_chain() -> None:
    """Take the chain's lock for the rest of the transaction (appends are serialised by it).

    Every audited transaction takes it at its first event and holds it to the commit. Code
    that also locks shared rows which other audited transactions lock *after* their first
    event (the number counters) takes the chain's lock first, so that every transaction
    takes the two in one order and none waits for the other in a cycle (deadlock).
    """
    if connection.vendor == "postgresql" and not held("chain_lock"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        note("chain_lock", True)  # held to the commit: a second event needs no second call
    # SQLite: the service's transaction is IMMEDIATE, so it already holds the only write lock.


def describe(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return ("", "", "")
    with in_japanese():
        return _described(obj)


def _described(obj: models.Model | None) -> tuple[str, str, str]:
    """``describe`` in the language already active."""
    if obj is None:
        return ("", "", "")
    meta = obj._meta
    return (f"{meta.app_label}.{meta.model_name}", str(obj.pk), str(obj)[:300])


def case_id_of(obj: models.Model | None) -> int | None:
    """The case an audited object belongs to: a case itself, or anything with a ``case``."""
    from governance.models import Case

    if obj is None:
        return None
    if isinstance(obj, Case):
        return int(obj.pk)
    case_id = getattr(obj, "case_id", None)
    return int(case_id) if case_id is not None else None


def record_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    case: models.Model | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the transaction of the change it records.

    ``case`` defaults to the case ``obj`` belongs to.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must be called inside the service's transaction")
    lock_chain()
    count_appended()
    last = _chain_tail()
    sequence = (last["sequence"] + 1) if last else 1
    prev_hash = last["hash"] if last else GENESIS_HASH
    object_type, object_id, object_repr = describe(obj)
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_name = str(actor) if actor_id else SYSTEM_ACTOR_NAME
    normalised = _canonical(changes or {})
    occurred_at = timezone.now()
    event = AuditEvent(
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_name=actor_name[:200],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        case_id=case.pk if case is not None else case_id_of(obj),
        changes=normalised,
        reason=reason,
        prev_hash=prev_hash,
    )
    event.hash = _hash_of(event)
    compiled_writes.insert(event)  # event.save(force_insert=True), its INSERT compiled once
    note("chain_tail", {"sequence": event.sequence, "hash": event.hash})
    return event


def _chain_tail() -> dict[str, Any] | None:
    """The chain's last event (sequence and hash), read under the chain's lock: the one this
    transaction appended last, if it did (nobody else appends while it holds the lock; a
    rolled-back savepoint takes the note with it), else read from the table."""
    tail: dict[str, Any] | None = held("chain_tail")
    if tail is not None:
        return tail
    # Read for every event a transaction appends first: its SQL compiled once in this process.
    rows = compiled.values(compiled.query_key("chain_tail"), _tail_query)
    return {"sequence": rows[0][0], "hash": rows[0][1]} if rows else None


def _tail_query() -> Any:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash")[:1]


@dataclass(frozen=True)
class PendingEvent:
    """One event for ``record_events``: the arguments ``record_event`` takes, minus actor."""

    action: str
    obj: models.Model | None
    changes: dict[str, Any]
    reason: str = ""


def record_events(*, actor: Any, events: list[PendingEvent]) -> int:
    """Append many events by one actor in one go (a bulk import): the same chain as
    ``record_event`` makes one by one, with one lock and batched inserts."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_events must be called inside the service's transaction")
    if not events:
        return 0
    lock_chain()
    count_appended()
    last = _chain_tail()
    sequence = last["sequence"] if last else 0
    prev_hash = last["hash"] if last else GENESIS_HASH
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_name = (str(actor) if actor_id else SYSTEM_ACTOR_NAME)[:200]
    occurred_at = timezone.now()
    rows = []
    # One switch to Japanese for the whole batch (``describe`` and ``_canonical`` switch per
    # call; for a 10,000-system import that was 20,000 switches).
    with in_japanese():
        for pending in events:
            sequence += 1
            object_type, object_id, object_repr = _described(pending.obj)
            changes = _normalised(pending.changes)
            # The values an ``AuditEvent`` would hold, hashed as ``_hash_of`` hashes one (an
            # instance per event cost more than the hash).
            values = {
                "sequence": sequence,
                "occurred_at": occurred_at,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "action": pending.action,
                "object_type": object_type,
                "object_id": object_id,
                "object_repr": object_repr,
                "case_id": case_id_of(pending.obj),
                "changes": changes,
                "reason": pending.reason,
                "prev_hash": prev_hash,
            }
            prev_hash = values["hash"] = compute_hash(**values)
            values["changes"] = json.dumps(changes, ensure_ascii=False)
            rows.append(tuple(values[column] for column in _EVENT_COLUMNS))
            if len(rows) == _EVENT_BATCH:
                _insert_events(rows)
                rows = []
    _insert_events(rows)
    note("chain_tail", {"sequence": sequence, "hash": prev_hash})
    return len(events)


#: Events serialised before they are written: the JSON of 10,000 import events held at once
#: was some 15 MB of the import's peak.
_EVENT_BATCH = 1000


def _insert_events(rows: list[tuple[Any, ...]]) -> None:
    # Rows, not instances, through COPY on PostgreSQL (``governance.bulk``).
    insert_rows(AuditEvent._meta.db_table, _EVENT_COLUMNS, rows)


_EVENT_COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "case_id",
    "changes",
    "reason",
    "prev_hash",
    "hash",
)


def changes_between(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """``{"field": [old, new]}`` for the fields whose value differs."""
    return {
        key: [old.get(key), new.get(key)]
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    }


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The JSON-friendly values of ``fields`` (foreign keys by id) for ``changes_between``."""
    result: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        result[name] = getattr(instance, attname)
    return _canonical(result)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    verified: int
    head_sequence: int
    head_hash: str
    broken_sequence: int | None = None
    problem: str = ""


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the chain in order; report the first broken link, if any."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    verified = 0
    head_hash = GENESIS_HASH
    with transaction.atomic():
        events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=chunk_size)
        for event in events:
            if event.sequence != expected_sequence:
                return ChainReport(
                    ok=False,
                    verified=verified,
                    head_sequence=expected_sequence - 1,
                    head_hash=head_hash,
                    broken_sequence=expected_sequence,
                    problem=(
                        f"通番 {expected_sequence} の記録がありません（次は {event.sequence}）。"
                        " 削除または並べ替えの可能性があります。"
                    ),
                )
            if event.prev_hash != expected_prev:
                return ChainReport(
                    ok=False,
                    verified=verified,
                    head_sequence=expected_sequence - 1,
                    head_hash=head_hash,
                    broken_sequence=event.sequence,
                    problem="前の記録のハッシュと一致しません（前の記録の削除・改ざん・並べ替え）。",
                )
            if not hmac.compare_digest(event.hash, _hash_of(event)):
                return ChainReport(
                    ok=False,
                    verified=verified,
                    head_sequence=expected_sequence - 1,
                    head_hash=head_hash,
                    broken_sequence=event.sequence,
                    problem="記録の内容がハッシュと一致しません（改ざんまたは偽造）。",
                )
            verified += 1
            expected_prev = event.hash
            head_hash = event.hash
            expected_sequence += 1
        if verified == 0 and (found := audited_rows_present()):
            return ChainReport(
                ok=False,
                verified=0,
                head_sequence=0,
                head_hash=GENESIS_HASH,
                broken_sequence=1,
                problem=(
                    f"監査記録が1件もありませんが、データベースには{found}があります"
                    "（監査記録が消去された可能性があります）。"
                ),
            )
    return ChainReport(
        ok=True, verified=verified, head_sequence=expected_sequence - 1, head_hash=head_hash
    )


def audited_rows_present() -> str:
    """What exists that only an audited service creates (a case, a registered system, a budget
    season, a monthly anchor), named in Japanese; "" when there is none.

    Such a row means the chain once had events: an empty chain beside it was emptied. Rows
    that migrations or set-up commands create without an event (departments, users, rules,
    the lock-in term list) do not count.
    """
    from governance.models import AuditAnchor, BudgetSeason, Case, InformationSystem

    evidence = [
        (Case, "案件"),
        (InformationSystem, "システムカルテの登録"),
        (BudgetSeason, "予算確認シーズン"),
        (AuditAnchor, "月次アンカー"),
    ]
    for model, label in evidence:
        if model._default_manager.exists():
            return label
    return ""

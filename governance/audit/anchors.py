"""Anchoring the audit chain outside the database, and checking every anchor.

The chain proves that no event inside it was changed, but a chain cut short at its end is
still a consistent chain. So its head (sequence and hash) is written down elsewhere, on a
clock, without anyone having to remember:

- the periodic task ``audit_anchor`` enqueues an ``audit.anchor`` job when an anchor is due
  (the head moved and ``AUDIT_ANCHOR_INTERVAL_SECONDS`` passed, or a month closed);
- the job appends one signed JSON line ``{"at", "sequence", "hash", "hmac"}`` to
  ``AUDIT_ANCHOR_FILE`` (``SHINSA_VAR_DIR/audit-anchors.jsonl``, append-only), and once a
  month issues an ``AuditAnchor`` for the month that closed: an audit event, a notice and an
  e-mail to every auditor carrying the head, and a text document they can download;
- ``check_anchors`` (run by ``manage.py verify_audit`` and the audit page's check) reads every
  anchor of the file and of the monthly rows and reports each one the chain no longer holds.

The monthly row is the design's ``ChainAnchor`` (NEXT_WAVE §C.5b): it is issued on the first
business day of the next month (``governance.audit.notice``) with its Word notice, the
監査記録ハッシュ通知, and starts the clock of the next one, so a month the job missed is a
``Deadline`` the administrators see. There is one mechanism, not two: the file and the monthly
rows are two stores of the same head, checked by the same ``check_anchors``.

The HMAC (keyed by ``AUDIT_CHAIN_KEY``) makes a line or row forged without the key stand out.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import compiled
from governance.audit import notice as hash_notice
from governance.audit.services import ChainReport, record_event
from governance.cases.services.documents import next_document_number
from governance.cases.services.notifications import notify
from governance.clocks.models import DeadlineKind
from governance.clocks.services import meet_deadline, open_deadline_for, start_deadline
from governance.documents import keep_with_row, sha256_hex
from governance.japanese import era_date
from governance.jobs import outbox
from governance.jobs.periodic import periodic
from governance.models import AuditAnchor, AuditEvent, Job, User
from governance.roles import Role

ANCHOR_JOB = "audit.anchor"

ANCHOR_NOTICE_SUBJECT = gettext_noop(
    "【監査】{period}の監査アンカーを発行しました（通番 {sequence}）"
)
ANCHOR_NOTICE_BODY = gettext_noop(
    "{period}末の監査記録の先頭です。この通知を保管してください。\n"
    "通番: {sequence}\nハッシュ: {hash}\n"
    "照合: python manage.py verify_audit --expect-head {sequence}:{hash}"
)


# --- Signing --------------------------------------------------------------------------------


def _signature(fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def anchor_line(*, at: dt.datetime, sequence: int, digest: str) -> str:
    """One line of the anchor file (without its newline)."""
    fields: dict[str, Any] = {"at": _timestamp(at), "sequence": sequence, "hash": digest}
    fields["hmac"] = _signature(fields)
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def monthly_signature(*, period: str, issued_at: dt.datetime, sequence: int, digest: str) -> str:
    return _signature(
        {"period": period, "at": _timestamp(issued_at), "sequence": sequence, "hash": digest}
    )


# --- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """One recorded head: where it was read from, and whether its HMAC holds."""

    source: str
    at: str
    sequence: int
    hash: str
    authentic: bool


def _parse_line(text: str, source: str) -> Anchor:
    try:
        fields = json.loads(text)
        at, sequence, digest = str(fields["at"]), int(fields["sequence"]), str(fields["hash"])
        signed = _signature({"at": at, "sequence": sequence, "hash": digest})
        authentic = hmac.compare_digest(str(fields["hmac"]), signed)
        return Anchor(source, at, sequence, digest, authentic)
    except (ValueError, KeyError, TypeError):
        return Anchor(source, "", 0, "", authentic=False)


def read_file_anchors(path: Path) -> list[Anchor]:
    """Every line of the anchor file, in order; none if there is no file yet."""
    if not path.exists():
        return []
    anchors = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                anchors.append(_parse_line(line.strip(), f"{path.name}:{number}"))
    return anchors


def last_file_anchor(path: Path) -> Anchor | None:
    """The last line of the anchor file, read from its end (the file grows for years)."""
    if not path.exists():
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    return _parse_line(lines[-1], f"{path.name}:last") if lines else None


def as_anchor(anchor: AuditAnchor) -> Anchor:
    """A monthly row as an anchor to check, its HMAC recomputed from its fields."""
    return _monthly_anchor(
        anchor.period, anchor.issued_at, anchor.sequence, anchor.hash, anchor.signature
    )


def _monthly_anchor(
    period: str, issued_at: dt.datetime, sequence: int, digest: str, signature: str
) -> Anchor:
    return Anchor(
        source=f"{period} の月次アンカー",
        at=_timestamp(issued_at),
        sequence=sequence,
        hash=digest,
        authentic=hmac.compare_digest(
            signature,
            monthly_signature(period=period, issued_at=issued_at, sequence=sequence, digest=digest),
        ),
    )


#: The columns of a monthly row that its check reads, in ``_monthly_anchor``'s order.
_MONTHLY_COLUMNS = ("period", "issued_at", "sequence", "hash", "signature")


def monthly_anchor_rows() -> list[tuple[Any, ...]]:
    """``(period, issued_at, sequence, hash, signature)`` of every monthly anchor, oldest first
    (one query; its SQL, the same for everyone, is compiled once and kept:
    ``governance.compiled``; the rows are read every time)."""
    return compiled.values(
        compiled.query_key("audit_anchors", "monthly"),
        lambda: AuditAnchor.objects.order_by("period").values_list(*_MONTHLY_COLUMNS),
    )


def monthly_anchors(rows: list[tuple[Any, ...]] | None = None) -> list[Anchor]:
    """Every monthly anchor, oldest first, from ``rows`` (``monthly_anchor_rows()``) or read."""
    return [_monthly_anchor(*row) for row in (monthly_anchor_rows() if rows is None else rows)]


# --- Writing --------------------------------------------------------------------------------


def chain_head() -> tuple[int, str] | None:
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return (int(head[0]), str(head[1])) if head else None


def append_line(path: Path, line: str) -> None:
    """Append one line and make it durable; concurrent writers never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _month_start(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def closed_month(now: dt.datetime) -> str:
    """The month before ``now`` in local time ("2026-10" on any day of November 2026)."""
    return (_month_start(now) - dt.timedelta(days=1)).strftime("%Y-%m")


def _unanchored_month(now: dt.datetime) -> tuple[str, tuple[int, str]] | None:
    """The month that closed and the chain's head at its close, if its first business day
    has come, that month has no anchor yet and the chain had begun by then."""
    period = closed_month(now)
    if timezone.localdate(now) < hash_notice.issue_day(period):
        return None  # issued on the month's first business day, not before
    if AuditAnchor.objects.filter(period=period).exists():
        return None
    head = (
        AuditEvent.objects.filter(occurred_at__lt=_month_start(now))
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    return (period, (int(head[0]), str(head[1]))) if head else None


def _file_anchor_due(now: dt.datetime, head: tuple[int, str]) -> bool:
    last = last_file_anchor(Path(settings.AUDIT_ANCHOR_FILE))
    if last is None or not last.authentic:
        return True
    if (last.sequence, last.hash) == head:
        return False
    interval = dt.timedelta(seconds=settings.AUDIT_ANCHOR_INTERVAL_SECONDS)
    return dt.datetime.fromisoformat(last.at) <= now - interval


def anchor_due(now: dt.datetime | None = None) -> bool:
    """Whether the chain's head should be anchored now."""
    now = now or timezone.now()
    head = chain_head()
    if head is None:
        return False
    return _file_anchor_due(now, head) or _unanchored_month(now) is not None


@periodic("audit_anchor")
def schedule_anchor() -> str:
    """Enqueue the anchoring job when one is due and none is waiting."""
    if Job.objects.filter(kind=ANCHOR_JOB, status=Job.Status.PENDING).exists():
        return "pending"
    if not anchor_due():
        return "not due"
    with transaction.atomic():
        outbox.enqueue(ANCHOR_JOB)
    return "enqueued"


@outbox.handler(ANCHOR_JOB)
def write_anchor(job: Job) -> None:
    """Append the head to the anchor file (when due) and issue the closed month's anchor.

    The file line is written before the month's event is recorded, so it names a head that
    is already committed; a worker that dies before the job commits may append the same line
    again on the next attempt, which is harmless.
    """
    now = timezone.now()
    head = chain_head()
    if head is None:
        return
    if _file_anchor_due(now, head):
        append_line(
            Path(settings.AUDIT_ANCHOR_FILE),
            anchor_line(at=now, sequence=head[0], digest=head[1]),
        )
    if month := _unanchored_month(now):
        period, month_head = month
        issue_monthly_anchor(period=period, now=now, head=month_head)


def _store_anchor(
    *, period: str, now: dt.datetime, head: tuple[int, str]
) -> tuple[AuditAnchor, dict[str, Any]] | None:
    """Insert the month's row with its notice in one INSERT (the table refuses UPDATE), or
    None when another runner issued the month first (its period is unique)."""
    sequence, digest = head
    signature = monthly_signature(period=period, issued_at=now, sequence=sequence, digest=digest)
    anchor = AuditAnchor(
        period=period, issued_at=now, sequence=sequence, hash=digest, signature=signature
    )
    try:
        with transaction.atomic():
            anchor.document_number = next_document_number()
            context = hash_notice.notice_context(
                period=period,
                issued_at=now,
                sequence=sequence,
                digest=digest,
                signature=signature,
                document_number=anchor.document_number,
            )
            data = hash_notice.render_notice(context)
            anchor.document_sha256 = sha256_hex(data)
            keep_with_row(
                anchor.document, f"{period}.docx", data, lambda: anchor.save(force_insert=True)
            )
    except IntegrityError:
        if AuditAnchor.objects.filter(period=period).exists():
            return None
        raise
    return anchor, context


def _clock_next_anchor(anchor: AuditAnchor, *, now: dt.datetime) -> None:
    """Meet the clock the previous anchor started and start the next month's: due at the end
    of the first business day of the month after next, for the administrators."""
    previous = AuditAnchor.objects.filter(period__lt=anchor.period).order_by("-period").first()
    if previous is not None:
        clock = open_deadline_for(previous, DeadlineKind.AUDIT_CHAIN_ANCHOR)
        if clock is not None:
            meet_deadline(
                actor=None, deadline=clock, met_at=now, note=f"{anchor.period} の月次アンカー"
            )
    start_deadline(
        actor=None,
        kind=DeadlineKind.AUDIT_CHAIN_ANCHOR,
        starts_at=now,
        subject=anchor,
        due_on=hash_notice.issue_day(hash_notice.next_period(anchor.period)),
        holder_role=Role.ADMIN,
        reminders=(),
        basis=hash_notice.DEADLINE_BASIS,
    )


def issue_monthly_anchor(
    *, period: str, now: dt.datetime, head: tuple[int, str]
) -> AuditAnchor | None:
    """Record the month's anchor with its 監査記録ハッシュ通知 and audit event (which seals the
    notice's SHA-256), start the next month's clock, and hand a copy to every auditor. None
    when another runner issued the month first."""
    stored = _store_anchor(period=period, now=now, head=head)
    if stored is None:
        return None
    anchor, context = stored
    sequence, digest = head
    record_event(
        actor=None,
        action="audit.anchor",
        obj=anchor,
        changes={
            "sequence": [None, sequence],
            "hash": [None, digest],
            "document_number": [None, anchor.document_number],
            "document_sha256": [None, anchor.document_sha256],
        },
    )
    _clock_next_anchor(anchor, now=now)
    label = context["period_label"]
    auditors = User.objects.filter(groups__name=Role.AUDITOR, is_active=True).distinct()
    notify(
        recipients=auditors,
        subject=_(ANCHOR_NOTICE_SUBJECT).format(period=label, sequence=sequence),
        body=_(ANCHOR_NOTICE_BODY).format(period=label, sequence=sequence, hash=digest),
        url=reverse("audit:anchor", args=[anchor.pk]),
        dedupe_key=f"audit-anchor:{period}",
    )
    return anchor


def monthly_document(anchor: AuditAnchor) -> str:
    """The text notice of an anchor issued before the notice was a Word document: the head at
    the month's close, and how to check it against the system later. A record, so Japanese
    whatever the reader's language (like the Word documents)."""
    label = hash_notice.period_label(anchor.period)
    issued = timezone.localtime(anchor.issued_at)
    return "\n".join(
        [
            "監査アンカー（月次）",
            "",
            f"対象月: {label}",
            f"発行日時: {era_date(issued.date())} {issued:%H:%M:%S}",
            f"通番: {anchor.sequence}",
            f"ハッシュ: {anchor.hash}",
            f"署名（HMAC-SHA256）: {anchor.signature}",
            "",
            "照合方法: python manage.py verify_audit"
            f" --expect-head {anchor.sequence}:{anchor.hash}",
            f"この通番とハッシュの記録が監査記録にない場合、{label}末までの記録が"
            "消去または改ざんされています。",
            "",
        ]
    )


# --- Checking -------------------------------------------------------------------------------


@dataclass
class AnchorCheck:
    """What ``check_anchors`` found: how many anchors of each store, and every problem."""

    from_file: int = 0
    monthly: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def stored_hashes(sequences: list[int]) -> dict[int, str]:
    """The chain's hash at each of ``sequences`` that it still holds."""
    wanted = sorted(set(sequences))
    stored: dict[int, str] = {}
    for start in range(0, len(wanted), 1000):
        stored.update(
            AuditEvent.objects.filter(sequence__in=wanted[start : start + 1000]).values_list(
                "sequence", "hash"
            )
        )
    return stored


def anchor_problem(anchor: Anchor, stored: dict[int, str], chain: ChainReport | None = None) -> str:
    """Why the chain no longer holds ``anchor`` (in Japanese, without its source), or "".

    ``chain`` is a verification of the whole chain, when one was run: an event changed at or
    before the anchored sequence breaks the anchor too, even when the anchored row itself
    still carries the anchored hash (an edit of an earlier row's content, without the key).
    """
    if not anchor.authentic:
        return "署名が一致しません（偽造または改変）。"
    if anchor.sequence not in stored:
        return (
            f"記録済みの通番 {anchor.sequence} が監査記録にありません"
            "（末尾の記録が削除されています）。"
        )
    if stored[anchor.sequence] != anchor.hash:
        return (
            f"通番 {anchor.sequence} のハッシュが記録と異なります"
            "（監査記録が書き換えられています）。"
        )
    broken = chain.broken_sequence if chain is not None and not chain.ok else None
    if broken is not None and broken <= anchor.sequence:
        return (
            f"通番 {broken} の記録が改ざんされているため、通番 {anchor.sequence} までの"
            "監査記録はこのアンカーと一致しません。"
        )
    return ""


def check_anchors(
    path: Path | None = None,
    *,
    chain: ChainReport | None = None,
    monthly_rows: list[tuple[Any, ...]] | None = None,
) -> AnchorCheck:
    """Check every stored anchor against the chain as it is now.

    A missing anchored event means events were removed from the end of the chain (or the whole
    chain replaced); a differing hash means the chain was rewritten; an anchor whose HMAC
    fails was forged or edited. With ``chain`` (a ``verify_chain`` report), an anchor after
    the first broken event is reported too. ``monthly_rows``: the monthly anchors'
    ``monthly_anchor_rows()`` when the caller read them already.
    """
    path = Path(path or settings.AUDIT_ANCHOR_FILE)
    from_file = read_file_anchors(path)
    monthly = monthly_anchors(monthly_rows)
    result = AnchorCheck(from_file=len(from_file), monthly=len(monthly))
    if monthly and not from_file:
        result.problems.append(
            f"アンカーファイル {path} がありません（月次アンカーは {len(monthly)} 件あります）。"
        )
    anchors = from_file + monthly
    stored = stored_hashes([anchor.sequence for anchor in anchors if anchor.authentic])
    for anchor in anchors:
        if problem := anchor_problem(anchor, stored, chain):
            result.problems.append(f"{anchor.source}: {problem}")
    return result

"""The job outbox: enqueue in the caller's transaction, hand off after commit, run once.

- ``enqueue`` writes a ``Job`` row inside the current transaction and arranges the hand-off
  for after commit: to Celery (``JOBS_RUNNER=celery``) or straight into this process
  (``inline``, the embedded default). A broker that is down only logs a warning: the click
  that created the job has already succeeded, and ``relay`` re-sends the row later. After a
  failed publish this process stops trying for ``JOBS_BROKER_BACKOFF_SECONDS``, so a broker
  that hangs instead of refusing costs one request its socket timeout, not every request.
- ``run`` executes a job by id in two steps. It first *claims* an attempt in a short
  transaction of its own (so an attempt counts even if the worker is killed or timed out while
  running it: a job that kills its worker cannot loop for ever). It then locks the row again,
  runs the handler in a savepoint and marks the job done in that same transaction, so a job
  delivered twice, or to two workers at once, takes effect once.
- ``relay`` re-sends pending jobs that are due; Celery beat (or the demo's periodic runner)
  calls it. Being re-sent while running, or sent twice, is harmless for the reason above.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from governance import compiled, compiled_writes
from governance.japanese import in_japanese
from governance.models import Case, Job

logger = logging.getLogger(__name__)

Handler = Callable[[Job], None]
HANDLERS: dict[str, Handler] = {}

# What ``run`` returns when another worker holds the job, or the job does not exist.
SKIPPED = "skipped"
# The error left on a job whose every attempt started but none finished.
INTERRUPTED = (
    "処理が最後まで完了しませんでした（ワーカーの停止または時間切れ）。"
    "原因を確認のうえ再実行してください。"
)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of ``kind``.

    A handler runs inside the transaction that marks its job done: its database writes
    commit exactly once. Anything it does outside the database (an e-mail) may happen again
    if the worker dies between doing it and committing.
    """

    def register(func: Handler) -> Handler:
        if kind in HANDLERS and HANDLERS[kind] is not func:
            raise ValueError(f"job kind {kind!r} already has a handler")
        HANDLERS[kind] = func
        return func

    return register


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    case: Case | None = None,
    created_by: Any = None,
    max_attempts: int | None = None,
    idempotency_key: str | None = None,
) -> Job:
    """Record a job in the current transaction; it is handed off only if that commits.

    ``idempotency_key`` (unique) marks the one job a request may make: the caller looks for
    it first (under a lock), and the database refuses a second row with the same key."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    job = Job(
        kind=kind,
        payload=payload or {},
        case=case,
        created_by=created_by if getattr(created_by, "pk", None) else None,
        max_attempts=max_attempts or settings.JOBS_MAX_ATTEMPTS,
        available_at=timezone.now(),
        idempotency_key=idempotency_key or None,
    )
    compiled_writes.insert(job)  # Job.objects.create(), its INSERT compiled once
    job_id = job.pk
    transaction.on_commit(lambda: dispatch(job_id), robust=True)
    return job


def enqueue_once(
    kind: str, payload: dict[str, Any] | None = None, *, idempotency_key: str, **options: Any
) -> tuple[Job, bool]:
    """``enqueue`` the one job ``idempotency_key`` names, unless it exists: ``(job, created)``.

    Safe without a lock: the insert runs in a savepoint, and when a concurrent caller made the
    job first, the database refuses the second row and that caller's job is returned."""
    existing = Job.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return enqueue(kind, payload, idempotency_key=idempotency_key, **options), True
    except IntegrityError:
        return Job.objects.get(idempotency_key=idempotency_key), False


def enqueue_many(
    kind: str, payloads: list[dict[str, Any]], *, case: Case | None = None, created_by: Any = None
) -> list[Job]:
    """``enqueue`` for several jobs of one kind: one INSERT for all of them."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    now = timezone.now()
    # bulk_create(), its INSERT compiled once per number of jobs
    jobs = compiled_writes.create_many(
        Job,
        [
            Job(
                kind=kind,
                payload=payload,
                case=case,
                created_by=created_by if getattr(created_by, "pk", None) else None,
                max_attempts=settings.JOBS_MAX_ATTEMPTS,
                available_at=now,
            )
            for payload in payloads
        ],
    )
    for job in jobs:
        transaction.on_commit(partial(dispatch, job.pk), robust=True)
    return jobs


# --- Handing off ----------------------------------------------------------------------------

# Monotonic time of the last failed publish (None: none since the last success).
# Process-wide on purpose: every request of a web process shares what the last one learnt.
_broker_failed_at: float | None = None


def broker_backing_off() -> bool:
    """Whether a recent failed publish makes this process leave hand-offs to the relay."""
    failed_at = _broker_failed_at
    return (
        failed_at is not None
        and time.monotonic() - failed_at < settings.JOBS_BROKER_BACKOFF_SECONDS
    )


def reset_broker_backoff() -> None:
    """Forget a failed publish (the broker took a message since)."""
    global _broker_failed_at
    _broker_failed_at = None


def _back_off_broker() -> None:
    global _broker_failed_at
    _broker_failed_at = time.monotonic()


def publish(job_id: UUID | str) -> None:
    """Send one job to Celery, failing at once (no retries) if the broker cannot take it."""
    from governance.tasks import execute_job

    execute_job.apply_async(args=(str(job_id),), retry=False)


def dispatch(job_id: UUID | str, *, relaying: bool = False) -> bool:
    """Hand a committed job to its runner; True if it was handed off.

    Never raises: the relay is the safety net. Outside the relay, a broker that failed
    recently is not tried again until the back-off has passed.
    """
    if settings.JOBS_RUNNER == "inline":
        try:
            run_inline(job_id)
        except Exception:
            logger.exception("inline job %s could not be run; the relay will retry it", job_id)
        return True
    if not relaying and broker_backing_off():
        logger.info("job %s left to the relay: the broker failed recently", job_id)
        return False
    try:
        publish(job_id)
    except Exception as exc:  # broker down, unreachable or hung
        _back_off_broker()
        logger.warning(
            "job %s not handed to the broker (%s); the relay will re-send it", job_id, exc
        )
        return False
    reset_broker_backoff()
    return True


# --- Running --------------------------------------------------------------------------------


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


# The claim of a pending, due job with attempts left, in one statement of its own (PostgreSQL):
# the row is skipped if another worker holds it, and the statement's transaction commits without
# waiting for its WAL to reach the disk (``synchronous_commit`` off for that transaction only).
# It is visible to every session at once and survives the worker's death, which is what the count
# is for; only a crash of the database server itself could lose it, and then the job is claimed
# again with one attempt fewer counted. One round trip instead of five and no flush: the hand-off
# of a job to its handler is then close to a bare Celery task's (bench/bench_ratios.py).
_CLAIM_SQL = """
WITH held AS (SELECT id FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED),
     quick AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)
UPDATE {table} AS job SET attempts = job.attempts + 1, started_at = %s
FROM held, quick
WHERE job.id = held.id AND quick.setting IS NOT NULL AND job.status = %s
  AND job.available_at <= %s AND job.attempts < job.max_attempts
RETURNING job.attempts
"""


def _claim(job_id: UUID | str) -> int | str:
    """Count an attempt on a pending, due job; returns its number, or the status to report."""
    now = timezone.now()
    if connection.vendor == "postgresql" and connection.get_autocommit():
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM_SQL.format(table=connection.ops.quote_name(Job._meta.db_table)),
                [UUID(str(job_id)), now, Job.Status.PENDING, now],
            )
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        # Held by another worker, unknown, not pending or due, or out of attempts: find out which.
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None:
            # Unknown, or another worker is running it right now and will conclude it.
            return SKIPPED
        if job.status != Job.Status.PENDING or job.available_at > now:
            return job.status
        if job.attempts >= job.max_attempts:
            # A concluded failure at the last attempt would have marked the job failed: the
            # attempts were all started and never concluded (worker killed or timed out).
            job.status = Job.Status.FAILED
            job.last_error = INTERRUPTED
            job.finished_at = now
            job.save(update_fields=["status", "last_error", "finished_at"])
            logger.warning("job %s (%s) was interrupted on every attempt", job.pk, job.kind)
            return job.status
        job.attempts += 1
        job.started_at = now
        job.save(update_fields=["attempts", "started_at"])
        return job.attempts


def _execute(job_id: UUID | str, attempt: int) -> str:
    """Run the claimed attempt; the handler's writes and the outcome commit together."""
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None:
            return SKIPPED
        if job.status != Job.Status.PENDING:
            return job.status
        if job.attempts != attempt:
            # Another delivery claimed a later attempt in between; it runs the job.
            return SKIPPED
        return _conclude(job)


def _locked_job_query(job_id: UUID) -> Any:
    return Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).order_by("pk")[:1]


def _locked_job(job_id: UUID | str) -> Job | None:
    """The job, locked (None while another worker holds it): its SQL compiled once."""
    try:
        job_id = job_id if isinstance(job_id, UUID) else UUID(str(job_id))
    except ValueError:
        return Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
    found = compiled.bound_models(compiled.query_key("locked_job"), _locked_job_query, (job_id,))
    return cast(Job | None, found[0] if found else None)


def run_inline(job_id: UUID | str) -> str:
    """Run a job in this process right after the commit that created it, in one transaction:
    the attempt is counted, the handler runs in a savepoint, and the outcome is written
    together (a worker's two steps exist so that a worker killed mid-job still counts the
    attempt; a web process that dies takes its request with it, and the relay retries)."""
    with transaction.atomic():
        job = _locked_job(job_id)
        if job is None:
            return SKIPPED
        if job.status != Job.Status.PENDING or job.available_at > timezone.now():
            return job.status
        if job.attempts >= job.max_attempts:
            # Every attempt started and none concluded, as ``_claim`` reports it.
            job.status = Job.Status.FAILED
            job.last_error = INTERRUPTED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "last_error", "finished_at"])
            return job.status
        job.attempts += 1
        job.started_at = timezone.now()
        return _conclude(job)


def _conclude(job: Job) -> str:
    """Run the claimed job's handler in a savepoint and write the outcome (inside the
    caller's transaction, with the job row locked)."""
    func = HANDLERS.get(job.kind)
    try:
        if func is None:
            raise LookupError(f"no handler registered for job kind {job.kind!r}")
        # What a job writes (documents, e-mails, audit events, its error) is a record in
        # Japanese, also when it runs in-process after a request made in English.
        with transaction.atomic(), in_japanese():
            func(job)
    except Exception as exc:
        job.last_error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
        logger.warning("job %s (%s) failed: %s", job.pk, job.kind, job.last_error)
        if job.attempts >= job.max_attempts:
            job.status = Job.Status.FAILED
            job.finished_at = timezone.now()
        else:
            job.available_at = timezone.now() + _backoff(job.attempts)
    else:
        job.status = Job.Status.DONE
        job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "finished_at",
            "last_error",
            "available_at",
            "attempts",
            "started_at",
        ]
    )
    return job.status


def run(job_id: UUID | str) -> str:
    """Execute one job if it is still pending and due. Returns the job's status afterwards
    (``pending`` after a failure that will be retried), or ``SKIPPED``."""
    claimed = _claim(job_id)
    if isinstance(claimed, str):
        return claimed
    return _execute(job_id, claimed)


# --- Relaying -------------------------------------------------------------------------------


def due_jobs(now: dt.datetime | None = None) -> Any:
    """Pending jobs that are due and were not handed off recently."""
    now = now or timezone.now()
    quiet = now - dt.timedelta(seconds=settings.JOBS_RELAY_AFTER_SECONDS)
    return Job.objects.filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=quiet),
        status=Job.Status.PENDING,
        available_at__lte=now,
        created_at__lt=quiet,
    ).order_by("available_at")


def relay(*, limit: int = 500, force: bool = False) -> int:
    """Re-send pending jobs that are due; returns how many were handed off.

    Jobs a worker is running right now are locked and skipped (on PostgreSQL; SQLite runs one
    writer at a time anyway), so the relay never waits on a long job. Each job picked is
    stamped ``dispatched_at`` and committed before it is sent, so a worker never receives a
    job the relay still holds. Sending stops at the first job the broker refuses: a broker
    that is down costs one attempt, and the stamped jobs are tried again after the quiet
    period. ``force`` ignores the quiet period (the test suite's ``run_jobs``).
    """
    now = timezone.now()
    if force:
        queryset = Job.objects.filter(status=Job.Status.PENDING, available_at__lte=now)
    else:
        queryset = due_jobs(now)
    with transaction.atomic():
        ids = list(
            queryset.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
        )
        Job.objects.filter(pk__in=ids).update(dispatched_at=now)
    sent = 0
    for job_id in ids:
        if not dispatch(job_id, relaying=True):
            break
        sent += 1
    return sent

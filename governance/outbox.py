"""The job outbox: enqueue in the caller's transaction, hand off after commit, run once.

- ``enqueue`` writes a ``Job`` row inside the current transaction and arranges the hand-off
  for after commit: to Celery (``JOBS_RUNNER=celery``) or straight into this process
  (``inline``, the embedded default). A broker that is down only logs a warning: the click
  that created the job has already succeeded, and ``relay`` re-sends the row later.
- ``run`` executes a job by id. It locks the row, runs the handler in a savepoint and marks
  the job done in the same transaction, so a job delivered twice takes effect once.
- ``relay`` re-sends pending jobs that are due; Celery beat (or the demo's periodic runner)
  calls it.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.models import Case, Job

logger = logging.getLogger(__name__)

Handler = Callable[[Job], None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of ``kind``."""

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
) -> Job:
    """Record a job in the current transaction; it is handed off only if that commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    job = Job.objects.create(
        kind=kind,
        payload=payload or {},
        case=case,
        created_by=created_by if getattr(created_by, "pk", None) else None,
        max_attempts=max_attempts or settings.JOBS_MAX_ATTEMPTS,
        available_at=timezone.now(),
    )
    job_id = job.pk
    transaction.on_commit(lambda: dispatch(job_id))
    return job


def dispatch(job_id: UUID | str) -> None:
    """Hand a committed job to its runner. Never raises: the relay is the safety net."""
    if settings.JOBS_RUNNER == "inline":
        try:
            run(job_id)
        except Exception:
            logger.exception("inline job %s could not be run; the relay will retry it", job_id)
        return
    from governance.tasks import execute_job

    try:
        execute_job.apply_async(args=(str(job_id),), retry=False)
    except Exception as exc:  # broker down or unreachable
        logger.warning(
            "job %s not handed to the broker (%s); the relay will re-send it", job_id, exc
        )


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def run(job_id: UUID | str) -> str:
    """Execute one job if it is still pending and due. Returns the job's status afterwards."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None:
            # Unknown, or another worker holds it right now and will finish it.
            return "skipped"
        if job.status != Job.Status.PENDING or job.available_at > now:
            return job.status
        func = HANDLERS.get(job.kind)
        job.attempts += 1
        job.started_at = now
        try:
            if func is None:
                raise LookupError(f"no handler registered for job kind {job.kind!r}")
            with transaction.atomic():
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
                "attempts",
                "started_at",
                "status",
                "finished_at",
                "last_error",
                "available_at",
            ]
        )
        return job.status


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

    ``force`` ignores the quiet period (used by the embedded runner and by tests).
    """
    now = timezone.now()
    if force:
        queryset = Job.objects.filter(status=Job.Status.PENDING, available_at__lte=now)
    else:
        queryset = due_jobs(now)
    ids = list(queryset.values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    Job.objects.filter(pk__in=ids).update(dispatched_at=now)
    for job_id in ids:
        dispatch(job_id)
    return len(ids)

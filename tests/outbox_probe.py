"""Probe jobs for the outbox tests: every run that commits leaves one row keyed by its job id.

The test suite imports this module directly; a Celery worker started by the tests imports it
through ``SHINSA_EXTRA_JOB_MODULES=tests.outbox_probe``. The effect of a run is a
``Notification`` whose subject names the job, so "ran once" is a count of rows.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from governance.jobs import outbox
from governance.models import Case, Job, Notification, User

RECORD = "probe.record"
FLAKY = "probe.flaky"
FLAKY_ERROR = "試験用プローブの失敗です"


def effect_subject(job_id: Any) -> str:
    return f"probe:{job_id}"


def effects(job: Job) -> int:
    """How many runs of ``job`` committed their effect."""
    return Notification.objects.filter(subject=effect_subject(job.pk)).count()


def _leave_effect(job: Job) -> None:
    assert job.created_by is not None, "probe jobs are enqueued with an actor"
    Notification.objects.create(
        recipient=job.created_by, case=job.case, subject=effect_subject(job.pk)
    )


@outbox.handler(RECORD)
def record(job: Job) -> None:
    """Leave the effect. Payload options widen race windows and let a test kill the worker.

    ``linger``: seconds to keep the transaction open after writing the effect.
    ``hold_first_attempt``: a file path; on attempt 1 the worker process writes its pid there
    and waits (the test kills it), after the effect is written but before it commits.
    ``fail_after_effect``: raise after writing the effect.
    ``note_connection``: a file path; the worker process appends its pid and its database
    session's (PostgreSQL's backend pid), to show which connection ran the job.
    """
    _leave_effect(job)
    if job.payload.get("note_connection"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (backend,) = cursor.fetchone()
        with Path(job.payload["note_connection"]).open("a") as notes:
            notes.write(f"{os.getpid()} {backend}\n")
    if job.payload.get("fail_after_effect"):
        raise RuntimeError(FLAKY_ERROR)
    hold = job.payload.get("hold_first_attempt")
    if hold and job.attempts == 1:
        Path(hold).write_text(str(os.getpid()))
        time.sleep(120)
    if job.payload.get("linger"):
        time.sleep(float(job.payload["linger"]))


@outbox.handler(FLAKY)
def flaky(job: Job) -> None:
    """Fails while the file named by ``switch`` exists, then leaves the effect."""
    if Path(job.payload["switch"]).exists():
        raise RuntimeError(FLAKY_ERROR)
    _leave_effect(job)


def enqueue_probe(
    *,
    actor: User,
    kind: str = RECORD,
    case: Case | None = None,
    max_attempts: int | None = None,
    **payload: Any,
) -> Job:
    """What a service does: write the job in its transaction; the hand-off follows the commit."""
    with transaction.atomic():
        return outbox.enqueue(kind, payload, case=case, created_by=actor, max_attempts=max_attempts)


def open_consultation(client: Any) -> Case:
    """A department's staff member opens a case over HTTP (the case page needs its process)."""
    from governance.models import Consultation
    from workflows.consultation import ConsultationFlow

    url = ConsultationFlow.start.reverse("execute")
    response = client.post(url, {"title": "クラウド移行の相談", "question": "手順を教えてください"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Consultation.objects.latest("pk")

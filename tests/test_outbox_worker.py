"""With a real Celery worker and Redis, a committed job runs exactly once to visible effect.

Through a Redis outage, a lost message, duplicate deliveries, a failure and its retry, and a
worker killed in the middle of a job. The worker is started once for the module (a second,
short-lived one serves the test that stops Redis); both use the test database.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.connection
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from kombu.exceptions import OperationalError

import governance.urls
from governance.jobs import outbox
from governance.models import AuditEvent, Job
from governance.tasks import execute_job, relay_outbox
from tests.celery_worker import (
    CeleryWorker,
    RedisServer,
    celery_pointed_at,
    forget_messages,
    redis_answers,
    redis_url_for_tests,
    wait_for,
)
from tests.conftest import REQUIRE_SERVICES
from tests.outbox_probe import FLAKY, FLAKY_ERROR, effects, enqueue_probe, open_consultation

pytestmark = [pytest.mark.worker, pytest.mark.urls(__name__)]


def enqueue_view(request: HttpRequest) -> JsonResponse:
    """A request that changes something and needs background work: the shape of every service."""
    job = enqueue_probe(actor=request.user)  # type: ignore[arg-type]  # signed in: a User
    return JsonResponse({"job": str(job.pk)}, status=201)


urlpatterns = [path("probe/enqueue/", enqueue_view), *governance.urls.urlpatterns]


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (SHINSA_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def broker_url() -> str:
    url = redis_url_for_tests()
    if not redis_answers(url):
        _unavailable(f"Redis does not answer at {url}")
    return url


@pytest.fixture(scope="module")
def queue(broker_url: str) -> Iterator[str]:
    """A queue of this test run's own, so runs sharing a Redis database never meet."""
    name = f"shinsa-test-{uuid.uuid4().hex[:8]}"
    yield name
    forget_messages(broker_url, name)


@pytest.fixture(scope="module")
def worker(
    broker_url: str, queue: str, django_db_setup: None, tmp_path_factory: Any
) -> Iterator[CeleryWorker]:
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    celery_worker = CeleryWorker(redis_url=broker_url, queue=queue, log_path=log_path)
    celery_worker.start()
    yield celery_worker
    celery_worker.stop()


@pytest.fixture(autouse=True)
def _jobs_go_through_celery(
    settings: Any, transactional_db: None, broker_url: str, queue: str
) -> Iterator[None]:
    """This process publishes to the test queue after commit, as a web process would."""
    settings.JOBS_RUNNER = "celery"
    outbox.reset_broker_backoff()
    with celery_pointed_at(broker_url, queue):
        yield
    outbox.reset_broker_backoff()


def status_of(job: Job) -> str:
    return Job.objects.values_list("status", flat=True).get(pk=job.pk)


def relay_until_done(*jobs: Job, timeout: float = 40) -> None:
    """Send the relay as Celery beat does (every second here, not every 30) until all ran."""

    def all_done() -> bool:
        if all(status_of(job) == Job.Status.DONE for job in jobs):
            return True
        relay_outbox.apply_async()
        return False

    wait_for(all_done, timeout=timeout, every=1.0, what="the relay to get the jobs run")


# --- Redis stopped while users work -----------------------------------------------------------


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if not RedisServer.available():
        _unavailable("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_a_job_created_while_redis_is_stopped_runs_once_redis_is_back(
    private_redis: RedisServer,
    queue: str,
    cast: Any,
    login: Any,
    settings: Any,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    settings.JOBS_BROKER_BACKOFF_SECONDS = 1
    private_worker = CeleryWorker(
        redis_url=private_redis.url, queue=queue, log_path=tmp_path / "worker.log"
    )
    private_worker.start()
    publishes: list[str] = []
    connects: list[int] = []
    real_publish = outbox.publish
    real_connect = redis.connection.Connection._connect

    def publish_spy(job_id: Any) -> None:
        try:
            real_publish(job_id)
        except Exception as exc:
            publishes.append(type(exc).__name__)
            raise
        publishes.append("sent")

    def connect_spy(self: Any) -> Any:
        connects.append(self.port)
        return real_connect(self)

    monkeypatch.setattr(outbox, "publish", publish_spy)
    monkeypatch.setattr(redis.connection.Connection, "_connect", connect_spy)
    try:
        with celery_pointed_at(private_redis.url, queue):
            private_redis.stop()
            client = login(cast["staff_a"])

            response = client.post("/probe/enqueue/")
            assert response.status_code == 201
            first = Job.objects.get(pk=response.json()["job"])
            assert (first.status, first.attempts, first.dispatched_at) == ("pending", 0, None)
            # One publish, refused at once: one connection attempt, no retries.
            assert publishes == [OperationalError.__name__]
            assert connects == [private_redis.port]

            response = client.post("/probe/enqueue/")
            assert response.status_code == 201
            second = Job.objects.get(pk=response.json()["job"])
            assert second.status == Job.Status.PENDING
            # Backing off: the second click does not even try the broker.
            assert publishes == [OperationalError.__name__]
            assert connects == [private_redis.port]

            private_redis.start()
            relay_until_done(first, second)
            assert effects(first) == 1
            assert effects(second) == 1

            # The back-off has passed: a click hands its job straight to the broker again.
            response = client.post("/probe/enqueue/")
            third = Job.objects.get(pk=response.json()["job"])
            assert publishes[-1] == "sent"
            wait_for(lambda: status_of(third) == Job.Status.DONE, what="the third job")
            assert effects(third) == 1
    finally:
        private_worker.stop()


# --- Failure, visibility and retry --------------------------------------------------------------


def test_a_job_whose_task_raises_is_shown_as_failed_and_runs_after_a_retry(
    worker: CeleryWorker, cast: Any, login: Any, tmp_path: Path
) -> None:
    case = open_consultation(login(cast["staff_a"]))
    switch = tmp_path / "fail"
    switch.touch()
    job = enqueue_probe(
        actor=cast["staff_a"], kind=FLAKY, case=case, max_attempts=1, switch=str(switch)
    )
    wait_for(lambda: status_of(job) == Job.Status.FAILED, what="the job to fail")
    job.refresh_from_db()
    assert FLAKY_ERROR in job.last_error
    assert effects(job) == 0

    reviewer = login(cast["reviewer"])
    case_page = reviewer.get(reverse("home:case", args=[case.pk]), follow=True)
    assert case_page.status_code == 200
    assert FLAKY_ERROR in case_page.content.decode()
    retry_url = reverse("home:job_retry", args=[job.pk])
    assert retry_url in case_page.content.decode()
    jobs_page = reviewer.get(reverse("jobs:index"))
    assert FLAKY_ERROR in jobs_page.content.decode()
    assert reverse("jobs:retry", args=[job.pk]) in jobs_page.content.decode()

    switch.unlink()
    # The button on the case page.
    response = reviewer.post(retry_url)
    assert response.status_code == 302
    wait_for(lambda: status_of(job) == Job.Status.DONE, what="the retried job to run")
    job.refresh_from_db()
    assert job.attempts == 1
    assert effects(job) == 1
    assert AuditEvent.objects.filter(action="job.retry", actor=cast["reviewer"]).count() == 1


# --- Exactly once -------------------------------------------------------------------------------


def test_the_same_job_delivered_five_times_at_once_takes_effect_once(
    worker: CeleryWorker, cast: Any
) -> None:
    # The effect's transaction stays open a second, so the two worker processes overlap.
    job = enqueue_probe(actor=cast["staff_a"], linger=1.0)
    duplicates = [execute_job.apply_async(args=(str(job.pk),)) for _ in range(4)]
    wait_for(lambda: status_of(job) == Job.Status.DONE, what="the job to run")
    outcomes = wait_for(
        lambda: (
            [worker.outcomes(message.id) for message in duplicates]
            if all(worker.outcomes(message.id) for message in duplicates)
            else None
        ),
        what="every duplicate message to be handled",
    )
    assert effects(job) == 1
    assert {outcome for [outcome] in outcomes} <= {"'done'", "'skipped'"}


def _is_done(job: Job) -> bool:
    return status_of(job) == Job.Status.DONE


def test_a_worker_keeps_its_database_connection_from_job_to_job(
    worker: CeleryWorker, cast: Any, tmp_path: Path
) -> None:
    # As a web process from request to request (CONN_MAX_AGE): Celery alone would close it after
    # every task, and every job would pay a new PostgreSQL session before its work could start.
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL sessions are what a worker would open again for every job")
    notes = tmp_path / "connections"
    for _ in range(6):
        job = enqueue_probe(actor=cast["staff_a"], note_connection=str(notes))
        wait_for(partial(_is_done, job), what="the job to run")
    sessions: dict[str, set[str]] = {}
    for line in notes.read_text().splitlines():
        process, backend = line.split()
        sessions.setdefault(process, set()).add(backend)
    assert len(notes.read_text().splitlines()) == 6
    assert all(len(backends) == 1 for backends in sessions.values()), sessions


def test_the_relay_resends_a_job_whose_message_was_lost(
    worker: CeleryWorker, cast: Any, broker_url: str, queue: str
) -> None:
    worker.stop()
    try:
        job = enqueue_probe(actor=cast["staff_a"])
        client = redis.Redis.from_url(broker_url)
        assert client.llen(queue) == 1
        # Redis lost the message (wiped, or restarted without persistence).
        client.delete(queue)
    finally:
        worker.start()
    assert status_of(job) == Job.Status.PENDING
    relay_until_done(job)
    assert effects(job) == 1


# --- Killed workers -----------------------------------------------------------------------------


def _wait_for_pid(marker: Path) -> int:
    text = wait_for(lambda: marker.exists() and marker.read_text().strip(), what="the job to start")
    return int(text)


def test_a_pool_process_killed_mid_job_gets_the_job_redelivered_and_run_once(
    worker: CeleryWorker, cast: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "pid"
    job = enqueue_probe(actor=cast["staff_a"], hold_first_attempt=str(marker))
    # The first attempt has written its effect and waits, uncommitted: kill it there.
    os.kill(_wait_for_pid(marker), signal.SIGKILL)
    # reject_on_worker_lost puts the message back; no relay is involved.
    wait_for(lambda: status_of(job) == Job.Status.DONE, what="the redelivered job to run")
    job.refresh_from_db()
    assert job.attempts == 2
    assert effects(job) == 1


def test_a_worker_killed_mid_job_leaves_the_job_to_the_relay_which_runs_it_once(
    worker: CeleryWorker, cast: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "pid"
    job = enqueue_probe(actor=cast["staff_a"], hold_first_attempt=str(marker))
    _wait_for_pid(marker)
    # The whole worker dies: its message stays unacknowledged in Redis until the visibility
    # timeout (twice the longest job); the relay does not wait for that.
    worker.kill()
    worker.start()
    relay_until_done(job)
    job.refresh_from_db()
    assert job.attempts == 2
    assert effects(job) == 1


def test_a_job_left_pending_by_a_worker_killed_on_its_last_attempt_is_failed_not_rerun(
    worker: CeleryWorker, cast: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "pid"
    job = enqueue_probe(actor=cast["staff_a"], max_attempts=1, hold_first_attempt=str(marker))
    os.kill(_wait_for_pid(marker), signal.SIGKILL)
    wait_for(lambda: status_of(job) == Job.Status.FAILED, what="the job to be failed")
    job.refresh_from_db()
    assert job.last_error == outbox.INTERRUPTED
    assert effects(job) == 0


def test_the_relay_passes_over_a_job_a_worker_is_running(
    worker: CeleryWorker, cast: Any, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: one writer at a time, the relay waits its turn")
    marker = tmp_path / "pid"
    job = enqueue_probe(actor=cast["staff_a"], hold_first_attempt=str(marker))
    pid = _wait_for_pid(marker)
    try:
        with connection.cursor() as cursor:
            # Waiting on the running job's row lock fails the test instead of hanging it.
            cursor.execute("SET lock_timeout = '2s'")
        assert outbox.relay(force=True) == 0
        assert Job.objects.get(pk=job.pk).dispatched_at is None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: status_of(job) == Job.Status.DONE, what="the redelivered job to run")
    assert effects(job) == 1

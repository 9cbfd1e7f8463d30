"""How long a click that enqueues a job takes with Redis up, stopped or hung; jobs per second.

Run from the checkout: ``.venv/bin/python bench/bench_outbox.py`` (SQLite in a temporary
directory) or with ``DATABASE_URL=postgres://…`` (it migrates that database and adds rows).
It starts its own redis-server on a free port and its own Celery worker, and ends both.
Prints milliseconds per request (median, 95th percentile, first request) and jobs per second.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="shinsa-bench-"))
os.environ.setdefault("SHINSA_VAR_DIR", str(WORKDIR))
os.environ["DJANGO_SETTINGS_MODULE"] = "governance.settings"
os.environ["SHINSA_EXTRA_JOB_MODULES"] = "tests.outbox_probe"

import django  # noqa: E402  (the environment above must be set first)

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import path  # noqa: E402

from governance.jobs import outbox  # noqa: E402
from governance.models import Department, Job, User  # noqa: E402
from tests.celery_worker import CeleryWorker, RedisServer, celery_pointed_at  # noqa: E402
from tests.outbox_probe import enqueue_probe  # noqa: E402

QUEUE = "shinsa-bench"
REQUESTS = 200


def enqueue_view(request: HttpRequest) -> JsonResponse:
    job = enqueue_probe(actor=request.user)  # type: ignore[arg-type]  # signed in: a User
    return JsonResponse({"job": str(job.pk)}, status=201)


urlpatterns = [path("enqueue/", enqueue_view)]


def time_requests(client: Client, count: int) -> list[float]:
    """Milliseconds of each of ``count`` requests that enqueue one job."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.post("/enqueue/")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.content
    return timings


def report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"  {label:<52} first {timings[0]:8.1f} ms   median {statistics.median(ordered):6.2f} ms"
        f"   p95 {p95:6.2f} ms   (n={len(timings)})"
    )


@contextmanager
def hung_broker() -> Iterator[str]:
    """A port that accepts connections and never answers, like a Redis stuck in a fork."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1000)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def wait_until_done(jobs: Sequence[UUID], limit: float = 300) -> None:
    started = time.perf_counter()
    while Job.objects.filter(pk__in=jobs, status=Job.Status.DONE).count() < len(jobs):
        if time.perf_counter() - started > limit:
            raise SystemExit(f"the worker did not finish in {limit:.0f} s")
        time.sleep(0.02)


def with_settings(**overrides: object) -> Callable[..., list[float]]:
    def run(client: Client, count: int) -> list[float]:
        with override_settings(**overrides):
            outbox.reset_broker_backoff()
            return time_requests(client, count)

    return run


def main() -> None:
    if not RedisServer.available():
        print("skipped: redis-server is not installed")
        return
    setup_test_environment()
    call_command("migrate", verbosity=0)
    department, _ = Department.objects.get_or_create(code="bench", defaults={"name": "計測部"})
    user, _ = User.objects.get_or_create(username="bench-user", defaults={"department": department})
    client = Client()
    client.force_login(user)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; requests per case: {REQUESTS}")

    redis_server = RedisServer(WORKDIR)
    redis_server.start()
    worker = CeleryWorker(redis_url=redis_server.url, queue=QUEUE, log_path=WORKDIR / "worker.log")
    try:
        with override_settings(ROOT_URLCONF=__name__):
            print("request that enqueues one job:")
            report(
                "inline (embedded default, job runs in the request)",
                with_settings(JOBS_RUNNER="inline")(client, REQUESTS),
            )
            with celery_pointed_at(redis_server.url, QUEUE):
                report("celery, Redis up", with_settings(JOBS_RUNNER="celery")(client, REQUESTS))
                redis_server.stop()
                report(
                    "celery, Redis stopped (back-off on)",
                    with_settings(JOBS_RUNNER="celery")(client, REQUESTS),
                )
                report(
                    "celery, Redis stopped, back-off off",
                    with_settings(JOBS_RUNNER="celery", JOBS_BROKER_BACKOFF_SECONDS=0)(
                        client, REQUESTS
                    ),
                )
            with hung_broker() as url, celery_pointed_at(url, QUEUE):
                report(
                    "celery, Redis hung (back-off on)",
                    with_settings(JOBS_RUNNER="celery")(client, REQUESTS),
                )
                report(
                    "celery, Redis hung, back-off off",
                    with_settings(JOBS_RUNNER="celery", JOBS_BROKER_BACKOFF_SECONDS=0)(client, 3),
                )
            Job.objects.filter(created_by=user).delete()

            redis_server.start()
            count = 300
            with (
                celery_pointed_at(redis_server.url, QUEUE),
                override_settings(JOBS_RUNNER="celery"),
            ):
                outbox.reset_broker_backoff()
                # Queued while no worker runs, then drained: the worker's own rate.
                jobs = [enqueue_probe(actor=user).pk for _ in range(count)]
                worker.start()
                started = time.perf_counter()
                wait_until_done(jobs)
                drained = time.perf_counter() - started
                # Enqueued one by one while the worker runs: click to effect, end to end.
                started = time.perf_counter()
                jobs = [enqueue_probe(actor=user).pk for _ in range(count)]
                enqueued = time.perf_counter() - started
                wait_until_done(jobs)
                elapsed = time.perf_counter() - started
            print("one worker, prefork with 2 processes:")
            print(f"  drain of {count} queued jobs: {count / drained:.0f} jobs/s ({drained:.2f} s)")
            print(
                f"  {count} jobs enqueued one per transaction while it runs: "
                f"{count / elapsed:.0f} jobs/s ({elapsed:.2f} s; enqueueing {enqueued:.2f} s)"
            )
    finally:
        worker.stop()
        redis_server.stop()
        # Only what the benchmark made: it may run against a database that holds more.
        Job.objects.filter(created_by=user).delete()
        user.notifications.all().delete()


if __name__ == "__main__":
    main()

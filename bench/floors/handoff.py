"""The job hand-off and its floor, as a worker runs them: each writes to Redis
(``HANDOFF_REDIS_URL``) the moment the worker starts the task and the moment the work starts,
keyed by what the benchmark gave it.

- ``bench.handoff`` is an outbox job (enqueued in a transaction, published after commit,
  claimed and run by ``execute_job``): Shinsa's path;
- ``bench.bare`` is a plain Celery task called with ``.delay()``: the floor.

The worker's start of a task is Celery's ``task_prerun`` signal, keyed by the task's first
argument (the job's id for ``execute_job``, the key for ``bench.bare``); its end, ``task_postrun``,
lets the benchmark start the next measure on an idle worker.
"""

from __future__ import annotations

import os
import time
from typing import Any

import redis
from celery import shared_task
from celery.signals import task_postrun, task_prerun

from governance.jobs import outbox

KIND = "bench.handoff"
_client: redis.Redis | None = None


def _record(name: str) -> None:
    global _client
    now = time.time()
    if _client is None:
        _client = redis.Redis.from_url(os.environ["HANDOFF_REDIS_URL"])
    _client.set(name, repr(now), ex=600)


@task_prerun.connect
def _task_started(sender: Any = None, args: Any = None, **kwargs: Any) -> None:
    if "HANDOFF_REDIS_URL" in os.environ and args:
        _record(f"handoff-start:{args[0]}")


@task_postrun.connect
def _task_ended(sender: Any = None, args: Any = None, **kwargs: Any) -> None:
    if "HANDOFF_REDIS_URL" in os.environ and args:
        _record(f"handoff-end:{args[0]}")


@outbox.handler(KIND)
def handoff(job: Any) -> None:
    _record(f"handoff:{job.payload['key']}")


@shared_task(name="bench.bare")
def bare(key: str) -> None:
    _record(f"handoff:{key}")

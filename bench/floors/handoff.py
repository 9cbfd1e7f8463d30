"""The job hand-off and its floor, as a worker runs them: each writes the moment it starts to
Redis (``HANDOFF_REDIS_URL``), keyed by what the benchmark gave it.

- ``bench.handoff`` is an outbox job (enqueued in a transaction, published after commit,
  claimed and run by ``execute_job``): Shinsa's path;
- ``bench.bare`` is a plain Celery task called with ``.delay()``: the floor.
"""

from __future__ import annotations

import os
import time
from typing import Any

import redis
from celery import shared_task

from governance.jobs import outbox

KIND = "bench.handoff"


def _record(key: str) -> None:
    client = redis.Redis.from_url(os.environ["HANDOFF_REDIS_URL"])
    client.set(f"handoff:{key}", repr(time.time()), ex=600)


@outbox.handler(KIND)
def handoff(job: Any) -> None:
    _record(job.payload["key"])


@shared_task(name="bench.bare")
def bare(key: str) -> None:
    _record(key)

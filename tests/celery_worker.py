"""Real servers for the outbox tests: a private redis-server, a Celery worker, the broker seam.

Processes started here are ended here, by their own id (a worker by its process group,
which holds its pool children and nothing else).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
import redis
from django.conf import settings
from django.db import connection

from governance import celery_app

BASE_DIR = Path(settings.BASE_DIR)
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/7"


def redis_url_for_tests() -> str:
    return (
        os.environ.get("SHINSA_TEST_REDIS_URL")
        or os.environ.get("REDIS_URL")
        or DEFAULT_TEST_REDIS_URL
    )


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def wait_for(
    condition: Callable[[], Any], *, timeout: float = 30, every: float = 0.1, what: str = ""
) -> Any:
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of our own on a free port, without persistence, to stop and restart."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: redis_answers(self.url), timeout=10, what="the private redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class CeleryWorker:
    """``celery -A governance worker`` against the test database and a given Redis."""

    def __init__(self, *, redis_url: str, queue: str, log_path: Path, concurrency: int = 2) -> None:
        self.redis_url = redis_url
        self.queue = queue
        self.log_path = log_path
        self.concurrency = concurrency
        self.name = ""
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="governance.settings",
            DATABASE_URL=database_url_for_worker(),
            REDIS_URL=self.redis_url,
            JOBS_RUNNER="celery",
            JOBS_QUEUE=self.queue,
            SHINSA_EXTRA_JOB_MODULES="tests.outbox_probe",
            # The relay re-sends a job one second after it was created, not thirty.
            JOBS_RELAY_AFTER_SECONDS="1",
            LOG_LEVEL="INFO",
        )
        return env

    def start(self) -> None:
        self.name = f"{self.queue}-{uuid.uuid4().hex[:6]}@localhost"
        self.log_path.touch()
        started = self.log_path.stat().st_size
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "governance", "worker",
                    "--loglevel=INFO",
                    "--pool=prefork", f"--concurrency={self.concurrency}",
                    "-Q", self.queue, "-n", self.name,
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                ],
                cwd=BASE_DIR,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(
            lambda: self._ready_since(started), timeout=60, what=f"worker {self.name} to start"
        )

    def _ready_since(self, offset: int) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{self.log()[-4000:]}")
        return f"{self.name} ready." in self.log()[offset:]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """Kill the worker and its pool children at once, as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Warm shutdown; whatever is still running after a while is killed."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        # Pool children of a worker that did not stop, or that died on its own.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def outcomes(self, task_id: str) -> list[str]:
        """Results the worker logged for one task message (``'done'``, ``'skipped'``, …)."""
        pattern = re.compile(
            rf"Task governance\.tasks\.execute_job\[{re.escape(task_id)}\] succeeded in \S+s: (.*)$"
        )
        return [match.group(1) for match in map(pattern.search, self.log().splitlines()) if match]


def database_url_for_worker() -> str:
    """The URL of the test database pytest-django created (its name is known only now)."""
    settings_dict = connection.settings_dict
    name = settings_dict["NAME"]
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(name).resolve()}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def point_celery_at(url: str, queue: str) -> None:
    """Make this process publish to ``url``/``queue`` (Celery reads its settings only once)."""
    celery_app.conf.update(broker_url=url, task_default_queue=queue)
    # Connections are pooled per broker URL in kombu's registry, producers and queue
    # declarations on the app's AMQP helper: start them all afresh.
    kombu.pools.reset()
    celery_app._pool = None  # type: ignore[attr-defined]  # the app's handle on that registry
    celery_app.__dict__.pop("amqp", None)


@contextlib.contextmanager
def celery_pointed_at(url: str, queue: str) -> Iterator[None]:
    previous = (celery_app.conf.broker_url, celery_app.conf.task_default_queue)
    point_celery_at(url, queue)
    try:
        yield
    finally:
        point_celery_at(*previous)


def forget_messages(url: str, queue: str) -> None:
    """Delete a test queue, its bindings and unacknowledged messages from a shared Redis.

    A worker killed on purpose leaves its message in kombu's ``unacked`` hash; without this it
    would stay in the shared database after the tests.
    """
    client = redis.Redis.from_url(url)
    # The queue, and the exchange bindings kombu keeps under the queue's name.
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, raw in client.hscan_iter("unacked"):
        if queue.encode() in raw:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)

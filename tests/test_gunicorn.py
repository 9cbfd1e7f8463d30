"""gunicorn is installed and configured for 2 cores, and the database connections its threads
keep fit PostgreSQL's default max_connections (the CI smoke test runs it for real)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parent.parent
# PostgreSQL's default max_connections (100) less superuser_reserved_connections (3).
POSTGRESQL_CONNECTIONS = 100 - 3
# Celery: a worker with one process per core on the 2-core machine, plus beat.
CELERY_CONNECTIONS = 2 + 1


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    """Read the file as gunicorn does: every name that is a setting, through its validator."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg


def test_the_configuration_serves_shinsa_with_threaded_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = load(monkeypatch)
    assert cfg.wsgi_app == "governance.wsgi:application"
    assert cfg.worker_class_str == "gthread"
    assert cfg.preload_app is True
    assert cfg.bind == ["127.0.0.1:8000"]
    assert cfg.control_socket_disable is True


def test_two_cores_get_three_processes_of_four_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load(monkeypatch)
    assert (cfg.workers, cfg.threads) == (3, 4)


def test_the_connections_of_several_web_servers_and_celery_fit_postgresql_default_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = load(monkeypatch)
    per_web_server = cfg.workers * cfg.threads
    # Room to run the web tier on several machines against one database (ARCHITECTURE.md).
    web_servers = 4
    assert per_web_server * web_servers + CELERY_CONNECTIONS <= POSTGRESQL_CONNECTIONS


def test_the_sizing_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load(monkeypatch, WEB_CONCURRENCY="5", GUNICORN_THREADS="2", GUNICORN_BIND="0.0.0.0:9000")
    assert (cfg.workers, cfg.threads, cfg.bind) == (5, 2, ["0.0.0.0:9000"])

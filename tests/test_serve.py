"""`manage.py serve` never holds a PostgreSQL connection per idle browser: with a server
database it closes connections after each request, while SQLite keeps its own."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from governance.management.commands import serve
from governance.models import User

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runserver_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Stands in for Django's runserver, which would serve until interrupted."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: calls.append(args))
    return calls


def test_serve_closes_postgresql_connections_after_each_request(
    monkeypatch: pytest.MonkeyPatch, runserver_calls: list[tuple[Any, ...]]
) -> None:
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "shinsa", "CONN_MAX_AGE": 600}
    monkeypatch.setitem(connections.settings, "postgres", postgres)
    out = StringIO()

    call_command("serve", "127.0.0.1:0", stdout=out)

    assert runserver_calls == [("runserver", "127.0.0.1:0")]
    assert postgres["CONN_MAX_AGE"] == 0
    assert serve.PERSISTENCE_OFF_NOTICE in out.getvalue()
    assert "gunicorn" in out.getvalue()


def test_serve_keeps_sqlite_connections_as_the_embedded_default_was_measured(
    monkeypatch: pytest.MonkeyPatch, runserver_calls: list[tuple[Any, ...]]
) -> None:
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "x.sqlite3", "CONN_MAX_AGE": 600}
    monkeypatch.setitem(connections.settings, "sqlite", sqlite)
    out = StringIO()

    call_command("serve", "127.0.0.1:0", stdout=out)

    assert runserver_calls
    assert sqlite["CONN_MAX_AGE"] == 600
    if connection.vendor == "sqlite":
        assert serve.PERSISTENCE_OFF_NOTICE not in out.getvalue()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _held_connections(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_idle_browsers_hold_no_postgresql_connection_of_the_development_server(
    cast: dict[str, User],
) -> None:
    """Browsers keep their HTTP connection open between pages; each one is a server thread."""
    if connection.vendor != "postgresql":
        pytest.skip("the development server holds server connections only on PostgreSQL")
    client = Client()
    client.force_login(cast["staff_a"])
    session = client.cookies["sessionid"].value
    application_name = f"shinsa-serve-test-{os.getpid()}"
    db = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "JOBS_RUNNER", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        f"?application_name={application_name}"
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}", "--interval", "3600"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    browsers: list[http.client.HTTPConnection] = []
    try:
        for _ in range(60):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.25)
        before = _held_connections(application_name)
        for _ in range(8):
            browser = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            browser.request("GET", "/home/", headers={"Cookie": f"sessionid={session}"})
            response = browser.getresponse()
            body = response.read().decode()
            assert response.status == 200
            assert "自分のタスク" in body
            browsers.append(browser)  # kept open, as a browser keeps it between pages
        # A server thread closes its database connection just after the response has gone
        # out (request_finished); give the last one a moment, bounded, before counting.
        held = _held_connections(application_name)
        for _ in range(20):
            if held == before:
                break
            time.sleep(0.25)
            held = _held_connections(application_name)
    finally:
        for browser in browsers:
            browser.close()
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert held == before, f"{held - before} connections held by 8 idle browsers"
    assert serve.PERSISTENCE_OFF_NOTICE in output

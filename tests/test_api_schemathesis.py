"""Schemathesis fuzzes every API operation from the live schema, on the demo data, as a
session user and with an integration key: no 5xx, and every response conforms to the schema."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from governance.models import User
from tests.api_support import clear_throttles, issue_key

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 15


@contextmanager
def _connections_kept() -> Iterator[None]:
    """Keep the test's database connection open across requests, as Django's test client
    does (it reconnects these receivers after each of its own requests)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi_app() -> WSGIHandler:
    return WSGIHandler()


@pytest.fixture
def demo(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())


def _session(user: User) -> tuple[str, dict[str, Any]]:
    """A signed-in session's cookie value, and the live schema as that user fetches it."""
    from django.test import Client

    from tests.second_factor import mark_verified, needs_code

    client = Client()
    client.force_login(user)
    if needs_code(user):
        mark_verified(client, user)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return client.cookies["sessionid"].value, response.json()


def _live(schema: dict[str, Any], app: WSGIHandler, path_regex: str | None = None) -> Any:
    def local(environ: dict[str, Any], start_response: Any) -> Any:
        # werkzeug's test client leaves REMOTE_ADDR empty; a key's networks need an address.
        environ["REMOTE_ADDR"] = environ.get("REMOTE_ADDR") or "127.0.0.1"
        return app(environ, start_response)

    loaded: Any = schemathesis.openapi.from_dict(schema)
    if path_regex is not None:
        loaded = loaded.include(path_regex=path_regex)
    loaded.app = local
    return loaded


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(
    schema: Any,
    headers: dict[str, str],
    cookies: dict[str, str] | None = None,
    statuses: Counter[int] | None = None,
) -> tuple[int, int]:
    operations = 0
    cases = 0
    statuses = statuses if statuses is not None else Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal cases
            cases += 1
            clear_throttles()
            response = case.call_and_validate(headers=headers, cookies=cookies or {}, checks=CHECKS)
            statuses[response.status_code] += 1

        with _connections_kept():
            run()
    return operations, cases


def test_schemathesis_finds_no_server_error_or_schema_violation(
    demo: None, wsgi_app: WSGIHandler, capsys: Any
) -> None:
    reviewer = User.objects.get(username="reviewer")
    session, raw = _session(reviewer)
    session_statuses: Counter[int] = Counter()
    operations, cases = _fuzz(_live(raw, wsgi_app), {}, {"sessionid": session}, session_statuses)
    admin = User.objects.get(username="admin")
    cast = {"admin": admin}
    _key, secret = issue_key(
        cast, scopes=("systems:read", "targets:read", "events:create", "events:read_own")
    )
    key_statuses: Counter[int] = Counter()
    key_operations, key_cases = _fuzz(
        _live(raw, wsgi_app), {"Authorization": f"Api-Key {secret}"}, None, key_statuses
    )
    # The incidents, the audit chain and the annual report, as an auditor (who reads them all,
    # TLP:RED included, and writes nothing but the record of a restricted view).
    auditor_session, auditor_raw = _session(User.objects.get(username="auditor"))
    auditor_statuses: Counter[int] = Counter()
    auditor_operations, auditor_cases = _fuzz(
        _live(auditor_raw, wsgi_app, r"^/api/v1/(incidents|audit|reports)/"),
        {},
        {"sessionid": auditor_session},
        auditor_statuses,
    )
    with capsys.disabled():
        print(
            f"\nschemathesis: {operations} operations, {cases} cases as a session user; "
            f"{key_operations} operations, {key_cases} cases with a key; "
            f"{auditor_operations} operations, {auditor_cases} cases as an auditor; 0 failures; "
            f"statuses {dict(session_statuses)}, {dict(key_statuses)} and {dict(auditor_statuses)}"
        )
    assert operations >= 9
    assert auditor_operations >= 7
    assert auditor_statuses[200] > 0
    # Both callers really got through (not only refusals).
    assert session_statuses[200] > 0
    assert key_statuses[200] > 0

"""Shared fixtures: a fixed cast of users in two departments, and helpers to drive jobs.

The cast: ``staff_a``/``staff_a2`` in department A, ``staff_b`` in department B, two
reviewers (``reviewer`` is liaison of A and B), an ``approver``, CSIRT roles, an ``auditor``
and an ``admin``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

import governance.urls  # noqa: F401  (builds the site's URLs so flow nodes can reverse)
from governance import compiled
from governance.jobs import outbox
from governance.models import Department, User
from governance.roles import Role
from tests.factories import DepartmentFactory, make_user
from tests.second_factor import mark_verified, needs_code

REQUIRE_SERVICES = os.environ.get("SHINSA_REQUIRE_SERVICES") == "1"

pytest_plugins = ["tests.browser", "tests.network_support"]


@pytest.fixture(autouse=True)
def _inline_jobs(settings: Any, request: Any) -> None:
    """Jobs run in this process unless a test asks for the real Celery worker."""
    if "worker" not in request.keywords:
        settings.JOBS_RUNNER = "inline"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Test users are created by the dozen; production hashing would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: Any) -> None:
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _audit_anchor_file(settings: Any, tmp_path_factory: Any) -> None:
    # Each test anchors to its own file, never to the checkout's var/.
    settings.AUDIT_ANCHOR_FILE = tmp_path_factory.mktemp("var") / "audit-anchors.jsonl"


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_guard() -> Iterator[None]:
    """Let Django empty the tables after a transactional test on PostgreSQL.

    Django's flush is a TRUNCATE, which the audit table's guard refuses (that is its point).
    The test suite alone switches the guard off, for the flush's own transaction only:
    ``SET LOCAL session_replication_role`` is reserved to superusers and ends with the
    transaction, so no test ever runs with the guard off.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: list[str]) -> None:
        original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield


def _seeding_migrations() -> list[Any]:
    """Every migration of ``governance`` that seeds rows (it sets ``SEEDS_ROWS = True``)."""
    import governance.migrations as package

    modules = [
        importlib.import_module(f"governance.migrations.{info.name}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name)
    ]
    return [module for module in modules if getattr(module, "SEEDS_ROWS", False)]


def _is_transactional(request: Any) -> bool:
    names = request.fixturenames
    if {"transactional_db", "live_server", "django_db_reset_sequences"} & set(names):
        return True
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction") or (marker.args and marker.args[0]))


@pytest.fixture
def migration_seeds(transactional_db: None) -> None:
    """The rows data migrations seed: the rules in force, the lock-in term list, the
    incident intake sources and task templates, the network checklist.

    A transactional test ends by flushing every table, seeded rows included, so a later
    transactional test would find no threshold or lock-in rule. Every transactional test
    gets them back (``_reseed_after_flush``); the seeds use get_or_create, so running them
    again is harmless.
    """
    from django.apps import apps

    for module in _seeding_migrations():
        module.forward(apps, None)


@pytest.fixture(autouse=True)
def _reseed_after_flush(request: Any) -> None:
    """Transactional tests (browser journeys, races, real workers) run after the others and
    each starts from a flushed database: seed it as the migrations did."""
    if _is_transactional(request):
        request.getfixturevalue("migration_seeds")


@pytest.fixture
def dept_a(db: None) -> Department:
    return DepartmentFactory.create(code="dept-a", name="総務部")


@pytest.fixture
def dept_b(db: None) -> Department:
    return DepartmentFactory.create(code="dept-b", name="財務部")


@pytest.fixture
def cast(db: None, dept_a: Department, dept_b: Department) -> dict[str, User]:
    people = {
        "staff_a": make_user("staff_a", Role.DEPARTMENT_STAFF, dept_a),
        "staff_a2": make_user("staff_a2", Role.DEPARTMENT_STAFF, dept_a),
        "staff_b": make_user("staff_b", Role.DEPARTMENT_STAFF, dept_b),
        "reviewer": make_user("reviewer", Role.GOVERNANCE_REVIEWER),
        "reviewer2": make_user("reviewer2", Role.GOVERNANCE_REVIEWER),
        "approver": make_user("approver", Role.GOVERNANCE_APPROVER),
        "csirt": make_user("csirt", Role.CSIRT_MEMBER),
        "auditor": make_user("auditor", Role.AUDITOR),
        "admin": make_user("admin", Role.ADMIN),
    }
    dept_a.liaison = people["reviewer"]
    dept_a.save()
    dept_b.liaison = people["reviewer"]
    dept_b.save()
    return people


@pytest.fixture
def login(client: Client) -> Any:
    """``login(user)`` returns a client signed in as ``user``, past the second factor when
    their roles require one (``verified=False``: password only)."""

    def _login(user: User, *, verified: bool = True) -> Client:
        fresh = Client()
        fresh.force_login(user)
        if verified and needs_code(user):
            mark_verified(fresh, user)
        return fresh

    return _login


@pytest.fixture
def fresh_compiled() -> Iterator[None]:
    """No kept SQL from another test (``governance.compiled``): what a test keeps, it compiled."""
    compiled.clear()
    yield
    compiled.clear()


@pytest.fixture
def run_jobs() -> Any:
    """Run every pending job now, as the relay would (``TestCase`` never fires on_commit)."""

    def _run() -> int:
        return outbox.relay(force=True)

    return _run


# 10:00 on Thursday 1 October 2026 in Tokyo: 令和8年, fiscal year 2026 (令和8年度).
FROZEN_NOW = dt.datetime(2026, 10, 1, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Django's clock (``timezone.now``, hence ``localdate``) starts at ``FROZEN_NOW`` and runs
    on from there, so that documents and reminders can be compared with literal dates."""
    real_now = timezone.now
    started = real_now()
    monkeypatch.setattr(timezone, "now", lambda: FROZEN_NOW + (real_now() - started))
    return FROZEN_NOW

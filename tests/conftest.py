"""Shared fixtures: a fixed cast of users in two departments, and helpers to drive jobs.

The cast: ``staff_a``/``staff_a2`` in department A, ``staff_b`` in department B, two
reviewers (``reviewer`` is liaison of A and B), an ``approver``, CSIRT roles, an ``auditor``
and an ``admin``.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest
from django.test import Client

import governance.urls  # noqa: F401  (builds the site's URLs so flow nodes can reverse)
from governance import outbox
from governance.models import Department, User
from governance.roles import Role
from tests.factories import DepartmentFactory, make_user

REQUIRE_SERVICES = os.environ.get("SHINSA_REQUIRE_SERVICES") == "1"

pytest_plugins = ["tests.browser"]


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


@pytest.fixture
def migration_seeds(transactional_db: None) -> None:
    """The rows data migrations seed: the rules in force and the lock-in term list.

    A transactional test ends by flushing every table, seeded rows included, so a later
    transactional test (the browser journeys) would find no threshold or lock-in rule.
    The seeds use get_or_create, so running them again is harmless.
    """
    from django.apps import apps

    for migration in ("0004_seed_rules", "0009_seed_lock_in_terms"):
        importlib.import_module(f"governance.migrations.{migration}").forward(apps, None)


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
    """``login(user)`` returns a client signed in as ``user``."""

    def _login(user: User) -> Client:
        fresh = Client()
        fresh.force_login(user)
        return fresh

    return _login


@pytest.fixture
def run_jobs() -> Any:
    """Run every pending job now, as the relay would (``TestCase`` never fires on_commit)."""

    def _run() -> int:
        return outbox.relay(force=True)

    return _run

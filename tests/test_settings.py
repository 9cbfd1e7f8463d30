"""Start-up refuses a misconfigured environment with a clear message, and production settings
pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "q8v!2m#kz7f@x1p$w9r&t3y^u5i*o0l-j4h_g6d+s8a=c2n%b7e)v1x(z3q9w5e7r",
    "AUDIT_CHAIN_KEY": "h4T$w8e!K2m@Zr6p^Qx1v&Nc9b*Ly3u(Gd7s)Fj5o+Ei0a_Rt",
    "ALLOWED_HOSTS": "shinsa.example.jp",
}
# The development key printed in governance/settings.py, hence known to everyone.
PUBLISHED_DEVELOPMENT_KEY = "django-insecure-shinsa-development-key-not-for-production"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "AUDIT_CHAIN_KEY",
            "ALLOWED_HOSTS",
            "CONN_MAX_AGE",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests for their own process
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_production_variables_pass_the_deployment_checks() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_embedded_default_starts_without_any_variable() -> None:
    result = manage("check")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe'"),
        ({"DEBUG": "0", "ALLOWED_HOSTS": "x.example.jp"}, "SECRET_KEY"),
        (
            {key: value for key, value in PRODUCTION.items() if key != "ALLOWED_HOSTS"},
            "ALLOWED_HOSTS",
        ),
        (
            {"DATABASE_URL": "postgres://shinsa@db.example.jp/shinsa", "CONN_MAX_AGE": "forever"},
            "CONN_MAX_AGE",
        ),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"JOBS_RUNNER": "celery"}, "JOBS_RUNNER=celery"),
        ({"JOBS_RUNNER": "threads"}, "JOBS_RUNNER"),
        ({"JOBS_MAX_ATTEMPTS": "three"}, "JOBS_MAX_ATTEMPTS"),
        ({"JOBS_MAX_ATTEMPTS": "0"}, "JOBS_MAX_ATTEMPTS"),
    ],
)
def test_a_misconfigured_variable_stops_start_up_with_a_message_naming_it(
    env: dict[str, str], message: str
) -> None:
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("audit_chain_key", "message"),
    [
        (None, "AUDIT_CHAIN_KEY, a key separate from SECRET_KEY, is required"),
        ("", "AUDIT_CHAIN_KEY, a key separate from SECRET_KEY, is required"),
        (PRODUCTION["SECRET_KEY"], "AUDIT_CHAIN_KEY must differ from SECRET_KEY"),
        (PUBLISHED_DEVELOPMENT_KEY, "AUDIT_CHAIN_KEY is the published development key"),
        ("short-key", "AUDIT_CHAIN_KEY must be at least 32 characters"),
    ],
)
def test_production_refuses_to_start_without_an_audit_chain_key_of_its_own(
    audit_chain_key: str | None, message: str
) -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != "AUDIT_CHAIN_KEY"}
    if audit_chain_key is not None:
        env["AUDIT_CHAIN_KEY"] = audit_chain_key
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_refuses_the_published_development_secret_key() -> None:
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": PUBLISHED_DEVELOPMENT_KEY})
    assert result.returncode != 0
    assert "SECRET_KEY is the published development key" in result.stderr


def test_the_embedded_default_keys_the_audit_chain_without_any_variable() -> None:
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.AUDIT_CHAIN_KEY)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == PUBLISHED_DEVELOPMENT_KEY


def test_production_static_files_use_the_storage_that_tolerates_viewflow_missing_fonts() -> None:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip().splitlines()[-1] == "governance.staticfiles.ShinsaStaticFilesStorage"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "postgres://shinsa@db.example.jp:5432/shinsa"}, "600 True"),
        ({"DATABASE_URL": "postgres://shinsa@db.example.jp/shinsa", "CONN_MAX_AGE": "0"}, "0 True"),
        ({}, "600 True"),
    ],
)
def test_database_connections_persist_as_configured(env: dict[str, str], expected: str) -> None:
    """No connection is opened: the settings are read, not used."""
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; db = settings.DATABASES['default'];"
        " print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected

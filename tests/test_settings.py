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
    "ALLOWED_HOSTS": "shinsa.example.jp",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
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
        ({"DEBUG": "0", "SECRET_KEY": PRODUCTION["SECRET_KEY"]}, "ALLOWED_HOSTS"),
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

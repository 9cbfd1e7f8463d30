"""The running demo behaves as the README says: mails sent while it is used are saved in
var/demo-mail/, links in them point at the address `make demo ADDR=…` serves on, and a missing
page is the Japanese 404 page."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command

from governance.management.commands import serve

ROOT = Path(django_settings.BASE_DIR)


def test_mails_sent_while_the_demo_runs_are_saved_as_files(
    settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    settings.VAR_DIR = tmp_path
    settings.EMAIL_HOST = ""
    seen: dict[str, Any] = {}

    def runserver(name: str, *args: Any, **kwargs: Any) -> None:
        # What a click in the running demo does: a service sends a notice.
        assert name == "runserver"
        seen["friendly"] = django_settings.SHINSA_FRIENDLY_ERRORS
        mail.send_mail("通知", "本文", "shinsa@localhost", ["staff@example.jp"])

    monkeypatch.setattr(serve, "call_command", runserver)
    monkeypatch.delenv("SHINSA_FRIENDLY_ERRORS", raising=False)
    out = StringIO()
    call_command("serve", "127.0.0.1:8123", "--interval", "3600", stdout=out)
    saved = list((tmp_path / "demo-mail").iterdir())
    assert len(saved) == 1
    assert "To: staff@example.jp" in saved[0].read_text(encoding="utf-8")
    assert str(tmp_path / "demo-mail") in out.getvalue()
    assert seen["friendly"] is True
    # Outside the server, settings are as the environment made them.
    assert django_settings.EMAIL_BACKEND != serve.FILE_MAIL_BACKEND


def test_with_a_real_mail_server_the_demo_sends_mail_there(settings: Any) -> None:
    settings.EMAIL_HOST = "smtp.example.jp"
    overrides = serve.demo_settings()
    assert "EMAIL_BACKEND" not in overrides


def test_friendly_error_pages_can_be_switched_off_for_the_demo(monkeypatch: Any) -> None:
    monkeypatch.setenv("SHINSA_FRIENDLY_ERRORS", "0")
    assert serve.demo_settings()["SHINSA_FRIENDLY_ERRORS"] is False


def test_outside_the_demo_server_mail_without_a_server_still_goes_to_the_console(
    tmp_path: Path,
) -> None:
    # Only `serve` saves mail as files; management commands and shells print it, as before.
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.EMAIL_BACKEND, settings.SHINSA_FRIENDLY_ERRORS)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "governance.settings",
            "SHINSA_VAR_DIR": str(tmp_path),
        },
    ).stdout
    assert printed.split() == ["django.core.mail.backends.console.EmailBackend", "False"]


@pytest.mark.parametrize(
    ("addr", "site_url", "host"),
    [
        ("192.0.2.10:8123", "http://192.0.2.10:8123", "192.0.2.10"),
        ("8001", "http://127.0.0.1:8001", "127.0.0.1"),
    ],
)
def test_make_demo_addr_sets_the_site_url_of_the_links_in_mails(
    addr: str, site_url: str, host: str
) -> None:
    dry_run = subprocess.run(
        ["make", "-n", "demo", f"ADDR={addr}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    commands = [line for line in dry_run.splitlines() if "manage.py" in line]
    serve_line = next(line for line in commands if "manage.py serve" in line)
    load_line = next(line for line in commands if "manage.py load_demo" in line)
    for line in (serve_line, load_line):
        assert f"SITE_URL={site_url} " in line
        assert f",{host} " in line  # added to ALLOWED_HOSTS
    assert serve_line.endswith(f"manage.py serve {site_url.removeprefix('http://')}")


def test_the_readme_says_how_to_serve_the_demo_on_another_address() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo ADDR=" in readme
    assert "var/demo-mail/" in readme

"""load_demo builds the demo organisation and can be run again without changing anything."""

from __future__ import annotations

import base64
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django_otp.oath import totp

from governance.models import AuditEvent, Department, Section, User
from governance.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_var_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True  # the demo is refused on production settings (tested below)


def counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("governance").get_models()
    }


def test_demo_has_the_departments_one_user_per_role_and_liaisons() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    names = set(Department.objects.values_list("name", flat=True))
    assert {"総務部", "財務部", "スマートシティ戦略部", "教育庁", "危機管理室"} <= names
    assert Department.objects.count() == 15
    assert Section.objects.filter(
        department__name="スマートシティ戦略部", name="行政DX推進課"
    ).exists()
    for role in Role.values:
        assert User.objects.filter(groups__name=role).exists(), role
    assert not Department.objects.filter(liaison__isnull=True).exists()
    printed = out.getvalue()
    for username in ("staff_somu", "reviewer", "approver", "auditor", "admin"):
        assert username in printed


def test_demo_can_be_loaded_twice_with_the_same_result() -> None:
    first_out = StringIO()
    call_command("load_demo", stdout=first_out)
    before = counts()
    second_out = StringIO()
    call_command("load_demo", stdout=second_out)
    assert counts() == before
    # the same passwords are printed again, so people can still sign in
    assert (
        first_out.getvalue().split("demo logins")[1]
        == second_out.getvalue().split("demo logins")[1]
    )


def _printed(out: StringIO, username: str) -> tuple[str, str | None]:
    """The password printed for ``username`` and the TOTP secret on the line below, if any."""
    lines = out.getvalue().splitlines()
    index = next(i for i, row in enumerate(lines) if row.strip().startswith(username + " "))
    below = lines[index + 1]
    secret = below.rsplit(" ", 1)[1] if "TOTP" in below else None
    return lines[index].split()[1], secret


def test_demo_passwords_work(client: Any) -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    password, secret = _printed(out, "staff_somu")
    assert secret is None  # department staff may enrol, but are not made to
    response = client.post(
        "/accounts/login/", {"username": "staff_somu", "password": password}, follow=True
    )
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/home/"


@pytest.mark.parametrize("username", ["approver", "ciso", "csirt_lead", "auditor", "admin"])
def test_demo_prints_a_totp_secret_that_passes_the_second_factor(
    client: Any, username: str
) -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    password, secret = _printed(out, username)
    assert secret is not None
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert client.get("/home/").url.startswith("/accounts/otp/verify/")
    code = f"{totp(base64.b32decode(secret)):06d}"
    response = client.post("/accounts/otp/verify/", {"token": code, "next": "/home/"})
    assert response.status_code == 302
    assert response.url == "/home/"
    assert client.get("/home/").status_code == 200
    demo_code = StringIO()
    call_command("demo_totp", username, stdout=demo_code)
    assert demo_code.getvalue().strip().isdigit()


def test_demo_refuses_to_load_with_debug_off(settings: Any) -> None:
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=StringIO())
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_demo_notices_are_kept_as_files_not_printed_over_the_logins(tmp_path: Any) -> None:
    """Committed for real, so the demo cases' jobs run and send their notices as in make demo."""
    out = StringIO()
    call_command("load_demo", stdout=out)
    printed = out.getvalue()
    mails = list((tmp_path / "demo-mail").iterdir())
    assert mails
    assert "Subject:" in mails[0].read_text(encoding="utf-8")
    assert "Subject:" not in printed
    assert str(tmp_path / "demo-mail") in printed

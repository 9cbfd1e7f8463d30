"""Signing in resists guessing and theft: repeated wrong passwords lock the username at that
address out (an audited unlock by the admin role), privileged roles need a TOTP second factor
before any page, and a password may not be made of the person's name."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import permissions
from governance.models import AuditEvent, User
from governance.org import services as org
from governance.passwords import PASSWORD_CONTAINS_NAME
from governance.roles import Role
from tests.browser import TEST_PASSWORD
from tests.factories import UserFactory, make_user
from tests.second_factor import code_for, device_for

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _try(client: Client, username: str, password: str, address: str = "127.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Lockout ------------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(cast: Any) -> None:
    client = Client()
    for attempt in range(40):
        _try(client, "staff_a", f"wrong-{attempt}")
    response = _try(client, "staff_a", TEST_PASSWORD)
    assert response.status_code == 429
    assert "ログインを一時停止しています" in response.content.decode()
    assert not _signed_in(client)
    assert client.get("/home/").status_code == 302


def test_the_lockout_starts_at_the_fifth_failure(cast: Any) -> None:
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, "staff_a", f"wrong-{attempt}").status_code == 200
    # Four mistakes do not lock anyone out, and a success clears them.
    assert _try(client, "staff_a", TEST_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="staff_a").exists()
    other = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _try(other, "staff_a", f"wrong-{attempt}")
    assert _try(other, "staff_a", TEST_PASSWORD).status_code == 429


def test_a_lockout_holds_one_username_at_one_address(cast: Any) -> None:
    attacker = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _try(attacker, "staff_a", f"wrong-{attempt}", address="203.0.113.9")
    # The person at their own desk, and a colleague at the attacker's address, still sign in.
    assert _try(Client(), "staff_a", TEST_PASSWORD, address="10.0.0.5").status_code == 302
    assert _try(Client(), "staff_b", TEST_PASSWORD, address="203.0.113.9").status_code == 302
    assert _try(attacker, "staff_a", TEST_PASSWORD, address="203.0.113.9").status_code == 429


def test_the_lockout_ends_fifteen_minutes_after_the_last_attempt(cast: Any) -> None:
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT + 3):
        _try(client, "staff_a", f"wrong-{attempt}")
    assert dt.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    last = AccessAttempt.objects.get(username="staff_a").attempt_time
    AccessAttempt.objects.filter(username="staff_a").update(
        attempt_time=last - dt.timedelta(minutes=14)
    )
    assert _try(client, "staff_a", TEST_PASSWORD).status_code == 429  # and the clock restarts
    AccessAttempt.objects.filter(username="staff_a").update(
        attempt_time=last - dt.timedelta(minutes=16)
    )
    assert _try(client, "staff_a", TEST_PASSWORD).status_code == 302


def test_the_admin_role_unlocks_a_person_and_the_unlock_is_recorded(cast: Any, login: Any) -> None:
    client = Client()
    for attempt in range(12):
        _try(client, "staff_a", f"wrong-{attempt}")
    assert org.is_locked_out(cast["staff_a"])
    with pytest.raises(PermissionDenied):
        org.unlock_login(actor=cast["reviewer"], user=cast["staff_a"], reason="依頼")
    admin = login(cast["admin"])
    page = admin.get(f"/users/{cast['staff_a'].pk}/").content.decode()
    assert "ロック中" in page
    admin.post(f"/users/{cast['staff_a'].pk}/unlock/", {"reason": "本人確認のうえ解除"})
    assert not org.is_locked_out(cast["staff_a"])
    [event] = AuditEvent.objects.filter(action="user.unlock_login")
    assert event.actor_id == cast["admin"].pk
    assert event.reason == "本人確認のうえ解除"
    assert _try(client, "staff_a", TEST_PASSWORD).status_code == 302


# --- Second factor ----------------------------------------------------------------------------


@pytest.fixture
def people(cast: Any) -> dict[str, User]:
    return {
        **cast,
        "csirt_lead": make_user("csirt_lead", Role.CSIRT_LEAD),
        "ciso": make_user("ciso", Role.CISO),
    }


@pytest.mark.parametrize("who", ["approver", "ciso", "csirt_lead", "auditor", "admin"])
def test_privileged_roles_reach_no_page_before_the_second_factor(
    people: Any, login: Any, who: str
) -> None:
    device_for(people[who])
    client = login(people[who], verified=False)
    for url in ("/home/", "/home/cases/", "/audit/", "/users/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/otp/verify/?next="), url
    posted = client.post("/budget/seasons/new/", {"fiscal_year": "2030"})
    assert posted.url.startswith("/accounts/otp/verify/")
    assert client.get("/accounts/otp/verify/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_a_superuser_also_needs_the_second_factor(cast: Any, login: Any) -> None:
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    assert permissions.requires_second_factor(root)
    assert login(root, verified=False).get("/home/").url.startswith("/accounts/otp/")


@pytest.mark.parametrize("who", ["staff_a", "reviewer", "csirt"])
def test_other_roles_sign_in_with_a_password_alone(cast: Any, who: str) -> None:
    client = Client()
    assert _try(client, who, TEST_PASSWORD).status_code == 302
    assert client.get("/home/").status_code == 200


def test_the_right_code_opens_the_pages_and_a_wrong_or_reused_code_does_not(
    cast: Any,
) -> None:
    device = device_for(cast["approver"])
    client = Client()
    assert _try(client, "approver", TEST_PASSWORD).status_code == 302
    assert client.get("/home/")["Location"].startswith("/accounts/otp/verify/")
    code = f"{totp(device.bin_key):06d}"
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = client.post("/accounts/otp/verify/", {"token": wrong, "next": "/home/"})
    assert refused.status_code == 200
    assert "確認コードが正しくありません" in refused.content.decode()
    assert client.get("/home/").status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)

    accepted = client.post("/accounts/otp/verify/", {"token": code, "next": "/home/"})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/home/"
    assert client.get("/home/").status_code == 200

    thief = Client()
    _try(thief, "approver", TEST_PASSWORD)
    replay = thief.post("/accounts/otp/verify/", {"token": code, "next": "/home/"})
    assert replay.status_code == 200
    assert thief.get("/home/").status_code == 302


def test_a_privileged_person_without_a_device_enrols_with_the_secret_shown(cast: Any) -> None:
    client = Client()
    _try(client, "auditor", TEST_PASSWORD)
    redirect = client.get("/home/")
    assert redirect["Location"].startswith("/accounts/otp/setup/")
    page = client.get(redirect["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "otpauth://totp/" in html
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=cast["auditor"], confirmed=False)
    secret = page.context["secret"].replace(" ", "")
    assert base64.b32decode(secret) == device.bin_key
    assert client.get("/audit/").status_code == 302  # not before the code is confirmed

    confirmed = client.post(
        "/accounts/otp/setup/", {"token": f"{totp(device.bin_key):06d}", "next": "/audit/"}
    )
    assert confirmed["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200
    assert org.has_second_factor(cast["auditor"])
    [event] = AuditEvent.objects.filter(action="user.enrol_second_factor")
    assert event.actor_id == cast["auditor"].pk
    assert secret not in str(event.changes) and device.key not in str(event.changes)


def test_a_role_granted_during_a_session_asks_for_the_second_factor_at_the_next_page(
    cast: Any, login: Any
) -> None:
    client = login(cast["reviewer2"])
    assert client.get("/home/").status_code == 200
    org.grant_role(
        actor=cast["admin"], user=cast["reviewer2"], role=Role.GOVERNANCE_APPROVER, reason="代理"
    )
    assert client.get("/home/")["Location"].startswith("/accounts/otp/setup/")


def test_someone_who_enrolled_of_their_own_accord_is_asked_for_the_code(cast: Any) -> None:
    device = device_for(cast["staff_a"])
    client = Client()
    _try(client, "staff_a", TEST_PASSWORD)
    assert client.get("/home/")["Location"].startswith("/accounts/otp/verify/")
    client.post("/accounts/otp/verify/", {"token": code_for(device), "next": "/home/"})
    assert client.get("/home/").status_code == 200


# --- Passwords ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "加藤修2024pass",
        "pass-修加藤-2024",
        "ｋａｔｏｓａｍｕ-Secret9",
        "Osamu.Kato.1984",
        "kato1984osamu",
    ],
)
def test_a_password_made_of_the_persons_name_is_refused(db: None, password: str) -> None:
    person = UserFactory.build(
        username="kato.osamu", last_name="加藤", first_name="修", email="osamu.kato@pref.example.jp"
    )
    with pytest.raises(ValidationError):
        validate_password(password, person)


def test_a_japanese_full_name_inside_a_password_is_refused_with_a_japanese_message(
    db: None,
) -> None:
    person = UserFactory.build(username="u1234", last_name="高橋", first_name="健太")
    with pytest.raises(ValidationError) as refused:
        validate_password("高橋健太のパスワード2024", person)
    assert PASSWORD_CONTAINS_NAME in refused.value.messages
    validate_password("Kumo-Sora-Umi-42", person)  # an unrelated password passes


def test_the_reset_link_refuses_a_password_made_of_the_name(cast: Any, client: Client) -> None:
    target = cast["staff_b"]
    target.last_name, target.first_name = "鈴木", "一郎"
    target.save()
    link = org.reset_password(actor=cast["admin"], user=target, reason="失念")
    form = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    url = form.request["PATH_INFO"]
    refused = client.post(url, {"new_password1": "鈴木一郎2024!", "new_password2": "鈴木一郎2024!"})
    assert refused.status_code == 200
    assert PASSWORD_CONTAINS_NAME in refused.content.decode()
    assert not User.objects.get(pk=target.pk).has_usable_password()

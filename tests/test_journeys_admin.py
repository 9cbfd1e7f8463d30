"""In a real browser, an administrator passes the second factor with a code typed from the
authenticator app, grants a role with a reason on the user page, and the auditor reads it."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django_otp.oath import totp

from governance import permissions
from governance.models import User
from governance.roles import Role
from tests.browser import TEST_PASSWORD, sign_in, sign_out, wait_for_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_grants_a_role_on_the_user_page_and_the_auditor_reads_it(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    base = live_server.url
    sign_in(page, base, "admin")  # password, then a TOTP code typed on the code page
    page.click("text=利用者とロール")
    wait_for_page(page, f"{base}/users/")
    page.locator("#user-list a", has_text="reviewer2").click()
    wait_for_page(page, re.compile(r"/users/\d+/$"))
    page.select_option("#grant-role select[name=role]", Role.GOVERNANCE_APPROVER)
    page.fill("#grant-role textarea[name=reason]", "決裁者の長期不在のため代理")
    page.click("#grant-role button[type=submit]")
    # The page comes back at the same address: wait for the outcome instead.
    page.wait_for_selector("text=ロール「決裁者（課長・参事）」を付与しました。")
    assert "決裁者（課長・参事）" in page.inner_text("#roles")
    assert permissions.has_role(User.objects.get(username="reviewer2"), Role.GOVERNANCE_APPROVER)
    sign_out(page)

    sign_in(page, base, "auditor")
    page.goto(f"{base}/audit/?action=user.grant_role")
    wait_for_page(page, re.compile(r"/audit/"))
    trail = page.inner_text("main")
    assert "決裁者（課長・参事）" in trail
    assert "決裁者の長期不在のため代理" in trail


def test_an_approver_without_a_device_enrols_from_the_secret_shown_on_the_page(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "approver")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    wait_for_page(page, f"{base}/accounts/otp/setup/**")
    secret = page.inner_text("#otp-secret").replace(" ", "")
    page.fill("input[name=token]", f"{totp(base64.b32decode(secret)):06d}")
    page.click("#otp-enrol button[type=submit]")
    wait_for_page(page, f"{base}/home/**")
    assert "自分のタスク" in page.inner_text("body")

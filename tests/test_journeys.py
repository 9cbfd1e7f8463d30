"""The main journeys work in a real browser: sign in, open a case, act on it from the inbox."""

from __future__ import annotations

import re
from typing import Any

import pytest

from governance.models import CaseStatus, Consultation, User
from tests.browser import sign_in, sign_out, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


CASE_PAGE = re.compile(r"/consultation/\d+/$")


def test_a_consultation_goes_from_department_to_liaison_and_back(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    base = live_server.url
    sign_in(page, base, "staff_a")
    page.click("text=相談を申請する")
    page.fill("input[name=title]", "庁内LANの更改について")
    page.fill("textarea[name=question]", "更改時期の考え方を教えてください。")
    submit(page, CASE_PAGE)
    assert "庁内LANの更改について" in page.inner_text("#case-title")
    consultation = Consultation.objects.get()
    sign_out(page)

    sign_in(page, base, "reviewer")
    assert consultation.number in page.inner_text("main")
    page.click("a.shinsa-task-link")
    page.fill("textarea[name=answer]", "更改の2年前から検討を始めてください。")
    submit(page, CASE_PAGE)
    assert "通知済・確認待ち" in page.inner_text("#case-status")
    sign_out(page)

    sign_in(page, base, "staff_a")
    page.click("a.shinsa-task-link")
    page.check("input[name=resolved][value=yes]")
    submit(page, CASE_PAGE)
    assert "完了" in page.inner_text("#case-status")
    consultation.refresh_from_db()
    assert consultation.status == CaseStatus.CLOSED


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "staff_a")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "/accounts/login/" in page.url
    page.goto(f"{live_server.url}/home/")
    assert "/accounts/login/" in page.url

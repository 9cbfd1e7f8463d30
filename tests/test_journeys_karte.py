"""The system registry works in a real browser: governance staff import a workbook and find the
locked-in system; department staff edit their own system and are shown a refusal page, not a
bare error, for another department's."""

from __future__ import annotations

import re
from typing import Any

import pytest

from governance.models import InformationSystem, User
from governance.permissions import system_edit_error
from tests.browser import sign_in, sign_out, wait_for_page
from tests.factories import InformationSystemFactory
from tests.karte_files import SYSTEM_HEADER, basic_workbook, system_row, workbook_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DETAIL_PAGE = re.compile(r"/karte/\d+/$")


def import_workbook(page: Any, base: str, workbook: bytes | None = None) -> None:
    """Upload ``workbook`` on the import page; by default the test workbook (A-001 of 総務部,
    locked in; A-002 of 財務部)."""
    page.goto(f"{base}/karte/")
    page.click("a[href$='/karte/import/']")
    wait_for_page(page, re.compile(r"/karte/import/$"))
    page.set_input_files(
        "#import-form input[name=file]",
        files=[
            {"name": "カルテ.xlsx", "mimeType": XLSX_TYPE, "buffer": workbook or basic_workbook()}
        ],
    )
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-result, #import-errors, .shinsa-field--error")


def test_a_reviewer_imports_a_workbook_and_finds_the_locked_in_system_in_the_list(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    base = live_server.url
    sign_in(page, base, "reviewer")
    import_workbook(page, base)
    assert "新規 2 件" in page.inner_text("#import-result")
    assert InformationSystem.objects.count() == 2

    page.goto(f"{base}/karte/")
    assert {"A-001", "A-002"} <= set(page.inner_text("#karte-list").split())
    page.select_option("#karte-filters select[name=lock_in]", "yes")
    page.click("#karte-filters button[type=submit]")
    wait_for_page(page, re.compile(r"lock_in=yes"))
    listed = page.inner_text("#karte-list")
    assert "A-001" in listed
    assert "A-002" not in listed

    page.click("#karte-list a:text-is('A-001')")
    wait_for_page(page, DETAIL_PAGE)
    assert "試験情報株式会社" in page.inner_text("#lock-in-flag")
    timeline = page.inner_text("#contract-timeline")
    assert "試験情報株式会社" in timeline
    assert "1,000,000" in timeline
    costs = page.inner_text("#cost-table")
    assert "1,200" in costs and "1,100" in costs


def test_a_workbook_with_a_bad_cell_is_refused_with_its_place_and_imports_nothing(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    sign_in(page, live_server.url, "reviewer")
    bad = workbook_bytes(
        {"システム": [SYSTEM_HEADER, system_row("A-001"), system_row("A-002", 職員数="三人")]}
    )
    import_workbook(page, live_server.url, bad)
    issues = page.inner_text("#import-errors")
    assert "何も取り込んでいません" in issues
    assert "職員数" in issues and "数値として読み取れません。" in issues
    assert not InformationSystem.objects.exists()


def test_department_staff_edit_their_own_system_and_are_refused_another_departments(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    base = live_server.url
    sign_in(page, base, "reviewer")
    import_workbook(page, base)
    own = InformationSystem.objects.get(code="A-001")
    other = InformationSystem.objects.get(code="A-002")
    sign_out(page)

    sign_in(page, base, "staff_a")
    page.goto(f"{base}/karte/")
    listed = page.inner_text("#karte-list")
    assert "A-001" in listed
    assert "A-002" not in listed
    page.click("#karte-list a:text-is('A-001')")
    wait_for_page(page, DETAIL_PAGE)
    page.click(f"a[href$='/karte/{own.pk}/edit/']")
    wait_for_page(page, re.compile(r"/edit/$"))
    page.fill("#system-form textarea[name=renewal_plan]", "令和10年度にクラウドへ移行する。")
    page.click("#system-form button[type=submit]")
    wait_for_page(page, DETAIL_PAGE)
    assert "令和10年度にクラウドへ移行する。" in page.inner_text("main")
    own.refresh_from_db()
    assert own.renewal_plan == "令和10年度にクラウドへ移行する。"

    for address in (f"/karte/{other.pk}/", f"/karte/{other.pk}/edit/"):
        response = page.goto(f"{base}{address}")
        assert response is not None and response.status == 404
        assert "財務部" not in page.content()
        assert "ページが見つかりません" in page.inner_text("body")
    # The refusal page leads back into the site.
    page.click("a[href='/']")
    wait_for_page(page, re.compile(r"/home/$"))
    other.refresh_from_db()
    assert other.renewal_plan == ""


def test_a_read_only_user_is_shown_why_the_edit_page_is_refused(
    live_server: Any, page: Any, cast: dict[str, User], dept_a: Any
) -> None:
    system = InformationSystemFactory.create(code="A-001", department=dept_a)
    sign_in(page, live_server.url, "auditor")
    page.goto(f"{live_server.url}/karte/{system.pk}/")
    assert page.locator(f"a[href$='/karte/{system.pk}/edit/']").count() == 0
    response = page.goto(f"{live_server.url}/karte/{system.pk}/edit/")
    assert response is not None and response.status == 403
    reason = system_edit_error(cast["auditor"], dept_a.pk)
    assert reason and reason in page.inner_text("body")

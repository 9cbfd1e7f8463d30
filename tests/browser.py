"""Driving Debian's chromium with Playwright for the browser journeys (never a downloaded
browser). Tests using ``page`` are skipped when chromium is missing, unless
SHINSA_REQUIRE_SERVICES=1, which makes a missing browser a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("SHINSA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("SHINSA_REQUIRE_SERVICES") == "1":
            pytest.fail(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # tests around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


TEST_PASSWORD = "test-password-123"


def sign_in(page: Any, base_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    wait_for_page(page, f"{base_url}/home/**")


def wait_for_page(page: Any, url: Any) -> None:
    """Wait until the page at ``url`` is shown, not only addressed.

    viewflow's pages load through Turbo, which changes the address just before it swaps the
    new page in; reading the page as soon as the address matches can read the previous one.
    Turbo marks ``<html aria-busy>`` for the whole visit.
    """
    page.wait_for_url(url)
    page.wait_for_selector("html:not([aria-busy])", state="attached")


def sign_out(page: Any) -> None:
    page.context.clear_cookies()


def submit(page: Any, leads_to: Any) -> None:
    """Press the form's main button and wait for the page it leads to (``leads_to``: a URL
    pattern, usually the flow's case page)."""
    page.click("button[name=_submit]")
    wait_for_page(page, leads_to)


def open_task_from_inbox(page: Any, case_number: str, task_page: Any) -> None:
    """Follow the task link on the row of ``case_number`` in the inbox or the queue."""
    page.locator("tr", has_text=case_number).locator("a.shinsa-task-link").first.click()
    wait_for_page(page, task_page)

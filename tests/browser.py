"""Driving Debian's chromium with Playwright for the browser journeys (never a downloaded
browser). Tests using ``page`` are skipped when chromium is missing, unless
SHINSA_REQUIRE_SERVICES=1, which makes a missing browser a failure.

Every journey also checks the Content-Security-Policy: ``page`` collects the console, and a
test whose pages logged a CSP violation fails when it ends."""

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


# Reports every violation through the console, whatever chromium itself logs for it.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def is_csp_violation(text: str) -> bool:
    return "Content Security Policy" in text or text.startswith("CSP violation:")


def collect_csp_violations(context: Any) -> list[str]:
    """Listen to the console of every page of ``context``; return the live list of the CSP
    violations logged, each with the address of the page that logged it."""
    violations: list[str] = []
    context.add_init_script(_REPORT_CSP_VIOLATIONS)

    def watch(page: Any) -> None:
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}")
                if is_csp_violation(message.text)
                else None
            ),
        )

    context.on("page", watch)
    return violations


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    # 30 s: CI runs the SQLite and PostgreSQL suites side by side on two cores, and a page can
    # wait behind the other suite. (A sign-in that stopped at the code page was a stale TOTP
    # code, not the wait: see ``tests/second_factor.code_for``.)
    context.set_default_timeout(30000)
    violations = collect_csp_violations(context)
    page = context.new_page()
    yield page
    context.close()
    if violations:
        pytest.fail(
            "Content-Security-Policy violations in the browser console:\n"
            + "\n".join(dict.fromkeys(violations))
        )


TEST_PASSWORD = "test-password-123"


def sign_in(page: Any, base_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    """Log in as a person would: the password, then, for roles that need a second factor, the
    code of their authenticator app (computed from their TOTP device's secret)."""
    from governance.models import User
    from tests.second_factor import code_for, device_for, needs_code

    user = User.objects.get(username=username)
    device = device_for(user) if needs_code(user) else None
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if device is not None:
        wait_for_page(page, f"{base_url}/accounts/otp/verify/**")
        page.fill("input[name=token]", code_for(device))
        page.click("#otp-verify button[type=submit]")
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

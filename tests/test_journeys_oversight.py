"""監査指摘と措置 in a real browser: the auditor reaches seed 001's finding ② from the home
page, and no element of the engagement list or detail (with every form a reviewer sees) is
wider than a 1,366 px window."""

from __future__ import annotations

import re
from typing import Any

import pytest

from governance.oversight import selectors, services
from tests.browser import sign_in, wait_for_page
from tests.dashboard_world import coverage_registry
from tests.test_journeys_audit import TOO_WIDE_JS, WIDE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LONG = (
    "情報システムのセキュリティ対策について、関係部局と連携して、" * 6
    + "必要な対策を講じられたい。"
)


def _engagement(cast: Any, department: Any) -> Any:
    coverage_registry(department)
    engagement = services.create_engagement(
        actor=cast["reviewer"],
        kind="kansa_periodic",
        fiscal_year=2022,
        title="定期監査（長い件名の折り返しを確かめるための件名）" * 2,
        member_audit_on="令和4年8月1日",
        secretariat_from="令和4年6月1日",
        secretariat_to="令和4年8月31日",
    )
    finding = services.create_finding(
        actor=cast["reviewer"],
        engagement=engagement,
        number=2,
        text=LONG,
        facts=LONG,
        owner_department=department,
    )
    measure = services.draft_measure(
        actor=cast["staff_a"],
        finding=finding,
        text=LONG,
        figures_query=selectors.COVERAGE,
        figures_as_of="2023-05-31",
    )
    services.approve_measure(actor=cast["approver"], measure=measure)
    services.issue_measure_report(actor=cast["reviewer"], engagement=engagement)
    return engagement


def test_the_auditor_reaches_the_finding_and_no_page_is_wider_than_1366_pixels(
    live_server: Any, page: Any, cast: Any, dept_a: Any
) -> None:
    engagement = _engagement(cast, dept_a)
    base = live_server.url
    page.set_viewport_size({"width": WIDE, "height": 900})
    sign_in(page, base, "auditor")
    page.click("#oversight-link")
    wait_for_page(page, re.compile(r"/oversight/$"))
    page.locator("#engagements a").first.click()
    wait_for_page(page, re.compile(rf"/oversight/{engagement.pk}/$"))
    text = page.inner_text("body")
    assert "令和５年５月31日時点" in text and "245システム" in text
    assert page.locator("form[action*='/approve/']").count() == 0

    too_wide = {}
    for username in ("auditor", "reviewer"):
        page.context.clear_cookies()
        sign_in(page, base, username)
        for path in ("/oversight/", f"/oversight/{engagement.pk}/"):
            page.goto(f"{base}{path}")
            page.wait_for_selector("html:not([aria-busy])", state="attached")
            found = page.evaluate(TOO_WIDE_JS, WIDE)
            if found:
                too_wide[(username, path)] = found[:10]
    assert too_wide == {}

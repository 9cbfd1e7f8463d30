"""The dashboards work in a real browser: each role opens its dashboard from the home page's
あなたの役割 block (auditors from their home), sees its charts, and opens a chart's data table
(a <details> element: no script, so nothing for the Content-Security-Policy to block), in a
window 800 pixels wide without scrolling sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest

from governance.models import User
from tests.browser import sign_in, sign_out, wait_for_page
from tests.dashboard_world import build_world, coverage_registry, dashboard_cast, grow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

#: Who opens which dashboard, and a chart on it.
JOURNEYS = [
    ("staff_a", "department", "department-cases"),
    ("reviewer", "reviewer", "queue-age"),
    ("approver", "approver", "approval-age"),
    ("security", "security", "coverage"),
    ("csirt", "csirt", "incident-matrix"),
    ("ciso", "ciso", "incident-trend"),
    ("auditor", "auditor", "decision-counts"),
]


def test_each_role_opens_its_dashboard_and_a_charts_table(
    live_server: Any, page: Any, cast: dict[str, User], dept_a: Any, dept_b: Any
) -> None:
    people = dashboard_cast(cast)
    world = build_world(people, dept_a)
    grow(world, 60, dept_b)
    coverage_registry(dept_a)
    base = live_server.url
    page.set_viewport_size({"width": 800, "height": 900})  # the desk layout's narrow window
    for username, role, chart in JOURNEYS:
        sign_in(page, base, username)
        link = (
            "#auditor-dashboard-link"
            if role == "auditor"
            else (f"#my-roles a[href='/home/dashboards/{role}/']")
        )
        page.click(link)
        wait_for_page(page, re.compile(rf"/home/dashboards/{role}/$"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 800, role
        figure = page.locator(f"#chart-{chart}")
        assert figure.is_visible(), role
        table = figure.locator("details table")
        assert not table.is_visible(), role
        figure.locator("details summary").click()
        table.wait_for(state="visible")
        assert table.locator("td").count() > 0, role
        if role == "security":
            assert "245" in page.inner_text("#chart-coverage .shinsa-figures")
        sign_out(page)

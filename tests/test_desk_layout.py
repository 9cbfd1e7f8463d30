"""In a real browser: the main pages fit an 800 px wide window without scrolling sideways, the
login page's language button is readable, and every form draws a checkbox beside its label and
a field in error with the same red border."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from governance.models import User
from tests import budget_support as support
from tests import tour
from tests.browser import sign_in, sign_out, wait_for_page
from workflows.budget_check import BudgetCheckFlow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTH = 800
ERROR_RED = "rgb(176, 0, 32)"


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb()``/``rgba()`` colours."""
    lighter, darker = sorted(
        (
            _luminance(tuple(float(v) for v in re.findall(r"[\d.]+", c)))
            for c in (foreground, background)
        ),
        reverse=True,
    )
    return (lighter + 0.05) / (darker + 0.05)


COLOURS_JS = """(selector) => {
  const element = document.querySelector(selector);
  let node = element, background = "rgba(0, 0, 0, 0)";
  while (node && (background === "rgba(0, 0, 0, 0)" || background === "transparent")) {
    background = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  return [getComputedStyle(element).color, background];
}"""


def test_the_login_pages_english_button_is_readable(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    foreground, background = page.evaluate(COLOURS_JS, "button[name=language][value=en]")
    assert contrast(foreground, background) >= 4.5, (foreground, background)


def _main_pages(objects: Any) -> dict[str, list[str]]:
    budget = objects.cases["budget_closed"]
    spec = objects.cases["spec_approved"]
    approval = support.open_task(objects.cases["budget_awaiting_approval"], BudgetCheckFlow.approve)
    review = support.open_task(objects.cases["budget_in_review"], BudgetCheckFlow.review)
    common = [
        "/home/",
        "/home/cases/",
        "/home/notifications/",
        f"/home/cases/{budget.pk}/",
        f"/home/cases/{spec.pk}/",
        reverse("karte:index"),
        reverse("karte:detail", args=[objects.system.pk]),
        reverse("budgetcheck:index"),
        reverse("budgetcheck:process_list"),
        reverse("budgetcheck:task_list"),
        reverse("spec_review:index"),
    ]
    return {
        "staff_a": [*common, BudgetCheckFlow.start.reverse("execute")],
        "reviewer": [
            *common,
            support.execute_url(review),
            reverse("karte:lock_in"),
            reverse("karte:coverage"),
            reverse("budget:index"),
            reverse("budget:ledger"),
        ],
        "approver": [*common, support.assign_url(approval)],
        "auditor": [*common, reverse("audit:index")],
    }


def test_the_main_pages_fit_an_800_pixel_window(
    live_server: Any, page: Any, cast: dict[str, User], run_jobs: Any, tmp_path: Any
) -> None:
    objects = tour.build(cast, run_jobs)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    too_wide = []
    for username, paths in _main_pages(objects).items():
        sign_in(page, live_server.url, username)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_selector("html:not([aria-busy])", state="attached")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                shot = tmp_path / f"{username}{path.replace('/', '_')}.png"
                page.screenshot(path=str(shot), full_page=True)
                too_wide.append((username, path, width, str(shot)))
        sign_out(page)
    assert too_wide == []


def test_a_checkbox_sits_beside_its_label_and_fields_in_error_are_red(
    live_server: Any, page: Any, cast: dict[str, User], dept_a: Any
) -> None:
    check = support.start(
        cast["staff_a"], None, new_system_name="文書管理", new_system_kind="scratch"
    )
    check = support.drive_to_approval(check, cast["reviewer"])
    check = support.step(
        check, BudgetCheckFlow.approve, cast["approver"], support.budget_forms.approval_data()
    )
    task = support.open_task(check, BudgetCheckFlow.acknowledge)
    sign_in(page, live_server.url, "staff_a")
    page.goto(f"{live_server.url}{support.execute_url(task)}")
    box = page.locator("input[name=confirmed]").bounding_box()
    text = page.locator("label.shinsa-check span").first.bounding_box()
    assert box is not None and text is not None
    assert box["x"] + box["width"] <= text["x"]  # in front of its label
    assert abs((box["y"] + box["height"] / 2) - (text["y"] + text["height"] / 2)) < 8  # one line

    page.goto(f"{live_server.url}{BudgetCheckFlow.start.reverse('execute')}")
    page.fill("input[name=initial_cost]", "-100")
    page.click("button[name=_submit]")
    wait_for_page(page, re.compile(r"/budgetcheck/start/$"))
    page.wait_for_selector('[aria-invalid="true"]')
    colours = page.eval_on_selector_all(
        '[aria-invalid="true"]:not([type=radio]):not([type=checkbox])',
        "nodes => nodes.map(n => getComputedStyle(n).borderTopColor)",
    )
    assert len(colours) >= 2
    assert set(colours) == {ERROR_RED}

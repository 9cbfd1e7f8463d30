"""Browser steps on the incident page shared by the incident journeys: pressing a button of the
page, taking and opening a flow task, and the closure (handle, a lead's review, the CISO's
approval)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from tests.browser import sign_in, sign_out, submit, wait_for_page

INCIDENT_PAGE = re.compile(r"/incidents/\d+/(#documents)?$")
TASK_PAGE = re.compile(r"/incident/\d+/\w+/\d+/(execute|assign)/$")
EXECUTE_PAGE = re.compile(r"/incident/\d+/\w+/\d+/execute/$")


def press(page: Any, button: str) -> None:
    """Press a button of the incident page and wait until the page it posts to replaced it."""
    pressed = page.locator(button).first.element_handle()
    pressed.click()
    pressed.wait_for_element_state("hidden")
    wait_for_page(page, INCIDENT_PAGE)


def take_and_open(page: Any, node: str) -> None:
    page.click(f"#flow-{node}")
    wait_for_page(page, TASK_PAGE)
    if "/assign/" in page.url:
        page.click("#claim-button")
        wait_for_page(page, EXECUTE_PAGE)


def handle_and_close(
    page: Any,
    base: str,
    incident: Any,
    *,
    reviewer: str,
    root_cause: str,
    prevention: str,
    lessons: str,
) -> None:
    """The handler (signed in, on the incident page) records the handling; ``reviewer`` (a
    CSIRT lead other than the handler) reviews the closure and the CISO approves it."""
    take_and_open(page, "handle")
    page.select_option("select[name=resolution]", "true_positive")
    page.fill("textarea[name=root_cause]", root_cause)
    page.fill("textarea[name=recurrence_prevention]", prevention)
    page.fill("textarea[name=lessons_learned]", lessons)
    submit(page, INCIDENT_PAGE)
    sign_out(page)
    for username, node in ((reviewer, "closure_review"), ("ciso", "ciso_closure")):
        sign_in(page, base, username)
        page.goto(base + reverse("incidents:incident", args=[incident.pk]))
        take_and_open(page, node)
        page.check("input[name=decision][value=approve]")
        submit(page, INCIDENT_PAGE)
        if node == "closure_review":
            sign_out(page)

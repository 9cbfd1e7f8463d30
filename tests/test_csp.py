"""Every page carries a Content-Security-Policy under which only the site's own script files
run, and nothing on the pages needs more: no inline script, no event-handler attribute, and
every inline <style> is allowed by its hash (the browser journeys check the console too)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import viewflow
from django.test import Client
from django.urls import reverse

from governance.csp import (
    TURBO_PROGRESS_BAR_CSS,
    VIEWFLOW_STYLED_TEMPLATES,
    source_hash,
    template_style_texts,
)
from governance.models import Consultation, User
from tests.browser import collect_csp_violations, is_csp_violation
from tests.factories import ContractFactory, InformationSystemFactory
from workflows.consultation import ConsultationFlow

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)


def directives(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.fixture
def pages(cast: dict[str, User], login: Any) -> list[tuple[str, Any]]:
    """(description, response) of the kinds of page there are, each as someone who may edit."""
    staff = login(cast["staff_a"])
    start = ConsultationFlow.start.reverse("execute")
    staff.post(start, {"title": "庁内LANの相談", "question": "更改時期について"})
    case = Consultation.objects.get()
    system = InformationSystemFactory.create(department=cast["staff_a"].department)
    ContractFactory.create(system=system)
    admin = User.objects.create_superuser("root", "root@example.jp", "x")
    responses = [
        ("login page", Client().get(reverse("login"))),
        ("inbox", staff.get("/home/")),
        ("start form", staff.get(start)),
        ("case page", staff.get(f"/home/cases/{case.pk}/", follow=True)),
        ("registry list", staff.get(reverse("karte:index"))),
        ("registry system", staff.get(reverse("karte:detail", args=[system.pk]))),
        ("reviewer inbox", login(cast["reviewer"]).get("/home/")),
        ("Django admin", login(admin).get("/admin/")),
    ]
    for description, response in responses:
        assert response.status_code == 200, description
    return responses


def test_every_page_allows_only_the_site_own_scripts(pages: list[tuple[str, Any]]) -> None:
    for description, response in pages:
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], description
        assert policy["default-src"] == ["'self'"], description
        assert policy["object-src"] == ["'none'"], description
        assert policy["frame-ancestors"] == ["'none'"], description
        assert policy["base-uri"] == ["'self'"], description
        assert "'unsafe-inline'" not in policy["style-src"], description


def test_no_page_has_an_inline_script_or_event_handler(pages: list[tuple[str, Any]]) -> None:
    for description, response in pages:
        html = response.content.decode()
        assert INLINE_SCRIPT.findall(html) == [], description
        assert EVENT_HANDLER.findall(html) == [], description


def test_every_inline_style_element_is_allowed_by_its_hash(pages: list[tuple[str, Any]]) -> None:
    themed = 0
    for description, response in pages:
        allowed = directives(response)["style-src"]
        for text in INLINE_STYLE.findall(response.content.decode()):
            assert source_hash(text) in allowed, f"{description}: <style>{text}</style>"
            themed += 1
    assert themed, "no page showed the theme colours: the Site's <style> is gone"


def test_turbo_progress_bar_stylesheet_is_the_one_hashed() -> None:
    """Turbo inserts it on every full page load; an upgrade that changes it must fail here."""
    source = (Path(viewflow.__file__).parent / "static/viewflow/js/turbo.es2017-umd.js").read_text()
    literal = re.search(r"static get defaultCSS\(\) \{\s*return unindent `(.*?)`;", source, re.S)
    assert literal, "Turbo's progress bar CSS moved: update governance/csp.py"
    assignment = re.search(r"ProgressBar\.animationDuration = (\d+);", source)
    assert assignment, "Turbo's progress bar duration moved: update governance/csp.py"
    duration = int(assignment.group(1))
    text = literal.group(1)
    text = text.replace("${ProgressBar.animationDuration / 2}", str(duration // 2))
    text = text.replace("${ProgressBar.animationDuration}", str(duration))
    # Turbo's unindent(): drop the first newline, strip the first line's indent from all.
    lines = text.removeprefix("\n").split("\n")
    indent = len(lines[0]) - len(lines[0].lstrip())
    assert "\n".join(line[indent:] for line in lines) == TURBO_PROGRESS_BAR_CSS


@pytest.mark.parametrize("template_name", VIEWFLOW_STYLED_TEMPLATES)
def test_viewflow_fixed_style_elements_are_hashed_whole(template_name: str) -> None:
    """A <style> that gained template syntax would be left out of the policy: fail here."""
    from django.template.loader import get_template

    source = get_template(template_name).template.source  # type: ignore[attr-defined]  # Django backend's Template
    texts = template_style_texts(template_name)
    assert len(texts) == source.count("<style")
    assert all(text.strip() for text in texts)


def test_the_flow_chart_style_is_hashed_as_chromium_reports_it() -> None:
    """Chromium named this hash when it blocked the chart's <style> (the SVG's CDATA text)."""
    (text,) = template_style_texts("viewflow/workflow/graph.svg")
    assert source_hash(text) == "'sha256-M8YLp52BurxPpYt0Cgj1yb0uSRNVQeG6qA/8hDfuLCo='"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_journeys_console_check_catches_a_script_the_policy_blocks(
    live_server: Any, browser: Any
) -> None:
    context = browser.new_context(locale="ja-JP")
    violations = collect_csp_violations(context)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.wait_for_selector("button[type=submit]")
        assert violations == []
        with page.expect_console_message(lambda message: is_csp_violation(message.text)):
            page.evaluate(
                """() => {
                  const script = document.createElement("script");
                  script.textContent = "window.injected = true";
                  document.head.appendChild(script);
                }"""
            )
        assert page.evaluate("window.injected") is None
    finally:
        context.close()
    assert any("script-src" in violation for violation in violations), violations

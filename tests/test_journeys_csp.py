"""The Material frontend works under the Content-Security-Policy in a real browser: pages the
other journeys do not open (flow charts, process lists, Django admin) log no violation, and
the registry's delete confirmation, once an inline handler, still asks first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from governance.models import Consultation, Contract, User
from tests.browser import TEST_PASSWORD, sign_in, wait_for_page
from tests.factories import ContractFactory, InformationSystemFactory
from workflows.consultation import ConsultationFlow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_superuser_opens_charts_lists_and_admin_without_a_policy_violation(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    staff = Client()
    staff.force_login(cast["staff_a"])
    staff.post(ConsultationFlow.start.reverse("execute"), {"title": "相談", "question": "質問"})
    case = Consultation.objects.get()
    assert case.process is not None
    User.objects.create_superuser("root", "root@example.jp", TEST_PASSWORD)
    base = live_server.url
    sign_in(page, base, "root")
    for path in [
        f"/home/cases/{case.pk}/",
        "/consultation/chart/",
        f"/consultation/{case.process.pk}/",
        f"/consultation/{case.process.pk}/cancel/",
        f"/consultation/{case.process.pk}/chart/",
        "/consultation/flows/",
        "/consultation/queue/",
        "/budget/",
        "/karte/",
        "/audit/",
        "/accounts/password_change/",
        "/admin/",
        "/admin/governance/user/",
        f"/admin/governance/user/{cast['staff_a'].pk}/change/",
    ]:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    # The chart opened on its own is coloured by its <style>: the liaison's answer task is
    # yellow (assigned) or blue (new), not the black of an unstyled rectangle.
    page.goto(f"{base}/consultation/{case.process.pk}/chart/")
    answer = page.locator("g#answer rect.task")
    fill = answer.evaluate("rect => getComputedStyle(rect).fill")
    assert fill in {"rgb(255, 235, 59)", "rgb(66, 165, 245)"}, fill


def test_deleting_a_contract_asks_first_and_keeps_it_when_cancelled(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    system = InformationSystemFactory.create(department=cast["staff_a"].department)
    ContractFactory.create(system=system)
    base = live_server.url
    sign_in(page, base, "staff_a")
    page.goto(f"{base}/karte/{system.pk}/")
    wait_for_page(page, re.compile(rf"/karte/{system.pk}/$"))
    delete = page.locator("form[action$='/delete/'] button[type=submit]")

    questions: list[str] = []

    def dismiss(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    delete.click()
    page.wait_for_timeout(500)  # a cancelled confirmation sends nothing to wait for
    assert questions == ["この契約を削除しますか？"]
    assert Contract.objects.filter(system=system).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    wait_for_page(page, re.compile(rf"/karte/{system.pk}/$"))
    page.wait_for_selector("form[action$='/delete/']", state="detached")
    assert not Contract.objects.filter(system=system).exists()

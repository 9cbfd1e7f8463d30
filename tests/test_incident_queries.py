"""The CSIRT's pages cost a fixed number of queries, whatever the number of events, tasks,
timeline entries and observables (the event queue, my incidents, the incident page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from governance.incidents import services
from tests.incidents_support import csirt_cast, promote, report, triage
from tests.test_pages import queries_for

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db


def _grow(people: dict[str, Any], incident: Any, n: int, start: int) -> None:
    for i in range(start, start + n):
        report(people[("staff_a", "staff_a2", "staff_b")[i % 3]], what=f"不審メール {i}")
        services.add_task(actor=people["csirt"], incident=incident, title=f"作業 {i}")
        services.add_timeline_entry(
            actor=people["csirt"], incident=incident, kind="observation", text=f"観測 {i}"
        )
        services.add_observable(
            actor=people["csirt"], incident=incident, type="ip", value=f"192.0.2.{i}"
        )


@pytest.mark.parametrize("page", ["queue", "mine", "incident"])
def test_csirt_pages_cost_the_same_queries_with_more_rows(csirt_cast, dept_a, login, page) -> None:
    people = csirt_cast
    incident = triage(
        people["csirt"],
        promote(people["csirt"], [report(people["staff_a"])], department=dept_a),
        category="targeted_mail",
    )
    other = promote(people["csirt"], [], department=dept_a, title="別件")
    services.add_observable(actor=people["csirt"], incident=other, type="ip", value="192.0.2.3")
    url = {
        "queue": reverse("incidents:index"),
        "mine": reverse("incidents:mine"),
        "incident": reverse("incidents:incident", args=[incident.pk]),
    }[page]
    client = login(people["csirt"])
    _grow(people, incident, 2, 1)
    client.get(url)  # warm caches
    few = queries_for(client, url)
    _grow(people, incident, 10, 3)
    many = queries_for(client, url)
    print(f"\n{page}: {few} queries with 2 rows, {many} with 12")
    assert many == few, f"{page}: {few} queries with few rows, {many} with more"

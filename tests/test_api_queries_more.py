"""The incident and network lists of the API answer in a fixed number of queries whatever the
number of rows (10 or 1,000), as the case and system lists do (``test_api_queries``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import Observable, TimelineEntry, User
from tests.api_more_support import make_approvals, make_incidents
from tests.api_support import clear_throttles
from tests.factories import InformationSystemFactory
from tests.incidents_support import csirt_cast

pytestmark = pytest.mark.django_db
__all__ = ["csirt_cast"]

#: The committed baseline for a page of up to 200 rows (session, roles, throttle, scoping,
#: the page, its prefetches; an incident's parts also open the incident).
BASELINE = {
    "/api/v1/incidents/": 12,
    "/api/v1/network-approvals/": 13,
    "observables/": 14,
    "timeline/": 14,
}


def _count(client: Any, url: str) -> int:
    clear_throttles()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content[:300]
    return len(queries)


@pytest.mark.parametrize("role", ["csirt", "lead", "auditor"])
def test_incident_list_query_count_does_not_grow_with_rows(
    csirt_cast: dict[str, User], dept_a: Any, dept_b: Any, login: Any, role: str
) -> None:
    client = login(csirt_cast[role])
    make_incidents(dept_a, csirt_cast["csirt"], 5, start=1)
    make_incidents(dept_b, csirt_cast["csirt"], 5, start=6, tlp="red")
    small = _count(client, "/api/v1/incidents/")
    make_incidents(dept_a, csirt_cast["csirt"], 495, start=11)
    make_incidents(dept_b, csirt_cast["csirt"], 495, start=506, tlp="red")
    large = _count(client, "/api/v1/incidents/")
    assert large == small, (small, large)
    assert small <= BASELINE["/api/v1/incidents/"], small


@pytest.mark.parametrize("role", ["staff_a", "auditor"])
def test_network_approval_list_query_count_does_not_grow_with_rows(
    cast: dict[str, User], dept_a: Any, login: Any, role: str
) -> None:
    client = login(cast[role])
    system = InformationSystemFactory.create(department=dept_a)
    make_approvals(dept_a, cast["staff_a"], system, 10, start=1)
    small = _count(client, "/api/v1/network-approvals/")
    make_approvals(dept_a, cast["staff_a"], system, 990, start=11)
    large = _count(client, "/api/v1/network-approvals/")
    assert large == small, (small, large)
    assert small <= BASELINE["/api/v1/network-approvals/"], small


@pytest.mark.parametrize("part", ["observables/", "timeline/"])
def test_an_incidents_observables_and_timeline_cost_the_same_for_10_and_1000(
    csirt_cast: dict[str, User], dept_a: Any, login: Any, part: str
) -> None:
    (incident,) = make_incidents(dept_a, csirt_cast["csirt"], 1)
    client = login(csirt_cast["csirt"])

    def grow(start: int, count: int) -> None:
        now = timezone.now()
        if part == "observables/":
            Observable.objects.bulk_create(
                Observable(incident=incident, type="domain", value=f"host{n}.example.jp")
                for n in range(start, start + count)
            )
        else:
            TimelineEntry.objects.bulk_create(
                TimelineEntry(
                    incident=incident,
                    at=now,
                    kind="action",
                    text=f"対応{n}",
                    actor=csirt_cast["csirt"],
                )
                for n in range(start, start + count)
            )

    url = f"/api/v1/incidents/{incident.number}/{part}"
    grow(0, 10)
    small = _count(client, url)
    grow(10, 990)
    large = _count(client, url)
    assert large == small, (small, large)
    assert small <= BASELINE[part], small


def test_a_batch_reads_the_registry_a_fixed_number_of_times_whatever_its_size(
    cast: dict[str, User], dept_a: Any
) -> None:
    """The intake matches each alert's target against the registry: a batch reads the codes,
    the monitored targets and the equipment once, not once per alert (and the response lists
    each event's systems in one query)."""
    import json

    from governance.models import MonitoredTarget, SecurityEvent
    from tests.api_support import issue_key, key_client

    system = InformationSystemFactory.create(department=dept_a, code="WEB-1")
    MonitoredTarget.objects.create(
        system=system,
        service="web_malware",
        target="https://www.example.lg.jp/",
        registered_on=timezone.localdate(),
    )
    _key, secret = issue_key(cast, scopes=("events:create",))
    client = key_client(secret)

    def post(prefix: str, count: int) -> tuple[int, int]:
        items = [
            {
                "source_ref": f"{prefix}-{n}",
                "title": "改ざんを検知しました",
                "target": "https://www.example.lg.jp/news/" if n % 2 else "WEB-1",
            }
            for n in range(count)
        ]
        clear_throttles()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/security-events/batch/",
                data=json.dumps({"items": items}),
                content_type="application/json",
            )
        assert response.status_code == 200, response.content[:300]
        assert all(row["event"]["systems"] == ["WEB-1"] for row in response.json()["results"])
        registry = sum(
            1
            for q in queries.captured_queries
            if "governance_monitoredtarget" in q["sql"]
            or "governance_networkasset" in q["sql"]
            or '"governance_informationsystem"."code" IN' in q["sql"]
        )
        return registry, len(queries)

    small_registry, small = post("s", 4)
    large_registry, large = post("l", 20)
    assert large_registry == small_registry, (small_registry, large_registry)
    assert SecurityEvent.objects.filter(systems=system).count() == 24
    # What each further alert costs (the event, its audit event, the CSIRT's notices…).
    per_alert = (large - small) / 16
    assert per_alert <= 23, per_alert

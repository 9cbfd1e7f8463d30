"""The network connection's list pages (接続承認一覧, the conditions ledger, the export, the
registry page of a system with its approvals, the inbox and the case page) keep a constant
number of queries however many approvals, conditions and rows they show."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import ConnectionApproval
from tests import network_support as nc
from tests.clocks_support import FrozenNow, jst

pytestmark = pytest.mark.django_db

#: The number of queries each page took, printed by ``-s`` and quoted in the report.
MEASURED: dict[str, int] = {}


@pytest.fixture
def clock(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 11, 30, 10))


def _queries(get: Callable[[], Any]) -> int:
    get()  # warm per-process caches (content types, URL resolvers)
    with CaptureQueriesContext(connection) as captured:
        response = get()
    assert response.status_code == 200
    return len(captured.captured_queries)


_made = iter(range(1000))


def _add(nc_cast: Any, system: Any, count: int) -> list[ConnectionApproval]:
    """``count`` approvals of ``system``, each with two conditions and two communications."""
    made = []
    for _ in range(count):
        n = next(_made)
        made.append(
            nc.approved(
                nc_cast,
                system,
                title=f"接続{n}",
                segment="internet",
                assets=[nc.asset_of(f"srv{n}")],
                flows=[nc.flow_of(f"srv{n}"), nc.flow_of(f"srv{n}")],
                conditions=[
                    {"text": "条件A", "due_date": "2026-12-28"},
                    {"text": "条件B", "due_date": "2027-01-29"},
                ],
            )
        )
    return made


PAGES = {
    "approvals": "/network/",
    "approvals_filtered": "/network/?segment=internet&status=active",
    "conditions": "/network/conditions/?all=1",
    "export": "/network/export/",
    "inbox": "/home/",
}


@pytest.mark.parametrize("user", ["approver", "staff_a", "auditor", "security"])
def test_list_pages_cost_the_same_queries_for_one_approval_as_for_four(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any, user: str
) -> None:
    first = _add(nc_cast, system, 1)[0]
    client = login(nc_cast[user])
    pages = {**PAGES, "karte": f"/karte/{system.pk}/", "case": f"/home/cases/{first.case_id}/"}
    before = {name: _queries(partial(client.get, url, follow=True)) for name, url in pages.items()}
    _add(nc_cast, system, 3)
    after = {name: _queries(partial(client.get, url, follow=True)) for name, url in pages.items()}
    assert after == before
    page = client.get("/network/").content.decode()
    assert page.count("shinsa-nc--active") == 4
    MEASURED.update({f"{user}:{name}": count for name, count in after.items()})
    print(MEASURED)

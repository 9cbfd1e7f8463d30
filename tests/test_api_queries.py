"""Every API list answers in a fixed number of queries whatever the number of rows (10 or
1,000): scoping, labels, nested monitoring and the kind's details add no query per row."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import Case, Deadline, User
from tests.api_support import (
    clear_throttles,
    issue_key,
    key_client,
    make_consultations,
    make_systems,
)

pytestmark = pytest.mark.django_db

#: The committed baseline for a department user's page of up to 200 rows (session, roles,
#: throttle, scoping, the page, its prefetches).
BASELINE = {"/api/v1/cases/": 11, "/api/v1/systems/": 13}


def _count(client: Any, url: str) -> int:
    clear_throttles()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content[:300]
    return len(queries)


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/systems/"])
def test_list_query_counts_do_not_grow_with_rows(
    url: str, cast: dict[str, User], dept_a: Any, login: Any
) -> None:
    client = login(cast["staff_a"])
    make = (
        (lambda n, start: make_consultations(dept_a, cast["staff_a"], n, start=start))
        if "cases" in url
        else (lambda n, start: make_systems(dept_a, n))
    )
    make(10, 1)
    small = _count(client, url)
    make(990, 11)
    large = _count(client, url)
    assert large == small, (small, large)
    assert small <= BASELINE[url], small


def test_key_system_list_query_count_is_constant(cast: dict[str, User], dept_a: Any) -> None:
    _key, secret = issue_key(cast)
    client = key_client(secret)
    make_systems(dept_a, 10)
    small = _count(client, "/api/v1/systems/")
    make_systems(dept_a, 990)
    large = _count(client, "/api/v1/systems/")
    assert large == small


def test_deadline_list_query_count_is_constant(cast: dict[str, User], login: Any) -> None:
    client = login(cast["admin"])
    issue_key(cast)
    small = _count(client, "/api/v1/deadlines/")
    for _ in range(9):
        issue_key(cast)
    assert Deadline.objects.count() == 10
    assert _count(client, "/api/v1/deadlines/") == small
    assert Case.objects.count() == 0

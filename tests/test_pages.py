"""The everyday pages keep a constant number of queries however many cases there are."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import User
from workflows import driver
from workflows.consultation import ConsultationFlow

pytestmark = pytest.mark.django_db


def open_many(staff: User, count: int) -> None:
    """Open consultations through the flow's start page, as the browser does."""
    for index in range(count):
        driver.start(
            ConsultationFlow, user=staff, data={"title": f"相談 {index}", "question": "内容"}
        )


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/home/",
        "/home/cases/",
        "/consultation/",
        "/consultation/flows/",
        "/consultation/tasks/",
        "/consultation/inbox/",
    ],
)
def test_page_query_count_does_not_grow_with_cases(
    url: str, cast: dict[str, User], login: Any
) -> None:
    reviewer = login(cast["reviewer"])
    open_many(cast["staff_a"], 2)
    reviewer.get(url)  # warm caches (content types, permissions)
    few = queries_for(reviewer, url)
    open_many(cast["staff_a"], 8)
    many = queries_for(reviewer, url)
    assert many == few, f"{url}: {few} queries with 2 cases, {many} with 10"


def test_inbox_page_query_count_is_small(
    cast: dict[str, User], login: Any, django_assert_max_num_queries: Any
) -> None:
    reviewer = login(cast["reviewer"])
    open_many(cast["staff_a"], 20)
    reviewer.get("/home/")
    with django_assert_max_num_queries(15):
        response = reviewer.get("/home/")
    page = response.content.decode()
    assert page.count("shinsa-task-link") == 20
    assert page.count("<td>相談</td>") == 20  # each row says which kind of case it is

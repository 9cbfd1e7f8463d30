"""The inbox shows each task's age in business days and its due date wherever a clock runs
(a clock row, the budget season's deadline, a spec review's contract board date), overdue
first; it sorts by age or newness and filters by kind, in the same number of queries for 10
tasks as for many."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task

from governance.budget.services.season import create_budget_season
from governance.models import Case, CaseKind, Consultation
from tests import spec_cases
from tests.test_home_pages import _copies, _open

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    """The inbox's rows (its card only), each as its text with the tags stripped."""
    start = html.index('id="inbox-count"')
    end = html.find('id="queue-count"', start)
    section = html[start:end]
    return [
        re.sub(r"<[^>]+>", " ", row)
        for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
        if "shinsa-task-link" in row
    ]


def _title_order(html: str) -> list[str]:
    return [re.search(r"(相談\d{4}|最初の相談|仕様書確認X)", row).group(1) for row in _rows(html)]  # type: ignore[union-attr]  # every row has a title


@pytest.fixture
def five(cast: dict[str, Any], login: Any, frozen_now: dt.datetime) -> list[Case]:
    """最初の相談 and 相談0001–0005 held by the reviewer; 相談0002 arrived on Monday
    28 September 2026, three business days before the frozen Thursday 1 October."""
    first = _open(login(cast["staff_a"]), "最初の相談")
    copies = _copies(first, 5)
    monday = dt.datetime(2026, 9, 28, 1, 0, tzinfo=dt.UTC)
    Task.objects.filter(process_id=copies[1].process_id).update(created=monday)
    return [first, *copies]


def test_each_task_shows_its_age_in_business_days(
    cast: dict[str, Any], login: Any, five: list[Case]
) -> None:
    html = login(cast["reviewer"]).get("/home/").content.decode()
    row = next(r for r in _rows(html) if "相談0002" in r)
    assert "3営業日" in row
    newest = next(r for r in _rows(html) if "相談0005" in r)
    assert "0営業日" in newest


def test_the_season_deadline_and_the_contract_board_date_are_shown_overdue_first(
    cast: dict[str, Any], login: Any, five: list[Case]
) -> None:
    today = timezone.localdate()
    # 相談0004 becomes a budget check of a season whose deadline passed two days ago.
    Case.objects.filter(pk=five[4].pk).update(kind=CaseKind.BUDGET_CHECK, fiscal_year=2099)
    create_budget_season(
        actor=cast["approver"],
        fiscal_year=2099,
        opens_on=today - dt.timedelta(days=30),
        deadline=today - dt.timedelta(days=2),
    )
    # A spec review whose contract board meets in five days takes over 相談0001's task.
    spec = spec_cases.register(
        cast["staff_a"], title="仕様書確認X", contract_board_date=today + dt.timedelta(days=5)
    )
    process_id = five[1].process_id
    Case.objects.filter(pk=five[1].pk).update(process=None)
    Case.objects.filter(pk=spec.pk).update(process_id=process_id)
    html = login(cast["reviewer"]).get("/home/").content.decode()
    assert _title_order(html)[:2] == ["相談0004", "仕様書確認X"]
    rows = _rows(html)
    assert "予算要求の締切" in rows[0] and "期限超過（2日）" in rows[0]
    assert "shinsa-clock-badge--overdue" in html
    assert "契約局審査会" in rows[1] and "残り5日" in rows[1]
    assert "令和" in rows[1]


def test_the_inbox_sorts_by_age_and_by_newness(
    cast: dict[str, Any], login: Any, five: list[Case]
) -> None:
    client = login(cast["reviewer"])
    oldest_first = _title_order(client.get("/home/?sort=age").content.decode())
    assert oldest_first[0] == "相談0002"  # arrived on Monday
    assert oldest_first[1:] == ["最初の相談", "相談0001", "相談0003", "相談0004", "相談0005"]
    newest_first = _title_order(client.get("/home/?sort=new").content.decode())
    assert newest_first == list(reversed(oldest_first))
    assert 'value="age" selected' in client.get("/home/?sort=age").content.decode()


def test_the_inbox_filters_by_kind(cast: dict[str, Any], login: Any, five: list[Case]) -> None:
    Case.objects.filter(pk=five[3].pk).update(kind=CaseKind.BUDGET_CHECK)
    client = login(cast["reviewer"])
    html = client.get("/home/?kind=budget_check").content.decode()
    assert _title_order(html) == ["相談0003"]
    assert re.search(r'id="inbox-count">1<', html)
    everything = client.get("/home/?kind=nonsense").content.decode()
    assert len(_title_order(everything)) == 6


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("query", ["", "?sort=age", "?sort=new&kind=consultation", "?sort=due"])
def test_sorted_and_filtered_inbox_costs_the_same_for_10_tasks_as_for_many(
    cast: dict[str, Any], login: Any, query: str
) -> None:
    first: Consultation = _open(login(cast["staff_a"]), "最初の相談")
    _copies(first, 9)
    spec_cases.register(cast["staff_a"], title="仕様書確認X")
    client = login(cast["reviewer"])
    ten = _queries(client, f"/home/{query}")
    _copies(first, 60, first=10)
    assert _queries(client, f"/home/{query}") == ten

"""The home page lists every task a user holds or may pick up, 25 a page with the true total and
links to the other pages, what is due first on top and then the newest, in the same number of
queries however many tasks there are."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from governance.budget.services.season import create_budget_season
from governance.clocks import services as clocks
from governance.clocks.models import DeadlineKind
from governance.models import Case, CaseKind, CaseStatus, Consultation
from workflows.consultation import ConsultationFlow

pytestmark = pytest.mark.django_db


def _open(client: Client, title: str) -> Consultation:
    response = client.post(
        ConsultationFlow.start.reverse("execute"), {"title": title, "question": "手順は？"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Consultation.objects.get(title=title)


def _copies(model: Consultation, count: int, *, first: int = 1) -> list[Case]:
    """``count`` more cases like ``model``, each with its own process and its open task (held
    by the same person), created a minute apart after it, numbered from ``first``: the higher
    the number, the newer."""
    task = Task.objects.get(process_id=model.process_id, status=STATUS.ASSIGNED)
    process = task.process
    start = task.created
    processes = Process.objects.bulk_create(
        [
            Process(flow_class=process.flow_class, status=process.status, created=start)
            for _ in range(count)
        ]
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                kind=CaseKind.CONSULTATION,
                fiscal_year=model.fiscal_year,
                sequence=10_000 + n,
                number=f"CS-COPY-{n:04d}",
                title=f"相談{n:04d}",
                department_id=model.department_id,
                requester_id=model.requester_id,
                status=CaseStatus.SUBMITTED,
                process=copy,
            )
            for n, copy in enumerate(processes, start=first)
        ]
    )
    Task.objects.bulk_create(
        [
            Task(
                process=copy,
                flow_task=task.flow_task,
                flow_task_type=task.flow_task_type,
                status=STATUS.ASSIGNED,
                owner_id=task.owner_id,
                owner_permission=task.owner_permission,
                token=task.token,
                created=start + dt.timedelta(minutes=n),
                assigned=start + dt.timedelta(minutes=n),
            )
            for n, copy in enumerate(processes, start=first)
        ]
    )
    return cases


def _section(html: str, count_id: str) -> str:
    """The card of the inbox (``inbox-count``) or of the queue, up to the next card."""
    start = html.index(f'id="{count_id}"')
    end = html.find('id="queue-count"', start + 1)
    return html[start : end if end > 0 else len(html)]


def _titles(html: str) -> list[str]:
    return re.findall(r"<td>(相談\d{4}|最初の相談)</td>", _section(html, "inbox-count"))


def _total(html: str, count_id: str) -> int:
    match = re.search(rf'id="{count_id}">(\d+)<', html)
    assert match is not None
    return int(match.group(1))


@pytest.fixture
def reviewer_with_260(cast: dict[str, Any], login: Any) -> Client:
    first = _open(login(cast["staff_a"]), "最初の相談")
    _copies(first, 259)
    return login(cast["reviewer"])


def test_a_user_with_260_tasks_sees_260_as_the_total_and_can_page_through_all_of_them(
    reviewer_with_260: Client,
) -> None:
    html = reviewer_with_260.get("/home/").content.decode()
    assert _total(html, "inbox-count") == 260
    first_page = _titles(html)
    assert len(first_page) == 25
    assert first_page[0] == "相談0259"  # the newest first
    assert "1 / 11 ページ（全 260 件）" in html
    seen = list(first_page)
    for number in range(2, 12):
        assert f"inbox={number}" in html  # the page links to the next one
        html = reviewer_with_260.get(f"/home/?inbox={number}").content.decode()
        assert _total(html, "inbox-count") == 260
        seen.extend(_titles(html))
    assert len(seen) == 260 and len(set(seen)) == 260
    assert seen[-1] == "最初の相談"  # and the oldest last, on page 11
    assert "次へ" not in _section(html, "inbox-count")


def test_a_page_number_out_of_range_shows_the_last_page_and_garbage_the_first(
    reviewer_with_260: Client,
) -> None:
    last = reviewer_with_260.get("/home/?inbox=99").content.decode()
    assert "11 / 11 ページ" in last and _titles(last)[-1] == "最初の相談"
    garbage = reviewer_with_260.get("/home/?inbox=abc").content.decode()
    assert "1 / 11 ページ" in garbage and _titles(garbage)[0] == "相談0259"


def test_the_queue_has_its_own_pages_and_total(cast: dict[str, Any], login: Any) -> None:
    first = _open(login(cast["staff_a"]), "最初の相談")
    _copies(first, 29)
    Task.objects.filter(status=STATUS.ASSIGNED).update(status=STATUS.NEW, owner=None)
    html = login(cast["reviewer2"]).get("/home/?queue=2").content.decode()
    assert _total(html, "queue-count") == 30 and _total(html, "inbox-count") == 0
    queue = html[html.index('id="queue-count"') :]
    assert "2 / 2 ページ（全 30 件）" in queue
    assert queue.count("shinsa-task-link") == 5


def test_what_is_due_first_comes_first_then_the_newest(cast: dict[str, Any], login: Any) -> None:
    first = _open(login(cast["staff_a"]), "最初の相談")
    copies = _copies(first, 5)
    now = timezone.now()
    # 相談0002 has a clock due in 10 days; 相談0004 (a budget check of the season's year) the
    # season's deadline in 3 days; the others have neither and follow, newest first.
    clocks.start_deadline(
        actor=cast["staff_a"],
        kind=DeadlineKind.NC_REVIEW,
        case=copies[1],
        starts_at=now,
        holder=cast["reviewer"],
    )
    Case.objects.filter(pk=copies[3].pk).update(kind=CaseKind.BUDGET_CHECK, fiscal_year=2099)
    create_budget_season(
        actor=cast["approver"],
        fiscal_year=2099,
        opens_on=timezone.localdate() - dt.timedelta(days=30),
        deadline=timezone.localdate() + dt.timedelta(days=3),
    )
    html = login(cast["reviewer"]).get("/home/").content.decode()
    assert _titles(html) == [
        "相談0004",
        "相談0002",
        "相談0005",
        "相談0003",
        "相談0001",
        "最初の相談",
    ]


def _home_queries(client: Client, url: str = "/home/") -> int:
    client.get(url)  # warm per-process caches (content types, URL patterns, labels)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_home_page_costs_the_same_queries_for_10_tasks_as_for_260(
    cast: dict[str, Any], login: Any
) -> None:
    first = _open(login(cast["staff_a"]), "最初の相談")
    _copies(first, 9)
    reviewer = login(cast["reviewer"])
    ten = _home_queries(reviewer)
    ten_page_two = _home_queries(reviewer, "/home/?inbox=2")
    _copies(first, 250, first=10)
    assert _total(reviewer.get("/home/").content.decode(), "inbox-count") == 260
    assert _home_queries(reviewer) == ten
    assert _home_queries(reviewer, "/home/?inbox=11") == ten_page_two

"""The inbox, the budget-check case page and the season page keep a constant number of queries
however many cases, guidance items, cost records and messages there are."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forms import budget as budget_forms
from governance.budget.services import GuidanceDraft
from governance.budget.services.season import create_budget_season
from governance.models import BudgetCheck, CostRecord
from tests import budget_support as support
from tests.factories import InformationSystemFactory
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db

N = 3


def _queries(get: Callable[[], Any]) -> int:
    get()  # warm per-process caches (content types, URL resolvers)
    with CaptureQueriesContext(connection) as captured:
        response = get()
    assert response.status_code == 200
    return len(captured.captured_queries)


def _add_cases(cast: Any, dept: Any, count: int) -> list[BudgetCheck]:
    """``count`` checks in mixed states: waiting for review, sent back, awaiting approval."""
    made = []
    for _ in range(count):
        system = InformationSystemFactory.create(department=dept)
        check = support.start(cast["staff_a"], system)
        state = len(BudgetCheck.objects.all()) % 3
        if state == 1:
            check = support.step(
                check,
                BudgetCheckFlow.review,
                cast["reviewer"],
                budget_forms.review_data(questions="内訳は？"),
            )
        elif state == 2:
            check = support.drive_to_approval(check, cast["reviewer"])
        made.append(check)
    return made


def test_inbox_queries_do_not_grow_with_the_number_of_cases(
    cast: Any, dept_a: Any, login: Any
) -> None:
    _add_cases(cast, dept_a, N)
    clients = {name: login(cast[name]) for name in ("reviewer", "staff_a", "approver")}
    counts = {name: _queries(partial(client.get, "/home/")) for name, client in clients.items()}
    _add_cases(cast, dept_a, 2 * N)
    for name, client in clients.items():
        page = client.get("/home/").content.decode()
        assert page.count("shinsa-task-link") >= 2, name  # the new cases are listed
        assert _queries(partial(client.get, "/home/")) == counts[name], name


def test_case_page_queries_do_not_grow_with_the_number_of_cases(
    cast: Any, dept_a: Any, login: Any
) -> None:
    check = _add_cases(cast, dept_a, 1)[0]
    _add_cases(cast, dept_a, N - 1)
    url = f"/home/cases/{check.pk}/"
    clients = [login(cast["reviewer"]), login(cast["staff_a"]), login(cast["auditor"])]
    counts = [_queries(partial(c.get, url, follow=True)) for c in clients]
    _add_cases(cast, dept_a, 2 * N)
    assert [_queries(partial(c.get, url, follow=True)) for c in clients] == counts


def _decided_case_with(cast: Any, dept: Any, size: int) -> BudgetCheck:
    """A check awaiting approval whose page holds ``size`` of everything: cost years,
    carried-over items, send-back rounds and guidance items."""
    system = InformationSystemFactory.create(department=dept)
    year = support.next_fiscal_year()
    for offset in range(1, size + 1):
        CostRecord.objects.create(
            system=system,
            fiscal_year=year - offset,
            kind="budget",
            category="running",
            perspective="operation",
            amount_thousand_yen=1000 * offset,
        )
    drafts = [GuidanceDraft(text=f"指導{n}", due_date=support.in_days(30)) for n in range(size)]
    last_year = support.start(cast["staff_a"], system, fiscal_year=year - 1)
    support.drive_to_closed(last_year, cast["staff_a"], cast["reviewer"], cast["approver"], drafts)
    check = support.start(cast["staff_a"], system)
    for _ in range(size):
        check = support.step(
            check,
            BudgetCheckFlow.review,
            cast["reviewer"],
            budget_forms.review_data(questions="？"),
        )
        check = support.step(
            check,
            BudgetCheckFlow.answer_questions,
            cast["staff_a"],
            budget_forms.resubmit_data(answer="回答", facts=support.facts()),
        )
    return support.drive_to_approval(check, cast["reviewer"], drafts)


def test_case_page_queries_do_not_grow_with_items_costs_or_messages(
    cast: Any, dept_a: Any, login: Any
) -> None:
    small = _decided_case_with(cast, dept_a, 1)
    large = _decided_case_with(cast, dept_a, 3)
    large_more = _decided_case_with(cast, dept_a, 4)
    client = login(cast["reviewer"])
    counts = {
        check.pk: _queries(partial(client.get, f"/home/cases/{check.pk}/", follow=True))
        for check in (small, large, large_more)
    }
    assert len(set(counts.values())) == 1, counts
    page = client.get(f"/home/cases/{large_more.pk}/", follow=True).content.decode()
    for section in ('id="carried-over"', 'id="guidance-items"', 'id="cost-history"'):
        table = page[page.index(section) :]
        table = table[: table.index("</table>")]
        assert table.count("<tr>") >= 4, section  # everything of the large case is listed


def test_season_page_queries_do_not_grow_with_the_number_of_cases(
    cast: Any, dept_a: Any, login: Any
) -> None:
    season = create_budget_season(
        actor=cast["approver"],
        fiscal_year=support.next_fiscal_year(),
        opens_on=support.in_days(-60),
        deadline=support.in_days(-1),  # past: the overdue list is filled too
    )
    _add_cases(cast, dept_a, N)
    client = login(cast["reviewer"])
    url = f"/budget/?fiscal_year={season.fiscal_year}"
    count = _queries(partial(client.get, url))
    _add_cases(cast, dept_a, 2 * N)
    assert _queries(partial(client.get, url)) == count

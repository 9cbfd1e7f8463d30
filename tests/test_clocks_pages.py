"""A case's clocks show on its page (kind, due date in the era, time left, overdue in red, basis,
status) to everyone who may see the case and to nobody else, a case without clocks shows no
clock card, and the inbox shows each task's nearest owed clock in a constant number of
queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from governance.cases.selectors import inbox_tasks
from governance.clocks import runner, services
from governance.clocks.models import DeadlineKind
from governance.clocks.selectors import attach_clock_badges
from governance.models import Consultation
from tests.clocks_support import FrozenNow, jst
from workflows.consultation import ConsultationFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 12, 1, 9))


def _open(client: Client, title: str) -> Consultation:
    response = client.post(
        ConsultationFlow.start.reverse("execute"), {"title": title, "question": "接続の可否"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Consultation.objects.get(title=title)


def _clocks(cast: dict[str, Any], case: Any) -> None:
    """A network review due 12-15 (missed by 12-28), a condition due 1-04 (rolled from 12-31),
    and a lapse clock already met."""
    for kind in (DeadlineKind.NC_REVIEW, DeadlineKind.NC_CONDITION, DeadlineKind.NC_UNUSED_LAPSE):
        deadline = services.start_deadline(
            actor=cast["staff_a"],
            kind=kind,
            case=case,
            starts_at=jst(2026, 12, 1, 9),
            holder=cast["reviewer"],
        )
        if kind == DeadlineKind.NC_UNUSED_LAPSE:
            services.meet_deadline(actor=cast["staff_a"], deadline=deadline)


def _row(html: str, kind: str) -> str:
    match = re.search(rf'<tr class="([^"]*)" data-kind="{kind}">(.*?)</tr>', html, flags=re.S)
    assert match is not None, kind
    return f"{match.group(1)} | {' '.join(match.group(2).split())}"


@pytest.fixture
def case_with_clocks(cast: dict[str, Any], login: Any, frozen: FrozenNow) -> Consultation:
    case = _open(login(cast["staff_a"]), "監視カメラの接続")
    _clocks(cast, case)
    frozen.set(jst(2026, 12, 28, 10))
    runner.run_deadlines()
    return case


def test_the_case_page_shows_each_clock_with_its_era_due_date_time_left_and_basis(
    cast: dict[str, Any], login: Any, case_with_clocks: Consultation
) -> None:
    page = login(cast["reviewer"]).get(f"/home/cases/{case_with_clocks.pk}/", follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="case-clocks"' in html
    review = _row(html, "nc_review")
    assert "shinsa-clock--overdue" in review
    assert "接続審査の判断" in review and "令和8年12月15日 23:59" in review
    assert "期限超過（13日）" in review and "期限超過" in review.split("|")[1]
    assert "10開庁日（仮定）" in review
    condition = _row(html, "nc_condition")
    assert "shinsa-clock--overdue" not in condition
    assert "令和9年1月4日 23:59" in condition and "残り7日" in condition
    assert "令和8年12月31日から繰延べ" in condition and "年末年始の休日" in condition
    assert "進行中" in condition
    lapse = _row(html, "nc_unused_lapse")
    assert "対応済" in lapse and "令和8年12月1日 09:00 対応" in lapse
    # Owed clocks first, nearest due first; what is done comes last.
    assert html.index('data-kind="nc_review"') < html.index('data-kind="nc_condition"')
    assert html.index('data-kind="nc_condition"') < html.index('data-kind="nc_unused_lapse"')


def test_the_auditor_and_the_department_see_the_clocks_and_another_department_does_not(
    cast: dict[str, Any], login: Any, case_with_clocks: Consultation
) -> None:
    for who in ("auditor", "staff_a2"):
        page = login(cast[who]).get(f"/home/cases/{case_with_clocks.pk}/", follow=True)
        assert "期限超過（13日）" in page.content.decode(), who
    outsider = login(cast["staff_b"]).get(f"/home/cases/{case_with_clocks.pk}/", follow=True)
    assert outsider.status_code == 404


def test_a_case_without_clocks_shows_no_clock_card(
    cast: dict[str, Any], login: Any, frozen: FrozenNow
) -> None:
    case = _open(login(cast["staff_a"]), "時計のない相談")
    page = login(cast["reviewer"]).get(f"/home/cases/{case.pk}/", follow=True)
    assert page.status_code == 200
    assert 'id="case-clocks"' not in page.content.decode()


def test_the_english_page_translates_the_labels_and_keeps_the_era_dates(
    cast: dict[str, Any], login: Any, case_with_clocks: Consultation
) -> None:
    client = login(cast["reviewer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/home/cases/{case_with_clocks.pk}/", follow=True).content.decode()
    review = _row(html, "nc_review")
    assert "Network connection review decision" in review
    assert "Overdue (days: 13)" in review and "令和8年12月15日 23:59" in review
    assert "Days left: 7" in _row(html, "nc_condition")
    assert ">Deadline</h2>" in html


def test_the_inbox_shows_the_nearest_owed_clock_of_each_task_overdue_in_red(
    cast: dict[str, Any], login: Any, case_with_clocks: Consultation
) -> None:
    html = login(cast["reviewer"]).get("/home/").content.decode()
    badge = re.search(
        r'<span class="shinsa-clock-badge([^"]*)" title="([^"]*)">([^<]*)</span>', html
    )
    assert badge is not None
    assert badge.group(1) == " shinsa-clock-badge--overdue"
    assert badge.group(2) == "接続審査の判断 令和8年12月15日 23:59"
    assert badge.group(3) == "期限超過（13日）"


def test_a_task_whose_case_has_no_owed_clock_has_no_badge(
    cast: dict[str, Any], login: Any, frozen: FrozenNow
) -> None:
    _open(login(cast["staff_a"]), "時計のない相談")
    html = login(cast["reviewer"]).get("/home/").content.decode()
    assert "時計のない相談" in html and "shinsa-clock-badge" not in html


def test_the_inbox_badges_take_one_query_for_any_number_of_tasks(
    cast: dict[str, Any], login: Any, frozen: FrozenNow, django_assert_num_queries: Any
) -> None:
    staff = login(cast["staff_a"])
    for n in range(4):
        _clocks(cast, _open(staff, f"接続申請{n}"))
    tasks = list(inbox_tasks(cast["reviewer"]))
    assert len(tasks) == 4
    with django_assert_num_queries(1):
        attach_clock_badges(tasks, now=jst(2026, 12, 28, 10))
    assert [task.clock.left_text for task in tasks] == ["期限超過（13日）"] * 4


def test_the_inbox_page_costs_the_same_queries_for_one_case_with_clocks_as_for_four(
    cast: dict[str, Any], login: Any, frozen: FrozenNow
) -> None:
    staff = login(cast["staff_a"])
    reviewer = login(cast["reviewer"])

    def inbox_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert reviewer.get("/home/").status_code == 200
        return len(queries)

    _clocks(cast, _open(staff, "接続申請A"))
    one = inbox_queries()
    for n in range(3):
        _clocks(cast, _open(staff, f"接続申請B{n}"))
    assert inbox_queries() == one

"""The desk's pages: a task is taken (「引き受ける」, the one word for it) on a page that shows
its case; people appear as 「氏名（部局）」; 403/404/500 pages are Japanese, also in the demo
with DEBUG=1; years are 年度 labels; the sharing list follows the departments' own order;
every form draws checkboxes and errors the same way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.views import defaults
from viewflow.workflow.status import STATUS

from governance.models import Case, Department
from tests import budget_support as support
from tests.factories import DepartmentFactory, InformationSystemFactory
from tests.spec_cases import locked_in_system
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db

CSS = Path(settings.BASE_DIR) / "governance" / "static" / "shinsa" / "shinsa.css"


@pytest.fixture
def system(dept_a: Any) -> Any:
    return InformationSystemFactory.create(
        code="SOMU-9", name="文書管理システム", department=dept_a
    )


@pytest.fixture
def awaiting_approval(cast: dict[str, Any], system: Any) -> Any:
    """A budget check whose approval waits in the approvers' queue."""
    return support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])


def _page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


# --- 2. Taking a task ---------------------------------------------------------------------


def test_the_claim_page_shows_the_case_summary_and_offers_to_take_the_task(
    cast: dict[str, Any], login: Any, awaiting_approval: Any
) -> None:
    task = support.open_task(awaiting_approval, BudgetCheckFlow.approve)
    assert task.status == STATUS.NEW
    html = _page(login(cast["approver"]).get(support.assign_url(task)))
    assert "案件の概要" in html
    assert awaiting_approval.number in html and awaiting_approval.title in html
    assert f"試験 {cast['staff_a'].first_name}（総務部）" in html  # the requester
    assert re.search(r'<button[^>]*id="claim-button"[^>]*>.*?引き受ける', html, flags=re.S)
    assert "割り当て" not in html and "Assign" not in html


def test_taking_a_task_opens_its_page_and_says_so_in_the_same_word(
    cast: dict[str, Any], login: Any, awaiting_approval: Any
) -> None:
    task = support.open_task(awaiting_approval, BudgetCheckFlow.approve)
    approver = login(cast["approver"])
    response = approver.post(support.assign_url(task), {"_claim": ""}, follow=True)
    task.refresh_from_db()
    assert task.owner == cast["approver"] and task.status == STATUS.ASSIGNED
    assert response.redirect_chain[-1][0] == support.execute_url(task)
    assert f"{awaiting_approval.number}: 「決裁」を引き受けました。" in _page(response)


def test_the_home_page_and_the_case_page_call_the_action_引き受ける(
    cast: dict[str, Any], login: Any, awaiting_approval: Any
) -> None:
    approver = login(cast["approver"])
    home = _page(approver.get("/home/"))
    assert "引き受け可能なタスク" in home
    case_page = _page(approver.get(f"/home/cases/{awaiting_approval.pk}/", follow=True))
    assert "「決裁」を引き受ける" in case_page
    queue = _page(approver.get(reverse("budgetcheck:queue")))
    assert "引き受け可能なタスク" in queue and "キュー" not in queue


def test_someone_who_may_not_take_the_task_is_refused_on_the_claim_page(
    cast: dict[str, Any], login: Any, awaiting_approval: Any
) -> None:
    task = support.open_task(awaiting_approval, BudgetCheckFlow.approve)
    response = login(cast["reviewer"]).post(support.assign_url(task), {"_claim": ""})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.owner is None


def test_giving_a_task_back_is_said_in_japanese_and_returns_it_to_the_queue(
    cast: dict[str, Any], login: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    task = support.open_task(check, BudgetCheckFlow.review)
    url = task.flow_task.reverse("unassign", args=[task.process_id, task.pk])
    reviewer = login(cast["reviewer"])
    assert "担当を外す" in _page(reviewer.get(url))
    response = reviewer.post(url, {}, follow=True)
    assert f"{check.number}: 「審査」の担当を外しました。" in _page(response)
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner is None


# --- People -------------------------------------------------------------------------------


def test_a_person_is_shown_family_name_first_with_the_department_and_no_e_mail(
    cast: dict[str, Any], login: Any, awaiting_approval: Any
) -> None:
    staff, reviewer = cast["staff_a"], cast["reviewer"]
    assert staff.label == f"試験 {staff.first_name}（総務部）"
    assert str(staff) == staff.label and staff.get_full_name() == f"試験 {staff.first_name}"
    assert reviewer.label == f"試験 {reviewer.first_name}"  # no department, no brackets
    tasks = _page(login(reviewer).get(reverse("budgetcheck:task_list")))
    assert staff.label in tasks
    assert f"{staff.first_name} 試験" not in tasks and "@example.jp" not in tasks


# --- 3. Error pages -----------------------------------------------------------------------


def test_a_refusal_by_viewflow_shows_the_japanese_403_page_without_its_english_reason(
    cast: dict[str, Any], login: Any, system: Any
) -> None:
    process = support.start(cast["staff_a"], system).process
    assert process is not None
    start = process.task_set.get(flow_task=BudgetCheckFlow.start)
    url = BudgetCheckFlow.start.reverse("undo", args=[process.pk, start.pk])
    response = login(cast["staff_a"]).get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "この操作はできません" in html
    assert f"試験 {cast['staff_a'].first_name} さんには" in html
    assert "Forbidden" not in html and "権利がないユーザー" not in html
    assert "vf-page-lockscreen" in html  # the Material look of the login page


def test_a_refusal_written_for_the_user_is_shown_on_the_403_page(
    cast: dict[str, Any], login: Any, dept_a: Any
) -> None:
    system = locked_in_system(dept_a)
    response = login(cast["auditor"]).get(reverse("karte:edit", args=[system.pk]))
    assert response.status_code == 403
    assert '<p id="refusal-reason">' in response.content.decode()


def test_a_missing_page_shows_the_japanese_404_page(cast: dict[str, Any], login: Any) -> None:
    response = login(cast["staff_a"]).get("/home/cases/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in html and "ホームへ戻る" in html


def test_the_demo_shows_the_japanese_404_page_even_with_debug_on(
    settings: Any, cast: dict[str, Any], login: Any
) -> None:
    settings.DEBUG = True
    settings.SHINSA_FRIENDLY_ERRORS = True
    html = login(cast["staff_a"]).get("/no-such-page/").content.decode()
    assert "ページが見つかりません" in html
    assert "Page not found" not in html and "URLconf" not in html


def test_a_developers_runserver_keeps_djangos_debug_404(
    settings: Any, cast: dict[str, Any], login: Any
) -> None:
    settings.DEBUG = True
    settings.SHINSA_FRIENDLY_ERRORS = False
    assert "URLconf" in login(cast["staff_a"]).get("/no-such-page/").content.decode()


def test_a_server_error_shows_the_japanese_500_page(rf: Any) -> None:
    response = defaults.server_error(rf.get("/home/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "システムエラー" in html and "vf-page-lockscreen" in html
    assert "Server Error" not in html


# --- 3. Years, sharing, forms ---------------------------------------------------------------


def test_lists_and_reports_show_fiscal_years_as_年度_labels(
    cast: dict[str, Any], login: Any, dept_a: Any, awaiting_approval: Any
) -> None:
    locked_in_system(dept_a)
    reviewer = login(cast["reviewer"])
    year = awaiting_approval.fiscal_year
    cases = _page(reviewer.get("/home/cases/"))
    assert f"<td>{awaiting_approval.fiscal_year_label}</td>" in cases
    assert f"<td>{year}</td>" not in cases
    era = f"令和{year - 2018}"
    assert awaiting_approval.number in _page(reviewer.get(f"/home/cases/?fiscal_year={era}"))
    lock_in = _page(reviewer.get(reverse("karte:lock_in")))
    assert "平成25年度〜令和6年度" in lock_in
    assert not re.search(r">\s*20\d\d\s*<|20\d\d〜", lock_in)


def test_the_sharing_list_follows_the_departments_own_order(
    cast: dict[str, Any], login: Any, awaiting_approval: Any
) -> None:
    DepartmentFactory.create(code="aaa-last", name="会計局", sort_order=90)
    DepartmentFactory.create(code="zzz-first", name="危機管理室", sort_order=1)
    Department.objects.filter(code="dept-b").update(sort_order=50)
    html = _page(login(cast["staff_a"]).get(f"/home/cases/{awaiting_approval.pk}/", follow=True))
    select = html.split('name="department"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r">([^<>]+)</option>", select)[1:] == ["危機管理室", "財務部", "会計局"]


def test_every_form_puts_a_checkbox_in_front_of_its_label_on_one_line(
    cast: dict[str, Any], login: Any, awaiting_approval: Any
) -> None:
    check = support.step(
        awaiting_approval,
        BudgetCheckFlow.approve,
        cast["approver"],
        support.budget_forms.approval_data(),
    )
    task = support.open_task(check, BudgetCheckFlow.acknowledge)
    html = _page(login(cast["staff_a"]).get(support.execute_url(task)))
    assert re.search(
        r'<label class="shinsa-check" for="id_confirmed"><input type="checkbox" name="confirmed"',
        html,
    )
    assert ".shinsa-form .shinsa-check { display: flex" in CSS.read_text(encoding="utf-8")


def test_every_field_in_error_gets_the_same_red_border(
    cast: dict[str, Any], login: Any, system: Any
) -> None:
    data = support.request_post(system, initial_cost="-100", purpose="")
    html = login(cast["staff_a"]).post(BudgetCheckFlow.start.reverse("execute"), data)
    page = html.content.decode()
    assert page.count('aria-invalid="true"') >= 2
    assert '[aria-invalid="true"] { border: 1px solid #b00020' in CSS.read_text(encoding="utf-8")


def test_the_claim_page_shows_the_summary_of_its_own_case(
    cast: dict[str, Any], login: Any, awaiting_approval: Any
) -> None:
    # The summary is the case's own, not the first case of the table.
    other = support.drive_to_approval(
        support.start(
            cast["staff_a"], None, new_system_name="別システム", new_system_kind="scratch"
        ),
        cast["reviewer"],
    )
    task = support.open_task(other, BudgetCheckFlow.approve)
    html = _page(login(cast["approver"]).get(support.assign_url(task)))
    assert f'<dd id="case-number">{other.number}</dd>' in html
    assert Case.objects.count() == 2

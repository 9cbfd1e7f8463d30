"""Guidance items stay in a ledger: resolved with evidence or waived with a reason (audited,
by the right people only), and the ones still open show on next year's check of the system to
both sides, beside the karte's cost history."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from governance.budget import services
from governance.budget.services import GuidanceDraft
from governance.models import (
    AuditEvent,
    CaseStatus,
    CostRecord,
    GuidanceItem,
    LedgerStatus,
)
from tests import budget_support as support
from tests.factories import InformationSystemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(dept_a: Any) -> Any:
    return InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )


@pytest.fixture
def last_year(cast: Any, system: Any) -> Any:
    """A check of this fiscal year's budget, closed with two guidance items."""
    check = support.start(cast["staff_a"], system, fiscal_year=support.next_fiscal_year() - 1)
    return support.drive_to_closed(
        check,
        cast["staff_a"],
        cast["reviewer"],
        cast["approver"],
        guidance=[
            GuidanceDraft(text="保守契約の見直しを検討すること", due_date=support.in_days(60)),
            GuidanceDraft(text="冗長構成の要否を検討すること", due_date=support.in_days(90)),
        ],
    )


def _item(check: Any, sequence: int) -> GuidanceItem:
    return GuidanceItem.objects.select_related("case").get(case=check, sequence=sequence)


def test_the_case_page_links_each_issued_guidance_item_to_its_page(
    cast: Any, system: Any, last_year: Any, login: Any
) -> None:
    # Found by the browser journey: the case page listed the items the department must
    # respond to with no way to reach the page where it does so.
    page = login(cast["staff_a"]).get(f"/home/cases/{last_year.pk}/", follow=True)
    assert page.status_code == 200
    for sequence in (1, 2):
        assert f'href="/budget/guidance/{_item(last_year, sequence).pk}/"' in page.content.decode()


def test_guidance_items_awaiting_approval_are_listed_without_a_link(
    cast: Any, system: Any, login: Any
) -> None:
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    page = login(cast["reviewer"]).get(f"/home/cases/{check.pk}/", follow=True).content.decode()
    assert "複数事業者から見積を取得すること" in page
    assert "/budget/guidance/" not in page


def test_department_reports_a_guidance_item_done_with_evidence_and_it_is_audited(
    cast: Any, last_year: Any, login: Any
) -> None:
    item = _item(last_year, 1)
    client = login(cast["staff_a"])
    url = f"/budget/guidance/{item.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "対応を報告する" in page.content.decode()
    assert "対応不要にする" not in page.content.decode()  # waiving is governance's call
    evidence = io.BytesIO(b"minutes of the contract review")
    evidence.name = "議事録.txt"
    response = client.post(
        url, {"action": "resolve", "evidence": "保守契約を見直し単価を改定した。", "file": evidence}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    # A report (対応報告), not yet 対応済: the governance office has not checked it.
    assert item.status == LedgerStatus.REPORTED
    assert item.resolved_by == cast["staff_a"]
    assert item.evidence is not None and item.evidence.original_name == "議事録.txt"
    event = AuditEvent.objects.get(action="guidance_item.report")
    assert event.case_id == last_year.pk
    assert event.reason == "保守契約を見直し単価を改定した。"
    # Reporting twice is refused, and the department cannot confirm its own report.
    with pytest.raises(ValueError, match=services.ITEM_NOT_OPEN):
        services.resolve_guidance_item(actor=cast["staff_a"], item=item, evidence="再度")
    with pytest.raises(PermissionDenied):
        services.confirm_guidance_item(actor=cast["staff_a"], item=item)
    assert client.post(url, {"action": "confirm"}).status_code == 403
    item.refresh_from_db()
    assert item.status == LedgerStatus.REPORTED


def test_the_reviewer_confirms_a_report_on_the_item_page(
    cast: Any, last_year: Any, login: Any
) -> None:
    item = _item(last_year, 1)
    services.resolve_guidance_item(actor=cast["staff_a"], item=item, evidence="単価を改定した。")
    client = login(cast["reviewer"])
    url = f"/budget/guidance/{item.pk}/"
    assert 'id="item-confirm"' in client.get(url).content.decode()
    assert client.post(url, {"action": "confirm"}).status_code == 302
    item.refresh_from_db()
    assert item.status == LedgerStatus.RESOLVED
    event = AuditEvent.objects.get(action="guidance_item.confirm")
    assert event.actor_id == cast["reviewer"].pk
    assert event.changes == {"status": [LedgerStatus.REPORTED, LedgerStatus.RESOLVED]}


def test_the_reviewer_reopens_a_report_only_with_a_reason(
    cast: Any, last_year: Any, login: Any
) -> None:
    item = _item(last_year, 1)
    services.resolve_guidance_item(actor=cast["staff_a"], item=item, evidence="検討した。")
    client = login(cast["reviewer"])
    url = f"/budget/guidance/{item.pk}/"
    response = client.post(url, {"action": "reopen", "reason": ""})
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == LedgerStatus.REPORTED
    response = client.post(
        url, {"action": "reopen", "reason": "見積の比較資料を添付してください。"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == LedgerStatus.OPEN
    assert item.reopen_reason == "見積の比較資料を添付してください。"
    event = AuditEvent.objects.get(action="guidance_item.reopen")
    assert event.reason == "見積の比較資料を添付してください。"
    # The department sees why, and may report again.
    page = login(cast["staff_a"]).get(url).content.decode()
    assert "見積の比較資料を添付してください。" in page
    services.resolve_guidance_item(actor=cast["staff_a"], item=item, evidence="比較資料を添付。")
    item.refresh_from_db()
    assert item.status == LedgerStatus.REPORTED


def test_a_reviewer_recording_the_resolution_confirms_it_at_once(cast: Any, last_year: Any) -> None:
    item = _item(last_year, 1)
    services.resolve_guidance_item(actor=cast["reviewer"], item=item, evidence="確認済み")
    item.refresh_from_db()
    assert item.status == LedgerStatus.RESOLVED
    assert AuditEvent.objects.filter(action="guidance_item.resolve").exists()
    with pytest.raises(ValueError, match=services.ITEM_NOT_REPORTED):
        services.confirm_guidance_item(actor=cast["reviewer"], item=item)


def test_reviewer_waives_a_guidance_item_with_a_reason(cast: Any, last_year: Any) -> None:
    item = _item(last_year, 2)
    with pytest.raises(ValueError, match=services.WAIVE_REASON_REQUIRED):
        services.waive_guidance_item(actor=cast["reviewer"], item=item, reason="  ")
    services.waive_guidance_item(
        actor=cast["reviewer"], item=item, reason="クラウド移行により不要となった。"
    )
    item.refresh_from_db()
    assert item.status == LedgerStatus.WAIVED
    assert item.resolution == "クラウド移行により不要となった。"
    assert AuditEvent.objects.filter(action="guidance_item.waive", case_id=last_year.pk).exists()


def test_waiving_by_department_staff_or_auditor_is_refused(
    cast: Any, last_year: Any, login: Any
) -> None:
    item = _item(last_year, 1)
    for name in ("staff_a", "auditor", "staff_b"):
        with pytest.raises(PermissionDenied):
            services.waive_guidance_item(actor=cast[name], item=item, reason="不要")
    response = login(cast["staff_a"]).post(
        f"/budget/guidance/{item.pk}/", {"action": "waive", "reason": "不要"}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == LedgerStatus.OPEN
    assert not AuditEvent.objects.filter(action="guidance_item.waive").exists()


def test_other_department_cannot_see_or_resolve_the_item(
    cast: Any, last_year: Any, login: Any
) -> None:
    item = _item(last_year, 1)
    assert login(cast["staff_b"]).get(f"/budget/guidance/{item.pk}/").status_code == 404
    assert item.text not in login(cast["staff_b"]).get("/budget/guidance/").content.decode()
    assert item.text in login(cast["staff_a"]).get("/budget/guidance/").content.decode()
    with pytest.raises(PermissionDenied):
        services.resolve_guidance_item(actor=cast["staff_b"], item=item, evidence="対応した")
    item.refresh_from_db()
    assert item.status == LedgerStatus.OPEN


def test_items_of_a_check_not_yet_approved_are_drafts_outside_the_ledger(
    cast: Any, system: Any, login: Any
) -> None:
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    item = _item(check, 1)
    assert check.status == CaseStatus.AWAITING_APPROVAL
    assert login(cast["staff_a"]).get(f"/budget/guidance/{item.pk}/").status_code == 404
    with pytest.raises(ValueError, match=services.ITEM_NOT_ISSUED):
        services.resolve_guidance_item(actor=cast["staff_a"], item=item, evidence="対応した")


def test_open_items_of_last_year_show_on_next_years_check_to_both_sides(
    cast: Any, last_year: Any, system: Any, login: Any
) -> None:
    services.waive_guidance_item(
        actor=cast["reviewer"], item=_item(last_year, 2), reason="不要となった。"
    )
    staff = login(cast["staff_a"])
    start_page = staff.get("/budgetcheck/start/").content.decode()
    assert "保守契約の見直しを検討すること" in start_page
    assert "冗長構成の要否を検討すること" not in start_page  # waived: no longer open

    check = support.start(cast["staff_a"], system)
    for name in ("staff_a", "reviewer"):
        page = login(cast[name]).get(f"/home/cases/{check.pk}/", follow=True).content.decode()
        assert "前年度以前の未対応の指導事項があります" in page, name
        assert "保守契約の見直しを検討すること" in page, name
        assert "冗長構成の要否を検討すること" not in page, name
    task = support.open_task(check, support.BudgetCheckFlow.review)
    review_page = login(cast["reviewer"]).get(support.execute_url(task)).content.decode()
    assert "保守契約の見直しを検討すること" in review_page


def test_reviewer_sees_the_karte_cost_history_beside_the_requested_amounts(
    cast: Any, system: Any, login: Any
) -> None:
    year = support.next_fiscal_year()
    for fiscal_year, kind, category, perspective, amount in [
        (year - 2, "budget", "running", "operation", 3_000),
        (year - 2, "settlement", "running", "operation", 2_950),
        (year - 1, "budget", "initial", "development", 1_000),
        (year - 1, "budget", "running", "operation", 3_100),
        (year - 1, "budget", "running", "lines_cloud", 900),
        (year - 20, "budget", "running", "operation", 9_999),  # too old to show
    ]:
        CostRecord.objects.create(
            system=system,
            fiscal_year=fiscal_year,
            kind=kind,
            category=category,
            perspective=perspective,
            amount_thousand_yen=amount,
        )
    check = support.start(cast["staff_a"], system)  # 1,200,000 + 3,400,000 yen
    page = login(cast["reviewer"]).get(f"/home/cases/{check.pk}/", follow=True).content.decode()
    table = page[page.index('id="cost-history"') :]
    table = table[: table.index("</table>")]
    assert "4,000" in table  # last year's running budget, two perspectives summed
    assert "5,000" in table  # last year's budget total
    assert "2,950" in table  # settlement two years ago
    assert "9,999" not in table
    assert "4,600" in table  # the requested total, in thousand yen
    assert "直近の予算比 -8.0%" in table


def test_change_against_the_latest_budget_is_written_with_its_sign() -> None:
    from governance.budget.selectors import CostHistory, CostYear

    years = [CostYear(2025, {("budget", "running"): 1000, ("budget", "initial"): 0})]
    assert CostHistory(years, 0, 1024).change_label == "+2.4%"
    assert CostHistory(years, 0, 1000).change_label == "±0.0%"
    assert CostHistory(years, 0, 900).change_label == "-10.0%"
    assert CostHistory([], 0, 900).change_label == ""

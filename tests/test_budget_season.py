"""The budget season: reminders reach whoever holds a task a few business days before the
deadline and once after it (Japanese holidays and 12/29–1/3 are not business days, each
reminder is sent once), and governance staff follow the season's progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from governance import periodic
from governance.japanese import is_business_day
from governance.models import AuditEvent, BudgetCheck, BudgetSeason, Job, Notification
from governance.roles import Role
from governance.services import budget as services
from governance.services.budget_season import (
    DEADLINE_BEFORE_OPENING,
    create_budget_season,
    reminder_start,
    send_budget_reminders,
)
from tests import budget_support as support
from tests.factories import InformationSystemFactory, make_user
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db


def _season(cast: Any, deadline: dt.date, lead: int = 3, year: int | None = None) -> BudgetSeason:
    return create_budget_season(
        actor=cast["approver"],
        fiscal_year=year or support.next_fiscal_year(),
        opens_on=deadline - dt.timedelta(days=60),
        deadline=deadline,
        reminder_lead_days=lead,
    )


@pytest.fixture
def cases(cast: Any, dept_a: Any, dept_b: Any) -> dict[str, BudgetCheck]:
    """One check waiting for review, one waiting in the approval queue, one decided."""
    approver2 = make_user("approver2", Role.GOVERNANCE_APPROVER)
    both = make_user("both", Role.GOVERNANCE_REVIEWER)
    both.groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    cast.update(approver2=approver2, both=both)
    systems = [
        InformationSystemFactory.create(code=f"S{n}", department=dept)
        for n, dept in enumerate([dept_a, dept_a, dept_b])
    ]
    waiting = support.start(cast["staff_a"], systems[0])
    dept_a.liaison = both  # so that ``both`` reviews the second check
    dept_a.save()
    queued = support.drive_to_approval(support.start(cast["staff_a"], systems[1]), both)
    dept_a.liaison = cast["reviewer"]
    dept_a.save()
    decided = support.start(cast["staff_b"], systems[2])
    decided = support.drive_to_approval(decided, cast["reviewer"])
    decided = support.step(
        decided,
        BudgetCheckFlow.approve,
        cast["approver"],
        lambda c: services.approve_budget_check(actor=cast["approver"], budget_check=c),
    )
    Notification.objects.all().delete()  # notices of the steps above are not reminders
    Job.objects.all().delete()
    return {"waiting": waiting, "queued": queued, "decided": decided}


def _notices() -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(dedupe_key__startswith="budget-reminder:").values_list(
            "recipient__username", "case__number"
        )
    )


def test_reminder_days_skip_weekends_and_national_holidays(cast: Any) -> None:
    # 2025-11-03 is 文化の日 (Monday): three business days before Tue 2025-11-04 are
    # Fri 10/31, Thu 10/30 and Wed 10/29.
    season = _season(cast, dt.date(2025, 11, 4))
    assert reminder_start(season) == dt.date(2025, 10, 29)


def test_reminder_days_skip_the_year_end_closure(cast: Any) -> None:
    # Before Tue 2026-01-06: Mon 1/5, then 1/2–1/3 closed, 1/1 holiday, 12/29–12/31 closed,
    # Mon 12/28, Fri 12/25.
    season = _season(cast, dt.date(2026, 1, 6))
    assert reminder_start(season) == dt.date(2025, 12, 25)
    assert not is_business_day(dt.date(2025, 12, 29))
    assert not is_business_day(dt.date(2026, 1, 2))


def test_task_holders_are_reminded_once_before_the_deadline_and_once_when_overdue(
    cast: Any, cases: dict[str, BudgetCheck], run_jobs: Any
) -> None:
    _season(cast, dt.date(2025, 11, 4))
    waiting, queued = cases["waiting"].number, cases["queued"].number

    assert send_budget_reminders(today=dt.date(2025, 10, 28)) == 0
    sent = send_budget_reminders(today=dt.date(2025, 10, 29))
    # The review is the liaison's; the queued approval reaches every approver who may take
    # it, but not the approver who reviewed it; the decided check reminds nobody.
    assert _notices() == sorted(
        [("reviewer", waiting), ("approver", queued), ("approver2", queued)]
    )
    assert sent == 3
    subject = Notification.objects.get(recipient=cast["reviewer"]).subject
    assert "令和7年11月4日" in subject and "あと3営業日" in subject

    assert send_budget_reminders(today=dt.date(2025, 10, 29)) == 0
    assert send_budget_reminders(today=dt.date(2025, 10, 31)) == 0
    assert send_budget_reminders(today=dt.date(2025, 11, 8)) == 0  # a Saturday
    assert send_budget_reminders(today=dt.date(2025, 11, 5)) == 3
    assert send_budget_reminders(today=dt.date(2025, 11, 6)) == 0
    overdue = Notification.objects.filter(dedupe_key__endswith=":overdue")
    assert {n.recipient.username for n in overdue} == {"reviewer", "approver", "approver2"}
    assert all("過ぎています" in n.subject for n in overdue)

    # Every notice goes out as an e-mail through the outbox.
    assert Job.objects.filter(kind="send_email").count() == 6
    run_jobs()
    assert len(mail.outbox) == 6
    assert any(waiting in message.subject for message in mail.outbox)


def test_a_new_task_after_a_send_back_reminds_its_new_holder(
    cast: Any, cases: dict[str, BudgetCheck]
) -> None:
    _season(cast, dt.date(2025, 11, 4))
    send_budget_reminders(today=dt.date(2025, 10, 29))
    support.step(
        cases["waiting"],
        BudgetCheckFlow.review,
        cast["reviewer"],
        lambda c: services.send_back_budget_check(
            actor=cast["reviewer"], budget_check=c, questions="内訳は？"
        ),
    )
    Notification.objects.exclude(dedupe_key__startswith="budget-reminder:").delete()
    assert send_budget_reminders(today=dt.date(2025, 10, 30)) == 1
    assert ("staff_a", cases["waiting"].number) in _notices()


def test_reminders_run_from_the_periodic_runner(cast: Any) -> None:
    assert periodic.PERIODIC["budget_check_reminders"]() == 0


def test_governance_staff_follow_the_season_by_state_reviewer_and_overdue(
    cast: Any, cases: dict[str, BudgetCheck], login: Any
) -> None:
    season = _season(cast, support.in_days(-10))
    page = login(cast["reviewer"]).get(f"/budget/?fiscal_year={season.fiscal_year}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="season-total">3' in html
    assert 'data-status="submitted"><td><a' in html
    overdue = html[html.index('id="overdue"') :]
    overdue = overdue[: overdue.index("</table>")]
    assert cases["waiting"].number in overdue
    assert cases["queued"].number in overdue
    assert cases["decided"].number not in overdue
    by_reviewer = html[html.index('id="by-reviewer"') :]
    assert cast["both"].display_name in by_reviewer[: by_reviewer.index("</table>")]
    assert login(cast["auditor"]).get("/budget/").status_code == 200


def test_department_staff_and_csirt_do_not_see_the_season_progress(cast: Any, login: Any) -> None:
    response = login(cast["staff_a"]).get("/budget/")
    assert response.status_code == 302
    assert response["Location"] == "/budget/guidance/"
    assert login(cast["csirt"]).get("/budget/").status_code == 403
    assert login(cast["csirt"]).get("/budget/guidance/").status_code == 403


def test_approver_opens_a_season_typed_with_era_dates_and_existing_requests_join_it(
    cast: Any, login: Any, dept_a: Any
) -> None:
    check = support.start(cast["staff_a"], InformationSystemFactory.create(department=dept_a))
    assert check.season is None
    year = support.next_fiscal_year()
    response = login(cast["approver"]).post(
        "/budget/seasons/new/",
        {
            "fiscal_year": f"令和{year - 2018}年度",
            "opens_on": f"令和{year - 2019}年１０月１日",
            "deadline": f"{year - 1}/11/28",
            "reminder_lead_days": "３",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    season = BudgetSeason.objects.get()
    assert (season.fiscal_year, season.deadline) == (year, dt.date(year - 1, 11, 28))
    assert season.reminder_lead_days == 3
    check.refresh_from_db()
    assert check.season == season
    assert AuditEvent.objects.filter(action="budget_season.create").exists()


def test_season_with_a_deadline_before_its_opening_is_refused(cast: Any, login: Any) -> None:
    events = AuditEvent.objects.count()
    response = login(cast["approver"]).post(
        "/budget/seasons/new/",
        {
            "fiscal_year": "2030",
            "opens_on": "2029-10-01",
            "deadline": "2029-09-01",
            "reminder_lead_days": "3",
        },
    )
    assert response.status_code == 200
    assert DEADLINE_BEFORE_OPENING in response.content.decode()
    assert not BudgetSeason.objects.exists()
    assert AuditEvent.objects.count() == events


def test_reviewer_and_department_staff_cannot_open_a_season(cast: Any, login: Any) -> None:
    data = {
        "fiscal_year": "2030",
        "opens_on": "2029-10-01",
        "deadline": "2029-11-01",
        "reminder_lead_days": "3",
    }
    for name in ("reviewer", "staff_a", "auditor"):
        assert login(cast[name]).post("/budget/seasons/new/", data).status_code == 403, name
    assert not BudgetSeason.objects.exists()

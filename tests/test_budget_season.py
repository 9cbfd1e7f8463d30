"""The budget season: reminders reach whoever holds a task a few business days before the
deadline and once after it (Japanese holidays and 12/29–1/3 are not business days, each
reminder is sent once), and governance staff follow the season's progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied

from forms import budget as budget_forms
from governance.budget import services as services
from governance.budget.services.season import (
    DEADLINE_BEFORE_OPENING,
    LEAD_DAYS_OUT_OF_RANGE,
    create_budget_season,
    reminder_start,
    send_budget_reminders,
    update_budget_season,
)
from governance.japanese import INVALID_DATE, is_business_day
from governance.jobs import periodic
from governance.models import AuditEvent, BudgetCheck, BudgetSeason, Job, Notification
from governance.roles import Role
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
        budget_forms.approval_data(),
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
        budget_forms.review_data(questions="内訳は？"),
    )
    Notification.objects.exclude(dedupe_key__startswith="budget-reminder:").delete()
    assert send_budget_reminders(today=dt.date(2025, 10, 30)) == 1
    assert ("staff_a", cases["waiting"].number) in _notices()


def test_reminders_run_from_the_periodic_runner_on_todays_date(
    frozen_now: Any, cast: Any, dept_a: Any, run_jobs: Any
) -> None:
    # Today is Thursday 1 October 2026; the deadline, Tuesday 6 October, is three business
    # days away, so today is the first day of reminders.
    check = support.start(cast["staff_a"], InformationSystemFactory.create(department=dept_a))
    season = _season(cast, dt.date(2026, 10, 6))
    assert (check.fiscal_year, season.fiscal_year) == (2027, 2027)
    Notification.objects.all().delete()
    Job.objects.all().delete()

    results = periodic.run_all()  # what Celery beat and ``manage.py serve`` call

    assert results["budget_check_reminders"] == 1
    assert _notices() == [("reviewer", check.number)]
    notice = Notification.objects.get()
    assert (
        notice.subject == f"【予算確認】締切（令和8年10月6日）まであと3営業日です: {check.number}"
    )
    run_jobs()
    assert [message.to for message in mail.outbox] == [[cast["reviewer"].email]]
    # The runner is called again and again; the holder is reminded once.
    assert periodic.run_all()["budget_check_reminders"] == 0
    assert Notification.objects.count() == 1


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


@pytest.fixture
def season(cast: Any) -> BudgetSeason:
    """The season of fiscal year 2030: 1 October to 28 November 2029, reminders 3 days ahead."""
    return create_budget_season(
        actor=cast["approver"],
        fiscal_year=2030,
        opens_on=dt.date(2029, 10, 1),
        deadline=dt.date(2029, 11, 28),
        reminder_lead_days=3,
    )


def _edit_url(season: BudgetSeason) -> str:
    return f"/budget/seasons/{season.pk}/edit/"


def _unchanged(season: BudgetSeason) -> None:
    fresh = BudgetSeason.objects.get(pk=season.pk)
    assert (fresh.opens_on, fresh.deadline, fresh.reminder_lead_days, fresh.notes) == (
        dt.date(2029, 10, 1),
        dt.date(2029, 11, 28),
        3,
        "",
    )
    assert not AuditEvent.objects.filter(action="budget_season.update").exists()


def test_approver_moves_the_deadline_typed_as_a_full_width_era_date_with_a_reason(
    cast: Any, login: Any, season: BudgetSeason
) -> None:
    approver = login(cast["approver"])
    form = approver.get(_edit_url(season))
    assert form.status_code == 200
    assert 'value="2029-11-28"' in form.content.decode()
    response = approver.post(
        _edit_url(season),
        {
            "opens_on": "2029-10-01",
            "deadline": "令和１１年１２月５日",
            "reminder_lead_days": "５",
            "notes": "財政課の締切変更",
            "reason": "財政課から締切延長の連絡",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/budget/?fiscal_year=2030"
    season.refresh_from_db()
    assert (season.deadline, season.reminder_lead_days, season.notes) == (
        dt.date(2029, 12, 5),
        5,
        "財政課の締切変更",
    )
    event = AuditEvent.objects.get(action="budget_season.update")
    assert (event.actor, event.reason) == (cast["approver"], "財政課から締切延長の連絡")
    assert set(event.changes) == {"deadline", "reminder_lead_days", "notes"}
    # Five business days before Wednesday 5 December 2029.
    assert reminder_start(season) == dt.date(2029, 11, 28)
    progress = approver.get(response["Location"]).content.decode()
    assert 'id="season-deadline">令和11年12月5日' in progress


def test_saving_a_season_unchanged_records_no_event(
    cast: Any, login: Any, season: BudgetSeason
) -> None:
    data = {"opens_on": "令和11年10月1日", "deadline": "R11.11.28", "reminder_lead_days": "3"}
    assert login(cast["approver"]).post(_edit_url(season), data).status_code == 302
    _unchanged(season)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"opens_on": "2029-10-01", "deadline": "2029-09-30", "reminder_lead_days": "3"},
            DEADLINE_BEFORE_OPENING,
        ),
        (
            {"opens_on": "2029-10-01", "deadline": "令和元年4月30日", "reminder_lead_days": "3"},
            INVALID_DATE,
        ),
        (
            {"opens_on": "2029-10-01", "deadline": "来月末", "reminder_lead_days": "3"},
            INVALID_DATE,
        ),
    ],
    ids=["deadline-before-opening", "date-before-reiwa", "unreadable-date"],
)
def test_a_season_edit_with_bad_dates_is_refused_in_japanese_and_changes_nothing(
    cast: Any, login: Any, season: BudgetSeason, data: dict[str, str], message: str
) -> None:
    response = login(cast["approver"]).post(_edit_url(season), {**data, "reason": "試行"})
    assert response.status_code == 200
    assert message in response.content.decode()
    _unchanged(season)


def test_a_season_edit_with_too_many_reminder_days_changes_nothing(
    cast: Any, login: Any, season: BudgetSeason
) -> None:
    data = {"opens_on": "2029-10-01", "deadline": "2029-12-05", "reminder_lead_days": "31"}
    assert login(cast["approver"]).post(_edit_url(season), data).status_code == 200
    _unchanged(season)
    with pytest.raises(ValueError, match=LEAD_DAYS_OUT_OF_RANGE):
        update_budget_season(
            actor=cast["approver"],
            season=season,
            opens_on=dt.date(2029, 10, 1),
            deadline=dt.date(2029, 12, 5),
            reminder_lead_days=31,
        )
    _unchanged(season)


def test_reviewer_department_staff_auditor_and_csirt_cannot_edit_a_season(
    cast: Any, login: Any, season: BudgetSeason
) -> None:
    data = {"opens_on": "2029-10-01", "deadline": "2029-12-05", "reminder_lead_days": "3"}
    for name in ("reviewer", "staff_a", "auditor", "csirt"):
        client = login(cast[name])
        assert client.get(_edit_url(season)).status_code == 403, name
        assert client.post(_edit_url(season), data).status_code == 403, name
        with pytest.raises(PermissionDenied):
            update_budget_season(
                actor=cast[name],
                season=season,
                opens_on=dt.date(2029, 10, 1),
                deadline=dt.date(2029, 12, 5),
                reminder_lead_days=3,
            )
    _unchanged(season)

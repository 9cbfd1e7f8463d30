"""The obligation clocks as rows of the clock table, with frozen time (Appendix A): 年末年始,
Golden Week, 成人の日 and a due day on a Saturday roll the hard 確報 due past 行政機関の休日 and
keep the unrolled day and its basis; the soft 速報 target and limit never roll; the page's
obligation panel costs the same queries however many submissions it lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from governance.incidents import services
from governance.incidents.obligations.submissions import submit_and_approve
from governance.japanese import legal_due
from governance.models import Incident, ReportingObligation
from tests.clocks_support import FrozenNow, jst
from tests.incidents_support import csirt_cast, promote, report, triage
from tests.test_pages import queries_for

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db

D = dt.date


def _leak(people: dict[str, Any], department: Any, aware: dt.datetime, **facts: Any) -> Incident:
    event = report(people["staff_a"], personal_data="yes", persons=facts.pop("persons", "101"))
    incident = promote(people["csirt"], [event], department=department)
    incident = triage(people["csirt"], incident, category="misdelivery_email")
    return services.update_facts(actor=people["csirt"], incident=incident, aware_at=aware, **facts)


def _clock(incident: Incident, recipient: str, stage: str) -> Any:
    obligation = ReportingObligation.objects.select_related("deadline").get(
        incident=incident, recipient=recipient, stage=stage
    )
    return obligation.deadline


@pytest.mark.parametrize(
    ("aware", "facts", "due", "unrolled", "why"),
    [
        # 年末年始: day 30 = 2026-12-31 → Mon 2027-01-04.
        (jst(2026, 12, 1, 10), {}, D(2027, 1, 4), D(2026, 12, 31), "年末年始の休日"),
        # Saturday: day 60 = 2027-01-30 (Sat) → Mon 2027-02-01.
        (jst(2026, 12, 1, 10), {"pd_malicious": True}, D(2027, 2, 1), D(2027, 1, 30), "土曜日"),
        # 成人の日: day 30 = 2027-01-11 → Tue 2027-01-12.
        (jst(2026, 12, 12, 10), {}, D(2027, 1, 12), D(2027, 1, 11), "成人の日"),
        # Golden Week start 2027-04-28: day 60 = 2027-06-27 (Sun) → Mon 06-28.
        (jst(2027, 4, 28, 9), {"pd_malicious": True}, D(2027, 6, 28), D(2027, 6, 27), "日曜日"),
        # Golden Week: 覚知 2027-04-03 → day 30 = 2027-05-03 (憲法記念日) → Thu 05-06.
        (jst(2027, 4, 3, 9), {}, D(2027, 5, 6), D(2027, 5, 3), "憲法記念日"),
        # No roll: 覚知 2027-05-10 → day 30 = Wed 2027-06-09.
        (jst(2027, 5, 10, 9), {}, D(2027, 6, 9), None, ""),
    ],
)
def test_the_final_report_clock_rolls_past_closed_days(
    csirt_cast, dept_a, monkeypatch, aware, facts, due, unrolled, why
) -> None:
    FrozenNow(monkeypatch, aware + dt.timedelta(days=1))
    incident = _leak(csirt_cast, dept_a, aware, **facts)
    clock = _clock(incident, "ppc", "final")
    assert clock.starts_at == aware
    assert clock.due_at == jst(due.year, due.month, due.day, 23, 59, 59)
    assert clock.unrolled_due_on == unrolled
    if why:
        assert (
            clock.roll_basis.startswith("行政機関の休日に関する法律第2条")
            and why in clock.roll_basis
        )
    else:
        assert clock.roll_basis == ""


def test_the_preliminary_target_and_limit_never_roll(csirt_cast, dept_a, monkeypatch) -> None:
    # 覚知 Wed 2027-04-28: target day 3 = Sat 05-01, limit day 5 = Mon 05-03 (a holiday).
    aware = jst(2027, 4, 28, 9)
    FrozenNow(monkeypatch, aware + dt.timedelta(hours=2))
    clock = _clock(_leak(csirt_cast, dept_a, aware), "ppc", "preliminary")
    assert clock.soft_due_at == jst(2027, 5, 1, 23, 59, 59)
    assert clock.due_at == jst(2027, 5, 3, 23, 59, 59)
    assert clock.unrolled_due_on is None and clock.roll_basis == ""


@pytest.mark.parametrize(
    ("start", "days", "due", "unrolled"),
    [
        (D(2026, 12, 1), 30, D(2027, 1, 4), D(2026, 12, 31)),
        (D(2026, 12, 1), 60, D(2027, 2, 1), D(2027, 1, 30)),
        (D(2026, 12, 12), 30, D(2027, 1, 12), D(2027, 1, 11)),
        (D(2027, 4, 28), 60, D(2027, 6, 28), D(2027, 6, 27)),
        (D(2027, 5, 10), 30, D(2027, 6, 9), D(2027, 6, 9)),
    ],
)
def test_legal_due_of_appendix_a(
    start: dt.date, days: int, due: dt.date, unrolled: dt.date
) -> None:
    found = legal_due(start, days)
    assert (found.due, found.unrolled) == (due, unrolled)


def test_the_obligations_panel_costs_the_same_queries_with_more_submissions(
    csirt_cast, dept_a, monkeypatch, login
) -> None:
    people = csirt_cast
    aware = jst(2026, 12, 1, 10)
    FrozenNow(monkeypatch, jst(2026, 12, 3, 10))
    incident = _leak(people, dept_a, aware, pd_my_number=True, pd_my_number_system=True)
    incident.refresh_from_db()
    url = reverse("incidents:incident", args=[incident.pk])
    client = login(people["csirt"])
    pending = list(incident.obligations.filter(status="pending", deadline__isnull=False))

    def submit(obligation: Any) -> None:
        submit_and_approve(
            actor=people["csirt"],
            approver=people["ciso"],
            incident=incident,
            obligations=[obligation],
            submitted_at=jst(2026, 12, 2, 9),
            method="email",
        )

    submit(pending[0])
    client.get(url)
    few = queries_for(client, url)
    for obligation in pending[1:4]:
        submit(obligation)
    many = queries_for(client, url)
    assert many == few, f"{few} queries with one submission, {many} with four"

"""The clock runner reminds the holder at half and three quarters of the time and one business
day before the due day, marks a clock missed once at the breach and tells the holder and the
escalation roles once, each stage once however often it runs, nothing for clocks that are met,
waived or cancelled, and in the same number of queries however many clocks it handles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.clocks import runner, services
from governance.clocks.models import Deadline, DeadlineKind, DeadlineStatus
from governance.jobs import periodic
from governance.models import AuditEvent, Job, Notification
from governance.roles import Role
from tests.clocks_support import FrozenNow, incident_case, jst, review_case
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 12, 1, 9))


@pytest.fixture
def review(cast: dict[str, Any], frozen: FrozenNow) -> Any:
    return review_case(cast["staff_a"])


def _review_clock(cast: dict[str, Any], case: Any, **kwargs: Any) -> Deadline:
    """nc_review from Tue 2026-12-01 09:00: due Tue 12-15 23:59:59 (10 business days).
    Half: Tue 12-08 16:29:59; three quarters: Sat 12-12 08:14:59; the business day before:
    Mon 12-14 00:00; the breach: Wed 12-16 00:00:00."""
    arguments = {
        "actor": cast["staff_a"],
        "kind": DeadlineKind.NC_REVIEW,
        "case": case,
        "starts_at": jst(2026, 12, 1, 9),
        "holder": cast["reviewer"],
        **kwargs,
    }
    return services.start_deadline(**arguments)


def _keys() -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(dedupe_key__startswith="deadline:").values_list(
            "recipient__username", "dedupe_key"
        )
    )


def test_each_stage_is_announced_once_however_often_the_runner_runs(
    cast: dict[str, Any], review: Any
) -> None:
    deadline = _review_clock(cast, review)
    key = f"deadline:{deadline.pk}"
    timeline = [
        (jst(2026, 12, 2, 9), []),
        (jst(2026, 12, 8, 16, 29), []),
        (jst(2026, 12, 8, 16, 30), [("reviewer", f"{key}:pct50")]),
        (jst(2026, 12, 12, 8, 15), [("reviewer", f"{key}:pct75")]),
        (jst(2026, 12, 14, 0, 0), [("reviewer", f"{key}:bd1")]),
        (jst(2026, 12, 15, 23, 59, 59), []),
        (
            jst(2026, 12, 16, 0, 0, 0),
            [("approver", f"{key}:missed"), ("reviewer", f"{key}:missed")],
        ),
        (jst(2026, 12, 20, 9), []),
    ]
    seen: list[tuple[str, str]] = []
    for now, expected in timeline:
        for _pass in range(3):
            runner.run_deadlines(now=now)
        seen += expected
        assert _keys() == sorted(seen), now
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.MISSED
    assert deadline.missed_at == jst(2026, 12, 16)
    assert deadline.next_notice_at is None
    assert deadline.notices_sent == ["pct50", "pct75", "bd1", "missed"]
    event = AuditEvent.objects.get(action="deadline.missed")
    assert event.actor_name == "システム" and event.case_id == review.pk
    assert event.changes["status"] == ["running", "missed"]


def test_the_notices_name_the_clock_the_time_left_the_due_date_and_the_case(
    cast: dict[str, Any], review: Any
) -> None:
    _review_clock(cast, review)
    runner.run_deadlines(now=jst(2026, 12, 8, 17))
    notice = Notification.objects.get()
    assert notice.subject == (
        f"【期限】接続審査の判断: 残り7日（期限 令和8年12月15日 23:59）{review.number}"
    )
    assert notice.case_id == review.pk and notice.url == f"/home/cases/{review.pk}/"
    assert (
        "根拠: ネットワーク接続申請の受付から判断までの標準処理期間 10開庁日（仮定）" in notice.body
    )
    runner.run_deadlines(now=jst(2026, 12, 16, 1))
    missed = Notification.objects.filter(dedupe_key__endswith=":missed").first()
    assert missed is not None
    assert missed.subject.startswith(
        "【期限超過】接続審査の判断の期限（令和8年12月15日 23:59）を過ぎました"
    )
    assert "期限を過ぎても対応は必要です" in missed.body


def test_a_runner_that_was_stopped_announces_only_the_latest_stage_it_slept_through(
    cast: dict[str, Any], review: Any
) -> None:
    deadline = _review_clock(cast, review)
    runner.run_deadlines(now=jst(2026, 12, 14, 10))
    assert _keys() == [("reviewer", f"deadline:{deadline.pk}:bd1")]
    deadline.refresh_from_db()
    assert deadline.notices_sent == ["pct50", "pct75", "bd1"]
    assert deadline.next_notice_at == jst(2026, 12, 16)


def test_met_waived_and_cancelled_clocks_are_never_announced(
    cast: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    met = _review_clock(cast, review)
    waived = _review_clock(cast, review, kind=DeadlineKind.NC_CONDITION)
    cancelled = _review_clock(cast, review, kind=DeadlineKind.NC_UNUSED_LAPSE)
    frozen.set(jst(2026, 12, 2, 9))
    services.meet_deadline(actor=cast["reviewer"], deadline=met)
    services.waive_deadline(actor=cast["approver"], deadline=waived, reason="条件を撤回")
    services.cancel_deadline(actor=cast["staff_a"], deadline=cancelled, reason="申請取下げ")
    for now in (jst(2026, 12, 8, 17), jst(2026, 12, 20), jst(2027, 6, 1)):
        assert runner.run_deadlines(now=now) == 0
    assert _keys() == []
    assert not AuditEvent.objects.filter(action="deadline.missed").exists()
    statuses = set(Deadline.objects.values_list("status", flat=True))
    assert statuses == {DeadlineStatus.MET, DeadlineStatus.WAIVED, DeadlineStatus.CANCELLED}


def test_a_role_holder_reaches_everyone_in_the_role_and_department_staff_of_that_department_only(
    cast: dict[str, Any], review: Any
) -> None:
    _review_clock(cast, review, holder=None, holder_role=Role.DEPARTMENT_STAFF)
    security = _review_clock(
        cast,
        review,
        kind=DeadlineKind.NC_CONDITION,
        holder=None,
        holder_role=Role.SECURITY_REVIEWER,
        length=14,  # due 12-15 like the review, so both reach half at the same time
        basis="条件1: 監視設定の完了報告",
    )
    make_user("security", Role.SECURITY_REVIEWER)
    make_user("security2", Role.SECURITY_REVIEWER)
    retired = make_user("security3", Role.SECURITY_REVIEWER)
    retired.is_active = False
    retired.save()
    runner.run_deadlines(now=jst(2026, 12, 8, 17))
    recipients = sorted(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == ["security", "security2", "staff_a", "staff_a2"]
    # At the breach the holders and the escalation role (security reviewers) hear once more.
    runner.run_deadlines(now=jst(2027, 1, 5, 9))
    missed = Notification.objects.filter(dedupe_key=f"deadline:{security.pk}:missed")
    assert sorted(missed.values_list("recipient__username", flat=True)) == [
        "security",
        "security2",
    ]


def test_an_incident_breach_reaches_the_holder_the_csirt_lead_and_the_ciso_once(
    cast: dict[str, Any], dept_a: Any, frozen: FrozenNow
) -> None:
    make_user("csirt_lead", Role.CSIRT_LEAD)
    make_user("ciso", Role.CISO)
    incident = incident_case(dept_a, cast["csirt"])
    services.start_deadline(
        actor=cast["csirt"],
        kind=DeadlineKind.PPC_FINAL,
        case=incident,
        starts_at=jst(2026, 12, 1, 10, 30),
        holder=cast["csirt"],
    )
    runner.run_deadlines(now=jst(2027, 1, 4, 23, 59, 59))  # the last second of the due day
    assert not Notification.objects.filter(dedupe_key__endswith=":missed").exists()
    for _pass in range(2):
        runner.run_deadlines(now=jst(2027, 1, 5, 0, 0, 1))
    missed = Notification.objects.filter(dedupe_key__endswith=":missed")
    assert sorted(missed.values_list("recipient__username", flat=True)) == [
        "ciso",
        "csirt",
        "csirt_lead",
    ]
    assert AuditEvent.objects.filter(action="deadline.missed").count() == 1


def test_a_rescheduled_clock_gets_a_new_schedule_of_reminders(
    cast: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    deadline = _review_clock(cast, review)
    runner.run_deadlines(now=jst(2026, 12, 8, 17))
    frozen.set(jst(2026, 12, 9, 9))
    services.reschedule_deadline(
        actor=cast["reviewer"], deadline=deadline, length=20, reason="追加資料の確認"
    )
    deadline.refresh_from_db()
    # 20 business days from 12/1: 12/2–12/28 give 19, the closure, then Mon 1/4.
    assert deadline.due_at == jst(2027, 1, 4, 23, 59, 59)
    runner.run_deadlines(now=jst(2026, 12, 9, 10))  # nothing of the new schedule yet
    runner.run_deadlines(now=jst(2026, 12, 25, 9))  # past half of the new time (12/18)
    keys = [key for _user, key in _keys()]
    assert f"deadline:{deadline.pk}:pct50" in keys
    assert f"deadline:{deadline.pk}:rescheduled.2" in keys
    assert f"deadline:{deadline.pk}:pct50.2" in keys
    assert f"deadline:{deadline.pk}:pct75.2" not in keys


def test_the_runner_uses_the_same_number_of_queries_for_3_clocks_as_for_12(
    cast: dict[str, Any], dept_a: Any, frozen: FrozenNow
) -> None:
    make_user("ciso", Role.CISO)
    make_user("csirt_lead", Role.CSIRT_LEAD)

    def start(count: int, starts_at: dt.datetime) -> None:
        for n in range(count):
            case = incident_case(dept_a, cast["csirt"], f"漏えい{starts_at:%m%d}-{n}")
            for kind in (DeadlineKind.PPC_FINAL, DeadlineKind.PPC_PRELIMINARY):
                services.start_deadline(
                    actor=cast["csirt"],
                    kind=kind,
                    case=case,
                    starts_at=starts_at,
                    holder=cast["csirt"],
                    holder_role=Role.CSIRT_MEMBER,
                )

    def measure(now: dt.datetime) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            sent = runner.run_deadlines(now=now)
        return len(queries), sent

    start(3, jst(2026, 12, 1, 9))
    few = measure(jst(2026, 12, 30, 9))  # 確報: the business day before; 速報 missed
    runner.run_deadlines(now=jst(2027, 1, 10))  # their 確報 breach, out of the way
    start(12, jst(2027, 2, 1, 9))
    many = measure(jst(2027, 3, 2, 9))
    assert few[1] == 3 * (1 + 3) and many[1] == 12 * (1 + 3)
    assert many[0] == few[0], (few, many)


def test_the_emails_of_a_pass_go_in_one_job_and_a_failing_address_gets_its_own(
    cast: dict[str, Any], review: Any, run_jobs: Any, monkeypatch: Any
) -> None:
    _review_clock(cast, review, holder_role=Role.DEPARTMENT_STAFF)
    runner.run_deadlines(now=jst(2026, 12, 8, 17))
    assert Job.objects.filter(kind=runner.MAIL_JOB).count() == 1
    sent: list[str] = []

    def fake_send_mail(*, recipient_list: list[str], **kwargs: Any) -> int:
        if recipient_list == ["staff_a2@example.jp"]:
            raise OSError("mailbox unavailable")
        sent.append(recipient_list[0])
        return 1

    monkeypatch.setattr(runner, "send_mail", fake_send_mail)
    run_jobs()
    assert sorted(sent) == ["reviewer@example.jp", "staff_a@example.jp"]
    assert Job.objects.get(kind=runner.MAIL_JOB).status == Job.Status.DONE
    retry = Job.objects.get(kind="send_email")
    assert (
        retry.payload["notification_id"] == Notification.objects.get(recipient=cast["staff_a2"]).pk
    )


def test_the_emails_carry_the_subject_and_a_link_to_the_case(
    cast: dict[str, Any], review: Any, run_jobs: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://shinsa.example.jp"
    _review_clock(cast, review)
    runner.run_deadlines(now=jst(2026, 12, 8, 17))
    run_jobs()
    assert [message.to for message in mail.outbox] == [["reviewer@example.jp"]]
    assert mail.outbox[0].subject.startswith("[審査] 【期限】接続審査の判断: 残り7日")
    assert f"https://shinsa.example.jp/home/cases/{review.pk}/" in mail.outbox[0].body


def test_the_runner_is_registered_with_the_periodic_tasks() -> None:
    assert periodic.PERIODIC["deadlines"] is runner.deadline_runner
    assert periodic.run_all()["deadlines"] == 0


def test_a_clock_started_late_is_announced_at_once_at_the_stage_it_has_reached(
    cast: dict[str, Any], dept_a: Any, frozen: FrozenNow
) -> None:
    frozen.set(jst(2026, 12, 26, 9))  # the leak became known on 12-01, reported today
    incident = incident_case(dept_a, cast["csirt"])
    deadline = services.start_deadline(
        actor=cast["csirt"],
        kind=DeadlineKind.PPC_FINAL,
        case=incident,
        starts_at=jst(2026, 12, 1, 10, 30),
        holder=cast["csirt"],
    )
    assert runner.run_deadlines(now=frozen.at) == 1
    assert _keys() == [("csirt", f"deadline:{deadline.pk}:pct50")]
    assert runner.run_deadlines(now=frozen.at) == 0

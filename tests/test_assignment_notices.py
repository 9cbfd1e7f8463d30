"""Every task a flow assigns notifies its holder, and every task entering a queue the queue's
members, in-app and by e-mail (once, after commit, or in the person's daily digest); notices
can all be marked read at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from forms import budget as budget_forms
from governance.audit.models import AuditEvent
from governance.cases.services import notifications
from governance.cases.services.assignments import notify_task
from governance.models import (
    EmailDigest,
    InformationSystem,
    Job,
    Notification,
    NotificationSetting,
)
from governance.roles import Role
from tests import budget_support as support
from tests.factories import InformationSystemFactory, make_user
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(dept_a: Any) -> InformationSystem:
    return InformationSystemFactory.create(department=dept_a)


def _subjects(user: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("subject", flat=True))


def _mail_to(user: Any) -> list[str]:
    return [str(m.subject) for m in mail.outbox if m.to == [user.email]]


def test_a_new_request_notifies_the_assigned_reviewer_in_app_and_by_mail(
    cast: Any, system: Any, run_jobs: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    run_jobs()
    task = support.open_task(check, BudgetCheckFlow.review)
    notice = Notification.objects.get(recipient=cast["reviewer"], case=check)
    assert "審査" in notice.subject and check.number in notice.subject
    assert notice.url == support.execute_url(task).replace("execute/", "")
    assert any(check.number in subject for subject in _mail_to(cast["reviewer"]))
    # Nobody else holds the review: no one else was told.
    assert not Notification.objects.filter(case=check).exclude(recipient=cast["reviewer"])


def test_a_case_awaiting_approval_notifies_every_approver_who_may_take_it(
    cast: Any, system: Any, run_jobs: Any
) -> None:
    second = make_user("approver2", Role.GOVERNANCE_APPROVER)
    # The requester also holds the approver role: segregation of duties keeps them out.
    cast["staff_a"].groups.add(*second.groups.all())
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    run_jobs()
    waiting = Notification.objects.filter(case=check, subject__contains="引き受け待ち")
    assert {n.recipient for n in waiting} == {cast["approver"], second}
    assert any(check.number in s for s in _mail_to(cast["approver"]))
    assert any(check.number in s for s in _mail_to(second))


def test_the_approval_queue_notice_leaves_out_who_reviewed_the_case_and_auditors(
    cast: Any, system: Any
) -> None:
    # The queue's members are checked together (their roles and reviews read in one query
    # each): the reviewer who also holds the approver role, and an approver who is also an
    # auditor, may not take the approval, so they are not told of it.
    approver_group = cast["approver"].groups.all()
    cast["reviewer"].groups.add(*approver_group)
    auditing = make_user("approver_auditor", Role.GOVERNANCE_APPROVER)
    auditing.groups.add(*cast["auditor"].groups.all())
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    waiting = Notification.objects.filter(case=check, subject__contains="引き受け待ち")
    assert {n.recipient for n in waiting} == {cast["approver"]}


def test_a_task_notice_is_sent_once_however_often_it_is_made(
    cast: Any, system: Any, run_jobs: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    task = support.open_task(check, BudgetCheckFlow.review)
    assert notify_task(task) == []
    run_jobs()
    assert len(_mail_to(cast["reviewer"])) == 1
    assert Notification.objects.filter(recipient=cast["reviewer"], case=check).count() == 1


def test_a_daily_digest_reader_gets_no_mail_at_once_and_one_digest_a_day(
    cast: Any, system: Any, run_jobs: Any, frozen_now: Any
) -> None:
    # The clock starts at 10:00 in Tokyo: the notices come before noon's digest whatever the
    # hour the suite runs (at 14:42 the noon digest found nothing to send).
    notifications.set_email_digest(actor=cast["reviewer"], choice=EmailDigest.DAILY)
    first = support.start(cast["staff_a"], system)
    second = support.start(
        cast["staff_a"], InformationSystemFactory.create(department=first.department)
    )
    run_jobs()
    assert _mail_to(cast["reviewer"]) == []
    assert Notification.objects.filter(recipient=cast["reviewer"], in_digest=True).count() == 2
    morning = timezone.localtime().replace(hour=notifications.DIGEST_HOUR - 1)
    assert notifications.send_daily_digests(now=morning) == 0  # not before the office's day
    noon = timezone.localtime().replace(hour=12)
    assert notifications.send_daily_digests(now=noon) == 1
    assert notifications.send_daily_digests(now=noon + dt.timedelta(hours=1)) == 0
    run_jobs()
    digests = _mail_to(cast["reviewer"])
    assert len(digests) == 1 and "2件" in digests[0]
    body = next(m.body for m in mail.outbox if m.to == [cast["reviewer"].email])
    assert first.number in body and second.number in body
    assert not Notification.objects.filter(recipient=cast["reviewer"], digested_at__isnull=True)
    assert Job.objects.filter(kind="send_digest").count() == 1


def test_csirt_roles_get_mail_at_once_when_the_office_default_is_the_digest(
    cast: Any, settings: Any
) -> None:
    settings.NOTIFICATION_DEFAULT_DIGEST = EmailDigest.DAILY
    assert notifications.digest_choice(cast["csirt"]) == EmailDigest.IMMEDIATE
    assert notifications.digest_choice(cast["reviewer"]) == EmailDigest.DAILY
    settings.NOTIFICATION_DEFAULT_DIGEST = EmailDigest.IMMEDIATE
    assert notifications.digest_choice(cast["reviewer"]) == EmailDigest.IMMEDIATE


def test_choosing_the_digest_is_audited_and_kept(cast: Any, login: Any) -> None:
    client = login(cast["reviewer"])
    page = client.get("/home/notifications/settings/")
    assert page.status_code == 200 and "1日1回まとめて送信" in page.content.decode()
    response = client.post("/home/notifications/settings/", {"email_digest": "daily"})
    assert response.status_code == 302
    assert NotificationSetting.objects.get(user=cast["reviewer"]).email_digest == "daily"
    event = AuditEvent.objects.get(action="notification.email_digest")
    assert event.actor_id == cast["reviewer"].pk
    assert event.changes["email_digest"] == ["", "daily"]


def test_mark_all_read_marks_the_notices_shown_and_not_those_that_came_after(
    cast: Any, login: Any
) -> None:
    reviewer = cast["reviewer"]
    notices = notifications.notify(
        recipients=[reviewer], subject="一", email=False
    ) + notifications.notify(recipients=[reviewer], subject="二", email=False)
    client = login(reviewer)
    home = client.get("/home/").content.decode()
    assert 'id="read-all"' in home and f'value="{notices[-1].pk}"' in home
    later = notifications.notify(recipients=[reviewer], subject="三", email=False)[0]
    other = notifications.notify(recipients=[cast["approver"]], subject="他", email=False)[0]
    response = client.post("/home/notifications/read-all/", {"up_to": notices[-1].pk})
    assert response.status_code == 302
    assert not Notification.objects.filter(pk__in=[n.pk for n in notices], read_at__isnull=True)
    later.refresh_from_db()
    other.refresh_from_db()
    assert later.read_at is None and other.read_at is None


def test_the_notices_page_offers_mark_all_read_and_the_mail_setting(cast: Any, login: Any) -> None:
    notifications.notify(recipients=[cast["staff_a"]], subject="一", email=False)
    html = login(cast["staff_a"]).get("/home/notifications/").content.decode()
    assert "すべて既読にする" in html and "/home/notifications/settings/" in html


def test_an_empty_mark_all_read_changes_nothing(cast: Any, login: Any) -> None:
    notifications.notify(recipients=[cast["staff_a"]], subject="一", email=False)
    assert login(cast["staff_a"]).post("/home/notifications/read-all/", {}).status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_the_budget_acknowledgement_notifies_the_department_staff(
    cast: Any, system: Any, run_jobs: Any
) -> None:
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    support.step(check, BudgetCheckFlow.approve, cast["approver"], budget_forms.approval_data())
    run_jobs()
    subjects = _subjects(cast["staff_a"]) + _subjects(cast["staff_a2"])
    assert any("結果の確認" in s for s in subjects)

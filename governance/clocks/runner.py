"""The one periodic runner of every clock.

Each pass reads the running clocks whose next notice is due (``next_notice_at``, indexed with
``status``) and, for each, announces the latest stage it has reached:

- a reminder to the holder (``holder``, and everyone holding ``holder_role``) at the stages of
  ``Deadline.reminders``: by default half and three quarters of the time, and the business day
  before the due day. A runner that was stopped does not send the reminders it slept through
  one after another: only the latest;
- at the breach: the clock turns ``missed`` (once, with an audit event by システム), and the
  holder and ``escalate_roles`` are told once. A missed clock is still owed: it stays on the case
  page and in the inbox, 期限超過（3日）, until it is met, waived or cancelled.

Every notice carries the dedupe key ``deadline:<id>:<stage>`` (``<stage>.<n>`` in the n-th
schedule after a reschedule), and the stages announced are kept on the row, so however often
the runner runs each stage is announced once. A pass costs the same number of queries however
many clocks it handles: notices are created in one insert and their e-mails sent by one job.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit.services import PendingEvent, record_events
from governance.clocks import schedule
from governance.clocks.models import Deadline, DeadlineStatus
from governance.japanese import in_japanese
from governance.jobs import outbox
from governance.jobs.periodic import periodic
from governance.models import Job, Notification, User
from governance.roles import Role

logger = logging.getLogger(__name__)

#: Clocks handled in one pass; the rest wait for the next pass a minute later.
BATCH = 500
MAIL_JOB = "deadline_notice_mails"

#: What a breach means beyond the notices, per kind: an approval whose ``nc_expiry`` clock is
#: missed has expired. Each hook runs in the pass's transaction after the clock turned
#: ``missed`` (once per clock); sub-domains register theirs with ``on_breach``.
BREACH_HOOKS: dict[str, Callable[[Deadline, dt.datetime], None]] = {}


def on_breach(
    kind: str,
) -> Callable[[Callable[[Deadline, dt.datetime], None]], Callable[[Deadline, dt.datetime], None]]:
    def register(
        func: Callable[[Deadline, dt.datetime], None],
    ) -> Callable[[Deadline, dt.datetime], None]:
        BREACH_HOOKS[kind] = func
        return func

    return register


def dedupe_key(deadline: Deadline, stage: str) -> str:
    suffix = f".{deadline.schedule}" if deadline.schedule > 1 else ""
    return f"deadline:{deadline.pk}:{stage}{suffix}"


def _role_members(roles: set[str]) -> dict[str, list[tuple[int, int | None]]]:
    """(user id, department id) of the active holders of each role, in one query."""
    members: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    if not roles:
        return members
    rows = User.objects.filter(is_active=True, groups__name__in=roles).values_list(
        "pk", "groups__name", "department_id"
    )
    for user_id, role, department_id in rows:
        members[role].append((user_id, department_id))
    return members


def _recipient_ids(
    deadline: Deadline, roles: list[str], members: dict[str, list[tuple[int, int | None]]]
) -> list[int]:
    """The holder, then everyone holding ``roles`` (department staff: of the case's department)."""
    found: list[int] = []
    if deadline.holder_id is not None and deadline.holder and deadline.holder.is_active:
        found.append(deadline.holder_id)
    department_id = deadline.case.department_id if deadline.case is not None else None
    for role in roles:
        for user_id, user_department in members.get(role, []):
            if role == Role.DEPARTMENT_STAFF and user_department != department_id:
                continue
            if user_id not in found:
                found.append(user_id)
    return found


def holders_of(deadline: Deadline) -> list[User]:
    """The people reminded of ``deadline`` (for a single notice outside the runner)."""
    roles = [deadline.holder_role] if deadline.holder_role else []
    ids = _recipient_ids(deadline, roles, _role_members(set(roles)))
    return list(User.objects.filter(pk__in=ids))


def _wording(deadline: Deadline, stage: str, now: dt.datetime) -> tuple[str, str]:
    case = deadline.case
    number = case.number if case is not None else ""
    kind = deadline.get_kind_display()
    due = schedule.format_due(deadline.due_at)
    title = case.title if case is not None else ""
    if stage == schedule.MISSED:
        subject = _("【期限超過】{kind}の期限（{due}）を過ぎました {number}").format(
            kind=kind, due=due, number=number
        )
        closing = _("期限を過ぎても対応は必要です。対応したら記録してください。")
    else:
        left = schedule.time_left(deadline.due_at, now, counting=deadline.counting).text
        subject = _("【期限】{kind}: {left}（期限 {due}）{number}").format(
            kind=kind, left=left, due=due, number=number
        )
        closing = ""
    body = "\n".join(
        part for part in (title, _("根拠: {basis}").format(basis=deadline.basis), closing) if part
    )
    return subject.strip(), body


def _announce(deadline: Deadline, now: dt.datetime) -> str | None:
    """Advance ``deadline``'s bookkeeping to ``now``; the stage to announce, if any."""
    reached = [
        code
        for code, at in schedule.planned_stages(
            reminders=deadline.reminders, starts_at=deadline.starts_at, due_at=deadline.due_at
        )
        if at <= now and code not in deadline.notices_sent
    ]
    if reached:
        deadline.notices_sent = [*deadline.notices_sent, *reached]
        if schedule.MISSED in reached:
            deadline.status = DeadlineStatus.MISSED
            deadline.missed_at = now
    deadline.next_notice_at = schedule.next_notice_at(deadline)
    return reached[-1] if reached else None


def run_deadlines(*, now: dt.datetime | None = None) -> int:
    """One pass of the runner; returns how many notices it created."""
    now = now or timezone.now()
    with in_japanese(), transaction.atomic():
        deadlines = list(
            Deadline.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                status=DeadlineStatus.RUNNING,
                paused_at__isnull=True,
                next_notice_at__lte=now,
            )
            .select_related("case", "holder")
            .order_by("next_notice_at", "pk")[:BATCH]
        )
        if not deadlines:
            return 0
        announced = [(deadline, _announce(deadline, now)) for deadline in deadlines]
        plan = []
        for deadline, stage in announced:
            if stage is None:
                continue
            roles = [deadline.holder_role] if deadline.holder_role else []
            if stage == schedule.MISSED:
                roles += [role for role in deadline.escalate_roles if role not in roles]
            plan.append((deadline, stage, roles))
        members = _role_members({role for _d, _s, roles in plan for role in roles})
        wanted = {dedupe_key(deadline, stage) for deadline, stage, _roles in plan}
        already = set(
            Notification.objects.filter(dedupe_key__in=wanted).values_list(
                "recipient_id", "dedupe_key"
            )
        )
        notices = []
        for deadline, stage, roles in plan:
            key = dedupe_key(deadline, stage)
            subject, body = _wording(deadline, stage, now)
            url = reverse("home:case", args=[deadline.case_id]) if deadline.case_id else ""
            for recipient_id in _recipient_ids(deadline, roles, members):
                if (recipient_id, key) in already:
                    continue
                notices.append(
                    Notification(
                        recipient_id=recipient_id,
                        case_id=deadline.case_id,
                        subject=subject[:200],
                        body=body,
                        url=url,
                        dedupe_key=key,
                    )
                )
        Notification.objects.bulk_create(notices)
        if notices:
            outbox.enqueue(MAIL_JOB, {"notification_ids": [notice.pk for notice in notices]})
        Deadline.objects.bulk_update(
            deadlines, ["notices_sent", "status", "missed_at", "next_notice_at"]
        )
        record_events(
            actor=None,
            events=[
                PendingEvent(
                    action="deadline.missed",
                    obj=deadline,
                    changes={
                        "status": [DeadlineStatus.RUNNING, DeadlineStatus.MISSED],
                        "missed_at": [None, timezone.localtime(now)],
                    },
                )
                for deadline, stage, _roles in plan
                if stage == schedule.MISSED
            ],
        )
        for deadline, stage, _roles in plan:
            hook = BREACH_HOOKS.get(deadline.kind)
            if stage == schedule.MISSED and hook is not None:
                hook(deadline, now)
    return len(notices)


@outbox.handler(MAIL_JOB)
def send_notice_mails(job: Job) -> None:
    """The e-mails of one runner pass. A notice whose e-mail fails gets a job of its own (the
    ordinary ``send_email``, retried and shown as failed like any), so one bad address neither
    stops the others nor sends them twice."""
    notices: Any = Notification.objects.filter(
        pk__in=job.payload["notification_ids"], recipient__email__gt=""
    ).select_related("recipient", "case")
    for notice in notices:
        link = f"\n\n{settings.SITE_URL}{notice.url}" if notice.url else ""
        try:
            send_mail(
                subject=f"[審査] {notice.subject}",
                message=f"{notice.body}{link}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[notice.recipient.email],
            )
        except Exception as exc:
            logger.warning("notice %s not mailed (%s); it gets a job of its own", notice.pk, exc)
            outbox.enqueue("send_email", {"notification_id": notice.pk}, case=notice.case)


@periodic("deadlines")
def deadline_runner() -> int:
    return run_deadlines()

"""In-app notices and their e-mails (sent through the outbox).

Each person chooses how their notices reach them by e-mail (``EmailDigest``): one mail per
notice, right after the commit that made it, or one daily digest of the day's notices, sent
by the periodic runner from ``DIGEST_HOUR`` on, once per person and day (the digest job's
idempotency key). Without a choice, CSIRT roles get each notice at once (an incident does not
wait for tomorrow); everybody else gets ``settings.NOTIFICATION_DEFAULT_DIGEST``
(``immediate`` unless set).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import compiled, compiled_writes, permissions
from governance.audit.services import record_event
from governance.jobs import outbox
from governance.jobs.periodic import periodic
from governance.models import Case, EmailDigest, Job, Notification, NotificationSetting, User

#: The local hour from which the daily digests go out (the start of the office's day).
DIGEST_HOUR = 8


def default_digest(user: User) -> str:
    """The e-mail choice of someone who has not chosen: at once for CSIRT roles."""
    configured = getattr(settings, "NOTIFICATION_DEFAULT_DIGEST", EmailDigest.IMMEDIATE)
    # The roles are read only when the default is not already "at once".
    if configured == EmailDigest.IMMEDIATE or configured not in EmailDigest.values:
        return EmailDigest.IMMEDIATE
    if permissions.is_csirt(user):
        return EmailDigest.IMMEDIATE
    return str(configured)


def digest_choice(user: User) -> str:
    """How ``user``'s notices reach them by e-mail (``EmailDigest``)."""
    chosen = (
        NotificationSetting.objects.filter(user=user).values_list("email_digest", flat=True).first()
    )
    return chosen or default_digest(user)


def _digest_choices(users: list[User]) -> dict[int, str]:
    """``digest_choice`` of several people: one query for the chosen, roles for the others."""
    chosen = dict(
        NotificationSetting.objects.filter(user__in=[u.pk for u in users]).values_list(
            "user_id", "email_digest"
        )
    )
    return {u.pk: chosen.get(u.pk) or default_digest(u) for u in users}


def _choices_and_notified_query(email: bool, dedupe_key: str, *pks: int) -> QuerySet[Any]:
    chosen = NotificationSetting.objects.filter(user=OuterRef("pk")).values("email_digest")[:1]
    notified = Notification.objects.filter(recipient=OuterRef("pk"), dedupe_key=dedupe_key)
    return User.objects.filter(pk__in=pks).values_list(
        "pk",
        Subquery(chosen) if email else Value(None, output_field=CharField()),
        Exists(notified),
    )


def _choices_and_notified(
    users: list[User], *, email: bool, dedupe_key: str
) -> tuple[dict[int, str], set[int]]:
    """In one query: each person's e-mail choice (``digest_choice``, when e-mailing) and who
    already holds a notice under ``dedupe_key``."""
    if not users or not (email or dedupe_key):
        return {}, set()
    if not dedupe_key:
        return _digest_choices(users), set()
    pks = tuple(u.pk for u in users)
    # Asked for every notice: its SQL compiled once per number of people in this process.
    rows = compiled.bound_values(
        compiled.query_key("choices_and_notified", email, len(pks)),
        partial(_choices_and_notified_query, email),
        (dedupe_key, *pks),
    )
    answers = {pk: (choice, seen) for pk, choice, seen in rows}
    choices = {}
    if email:
        choices = {u.pk: answers.get(u.pk, (None, False))[0] or default_digest(u) for u in users}
    return choices, {pk for pk, (_choice, seen) in answers.items() if seen}


def notify(
    *,
    recipients: Iterable[User | None],
    subject: str,
    body: str = "",
    url: str = "",
    case: Case | None = None,
    dedupe_key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Leave a notice for each recipient and queue its e-mail; call inside the caller's transaction.

    With a ``dedupe_key`` a recipient gets the notice once, however often this is called.
    """
    created = []
    seen: set[int] = set()
    people = [r for r in recipients if r is not None and r.is_active]
    choices, notified = _choices_and_notified(people, email=email, dedupe_key=dedupe_key)
    for recipient in people:
        if recipient.pk in seen:
            continue
        seen.add(recipient.pk)
        if recipient.pk in notified:
            continue
        created.append(
            Notification(
                recipient=recipient,
                case=case,
                subject=subject[:200],
                body=body,
                url=url,
                dedupe_key=dedupe_key,
                in_digest=bool(email and recipient.email)
                and choices.get(recipient.pk) == EmailDigest.DAILY,
            )
        )
    # One INSERT for the notices and one for their e-mails, however many recipients (each
    # compiled once per number of rows).
    created = compiled_writes.create_many(Notification, created)
    mails = [
        {"notification_id": n.pk}
        for n in created
        if email and n.recipient.email and not n.in_digest
    ]
    if mails:
        outbox.enqueue_many("send_email", mails, case=case)
    return created


def mark_read(*, actor: User, notice: Notification) -> Notification:
    """A recipient marks their own notice read (not business state: no audit event)."""
    if notice.recipient_id != actor.pk:
        raise PermissionError
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def mark_all_read(*, actor: User, up_to: int) -> int:
    """A recipient marks all their unread notices read, up to notice ``up_to`` (the newest the
    page showed: what arrived after it stays unread). Not business state, as ``mark_read``:
    no audit event. Returns how many were marked."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True, pk__lte=up_to).update(
        read_at=timezone.now()
    )


def set_email_digest(*, actor: User, choice: str) -> NotificationSetting:
    """A person chooses how their notices reach them by e-mail; audited (it decides whether
    an assignment's mail goes out today or tomorrow)."""
    if choice not in EmailDigest.values:
        raise ValueError(choice)
    permissions.require(bool(actor.is_authenticated and actor.is_active))
    with transaction.atomic():
        setting, _created = NotificationSetting.objects.select_for_update().get_or_create(
            user=actor, defaults={"email_digest": default_digest(actor)}
        )
        old = "" if _created else setting.email_digest
        setting.email_digest = choice
        setting.save(update_fields=["email_digest", "updated_at"])
        record_event(
            actor=actor,
            action="notification.email_digest",
            obj=actor,
            changes={"email_digest": [old, choice]},
        )
    return setting


# --- The daily digest -----------------------------------------------------------------------


def digest_key(user_pk: int, day: dt.date) -> str:
    """The idempotency key of ``user_pk``'s digest of ``day``: one mail per person per day."""
    return f"digest:{user_pk}:{day.isoformat()}"


def send_daily_digests(*, now: dt.datetime | None = None) -> int:
    """Queue today's digest for everyone with notices waiting for one (from ``DIGEST_HOUR``
    on); returns how many were queued. However often it runs, a person gets one a day."""
    now = timezone.localtime(now or timezone.now())
    if now.hour < DIGEST_HOUR:
        return 0
    waiting = (
        Notification.objects.filter(in_digest=True, digested_at__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    queued = 0
    for user_pk in sorted(set(waiting)):
        _job, created = outbox.enqueue_once(
            "send_digest",
            {"user_id": user_pk, "until": now.isoformat()},
            idempotency_key=digest_key(user_pk, now.date()),
        )
        queued += created
    return queued


@periodic("notification_digests")
def notification_digests() -> int:
    return send_daily_digests()


@outbox.handler("send_digest")
def send_digest_job(job: Job) -> None:
    """One mail listing the person's notices waiting for a digest, which are then marked."""
    until = dt.datetime.fromisoformat(job.payload["until"])
    user = User.objects.get(pk=job.payload["user_id"])
    notices = list(
        Notification.objects.filter(
            recipient=user, in_digest=True, digested_at__isnull=True, created_at__lte=until
        ).order_by("created_at", "pk")
    )
    if not notices or not user.email or not user.is_active:
        return
    lines = [_("{count}件のお知らせがあります。").format(count=len(notices)), ""]
    for notice in notices:
        link = f" {settings.SITE_URL}{notice.url}" if notice.url else ""
        lines.append(f"・{notice.subject}{link}")
    send_mail(
        subject=_("[審査] お知らせのまとめ（{count}件）").format(count=len(notices)),
        message="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    Notification.objects.filter(pk__in=[n.pk for n in notices]).update(digested_at=timezone.now())


def pending_digest_count(user: Any) -> int:
    return Notification.objects.filter(
        recipient=user, in_digest=True, digested_at__isnull=True
    ).count()


def _notice_query(notification_id: int) -> QuerySet[Notification]:
    return Notification.objects.select_related("recipient").filter(pk=notification_id)


@outbox.handler("send_email")
def send_email_job(job: Job) -> None:
    found = compiled.bound_models(
        compiled.query_key("emailed_notice"),
        _notice_query,
        (job.payload["notification_id"],),
    )
    if not found:
        raise Notification.DoesNotExist(f"notification {job.payload['notification_id']}")
    notice = cast(Notification, found[0])
    link = f"\n\n{settings.SITE_URL}{notice.url}" if notice.url else ""
    send_mail(
        subject=f"[審査] {notice.subject}",
        message=f"{notice.body}{link}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notice.recipient.email],
    )

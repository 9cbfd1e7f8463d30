"""In-app notices and their e-mails (sent through the outbox)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from governance.jobs import outbox
from governance.models import Case, Job, Notification, User


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
    for recipient in recipients:
        if recipient is None or recipient.pk in seen or not recipient.is_active:
            continue
        seen.add(recipient.pk)
        if (
            dedupe_key
            and Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists()
        ):
            continue
        created.append(
            Notification(
                recipient=recipient,
                case=case,
                subject=subject[:200],
                body=body,
                url=url,
                dedupe_key=dedupe_key,
            )
        )
    # One INSERT for the notices and one for their e-mails, however many recipients.
    created = Notification.objects.bulk_create(created)
    mails = [{"notification_id": n.pk} for n in created if email and n.recipient.email]
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


@outbox.handler("send_email")
def send_email_job(job: Job) -> None:
    notice = Notification.objects.select_related("recipient").get(pk=job.payload["notification_id"])
    link = f"\n\n{settings.SITE_URL}{notice.url}" if notice.url else ""
    send_mail(
        subject=f"[審査] {notice.subject}",
        message=f"{notice.body}{link}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notice.recipient.email],
    )

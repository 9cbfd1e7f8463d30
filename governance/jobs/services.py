"""Services on background jobs: retrying one that failed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.jobs.outbox import dispatch
from governance.models import Job, User

ONLY_FAILED_JOBS = gettext_noop("失敗したジョブのみ再実行できます。")


def retry_job(*, actor: User, job: Job) -> Job:
    """Put a failed job back in the queue with a fresh set of attempts."""
    permissions.require(permissions.can_retry_job(actor, job))
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != Job.Status.FAILED:
            raise ValueError(_(ONLY_FAILED_JOBS))
        old = {"status": job.status, "attempts": job.attempts}
        job.status = Job.Status.PENDING
        job.attempts = 0
        job.available_at = timezone.now()
        job.finished_at = None
        job.save(update_fields=["status", "attempts", "available_at", "finished_at"])
        record_event(
            actor=actor,
            action="job.retry",
            obj=job.case or job,
            changes={
                "job": [None, str(job.pk)],
                "status": [old["status"], job.status],
                "attempts": [old["attempts"], 0],
            },
            reason=job.last_error[:500],
        )
        job_id = job.pk
        transaction.on_commit(lambda: dispatch(job_id))
    return job

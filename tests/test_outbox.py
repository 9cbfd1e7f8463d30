"""A job is a row written with the change needing it; it runs once after commit, or fails visibly.

These tests run the outbox in this process (the embedded default) or against a broker that
refuses every connection; tests/test_outbox_worker.py runs it with a real worker and Redis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance.jobs import outbox
from governance.jobs.services import ONLY_FAILED_JOBS, retry_job
from governance.models import AuditEvent, Case, Job
from tests.celery_worker import celery_pointed_at, free_port
from tests.outbox_probe import (
    FLAKY,
    FLAKY_ERROR,
    effects,
    enqueue_probe,
    open_consultation,
)

LONG_AGO = dt.timedelta(hours=1)


def age(job: Job, by: dt.timedelta = LONG_AGO) -> None:
    """Make a job look as if it had been created (and become due) ``by`` ago."""
    Job.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - by, available_at=timezone.now() - by
    )


@pytest.fixture
def switch(tmp_path: Path) -> Path:
    """While this file exists, ``probe.flaky`` jobs fail."""
    path = tmp_path / "fail"
    path.touch()
    return path


# --- Inline: the embedded default ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_inline_mode_runs_the_job_right_after_its_transaction_commits(cast: Any) -> None:
    with transaction.atomic():
        job = enqueue_probe(actor=cast["staff_a"])
        # Inside the transaction the row exists and nothing has run yet.
        assert Job.objects.get(pk=job.pk).status == Job.Status.PENDING
        assert effects(job) == 0
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 1)
    assert job.finished_at is not None
    assert effects(job) == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_in_a_transaction_that_rolls_back_is_neither_kept_nor_run(
    cast: Any,
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_probe(actor=cast["staff_a"])
        raise RuntimeError("the change is abandoned")
    assert not Job.objects.exists()
    assert not cast["staff_a"].notifications.exists()


@pytest.mark.django_db(transaction=True)
def test_inline_mode_retries_a_failed_job_from_the_periodic_relay(cast: Any, switch: Path) -> None:
    job = enqueue_probe(actor=cast["staff_a"], kind=FLAKY, switch=str(switch))
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.PENDING, 1)
    assert FLAKY_ERROR in job.last_error
    assert job.available_at > timezone.now()

    switch.unlink()
    age(job)
    # What ``manage.py serve`` runs on its clock.
    assert outbox.relay() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)
    assert effects(job) == 1


@pytest.mark.django_db
def test_enqueueing_a_kind_without_a_handler_is_refused() -> None:
    with pytest.raises(ValueError, match="no handler"):
        outbox.enqueue("probe.unknown")
    assert not Job.objects.exists()


# --- Running: once, or visibly failed ------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_delivered_twice_takes_effect_once(cast: Any) -> None:
    job = enqueue_probe(actor=cast["staff_a"])  # TestCase: on_commit never fires
    assert outbox.run(job.pk) == Job.Status.DONE
    assert outbox.run(job.pk) == Job.Status.DONE
    job.refresh_from_db()
    assert job.attempts == 1
    assert effects(job) == 1


@pytest.mark.django_db
def test_running_an_unknown_job_id_is_skipped() -> None:
    assert outbox.run("00000000-0000-0000-0000-000000000000") == outbox.SKIPPED


@pytest.mark.django_db
def test_a_failing_job_backs_off_then_is_left_failed_after_its_last_attempt(
    cast: Any, switch: Path
) -> None:
    job = enqueue_probe(actor=cast["staff_a"], kind=FLAKY, max_attempts=2, switch=str(switch))
    assert outbox.run(job.pk) == Job.Status.PENDING
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.available_at - timezone.now() > dt.timedelta(seconds=20)
    assert FLAKY_ERROR in job.last_error

    # Not due yet: a redelivery now does nothing.
    assert outbox.run(job.pk) == Job.Status.PENDING
    job.refresh_from_db()
    assert job.attempts == 1

    age(job)
    assert outbox.run(job.pk) == Job.Status.FAILED
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.FAILED, 2)
    assert job.finished_at is not None
    assert effects(job) == 0


@pytest.mark.django_db
def test_what_a_failing_handler_wrote_is_rolled_back(cast: Any) -> None:
    job = enqueue_probe(actor=cast["staff_a"], max_attempts=1, fail_after_effect=True)
    assert outbox.run(job.pk) == Job.Status.FAILED
    assert effects(job) == 0


@pytest.mark.django_db
def test_a_job_whose_every_attempt_was_interrupted_is_failed_without_running_again(
    cast: Any,
) -> None:
    job = enqueue_probe(actor=cast["staff_a"], max_attempts=2)
    # What a worker killed (or timed out) after claiming its last attempt leaves behind.
    Job.objects.filter(pk=job.pk).update(attempts=2, started_at=timezone.now())
    assert outbox.run(job.pk) == Job.Status.FAILED
    job.refresh_from_db()
    assert job.last_error == outbox.INTERRUPTED
    assert effects(job) == 0


@pytest.mark.django_db
def test_an_interrupted_attempt_counts_and_the_next_one_runs_the_job(cast: Any) -> None:
    job = enqueue_probe(actor=cast["staff_a"], max_attempts=3)
    Job.objects.filter(pk=job.pk).update(attempts=1, started_at=timezone.now())
    assert outbox.run(job.pk) == Job.Status.DONE
    job.refresh_from_db()
    assert job.attempts == 2
    assert effects(job) == 1


@pytest.mark.django_db
def test_a_job_whose_handler_is_gone_fails_visibly(cast: Any) -> None:
    job = Job.objects.create(
        kind="probe.removed", created_by=cast["staff_a"], max_attempts=1,
        available_at=timezone.now(),
    )  # fmt: skip
    assert outbox.run(job.pk) == Job.Status.FAILED
    job.refresh_from_db()
    assert "probe.removed" in job.last_error


# --- Relay ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_relay_leaves_fresh_and_recently_sent_jobs_to_their_hand_off(cast: Any) -> None:
    fresh = enqueue_probe(actor=cast["staff_a"])
    stale = enqueue_probe(actor=cast["staff_a"])
    age(stale)
    sent_recently = enqueue_probe(actor=cast["staff_a"])
    age(sent_recently)
    Job.objects.filter(pk=sent_recently.pk).update(dispatched_at=timezone.now())
    backing_off = enqueue_probe(actor=cast["staff_a"])
    Job.objects.filter(pk=backing_off.pk).update(
        created_at=timezone.now() - LONG_AGO, available_at=timezone.now() + LONG_AGO
    )
    assert list(outbox.due_jobs().values_list("pk", flat=True)) == [stale.pk]

    assert outbox.relay() == 1
    stale.refresh_from_db()
    assert stale.status == Job.Status.DONE
    assert stale.dispatched_at is not None
    fresh.refresh_from_db()
    assert fresh.status == Job.Status.PENDING


# --- A broker that is down -----------------------------------------------------------------------


@pytest.fixture
def dead_broker(settings: Any, monkeypatch: Any) -> Iterator[list[str]]:
    """Celery mode with nothing listening on the broker's port; yields each publish's outcome."""
    settings.JOBS_RUNNER = "celery"
    outbox.reset_broker_backoff()
    outcomes: list[str] = []
    real_publish = outbox.publish

    def spy(job_id: Any) -> None:
        try:
            real_publish(job_id)
        except Exception as exc:
            outcomes.append(type(exc).__name__)
            raise
        outcomes.append("sent")

    monkeypatch.setattr(outbox, "publish", spy)
    with celery_pointed_at(f"redis://127.0.0.1:{free_port()}/0", "shinsa-test-dead"):
        yield outcomes
    outbox.reset_broker_backoff()


@pytest.mark.django_db
def test_a_refused_publish_leaves_the_job_pending_and_later_jobs_to_the_relay(
    dead_broker: list[str], cast: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue_probe(actor=cast["staff_a"])
    assert dead_broker == ["OperationalError"]
    with django_capture_on_commit_callbacks(execute=True):
        second = enqueue_probe(actor=cast["staff_a"])
    # Backing off: the second hand-off did not try the broker.
    assert dead_broker == ["OperationalError"]
    for job in (first, second):
        job.refresh_from_db()
        assert (job.status, job.attempts, job.dispatched_at) == ("pending", 0, None)

    settings.JOBS_BROKER_BACKOFF_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_probe(actor=cast["staff_a"])
    assert dead_broker == ["OperationalError", "OperationalError"]


@pytest.mark.django_db
def test_the_relay_stops_at_the_first_job_the_broker_refuses(
    dead_broker: list[str], cast: Any
) -> None:
    jobs = [enqueue_probe(actor=cast["staff_a"]) for _ in range(3)]
    for job in jobs:
        age(job)
    assert outbox.relay() == 0
    assert dead_broker == ["OperationalError"]
    # All stay pending, stamped, so the next relay tries them after the quiet period.
    assert Job.objects.filter(status=Job.Status.PENDING, dispatched_at__isnull=False).count() == 3
    assert not outbox.due_jobs().exists()


# --- Retrying a failed job -----------------------------------------------------------------------


@pytest.fixture
def failed_job(cast: Any, login: Any, switch: Path) -> Job:
    case = open_consultation(login(cast["staff_a"]))
    job = enqueue_probe(
        actor=cast["staff_a"], kind=FLAKY, case=case, max_attempts=1, switch=str(switch)
    )
    assert outbox.run(job.pk) == Job.Status.FAILED
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_retrying_a_failed_job_puts_it_back_with_fresh_attempts_and_records_who(
    failed_job: Job, cast: Any, switch: Path, django_capture_on_commit_callbacks: Any
) -> None:
    switch.unlink()
    with django_capture_on_commit_callbacks(execute=True):
        retry_job(actor=cast["reviewer"], job=failed_job)
    failed_job.refresh_from_db()
    assert (failed_job.status, failed_job.attempts) == (Job.Status.DONE, 1)
    assert effects(failed_job) == 1
    event = AuditEvent.objects.get(action="job.retry")
    assert event.actor == cast["reviewer"]
    assert FLAKY_ERROR in event.reason


@pytest.mark.django_db
def test_retrying_a_job_that_has_not_failed_is_refused_with_a_message(
    failed_job: Job, cast: Any
) -> None:
    Job.objects.filter(pk=failed_job.pk).update(status=Job.Status.DONE)
    with pytest.raises(ValueError, match=ONLY_FAILED_JOBS):
        retry_job(actor=cast["reviewer"], job=failed_job)
    assert not AuditEvent.objects.filter(action="job.retry").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["auditor", "staff_b"])
def test_retrying_a_job_is_refused_to_auditors_and_other_departments(
    failed_job: Job, cast: Any, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        retry_job(actor=cast[who], job=failed_job)
    failed_job.refresh_from_db()
    assert failed_job.status == Job.Status.FAILED


@pytest.mark.django_db
def test_the_case_page_shows_a_failed_job_and_its_department_retries_it_from_there(
    failed_job: Job, cast: Any, login: Any, switch: Path, django_capture_on_commit_callbacks: Any
) -> None:
    assert isinstance(failed_job.case, Case)
    staff = login(cast["staff_a"])
    page = staff.get(reverse("home:case", args=[failed_job.case.pk]), follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert FLAKY_ERROR in html
    retry_url = reverse("home:job_retry", args=[failed_job.pk])
    assert retry_url in html

    switch.unlink()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(retry_url, {"next": page.request["PATH_INFO"]})
    assert response.status_code == 302
    assert response["Location"] == page.request["PATH_INFO"]
    failed_job.refresh_from_db()
    assert failed_job.status == Job.Status.DONE
    assert effects(failed_job) == 1


@pytest.mark.django_db
def test_the_case_page_offers_no_retry_button_to_an_auditor(
    failed_job: Job, cast: Any, login: Any
) -> None:
    assert isinstance(failed_job.case, Case)
    page = login(cast["auditor"]).get(reverse("home:case", args=[failed_job.case.pk]), follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert FLAKY_ERROR in html
    assert reverse("home:job_retry", args=[failed_job.pk]) not in html


@pytest.mark.django_db(transaction=True)
def test_the_jobs_page_shows_a_failed_job_and_its_retry_button_runs_it_inline(
    failed_job: Job, cast: Any, login: Any, switch: Path
) -> None:
    reviewer = login(cast["reviewer"])
    retry_url = reverse("jobs:retry", args=[failed_job.pk])
    html = reviewer.get(reverse("jobs:index")).content.decode()
    assert FLAKY_ERROR in html
    assert retry_url in html

    switch.unlink()
    # A real commit: the job runs in this request, right after the retry is saved.
    response = reviewer.post(retry_url)
    assert response.status_code == 302
    failed_job.refresh_from_db()
    assert failed_job.status == Job.Status.DONE
    assert effects(failed_job) == 1
    html = reviewer.get(reverse("jobs:index")).content.decode()
    assert retry_url not in html


@pytest.mark.django_db
def test_an_auditor_sees_a_failed_job_without_a_retry_button_and_its_retry_is_refused(
    failed_job: Job, cast: Any, login: Any
) -> None:
    auditor = login(cast["auditor"])
    retry_url = reverse("jobs:retry", args=[failed_job.pk])
    html = auditor.get(reverse("jobs:index")).content.decode()
    assert FLAKY_ERROR in html
    assert retry_url not in html
    assert auditor.post(retry_url).status_code == 403
    failed_job.refresh_from_db()
    assert failed_job.status == Job.Status.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["home:job_retry", "jobs:retry"])
def test_another_department_neither_sees_nor_retries_the_job(
    failed_job: Job, cast: Any, login: Any, route: str
) -> None:
    outsider = login(cast["staff_b"])
    assert FLAKY_ERROR not in outsider.get(reverse("jobs:index")).content.decode()
    response = outsider.post(reverse(route, args=[failed_job.pk]))
    # Not found among the jobs the user may see (or the jobs application is closed to them).
    assert response.status_code in {403, 404}
    failed_job.refresh_from_db()
    assert failed_job.status == Job.Status.FAILED


@pytest.mark.django_db
def test_the_jobs_page_does_not_query_per_job(
    cast: Any, login: Any, switch: Path, django_assert_max_num_queries: Any
) -> None:
    case = open_consultation(login(cast["staff_a"]))
    for _ in range(20):
        job = enqueue_probe(
            actor=cast["staff_a"], kind=FLAKY, case=case, max_attempts=1, switch=str(switch)
        )
        outbox.run(job.pk)
    reviewer = login(cast["reviewer"])
    with django_assert_max_num_queries(12):
        response = reviewer.get(reverse("jobs:index"))
    assert response.content.decode().count(FLAKY_ERROR) == 20

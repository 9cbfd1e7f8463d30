"""Celery tasks: thin wrappers that fetch by id and call into the outbox."""

from __future__ import annotations

from celery import shared_task

from governance.jobs import outbox, periodic


@shared_task(name="governance.tasks.execute_job")
def execute_job(job_id: str) -> str:
    return outbox.run(job_id)


@shared_task(name="governance.tasks.relay_outbox")
def relay_outbox() -> int:
    return outbox.relay()


@shared_task(name="governance.tasks.run_periodic")
def run_periodic() -> dict[str, object]:
    return {name: str(result) for name, result in periodic.run_all().items()}

"""Celery application. Redis is only a transport: the outbox rows are the source of truth."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("shinsa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["governance"])


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs: Any) -> None:
    """Around every task, what Django does around every request: close connections that are
    broken or older than CONN_MAX_AGE, and check the rest on first use (CONN_HEALTH_CHECKS).
    Celery itself only renews them every CELERY_DB_REUSE_MAX tasks."""
    close_old_connections()

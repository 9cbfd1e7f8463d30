"""Celery application. Redis is only a transport: the outbox rows are the source of truth."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("shinsa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["governance"])

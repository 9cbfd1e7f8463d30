"""Shinsa's project package and domain app: settings, models, services, selectors, permissions."""

from governance.celery import app as celery_app

__all__ = ["celery_app"]

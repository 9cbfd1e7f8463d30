"""Imports every module that registers an outbox job handler, a document builder or a periodic
task, so workers and the periodic runner know them all."""

from importlib import import_module

from django.conf import settings

from governance.services import (  # noqa: F401
    budget,
    budget_season,
    documents,
    notifications,
    spec_review,
)

for _module in settings.JOBS_EXTRA_MODULES:
    import_module(_module)

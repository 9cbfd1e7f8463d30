"""Imports every module that registers an outbox job handler, a document builder or a periodic
task, so workers and the periodic runner know them all."""

from governance.services import budget, budget_season, documents, notifications  # noqa: F401

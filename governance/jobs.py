"""Imports every module that registers an outbox job handler, so workers know them all."""

from governance.services import documents, notifications, spec_review  # noqa: F401

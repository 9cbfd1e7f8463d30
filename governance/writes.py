"""A per-connection mark of audited writes, for answers kept within a request.

Services are the one write path and each records what it wrote in the audit chain
(``governance.audit.services``), which counts every append here. An answer read from the
database can be kept while the count stands (``permissions.has_reviewed``) and is asked again
once any service has written since. The count only grows, also when a transaction rolls back.
"""

from __future__ import annotations

from django.db import connection

_ATTRIBUTE = "_shinsa_events_recorded"


def events_recorded() -> int:
    """How many times this connection has appended to the audit chain."""
    return int(getattr(connection, _ATTRIBUTE, 0))


def count_appended() -> None:
    setattr(connection, _ATTRIBUTE, events_recorded() + 1)

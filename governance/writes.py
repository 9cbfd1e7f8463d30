"""Per-connection marks of audited writes, for answers kept within a request or transaction.

Services are the one write path and each records what it wrote in the audit chain
(``governance.audit.services``), which counts every append here. An answer read from the
database can be kept while the count stands (``permissions.has_reviewed``) and is asked again
once any service has written since. The count only grows, also when a transaction rolls back.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

_ATTRIBUTE = "_shinsa_events_recorded"


def events_recorded() -> int:
    """How many times this connection has appended to the audit chain."""
    return int(getattr(connection, _ATTRIBUTE, 0))


def count_appended() -> None:
    setattr(connection, _ATTRIBUTE, events_recorded() + 1)


# --- What a transaction already holds -------------------------------------------------------
# The audit chain's lock and its last event are taken once where a transaction records several
# events (``governance.audit.services``). A note stands only inside the atomic block it was
# made in: while that block's savepoints are all still open, and while an on-commit callback
# made with it is still pending (Django drops it with a savepoint rolled back, and drops every
# callback once the transaction commits or rolls back). A released savepoint ends it too, so a
# test's outer transaction holds no note from one request to the next.


def note(name: str, value: Any) -> None:
    """Note ``value`` for the rest of the current atomic block."""
    if not connection.in_atomic_block:
        return

    def mark() -> None:  # nothing to do at the commit: its presence is the note's life
        return None

    transaction.on_commit(mark)
    setattr(connection, f"_shinsa_note_{name}", (mark, _savepoints(), value))


def _savepoints() -> list[str]:
    # An atomic block without a savepoint of its own stands as None: its failure marks the
    # whole transaction for rollback (``needs_rollback``), which ``held`` checks.
    return [sid for sid in connection.savepoint_ids if sid is not None]


def held(name: str) -> Any:
    """What ``note`` noted under ``name`` in the atomic block still open, or None."""
    noted = getattr(connection, f"_shinsa_note_{name}", None)
    if noted is None or not connection.in_atomic_block or connection.needs_rollback:
        return None
    mark, savepoints, value = noted
    if _savepoints()[: len(savepoints)] != savepoints:
        return None
    if any(entry[1] is mark for entry in connection.run_on_commit):
        return value
    return None

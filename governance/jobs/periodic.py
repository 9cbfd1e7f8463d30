"""Work that runs on a clock: the outbox relay, viewflow timers, reminders.

Celery beat calls ``run_all`` in production; the embedded default runs it from a thread in the
demo server (``manage.py serve``). Tasks register with ``@periodic``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from governance.japanese import in_japanese

logger = logging.getLogger(__name__)

PERIODIC: dict[str, Callable[[], object]] = {}


def periodic(name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(func: Callable[[], object]) -> Callable[[], object]:
        PERIODIC[name] = func
        return func

    return register


@periodic("viewflow_timers")
def fire_viewflow_timers() -> object:
    from viewflow.workflow.timers import fire_due_timers

    return fire_due_timers()


def run_all() -> dict[str, object]:
    """Run every periodic task once; one failing task does not stop the others."""
    results: dict[str, object] = {}
    for name, func in PERIODIC.items():
        try:
            with in_japanese():  # reminders and other records are Japanese
                results[name] = func()
        except Exception:
            logger.exception("periodic task %s failed", name)
            results[name] = "error"
    return results

"""Run calls at the same moment from several threads, as a double click or two browser tabs
do: each thread has its own database connection (so its own transaction), and a barrier
releases them together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections


@dataclass
class Outcome:
    """What one of the simultaneous calls returned, or the exception it raised."""

    value: Any = None
    error: BaseException | None = None

    @property
    def status(self) -> int:
        """The HTTP status of a response; 500 for a call that raised."""
        if self.error is not None:
            return 500
        return int(self.value.status_code)


def at_once(*calls: Callable[[], Any], timeout: float = 120) -> list[Outcome]:
    """Start every call at the same moment, each in its own thread; wait for all of them."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index].value = call()
        except BaseException as exc:
            outcomes[index].error = exc
        finally:
            # The thread's connection would otherwise stay open and block the test's flush.
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, call), daemon=True)
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a simultaneous call did not finish"
    return outcomes

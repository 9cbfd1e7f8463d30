"""Taking the measures of ``bench_ratios.py``: ours and the floor interleaved, their medians in
wall and CPU milliseconds, their queries, and under callgrind their instructions."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import instructions


@dataclass
class Figure:
    """Medians: wall milliseconds, and CPU milliseconds of this process (the web side: under a
    shared machine's load it moves much less than wall time; it leaves out PostgreSQL's work)."""

    group: str
    label: str
    ours_ms: float
    floor_ms: float | None
    ours_queries: int | None
    floor_queries: int | None
    ours_cpu: float | None = None
    floor_cpu: float | None = None
    ours_instructions: int | None = None  # where valgrind is present (``--instructions``)
    floor_instructions: int | None = None

    @property
    def ratio(self) -> float | None:
        return self.ours_ms / self.floor_ms if self.floor_ms else None

    @property
    def cpu_ratio(self) -> float | None:
        return self.ours_cpu / self.floor_cpu if self.ours_cpu and self.floor_cpu else None

    @property
    def instruction_ratio(self) -> float | None:
        if self.ours_instructions and self.floor_instructions:
            return self.ours_instructions / self.floor_instructions
        return None


# --- Measuring ----------------------------------------------------------------------------------


def _queries(func: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def _ms(func: Callable[[], Any]) -> tuple[float, float]:
    """(wall, CPU of this process) milliseconds of one call."""
    started, cpu = time.perf_counter(), time.process_time()
    func()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


Pair = tuple[str, Callable[[], Any], Callable[[], Any] | None]


def interleaved(group: str, pairs: list[Pair], rounds: int) -> list[Figure]:
    """Time each (ours, floor) pair ``rounds`` times, all of them interleaved; medians. Under
    callgrind (``--instructions``) count their instructions instead."""
    for _label, ours, floor in pairs:  # warm caches, compile templates
        ours()
        if floor is not None:
            floor()
    counting = instructions.active()
    times: dict[str, list[tuple[float, float]]] = {}
    counts: dict[str, list[int]] = {}
    for _ in range(rounds):
        for label, ours, floor in pairs:
            for key, func in ((f"o:{label}", ours), (f"f:{label}", floor)):
                if func is None:
                    continue
                if counting:
                    counts.setdefault(key, []).append(instructions.count(func))
                else:
                    times.setdefault(key, []).append(_ms(func))

    def median(key: str, index: int) -> float | None:
        samples = times.get(key)
        return statistics.median(s[index] for s in samples) if samples else None

    def median_count(key: str) -> int | None:
        samples = counts.get(key)
        return int(statistics.median(samples)) if samples else None

    figures = []
    for label, ours, floor in pairs:
        figures.append(
            Figure(
                group=group,
                label=label,
                ours_ms=median(f"o:{label}", 0) or 0.0,
                floor_ms=median(f"f:{label}", 0),
                ours_queries=_queries(ours),
                floor_queries=_queries(floor) if floor else None,
                ours_cpu=median(f"o:{label}", 1),
                floor_cpu=median(f"f:{label}", 1),
                ours_instructions=median_count(f"o:{label}"),
                floor_instructions=median_count(f"f:{label}"),
            )
        )
    return figures

"""Business days between two dates, counted from each year's running totals, agree with
counting day by day: across 年末年始, Golden Week, year boundaries and backwards."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from governance.japanese import business_days_until, is_business_day


def _day_by_day(start: dt.date, end: dt.date) -> int:
    step = 1 if end > start else -1
    count, current = 0, start
    while current != end:
        current += dt.timedelta(days=step)
        if is_business_day(current):
            count += step
    return count


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2026, 12, 25), dt.date(2027, 1, 5), 3),  # 12/28, 1/4, 1/5
        (dt.date(2027, 1, 5), dt.date(2026, 12, 25), -3),  # 1/4, 12/28, 12/25
        (dt.date(2026, 4, 28), dt.date(2026, 5, 7), 3),  # 4/30, 5/1, 5/7 (GW)
        (dt.date(2026, 11, 30), dt.date(2026, 11, 30), 0),
        (dt.date(2026, 11, 27), dt.date(2026, 11, 30), 1),  # Friday → Monday
    ],
)
def test_business_days_at_known_boundaries(start: dt.date, end: dt.date, expected: int) -> None:
    assert business_days_until(start, end) == _day_by_day(start, end)
    assert business_days_until(start, end) == expected


def test_business_days_agree_with_counting_day_by_day() -> None:
    rng = random.Random(20261201)
    origin = dt.date(2023, 1, 1)
    for _ in range(400):
        start = origin + dt.timedelta(days=rng.randrange(0, 1500))
        end = start + dt.timedelta(days=rng.randrange(-800, 800))
        assert business_days_until(start, end) == _day_by_day(start, end), (start, end)

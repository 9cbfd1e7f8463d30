"""Legal day counts: the first day is not counted (民法第140条) and a last day on a 行政機関の休日
(Saturday, Sunday, national holiday, 12/29–1/3) moves to the next open day; business days skip
the same days. Every expected date below was worked out by hand from a calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.clocks.models import Counting
from governance.clocks.schedule import compute_due, end_of_day
from governance.japanese import (
    ROLL_BASIS,
    add_business_days,
    closed_day_reason,
    is_business_day,
    legal_due,
)

D = dt.date


@pytest.mark.parametrize(
    ("start", "days", "unrolled", "due"),
    [
        # Appendix A: 知った日 2026-12-01 (火).
        (D(2026, 12, 1), 3, D(2026, 12, 4), D(2026, 12, 4)),  # 金, open
        (D(2026, 12, 1), 5, D(2026, 12, 6), D(2026, 12, 7)),  # 日 → 月
        (D(2026, 12, 1), 30, D(2026, 12, 31), D(2027, 1, 4)),  # 年末年始 → 月 1/4
        (D(2026, 12, 1), 60, D(2027, 1, 30), D(2027, 2, 1)),  # 土 → 月
        (D(2027, 5, 10), 30, D(2027, 6, 9), D(2027, 6, 9)),  # 水, open
        (D(2027, 5, 10), 60, D(2027, 7, 9), D(2027, 7, 9)),  # 金, open
        (D(2027, 4, 28), 60, D(2027, 6, 27), D(2027, 6, 28)),  # 日 → 月
        # Year-end closure from its first day to its last.
        (D(2026, 12, 28), 1, D(2026, 12, 29), D(2027, 1, 4)),
        (D(2026, 12, 2), 30, D(2027, 1, 1), D(2027, 1, 4)),  # 元日, in the closure
        (D(2027, 12, 3), 30, D(2028, 1, 2), D(2028, 1, 4)),  # 日 in the closure; 1/3 月 closed
        (D(2027, 12, 28), 0, D(2027, 12, 28), D(2027, 12, 28)),  # 火, the last open day
        # Golden Week 2027: 4/29 木 昭和の日, 5/1 土, 5/2 日, 5/3–5/5 祝日.
        (D(2027, 4, 28), 1, D(2027, 4, 29), D(2027, 4, 30)),
        (D(2027, 4, 28), 3, D(2027, 5, 1), D(2027, 5, 6)),
        (D(2027, 4, 20), 15, D(2027, 5, 5), D(2027, 5, 6)),
        # 成人の日 2027-01-11 (月) and 2026-01-12 (月).
        (D(2027, 1, 1), 10, D(2027, 1, 11), D(2027, 1, 12)),
        (D(2025, 12, 13), 30, D(2026, 1, 12), D(2026, 1, 13)),
        # 振替休日: 2027-03-21 春分の日 is a Sunday, so 3/22 (月) is closed too.
        (D(2027, 3, 1), 20, D(2027, 3, 21), D(2027, 3, 23)),
        # Leap days: 2028 is a leap year, 2027 is not.
        (D(2028, 1, 30), 30, D(2028, 2, 29), D(2028, 2, 29)),  # 火, open
        (D(2027, 1, 30), 30, D(2027, 3, 1), D(2027, 3, 1)),  # no 2/29 in 2027
        (D(2028, 2, 28), 1, D(2028, 2, 29), D(2028, 2, 29)),
        (D(2028, 2, 29), 30, D(2028, 3, 30), D(2028, 3, 30)),  # 木
    ],
)
def test_legal_due_counts_from_the_next_day_and_rolls_past_closed_days(
    start: dt.date, days: int, unrolled: dt.date, due: dt.date
) -> None:
    result = legal_due(start, days)
    assert (result.unrolled, result.due) == (unrolled, due)
    assert result.rolled == (unrolled != due)


def test_the_year_end_roll_says_which_law_and_which_closed_day() -> None:
    result = legal_due(D(2026, 12, 1), 30)
    assert result.reason == f"{ROLL_BASIS}（令和8年12月31日は年末年始の休日）"
    assert ROLL_BASIS == "行政機関の休日に関する法律第2条"
    assert legal_due(D(2027, 1, 1), 10).reason.endswith("（令和9年1月11日は成人の日）")
    assert legal_due(D(2026, 12, 1), 60).reason.endswith("（令和9年1月30日は土曜日）")
    assert legal_due(D(2027, 5, 10), 30).reason == ""


def test_a_soft_target_is_not_rolled() -> None:
    result = legal_due(D(2026, 12, 1), 5, roll=False)
    assert (result.unrolled, result.due, result.rolled, result.reason) == (
        D(2026, 12, 6),
        D(2026, 12, 6),
        False,
        "",
    )


def test_a_negative_day_count_is_refused() -> None:
    with pytest.raises(ValueError, match="days"):
        legal_due(D(2026, 12, 1), -1)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (D(2026, 12, 29), "年末年始の休日"),
        (D(2027, 1, 3), "年末年始の休日"),
        (D(2027, 1, 1), "年末年始の休日"),
        (D(2027, 1, 11), "成人の日"),
        (D(2027, 3, 22), "振替休日"),
        (D(2027, 5, 4), "みどりの日"),
        (D(2027, 1, 30), "土曜日"),
        (D(2027, 1, 31), "日曜日"),
        (D(2027, 1, 4), ""),
        (D(2026, 12, 28), ""),
    ],
)
def test_closed_days_are_named_as_the_law_counts_them(day: dt.date, reason: str) -> None:
    assert closed_day_reason(day) == reason
    assert is_business_day(day) == (reason == "")


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (D(2026, 12, 25), 1, D(2026, 12, 28)),  # 金 → 月
        (D(2026, 12, 28), 1, D(2027, 1, 4)),  # across the closure
        (D(2026, 12, 24), 10, D(2027, 1, 14)),  # 12/25, 28, 1/4–1/8, 1/12–1/14 (1/11 成人の日)
        (D(2027, 4, 28), 2, D(2027, 5, 6)),  # 4/30, 5/6 (Golden Week)
        (D(2027, 1, 4), -1, D(2026, 12, 28)),  # the business day before
        (D(2027, 1, 12), -1, D(2027, 1, 8)),  # before 成人の日 weekend
        (D(2027, 1, 30), 0, D(2027, 1, 30)),
    ],
)
def test_business_days_skip_weekends_holidays_and_the_year_end(
    start: dt.date, count: int, expected: dt.date
) -> None:
    assert add_business_days(start, count) == expected


def test_a_date_based_clock_is_due_at_the_end_of_its_last_day_in_japan() -> None:
    starts_at = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    due = compute_due(counting=Counting.CALENDAR_DAYS, starts_at=starts_at, length=30, roll=True)
    assert due.due_at == end_of_day(D(2027, 1, 4))
    assert due.due_at.isoformat() == "2027-01-04T23:59:59+09:00"
    assert due.unrolled_due_on == D(2026, 12, 31)
    assert "年末年始" in due.roll_basis


def test_the_start_day_is_the_japanese_day_even_late_at_night_utc() -> None:
    # 2026-11-30 16:00 UTC is already 2026-12-01 01:00 in Japan.
    starts_at = dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    due = compute_due(counting=Counting.CALENDAR_DAYS, starts_at=starts_at, length=30, roll=True)
    assert due.due_at == end_of_day(D(2027, 1, 4))


def test_business_day_hour_and_minute_clocks() -> None:
    jst = dt.timezone(dt.timedelta(hours=9))
    starts_at = dt.datetime(2026, 12, 24, 17, 0, tzinfo=jst)
    business = compute_due(
        counting=Counting.BUSINESS_DAYS, starts_at=starts_at, length=10, roll=True
    )
    assert business.due_at == end_of_day(D(2027, 1, 14))
    assert business.unrolled_due_on is None
    hours = compute_due(counting=Counting.HOURS, starts_at=starts_at, length=24, roll=True)
    assert hours.due_at == dt.datetime(2026, 12, 25, 17, 0, tzinfo=jst)
    minutes = compute_due(counting=Counting.MINUTES, starts_at=starts_at, length=60, roll=True)
    assert minutes.due_at == dt.datetime(2026, 12, 24, 18, 0, tzinfo=jst)

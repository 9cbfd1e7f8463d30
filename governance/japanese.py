"""Japanese conventions: era dates, fiscal years, yen amounts, full-width input, business days.

- Fiscal year (年度) N runs from 1 April N to 31 March N+1; 2024 is 令和6年度. Days are
  counted in Japan time: 15:30 UTC on 31 March is already 1 April in the new fiscal year.
- Eras: 令和 from 2019-05-01, 平成 from 1989-01-08, 昭和 from 1926-12-25. The first year of
  an era is written 元年. Fiscal year 2019 is written 令和元年度, as offices did.
- People type ３６，０００，０００円 as often as 36,000,000: input is NFKC-normalised first.
- Business days exclude weekends, national holidays and the year-end closure 12/29–1/3.
- Legal day counts (``legal_due``) follow 民法第140条 (the first day is not counted) and move a
  due date that falls on a 行政機関の休日 to the next day that is not one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import translation
from django.utils.translation import gettext_noop

# (era name, short letter, first day)
ERAS: tuple[tuple[str, str, dt.date], ...] = (
    ("令和", "R", dt.date(2019, 5, 1)),
    ("平成", "H", dt.date(1989, 1, 8)),
    ("昭和", "S", dt.date(1926, 12, 25)),
)
# Fixed rather than settings.TIME_ZONE: eras and fiscal years change at midnight in Japan.
JST = ZoneInfo("Asia/Tokyo")
ERA_BY_NAME = {name: first for name, _short, first in ERAS}
ERA_BY_SHORT = {short: first for _name, short, first in ERAS}

INVALID_NUMBER = gettext_noop("数値として読み取れません。")
NEGATIVE_NUMBER = gettext_noop("0 以上の数値を入力してください。")
INVALID_YEAR = gettext_noop("年度として読み取れません（例: 2024、令和6、R6、令和６年度）。")


class JapaneseInputError(ValueError):
    """Input that cannot be read; the message is Japanese and meant for the user."""


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII) and trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


# --- Eras and fiscal years ------------------------------------------------------------------


def _japanese_day(day: dt.date | dt.datetime) -> dt.date:
    """The calendar day in Japan: an aware datetime is moved to JST first; a naive one is
    taken as the wall-clock time it states."""
    if isinstance(day, dt.datetime):
        if day.utcoffset() is not None:
            day = day.astimezone(JST)
        return day.date()
    return day


def era_of(day: dt.date) -> tuple[str, int]:
    """(era name, year within the era) for a calendar date."""
    for name, _short, first in ERAS:
        if day >= first:
            return name, day.year - first.year + 1
    raise JapaneseInputError("昭和以前の日付には対応していません。")


def _year_label(year: int) -> str:
    return "元" if year == 1 else str(year)


def era_date(day: dt.date | dt.datetime) -> str:
    """令和6年10月1日."""
    day = _japanese_day(day)
    name, year = era_of(day)
    return f"{name}{_year_label(year)}年{day.month}月{day.day}日"


def fiscal_year_of(day: dt.date | dt.datetime) -> int:
    """The fiscal year a date falls in (April to March)."""
    day = _japanese_day(day)
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_era(fiscal_year: int) -> tuple[str, int]:
    """The era name and year used to write a fiscal year (its first day's era, 2019 → 令和元)."""
    if fiscal_year == 2019:
        return "令和", 1
    return era_of(dt.date(fiscal_year, 4, 1))


def fiscal_year_label(fiscal_year: int) -> str:
    """令和7年度 for 2025."""
    name, year = fiscal_year_era(fiscal_year)
    return f"{name}{_year_label(year)}年度"


def fiscal_year_short(fiscal_year: int) -> str:
    """R7 for 2025."""
    name, year = fiscal_year_era(fiscal_year)
    short = next(s for n, s, _first in ERAS if n == name)
    return f"{short}{year}"


_ERA_YEAR = re.compile(r"^(令和|平成|昭和|R|H|S)\s*(元|\d{1,2})\s*(年度|年)?$", re.IGNORECASE)
_WESTERN_YEAR = re.compile(r"^(\d{4})\s*(年度|年)?$")


def parse_fiscal_year(text: str | int) -> int:
    """Read 2024, '2024年度', '令和6', 'R6', '令和６年度', '令和元年度' → 2024 / 2019."""
    if isinstance(text, int):
        value = text
    else:
        raw = normalize(str(text))
        western = _WESTERN_YEAR.match(raw)
        era = _ERA_YEAR.match(raw)
        if western:
            value = int(western.group(1))
        elif era:
            key = era.group(1).upper() if len(era.group(1)) == 1 else era.group(1)
            first = ERA_BY_SHORT.get(key) or ERA_BY_NAME[key]
            year = 1 if era.group(2) == "元" else int(era.group(2))
            if year < 1:
                raise JapaneseInputError(INVALID_YEAR)
            value = first.year + year - 1
        else:
            raise JapaneseInputError(INVALID_YEAR)
    if not 1900 <= value <= 2200:
        raise JapaneseInputError(INVALID_YEAR)
    return value


def read_fiscal_year(text: str) -> int | None:
    """A fiscal year typed into a list's filter (2025, 令和7, R7), or None if it is blank or
    cannot be read (the filter is then left out)."""
    try:
        return parse_fiscal_year(text) if text.strip() else None
    except JapaneseInputError:
        return None


_ERA_DATE = re.compile(
    r"^(令和|平成|昭和|R|H|S)\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$",
    re.IGNORECASE,
)
_WESTERN_DATE = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")
INVALID_DATE = gettext_noop(
    "日付として読み取れません（例: 2025-10-01、2025/10/1、令和7年10月1日、R7.10.1）。"
)


def parse_date(text: str) -> dt.date:
    """Read 2025-10-01, 2025/10/1, 2025年10月1日, 令和7年10月1日, R7.10.1, 令和元年5月1日."""
    raw = normalize(str(text))
    western = _WESTERN_DATE.match(raw)
    era = _ERA_DATE.match(raw)
    try:
        if western:
            return dt.date(int(western.group(1)), int(western.group(2)), int(western.group(3)))
        if era:
            key = era.group(1).upper() if len(era.group(1)) == 1 else era.group(1)
            first = ERA_BY_SHORT.get(key) or ERA_BY_NAME[key]
            year = 1 if era.group(2) == "元" else int(era.group(2))
            day = dt.date(first.year + year - 1, int(era.group(3)), int(era.group(4)))
            if year < 1 or day < first:
                raise JapaneseInputError(INVALID_DATE)
            return day
    except ValueError:
        raise JapaneseInputError(INVALID_DATE) from None
    raise JapaneseInputError(INVALID_DATE)


# --- Amounts --------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[,\s_、]")
_UNIT = re.compile(r"(円|千円)$")


def parse_amount(text: str | int, *, allow_negative: bool = False) -> int:
    """Read '36,000,000', '３６，０００，０００円', '36000000' as an integer number of yen.

    A trailing 円 is accepted; a trailing 千円 is not (the caller decides the unit).
    """
    if isinstance(text, bool):
        raise JapaneseInputError(INVALID_NUMBER)
    if isinstance(text, int):
        value = text
    else:
        raw = normalize(str(text))
        raw = raw.removesuffix("円")
        raw = _SEPARATORS.sub("", raw)
        raw = raw.replace("−", "-").replace("▲", "-").replace("△", "-")
        if not re.fullmatch(r"-?\d+", raw):
            raise JapaneseInputError(INVALID_NUMBER)
        value = int(raw)
    if value < 0 and not allow_negative:
        raise JapaneseInputError(NEGATIVE_NUMBER)
    return value


def yen(amount: int | None) -> str:
    """36,000,000円."""
    if amount is None:
        return ""
    return f"{amount:,}円"


def thousand_yen(amount: int | None) -> str:
    """Thousand-yen figure with separators, as budget tables print it: 1,200,005."""
    if amount is None:
        return ""
    return f"{amount:,}"


# --- Business days --------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_business_day(day: dt.date) -> bool:
    """Not a weekend, not a national holiday, not in the 12/29–1/3 year-end closure."""
    if day.weekday() >= 5:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    return day not in _holidays(day.year)


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The business day ``count`` business days after (or, if negative, before) ``day``."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += dt.timedelta(days=step)
        if is_business_day(current):
            remaining -= 1
    return current


@lru_cache(maxsize=64)
def _running_business_days(year: int) -> tuple[int, ...]:
    """For each day of ``year`` (index = day of the year - 1), the business days from 1 January
    up to and including it."""
    counts = []
    running = 0
    day = dt.date(year, 1, 1)
    while day.year == year:
        running += is_business_day(day)
        counts.append(running)
        day += dt.timedelta(days=1)
    return tuple(counts)


def _business_days_through(day: dt.date) -> int:
    return _running_business_days(day.year)[day.timetuple().tm_yday - 1]


def _business_days_after(first: dt.date, last: dt.date) -> int:
    """Business days after ``first`` up to and including ``last`` (``first`` <= ``last``)."""
    if first.year == last.year:
        return _business_days_through(last) - _business_days_through(first)
    total = _running_business_days(first.year)[-1] - _business_days_through(first)
    for year in range(first.year + 1, last.year):
        total += _running_business_days(year)[-1]
    return total + _business_days_through(last)


def business_days_until(start: dt.date, end: dt.date) -> int:
    """Business days after ``start`` up to and including ``end`` (negative if ``end`` is past:
    minus the business days from ``end`` up to the day before ``start``).

    Counted from each year's running totals, not day by day: the inbox asks this for every
    row of every page."""
    if end >= start:
        return _business_days_after(start, end)
    one = dt.timedelta(days=1)
    return -_business_days_after(end - one, start - one)


# --- Legal day counts -----------------------------------------------------------------------

#: Why a due date that falls on a closed day moves (recorded with the clock).
ROLL_BASIS = "行政機関の休日に関する法律第2条"


@lru_cache(maxsize=32)
def _holiday_names(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year, language="ja")


def closed_day_reason(day: dt.date) -> str:
    """Why ``day`` is a 行政機関の休日 (休日法第1条): 年末年始の休日, the holiday's name (成人の日,
    振替休日), 土曜日 or 日曜日; "" if it is not one.

    Records are Japanese whatever the reader's language, so these words are not translated.
    """
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return "年末年始の休日"
    name = _holiday_names(day.year).get(day)
    if name:
        return str(name)
    if day.weekday() == 5:
        return "土曜日"
    if day.weekday() == 6:
        return "日曜日"
    return ""


@dataclass(frozen=True)
class LegalDue:
    """A due date computed from a day count, and the date it was before the holiday roll."""

    due: dt.date
    unrolled: dt.date

    @property
    def rolled(self) -> bool:
        return self.due != self.unrolled

    @property
    def reason(self) -> str:
        """Why the due date moved, for the clock's ``roll_basis``; "" if it did not move."""
        if not self.rolled:
            return ""
        return f"{ROLL_BASIS}（{era_date(self.unrolled)}は{closed_day_reason(self.unrolled)}）"


def next_open_day(day: dt.date) -> dt.date:
    """``day`` itself if it is a business day, else the next business day."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def legal_due(start_date: dt.date, days: int, *, roll: bool = True) -> LegalDue:
    """The last day of a period of ``days`` calendar days that starts on ``start_date``.

    The first day is not counted (民法第140条): 30 days from 2026-12-01 end on 2026-12-31. A
    last day that is a 行政機関の休日 (Saturday, Sunday, a national holiday, 12/29–1/3) moves to
    the next day that is not one (行政機関の休日に関する法律第2条): 2026-12-31 → 2027-01-04.
    ``roll=False`` keeps the unrolled day (soft targets such as a 速報's 3 to 5 days).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    unrolled = start_date + dt.timedelta(days=days)
    return LegalDue(due=next_open_day(unrolled) if roll else unrolled, unrolled=unrolled)


def in_japanese() -> AbstractContextManager[object]:
    """``translation.override("ja")`` (records and documents are written in Japanese), which
    does nothing when Japanese is already active: a step runs a dozen such blocks, and each
    override activates the language and restores it even when nothing changes."""
    if translation.get_language() == "ja":
        return nullcontext()
    return translation.override("ja")

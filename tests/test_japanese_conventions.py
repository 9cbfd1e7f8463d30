"""Era dates, fiscal years and yen are written and read as Japanese offices do: 元年, 令和元年度 =
2019, the 1989 and 2019 era changes, full-width input, and the fiscal year counted in JST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.japanese import (
    INVALID_DATE,
    INVALID_YEAR,
    JapaneseInputError,
    era_date,
    era_of,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_short,
    parse_amount,
    parse_date,
    parse_fiscal_year,
    thousand_yen,
    yen,
)

UTC = dt.UTC
JST = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")

# The machine has 2 cores shared with other runs: a slow example must not fail the test.
relaxed = settings(deadline=None, max_examples=300)

FIRST = dt.date(1989, 1, 1)
LAST = dt.date(2100, 12, 31)
dates = st.dates(min_value=FIRST, max_value=LAST)

# ASCII → full-width, as an IME types it: digits, letters, and the separators . / - ,
FULL_WIDTH = str.maketrans("0123456789RHSrhs./-,", "０１２３４５６７８９ＲＨＳｒｈｓ．／－，")


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


# --- Writing dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "written"),
    [
        # The first day of each supported era, and the rest of its first year, are 元年.
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1926, 12, 31), "昭和元年12月31日"),
        (dt.date(1927, 1, 1), "昭和2年1月1日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 12, 31), "平成元年12月31日"),
        (dt.date(1990, 1, 1), "平成2年1月1日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 12, 31), "令和元年12月31日"),
        (dt.date(2020, 1, 1), "令和2年1月1日"),
        # The era changes: 昭和 ended on 1989-01-07, 平成 on 2019-04-30.
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        # Ordinary dates: no zero padding.
        (dt.date(2026, 10, 1), "令和8年10月1日"),
        (dt.date(2025, 1, 9), "令和7年1月9日"),
        (dt.date(2100, 12, 31), "令和82年12月31日"),
    ],
)
def test_a_date_is_written_in_its_era_with_the_first_year_as_gannen(
    day: dt.date, written: str
) -> None:
    assert era_date(day) == written


def test_the_eras_change_on_the_days_the_emperors_changed() -> None:
    assert era_of(dt.date(1989, 1, 7)) == ("昭和", 64)
    assert era_of(dt.date(1989, 1, 8)) == ("平成", 1)
    assert era_of(dt.date(2019, 4, 30)) == ("平成", 31)
    assert era_of(dt.date(2019, 5, 1)) == ("令和", 1)


def test_a_date_before_showa_is_refused_rather_than_written_in_the_wrong_era() -> None:
    # 大正 and 明治 are not supported: nothing in the office's records predates 昭和.
    with pytest.raises(JapaneseInputError):
        era_date(dt.date(1926, 12, 24))


def test_an_aware_datetime_is_written_on_its_japanese_day() -> None:
    # 15:00 UTC on 30 April 2019 is midnight in Tokyo: the first day of 令和.
    assert era_date(dt.datetime(2019, 4, 30, 15, 0, tzinfo=UTC)) == "令和元年5月1日"
    assert era_date(dt.datetime(2019, 4, 30, 14, 59, tzinfo=UTC)) == "平成31年4月30日"
    assert era_date(dt.datetime(2019, 5, 1, 0, 0, tzinfo=JST)) == "令和元年5月1日"


# --- Fiscal years ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fiscal_year", "label", "short"),
    [
        (1988, "昭和63年度", "S63"),
        (1989, "平成元年度", "H1"),  # began 1989-04-01, already 平成
        (1990, "平成2年度", "H2"),
        (2018, "平成30年度", "H30"),
        # Began 2019-04-01 under 平成, but offices wrote it 令和元年度.
        (2019, "令和元年度", "R1"),
        (2020, "令和2年度", "R2"),
        (2024, "令和6年度", "R6"),
        (2025, "令和7年度", "R7"),
        (2026, "令和8年度", "R8"),
    ],
)
def test_a_fiscal_year_is_written_in_the_era_offices_use(
    fiscal_year: int, label: str, short: str
) -> None:
    assert fiscal_year_label(fiscal_year) == label
    assert fiscal_year_short(fiscal_year) == short


@pytest.mark.parametrize(
    ("typed", "fiscal_year"),
    [
        ("令和元年度", 2019),
        ("令和元", 2019),
        ("令和1年度", 2019),
        ("R1", 2019),
        ("r1", 2019),
        ("平成31年度", 2019),
        ("H31", 2019),
        ("平成元年度", 1989),
        ("昭和64年", 1989),
        ("昭和63年度", 1988),
        ("令和7年度", 2025),
        ("令和 7 年度", 2025),
        ("R7", 2025),
        ("2025", 2025),
        ("2025年度", 2025),
        (2025, 2025),
        # Full-width, as an IME types it.
        ("令和７年度", 2025),
        ("Ｒ７", 2025),
        ("ｒ７", 2025),
        ("２０２５年度", 2025),
        ("　令和元年度　", 2019),
    ],
)
def test_a_typed_fiscal_year_is_read(typed: str | int, fiscal_year: int) -> None:
    assert parse_fiscal_year(typed) == fiscal_year


@pytest.mark.parametrize(
    "typed", ["", "令和", "令和0年度", "R0", "大正15年度", "2025年4月", "1899", "2201", "abc"]
)
def test_a_fiscal_year_that_cannot_be_read_is_refused_with_the_japanese_message(
    typed: str,
) -> None:
    with pytest.raises(JapaneseInputError) as refused:
        parse_fiscal_year(typed)
    assert str(refused.value) == INVALID_YEAR
    assert "年度として読み取れません" in INVALID_YEAR


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (dt.date(2025, 3, 31), 2024),
        (dt.date(2025, 4, 1), 2025),
        (dt.date(2019, 4, 1), 2019),
        (dt.date(2019, 4, 30), 2019),
        (dt.date(2019, 5, 1), 2019),
        (dt.date(2020, 3, 31), 2019),
        (dt.date(2019, 12, 31), 2019),
        (dt.date(2020, 1, 1), 2019),
        (dt.date(1989, 1, 7), 1988),
        (dt.date(1989, 1, 8), 1988),
        (dt.date(1989, 4, 1), 1989),
    ],
)
def test_the_fiscal_year_runs_from_april_to_march(day: dt.date, fiscal_year: int) -> None:
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize(
    ("moment", "fiscal_year"),
    [
        # 15:30 UTC on 31 March is 00:30 on 1 April in Tokyo: the new fiscal year.
        (dt.datetime(2025, 3, 31, 15, 30, tzinfo=UTC), 2025),
        (dt.datetime(2025, 3, 31, 15, 0, tzinfo=UTC), 2025),
        (dt.datetime(2025, 3, 31, 14, 59, 59, tzinfo=UTC), 2024),
        (dt.datetime(2025, 3, 31, 23, 59, 59, tzinfo=JST), 2024),
        (dt.datetime(2025, 4, 1, 0, 0, tzinfo=JST), 2025),
        # 09:00 on 1 April in Tokyo is still 31 March in UTC and New York.
        (dt.datetime(2025, 4, 1, 0, 0, tzinfo=UTC), 2025),
        (dt.datetime(2025, 3, 31, 20, 0, tzinfo=NEW_YORK), 2025),  # 4/1 09:00 JST
        (dt.datetime(2025, 3, 31, 10, 59, tzinfo=NEW_YORK), 2024),  # 3/31 23:59 JST
        # A naive datetime is read as the wall-clock time it states.
        (dt.datetime(2025, 3, 31, 23, 59), 2024),
        (dt.datetime(2025, 4, 1, 0, 0), 2025),
    ],
)
def test_the_fiscal_year_of_a_moment_is_counted_in_japan_time(
    moment: dt.datetime, fiscal_year: int
) -> None:
    assert fiscal_year_of(moment) == fiscal_year


@relaxed
@given(
    moment=st.datetimes(
        min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from([UTC, JST, NEW_YORK, ZoneInfo("Pacific/Kiritimati")]),
)
def test_one_moment_falls_in_one_fiscal_year_whatever_zone_it_is_written_in(
    moment: dt.datetime, zone: ZoneInfo
) -> None:
    assert fiscal_year_of(moment.astimezone(zone)) == fiscal_year_of(moment.astimezone(JST))
    assert era_date(moment.astimezone(zone)) == era_date(moment.astimezone(JST))


# --- Reading dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("令和1年5月1日", dt.date(2019, 5, 1)),
        ("R1.5.1", dt.date(2019, 5, 1)),
        ("r1/5/1", dt.date(2019, 5, 1)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("H1-1-8", dt.date(1989, 1, 8)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("S64.1.7", dt.date(1989, 1, 7)),
        ("昭和元年12月25日", dt.date(1926, 12, 25)),
        ("令和8年10月1日", dt.date(2026, 10, 1)),
        ("令和 8 年 10 月 1 日", dt.date(2026, 10, 1)),
        ("2026-10-01", dt.date(2026, 10, 1)),
        ("2026/10/1", dt.date(2026, 10, 1)),
        ("2026.10.1", dt.date(2026, 10, 1)),
        ("2026年10月1日", dt.date(2026, 10, 1)),
        # Full-width digits, letters and separators.
        ("令和８年１０月１日", dt.date(2026, 10, 1)),
        ("Ｒ８．１０．１", dt.date(2026, 10, 1)),
        ("２０２６／１０／０１", dt.date(2026, 10, 1)),
        ("２０２６－１０－０１", dt.date(2026, 10, 1)),
        ("２０２６年１０月１日", dt.date(2026, 10, 1)),
        ("　令和元年５月１日　", dt.date(2019, 5, 1)),
    ],
)
def test_a_typed_date_is_read(typed: str, day: dt.date) -> None:
    assert parse_date(typed) == day


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "令和元年4月30日",  # 令和 began on 1 May 2019
        "平成元年1月7日",  # 平成 began on 8 January 1989
        "R1.4.30",
        "令和0年5月1日",
        "大正15年12月24日",
        "2025-02-29",  # not a leap year
        "2025-13-01",
        "令和7年2月30日",
        "2025-10",
        "10月1日",
        "きのう",
    ],
)
def test_a_date_that_cannot_be_read_is_refused_with_the_japanese_message(typed: str) -> None:
    with pytest.raises(JapaneseInputError) as refused:
        parse_date(typed)
    assert str(refused.value) == INVALID_DATE


def test_every_date_from_1989_to_2100_reads_back_as_written() -> None:
    day, count = FIRST, 0
    while day <= LAST:
        assert parse_date(era_date(day)) == day, day
        day += dt.timedelta(days=1)
        count += 1
    assert count == 40907  # 112 years, 27 of them leap (2000 is, 2100 is not)


@relaxed
@given(day=dates)
def test_a_date_written_in_its_era_reads_back_as_the_same_date(day: dt.date) -> None:
    assert parse_date(era_date(day)) == day


@relaxed
@given(fiscal_year=st.integers(min_value=1989, max_value=2100))
def test_a_fiscal_year_written_in_its_era_reads_back_as_the_same_year(fiscal_year: int) -> None:
    assert parse_fiscal_year(fiscal_year_label(fiscal_year)) == fiscal_year
    assert parse_fiscal_year(fiscal_year_short(fiscal_year)) == fiscal_year


@relaxed
@given(day=dates, separator=st.sampled_from(["-", "/", "."]))
def test_a_date_typed_in_full_width_reads_as_the_same_date_typed_in_half_width(
    day: dt.date, separator: str
) -> None:
    name, year = era_of(day)
    short = {"令和": "R", "平成": "H", "昭和": "S"}[name]
    written = [
        era_date(day),
        f"{name}{year}年{day.month}月{day.day}日",
        f"{short}{year}{separator}{day.month}{separator}{day.day}",
        f"{short.lower()}{year}{separator}{day.month}{separator}{day.day}",
        f"{day.year}{separator}{day.month:02d}{separator}{day.day:02d}",
        f"{day.year}年{day.month}月{day.day}日",
    ]
    for text in written:
        assert parse_date(full_width(text)) == parse_date(text) == day, text


# --- Yen ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "written", "in_thousands"),
    [
        (0, "0円", "0"),
        (999, "999円", "999"),
        (1_000, "1,000円", "1,000"),
        (1_234_000, "1,234,000円", "1,234,000"),
        (36_000_000, "36,000,000円", "36,000,000"),
        (1_200_005, "1,200,005円", "1,200,005"),
        (None, "", ""),
    ],
)
def test_yen_are_written_with_thousands_separators(
    amount: int | None, written: str, in_thousands: str
) -> None:
    assert yen(amount) == written
    assert thousand_yen(amount) == in_thousands


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("36,000,000", 36_000_000),
        ("36000000", 36_000_000),
        ("36,000,000円", 36_000_000),
        ("３６，０００，０００円", 36_000_000),
        ("３６００００００", 36_000_000),
        ("1 234 000", 1_234_000),
        ("1、234、000", 1_234_000),
        (1_234_000, 1_234_000),
    ],
)
def test_a_typed_amount_is_read_as_integer_yen(typed: str | int, amount: int) -> None:
    assert parse_amount(typed) == amount


@relaxed
@given(amount=st.integers(min_value=0, max_value=10**12), unit=st.sampled_from(["", "円"]))
def test_an_amount_typed_in_full_width_reads_as_the_same_typed_in_half_width(
    amount: int, unit: str
) -> None:
    for text in (f"{amount}{unit}", f"{amount:,}{unit}"):
        assert parse_amount(full_width(text)) == parse_amount(text) == amount

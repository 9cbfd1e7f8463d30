"""The report's typography (NEXT_WAVE §C.4.1): one layout for every figure line, era years with
full-width digits, ASCII counts with separators, money in the 「３千６百万円」 style.

These rules hold in the activity report only; ``governance.japanese`` writes ASCII digits
everywhere else, and stays so.
"""

from __future__ import annotations

import re
from decimal import Decimal

from governance.japanese import yen

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ERA_YEAR = re.compile(r"(令和|平成|昭和)(\d+)(年)")

#: Between a label and its figure on a line: 「・相談件数　19件」.
SEPARATOR = "\u3000"


def full_width_digits(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def zenkaku_era(text: str) -> str:
    """One-digit era years in full-width digits, the rest untouched, as the seeds print them:
    令和6年12月 → 令和６年12月, 令和6年度 → 令和６年度, but 平成30年度 (two digits stay ASCII)."""

    def year(match: re.Match[str]) -> str:
        digits = match.group(2)
        if len(digits) == 1:
            digits = full_width_digits(digits)
        return match.group(1) + digits + match.group(3)

    return _ERA_YEAR.sub(year, text)


def number(value: Decimal | int) -> str:
    """8,191 ; 36.7 ; 0 (never blank)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def figure(value: Decimal | int, unit: str, qualifier: str = "") -> str:
    """「19件」, 「約270名」, 「395名以上」."""
    text = f"{number(value)}{unit}"
    if qualifier == "about":
        return f"約{text}"
    if qualifier == "or_more":
        return f"{text}以上"
    return text


def figure_line(label: str, value_text: str) -> str:
    """The one layout of a figure on its own line: 「・相談件数　19件」."""
    return f"・{label}{SEPARATOR}{value_text}"


_KANJI_PLACES = ((1000, "千"), (100, "百"), (10, "十"))


def _kanji_group(group: int) -> str:
    out = ""
    for place, kanji in _KANJI_PLACES:
        digit, group = divmod(group, place)
        if digit:
            out += full_width_digits(str(digit)) + kanji
    if group:
        out += full_width_digits(str(group))
    return out


def kanji_money(amount: int) -> str:
    """36,000,000 → 「３千６百万円」; 120,000,000 → 「１億２千万円」. Amounts that are not whole
    万 print in yen with separators instead (the phrase exists for round thresholds)."""
    if amount <= 0 or amount % 10_000:
        return yen(amount)
    man = amount // 10_000
    oku, man = divmod(man, 10_000)
    text = ""
    if oku:
        text += _kanji_group(oku) + "億"
    if man:
        text += _kanji_group(man) + "万"
    return text + "円"

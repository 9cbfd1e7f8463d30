"""Template helpers of the system registry: which menu entries and buttons to show (they only
hide what ``governance.permissions`` would refuse anyway), and fiscal years written both ways.
Amounts use ``shinsa_japanese``."""

from __future__ import annotations

from typing import Any

from django import template

from governance import permissions

register = template.Library()

_CHECKS = {
    "register": permissions.can_register_system,
    "import": permissions.can_import_systems,
    "export": permissions.can_export_systems,
}


@register.filter
def karte_may(user: Any, what: str) -> bool:
    """``{% if request.user|karte_may:"import" %}``."""
    check = _CHECKS.get(what)
    return bool(check and check(user))


@register.filter
def fiscal_year_both(year: int | None) -> str:
    """令和3年度（2021） for 2021, era and western year together; blank for None."""
    from governance.japanese import JapaneseInputError, fiscal_year_label

    if year is None:
        return ""
    try:
        return f"{fiscal_year_label(year)}（{year}）"
    except JapaneseInputError:
        return f"{year}年度"


@register.filter
def coverage_label(value: str) -> str:
    from governance.karte.rules import Coverage

    try:
        return str(Coverage(value).label)
    except ValueError:
        return ""


@register.filter
def get_count(counts: dict[str, int], key: str) -> int:
    return counts.get(key, 0)

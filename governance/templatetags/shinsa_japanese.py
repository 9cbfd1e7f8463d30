"""Template filters for Japanese conventions: era dates, yen, thousand yen, fiscal years.

``{% load shinsa_japanese %}`` then ``{{ day|era_date }}`` (令和6年10月1日),
``{{ amount|yen }}`` (36,000,000円), ``{{ figure|thousand_yen }}`` (1,200,005),
``{{ year|fiscal_year }}`` (令和7年度). Empty values render as an empty string.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from governance import japanese

register = template.Library()


@register.filter
def era_date(value: Any) -> str:
    if not isinstance(value, dt.date):
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return japanese.era_date(value)


@register.filter
def yen(value: Any) -> str:
    return japanese.yen(value) if isinstance(value, int) else ""


@register.filter
def thousand_yen(value: Any) -> str:
    return japanese.thousand_yen(value) if isinstance(value, int) else ""


@register.filter
def fiscal_year(value: Any) -> str:
    return japanese.fiscal_year_label(value) if isinstance(value, int) else ""

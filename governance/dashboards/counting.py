"""Counting helpers shared by the dashboards' selectors: several counts in one query, and
age buckets as filtered counts (so a histogram is one aggregate, whatever the rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.models import Department


def count_of(queryset: QuerySet[Any]) -> Coalesce:
    """``SELECT COUNT(*)`` of ``queryset`` as a scalar subquery (0 when empty)."""
    inner = (
        queryset.order_by()
        .annotate(_one=Value(1, output_field=IntegerField()))
        .values("_one")
        .annotate(_n=Count("*"))
        .values("_n")
    )
    return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))


def counts(**querysets: QuerySet[Any]) -> dict[str, int]:
    """Each queryset's count, all in one query (scalar subqueries over a one-row select)."""
    if not querysets:
        return {}
    row = (
        Department.objects.order_by()
        .annotate(**{name: count_of(qs) for name, qs in querysets.items()})
        .values(*querysets)[:1]
    )
    found = list(row)
    if found:
        return {name: int(found[0][name] or 0) for name in querysets}
    # No department yet (a fresh installation): count one by one.
    return {name: qs.count() for name, qs in querysets.items()}


#: Age buckets in days, (label, lower bound inclusive, upper bound exclusive or None).
AGE_BUCKETS: list[tuple[str, int, int | None]] = [
    ("0–7", 0, 8),
    ("8–14", 8, 15),
    ("15–30", 15, 31),
    ("31–60", 31, 61),
    ("61–90", 61, 91),
    ("91+", 91, None),
]


def age_filters(field: str, now: dt.datetime | None = None) -> dict[str, Q]:
    """For each age bucket, a filter on ``field`` (a moment) being that many days old."""
    now = now or timezone.now()
    filters = {}
    for label, low, high in AGE_BUCKETS:
        q = Q(**{f"{field}__lte": now - dt.timedelta(days=low)})
        if high is not None:
            q &= Q(**{f"{field}__gt": now - dt.timedelta(days=high)})
        filters[label] = q
    return filters


def bucket_counts(queryset: QuerySet[Any], filters: dict[str, Q]) -> list[tuple[str, int]]:
    """``[(label, count)]`` of ``queryset`` for each filter, in one aggregate."""
    names = {f"b{index}": label for index, label in enumerate(filters)}
    result = queryset.order_by().aggregate(
        **{key: Count("pk", filter=filters[label]) for key, label in names.items()}
    )
    return [(label, int(result[key] or 0)) for key, label in names.items()]

"""Reads of clocks for pages: a case's clocks, and the nearest owed clock of each inbox task.

Each read is one query whatever the number of clocks or tasks; the wording of the time left
(残り3日, 期限超過（3日）) is computed here from ``now`` so tests can pass a fixed moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import DateTimeField, OuterRef, Subquery
from django.utils import timezone

from governance import compiled, permissions
from governance.clocks import permissions as clock_permissions
from governance.clocks import schedule
from governance.clocks.models import (
    OPEN_DEADLINE_STATUSES,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
)
from governance.japanese import era_date
from governance.labels import choice_label
from governance.roles import Role


@dataclass(frozen=True)
class ClockRow:
    """One clock as the case page shows it."""

    deadline: Deadline
    kind_label: str
    due_text: str
    soft_due_text: str
    unrolled_text: str
    left_text: str
    overdue: bool
    status_label: str
    holder_text: str
    paused: bool

    @property
    def is_open(self) -> bool:
        return self.deadline.is_open


def _holder_text(deadline: Deadline) -> str:
    names = []
    if deadline.holder is not None:
        names.append(deadline.holder.display_name)
    if deadline.holder_role in Role.values:
        names.append(str(Role(deadline.holder_role).label))
    return "、".join(names)


def _row(deadline: Deadline, now: dt.datetime) -> ClockRow:
    left_text, overdue = "", False
    if deadline.is_open and deadline.paused_at is None:
        left = schedule.time_left(deadline.due_at, now, counting=deadline.counting)
        left_text, overdue = left.text, left.overdue
    elif deadline.status == DeadlineStatus.MET and deadline.met_at is not None:
        left_text = schedule.format_due(deadline.met_at)
    return ClockRow(
        deadline=deadline,
        kind_label=str(deadline.get_kind_display()),
        due_text=schedule.format_due(deadline.due_at),
        soft_due_text=schedule.format_due(deadline.soft_due_at) if deadline.soft_due_at else "",
        unrolled_text=(era_date(deadline.unrolled_due_on) if deadline.unrolled_due_on else ""),
        left_text=left_text,
        overdue=overdue,
        status_label=str(deadline.get_status_display()),
        holder_text=_holder_text(deadline),
        paused=deadline.paused_at is not None,
    )


def case_clocks(user: Any, case: Any, *, now: dt.datetime | None = None) -> list[ClockRow]:
    """The clocks of a case the user can see: owed ones first (nearest due first), then the
    met, waived and cancelled ones. One query."""
    if not permissions.can_view_case(user, case):
        return []
    now = now or timezone.now()
    deadlines = Deadline.objects.filter(case_id=case.pk).select_related("holder", "rule")
    rows = [_row(deadline, now) for deadline in deadlines]
    rows.sort(key=lambda row: (not row.is_open, row.deadline.due_at, row.deadline.pk))
    return rows


@dataclass(frozen=True)
class ClockBadge:
    """The nearest owed clock of a task's case, for the inbox's 期限 column."""

    kind_label: str
    due_text: str
    left_text: str
    overdue: bool


def _case_id_of(item: Any) -> int:
    """The case of a list item: a ``TaskRow`` carries ``case_id``; a task reaches its case."""
    case_id = getattr(item, "case_id", None)
    return int(case_id) if case_id is not None else int(item.process.case.pk)


def attach_clock_badges(tasks: list[Any], *, now: dt.datetime | None = None) -> list[Any]:
    """Set ``task.clock`` (a ``ClockBadge`` or None) on each item of a list already scoped to
    the user (task rows or tasks), from the nearest owed clock of its case. One query for the
    whole list, reading only the columns the badge shows."""
    now = now or timezone.now()
    case_ids = {_case_id_of(task) for task in tasks}
    nearest: dict[int, tuple[str, dt.datetime, str]] = {}
    if case_ids:
        ids = tuple(sorted(case_ids))

        def query() -> Any:
            return (
                Deadline.objects.filter(
                    case_id__in=ids, status__in=OPEN_DEADLINE_STATUSES, paused_at__isnull=True
                )
                .order_by("due_at", "pk")
                .values_list("case_id", "kind", "due_at", "counting")
            )

        # Compiled once per number of cases (lists show 25 or 50), the ids put in its place.
        owed = compiled.values(compiled.query_key("clock_badges", len(ids)), query, leading=ids)
        for case_id, kind, due_at, counting in owed:
            nearest.setdefault(case_id, (kind, due_at, counting))
    for task in tasks:
        found = nearest.get(_case_id_of(task))
        task.clock = None
        if found is not None:
            kind, due_at, counting = found
            left = schedule.time_left(due_at, now, counting=counting)
            task.clock = ClockBadge(
                kind_label=choice_label(DeadlineKind, kind),
                due_text=schedule.format_due(due_at),
                left_text=left.text,
                overdue=left.overdue,
            )
    return tasks


def visible_deadlines(user: Any, **filters: Any) -> Any:
    """Clocks the user may see (``clock_permissions.deadline_visibility_q``): those of their cases,
    those they hold, their role's case-less clocks. Filters: status, kind, due_before."""
    queryset = Deadline.objects.filter(clock_permissions.deadline_visibility_q(user))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("due_before") is not None:
        queryset = queryset.filter(due_at__lt=filters["due_before"])
    return queryset.select_related("case", "holder")


def nearest_owed_due(case_ref: str) -> Subquery:
    """The due time of the nearest owed (running or missed, not paused) clock of the case
    ``OuterRef(case_ref)`` points at, for ordering lists by what is due first."""
    return Subquery(
        Deadline.objects.filter(
            case_id=OuterRef(case_ref),
            status__in=OPEN_DEADLINE_STATUSES,
            paused_at__isnull=True,
        )
        .order_by("due_at")
        .values("due_at")[:1],
        output_field=DateTimeField(),
    )

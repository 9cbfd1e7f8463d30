"""The audit search (監査証跡の検索): the whole trail filtered by date range, department, actor,
action, case kind and case, each event worded with the trace's Japanese labels (NEXT_WAVE §C.2).

The page, the CSV and the .xlsx show the same columns (``COLUMNS``). The number of queries does
not grow with the rows: the events come with their case and department in one query, and the
people named in recorded changes are read in one more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from governance import permissions
from governance.audit import selectors
from governance.decisions.selectors import (
    ACTION_LABELS,
    _change_rows,
    _moment_text,
    _user_ids,
    _users_named,
)
from governance.models import AuditEvent, Case, CaseKind, Department

#: The columns of the search page and of its exports, in order.
COLUMNS = (
    _("通番"),
    _("日時"),
    _("部局"),
    _("実行者"),
    _("操作"),
    _("案件種別"),
    _("案件番号"),
    _("対象"),
    _("変更内容"),
    _("理由"),
    _("リンク"),
)

#: The filters the search reads from the query string (and an export records).
FILTERS = ("date_from", "date_to", "department", "actor", "action", "kind", "case", "sequence")


@dataclass
class EventRow:
    """One event as the search shows it."""

    sequence: int
    moment: str
    department: str
    actor: str
    action: str
    action_code: str
    kind: str
    case_number: str
    case_id: int | None
    target: str
    changes: list[tuple[str, str, str]]
    reason: str
    link: str

    @property
    def changes_text(self) -> str:
        return "\n".join(f"{label}: {old} → {new}" for label, old, new in self.changes)

    def values(self) -> list[Any]:
        """The export row, in ``COLUMNS`` order."""
        return [
            self.sequence,
            self.moment,
            self.department,
            self.actor,
            self.action,
            self.kind,
            self.case_number,
            self.target,
            self.changes_text,
            self.reason,
            self.link,
        ]


def action_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in ACTION_LABELS.items()]


def cleaned_filters(params: Any) -> dict[str, str]:
    """The filters given, stripped; unknown keys dropped (an export records exactly these)."""
    return {
        name: str(params.get(name, "")).strip()
        for name in FILTERS
        if str(params.get(name, "")).strip()
    }


def _day_start(text: str) -> dt.datetime | None:
    day = parse_date(text) if text else None
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def search_events(user: Any, filters: dict[str, str]) -> QuerySet[AuditEvent]:
    """The events matching ``filters``, newest first, for whoever may read the audit trail
    (auditors read all departments; anyone else is refused by the selector)."""
    queryset = selectors.all_audit_events(user).select_related("case", "case__department")
    if start := _day_start(filters.get("date_from", "")):
        queryset = queryset.filter(occurred_at__gte=start)
    if end := _day_start(filters.get("date_to", "")):
        queryset = queryset.filter(occurred_at__lt=end + dt.timedelta(days=1))
    department = filters.get("department", "")
    if department.isdigit():
        queryset = queryset.filter(case__department_id=int(department))
    if actor := filters.get("actor", ""):
        queryset = queryset.filter(actor_name__icontains=actor)
    if action := filters.get("action", ""):
        queryset = queryset.filter(action__startswith=action)
    if kind := filters.get("kind", ""):
        queryset = queryset.filter(case__kind=kind)
    if case := filters.get("case", ""):
        queryset = queryset.filter(case__number__icontains=case)
    sequence = filters.get("sequence", "")
    if sequence.isdigit():
        queryset = queryset.filter(sequence=int(sequence))
    return queryset.order_by("-sequence")


def departments(user: Any) -> list[Department]:
    permissions.require(permissions.can_view_audit_trail(user))
    return list(Department.objects.order_by("sort_order", "name"))


def _model_of(object_type: str, cache: dict[str, type[Model]]) -> type[Model]:
    if object_type not in cache:
        try:
            cache[object_type] = apps.get_model(object_type) if object_type else Case
        except (LookupError, ValueError):
            cache[object_type] = Case
    return cache[object_type]


def event_link(event: AuditEvent, base: str = "") -> str:
    """The permalink of an event: its place in the case's 決定の経緯, or the search narrowed to
    the event when it belongs to no case."""
    if event.case_id:
        return f"{base}{reverse('home:case_trace', args=[event.case_id])}"
    return f"{base}{reverse('audit:index')}?sequence={event.sequence}"


def event_rows(events: list[AuditEvent], base: str = "") -> list[EventRow]:
    """The rows for events already read (with their case and department): one more query for
    the people named in their changes."""
    models: dict[str, type[Model]] = {}
    ids: set[int] = set()
    for event in events:
        ids |= _user_ids(_model_of(event.object_type, models), [event.changes])
    users = _users_named(ids)
    kinds = dict(CaseKind.choices)
    rows = []
    for event in events:
        case = event.case if event.case_id else None
        model = _model_of(event.object_type, models)
        rows.append(
            EventRow(
                sequence=event.sequence,
                moment=_moment_text(event.occurred_at),
                department=case.department.label if case else "",
                actor=event.actor_name,
                action=str(ACTION_LABELS.get(event.action, event.action)),
                action_code=event.action,
                kind=str(kinds.get(case.kind, case.kind)) if case else "",
                case_number=case.number if case else "",
                case_id=case.pk if case else None,
                target=event.object_repr,
                changes=[
                    (row.label, row.old or "—", row.value)
                    for row in _change_rows(model, event.changes or {}, users)
                ],
                reason=event.reason,
                link=event_link(event, base),
            )
        )
    return rows

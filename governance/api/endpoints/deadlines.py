"""Clocks over the API: ``/deadlines/`` (JSON) and ``/deadlines.ics`` (iCalendar, for a
calendar application), both the caller's own, their cases' and their role's clocks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import renderers
from rest_framework.response import Response

from governance.api.endpoints.base import ListEndpoint
from governance.api.pagination import DueCursorPagination
from governance.api.serializers.cases import DeadlineFilterSerializer, DeadlineSerializer
from governance.clocks.selectors import visible_deadlines
from governance.models import DeadlineStatus

TAGS = ["期限"]


@extend_schema(
    tags=TAGS,
    summary="期限の一覧",
    description=(
        "自分が見られる案件の期限、自分が担当する期限、自分のロールが担当する案件外の期限"
        "（APIキーの有効期限など）を期限の早い順に返します。APIキーでは利用できません。"
    ),
    parameters=[DeadlineFilterSerializer],
)
class DeadlineList(ListEndpoint):
    serializer_class = DeadlineSerializer
    filter_serializer_class = DeadlineFilterSerializer
    pagination_class = DueCursorPagination

    def get_queryset(self) -> Any:
        return visible_deadlines(self.request.user, **self.filters())


class ICalendarRenderer(renderers.BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        if isinstance(data, str):
            return data.encode("utf-8")
        # An error (401, 403, 429) as plain text in the calendar's place.
        return str(data).encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_text(deadlines: Any, now: dt.datetime) -> str:
    """RFC 5545 text: one event at each owed clock's due time."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Shinsa//deadlines//JA",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:審査 Shinsa の期限",
    ]
    for deadline in deadlines:
        title = str(deadline.get_kind_display())
        if deadline.case is not None:
            title = f"{deadline.case.number} {title}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:deadline-{deadline.pk}@shinsa",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(deadline.due_at)}",
            f"DTEND:{_stamp(deadline.due_at)}",
            f"SUMMARY:{_escape(title)}",
            f"DESCRIPTION:{_escape(deadline.basis)}",
            f"STATUS:{'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


@extend_schema(
    tags=TAGS,
    summary="期限の iCalendar フィード",
    description=(
        "まだ対応の必要な期限（進行中・期限超過）を iCalendar 形式（text/calendar）で返します。"
        "範囲は期限の一覧と同じです。"
    ),
    responses={(200, "text/calendar"): OpenApiTypes.STR},
)
class DeadlineCalendar(ListEndpoint):
    renderer_classes = [ICalendarRenderer]
    pagination_class = None
    serializer_class = DeadlineSerializer

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        deadlines = (
            visible_deadlines(request.user)
            .filter(status__in=[DeadlineStatus.RUNNING, DeadlineStatus.MISSED])
            .order_by("due_at", "pk")
        )
        return Response(calendar_text(deadlines, timezone.now()), content_type="text/calendar")

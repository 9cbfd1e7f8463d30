"""Cursor pagination ordered by (updated_at, id), so a client syncs incrementally; a tampered
cursor is a 400, not a 404 or a 500."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

BAD_CURSOR = gettext_noop("ページ位置（cursor）が正しくありません。")


class UpdatedCursorPagination(CursorPagination):
    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = "1ページの件数（最大200）"
    cursor_query_description = "次・前のページの位置（レスポンスの next / previous をそのまま使う）"

    def decode_cursor(self, request: Any) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": [_(BAD_CURSOR)]}) from None

    def get_page_size(self, request: Any) -> int:
        try:
            return super().get_page_size(request) or self.page_size
        except (TypeError, ValueError):
            return self.page_size


class DueCursorPagination(UpdatedCursorPagination):
    """Clocks are listed by due time (a clock has no update time of its own)."""

    ordering = ("due_at", "id")

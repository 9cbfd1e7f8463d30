"""The API's formats and limits: aware datetimes only, fiscal-year labels, Japanese labels of
choices, bodies up to 256 KB, no unknown top-level fields, read-only serializers.

Serializers here never write: every ``create``/``update`` raises, and writes (none in v1) go
through the services (``tests/test_api_contract.py`` checks every serializer class).
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from governance.japanese import fiscal_year_label

#: How the schema describes a text that may be null (a missing person, year or vendor).
NULLABLE_STR = {"type": "string", "nullable": True}

NAIVE_DATETIME = gettext_noop("タイムゾーン（例: +09:00）を含む日時を指定してください")
UNKNOWN_FIELDS = gettext_noop("定義されていない項目があります: {fields}")
BODY_TOO_LARGE = gettext_noop("リクエストの本文が大きすぎます（上限 {limit} KB）。")
FORBIDDEN_TEXT = gettext_noop(
    "本文に使用できない文字（NUL 文字または対になっていないサロゲート）が含まれています。"
)
READ_ONLY = gettext_noop("この API は参照専用です。変更はサービスを通じて行います。")


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a naive value is refused, never guessed as JST."""

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            parsed = serializers.DateTimeField(default_timezone=timezone.get_fixed_timezone(0))
            moment = parsed.to_internal_value(value)
            if not _has_offset(value):
                raise serializers.ValidationError(_(NAIVE_DATETIME))
            return moment
        raise serializers.ValidationError(_(NAIVE_DATETIME))


def _has_offset(text: str) -> bool:
    text = text.strip()
    if text.endswith(("Z", "z")):
        return True
    time_part = text.partition("T")[2] or text.partition(" ")[2]
    return "+" in time_part or "-" in time_part


def person_name(user: Any) -> str | None:
    """A person as the pages name them (``str(user)``), or None."""
    return str(user) if user is not None else None


@extend_schema_field(NULLABLE_STR)
class FiscalYearLabelField(serializers.Field):
    """令和7年度 for the int ``fiscal_year`` beside it."""

    def __init__(self, source: str = "fiscal_year", **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "年度の和暦表記（例: 令和7年度）")
        super().__init__(source=source, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:
        return fiscal_year_label(int(value)) if value is not None else None


@extend_schema_field(OpenApiTypes.STR)
class LabelField(serializers.Field):
    """The Japanese label of a choice (``status_label`` beside ``status``)."""

    def __init__(self, choices: Any, source: str, **kwargs: Any) -> None:
        self.labels = dict(choices)
        kwargs.setdefault("help_text", "選択肢の日本語表記")
        super().__init__(source=source, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        label = self.labels.get(value)
        return str(label) if label is not None else ""


class ReadOnlySerializer(serializers.Serializer):
    """Every API serializer's base: it refuses unknown top-level fields and never saves."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {"non_field_errors": [_(UNKNOWN_FIELDS).format(fields="、".join(unknown))]}
                )
        return super().to_internal_value(data)

    def create(self, validated_data: Any) -> Any:
        raise NotImplementedError(READ_ONLY)

    def update(self, instance: Any, validated_data: Any) -> Any:
        raise NotImplementedError(READ_ONLY)


class ReadOnlyModelSerializer(ReadOnlySerializer, serializers.ModelSerializer):
    """A model's fields, read-only; ``create``/``update`` raise (see ``ReadOnlySerializer``)."""

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class BodyTooLarge(APIException):
    status_code = 413
    default_code = "body_too_large"


class LimitedJSONParser(JSONParser):
    """JSON bodies up to ``API_MAX_BODY_BYTES`` (256 KB); larger ones are refused unread."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        length = 0
        if request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
        if length > limit:
            raise BodyTooLarge(_(BODY_TOO_LARGE).format(limit=limit // 1024))
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise BodyTooLarge(_(BODY_TOO_LARGE).format(limit=limit // 1024))
        parsed = super().parse(io.BytesIO(data), media_type, parser_context)
        if _holds_forbidden_text(parsed):
            raise ParseError(_(FORBIDDEN_TEXT))
        return parsed


#: JSON's ``\u0000`` and an unpaired ``\ud800``–``\udfff`` escape parse into Python strings
#: that no database column holds (PostgreSQL refuses NUL in text and jsonb; neither is UTF-8).
#: Schemathesis found a NUL in a key of an event's ``raw`` answered with a 500.
_FORBIDDEN = re.compile(r"[\x00\ud800-\udfff]")


def _holds_forbidden_text(value: Any) -> bool:
    """Whether any string of a parsed body, object keys included, holds such a character."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _FORBIDDEN.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False

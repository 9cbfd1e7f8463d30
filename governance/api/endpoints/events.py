"""The monitoring intake: ``POST /security-events/`` (one alert), ``POST /security-events/batch/``
(up to 100, all or nothing) and ``GET /security-events/{number}/``.

Only an integration key with ``events:create`` posts, always for its own intake source, as its
service user, through ``governance.incidents.services.feeds``; counted per key (60 a minute)
in the shared database cache.
"""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from governance import key_permissions
from governance.api.access import PerKeyIntakeThrottle, calling_key
from governance.api.serializers.events import (
    BatchResultSerializer,
    EventBatchInputSerializer,
    EventInputSerializer,
    EventIntakeResultSerializer,
    EventSerializer,
)
from governance.incidents import selectors
from governance.incidents.services import feeds
from governance.models import IntakeSource, SecurityEvent, User

OTHER_SOURCE = gettext_noop("このAPIキーは、指定された通報元のイベントを登録できません。")

NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="受付番号（EV-…）")


def _alert(data: dict[str, Any]) -> feeds.FeedAlert:
    return feeds.FeedAlert(
        source_ref=data["source_ref"],
        title=data["title"],
        description=data.get("description", ""),
        detected_at=data.get("detected_at"),
        severity_hint=data.get("severity_hint", ""),
        target=data.get("target", ""),
        observables=[dict(item) for item in data.get("observables", [])],
        raw=data.get("raw", {}),
    )


class IntakeEndpoint(generics.GenericAPIView):
    throttle_scope = "intake"
    throttle_classes = [PerKeyIntakeThrottle]
    key_scope = "events:create"
    key_writes = True

    def _source(self, items: list[dict[str, Any]]) -> IntakeSource:
        key = calling_key(self.request)
        assert key is not None  # ApiAccess lets only keys post here
        try:
            source = feeds.source_for_key(key.source_code)
        except ValueError as exc:
            raise PermissionDenied(str(exc)) from None
        named = {item["source"] for item in items if item.get("source")}
        if named - {source.code, key.source_code}:
            raise PermissionDenied(_(OTHER_SOURCE))
        return source

    def _actor(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # ApiAccess let only a key's service user in
        return user

    def _context(self) -> dict[str, Any]:
        return {**self.get_serializer_context(), "for_key": True}


@extend_schema(
    tags=["セキュリティイベント"],
    summary="監視サービスからのイベント登録",
    description=(
        "APIキー（events:create）の受付ソースのイベントとして登録します。"
        "新規なら 201 と Location、同じ source_ref が登録済みなら 200 で同じ内容を返します。"
        "検知日時はタイムゾーン付きが必須、"
        "不正な観測値は rejected_observables に返し、イベントは他の値で登録します。"
        "APIキーごとに毎分60回まで（超えると 429）。TLP:RED のイベントの内容は返しません。"
    ),
    request=EventInputSerializer,
    responses={
        201: EventIntakeResultSerializer,
        200: OpenApiResponse(
            EventIntakeResultSerializer, description="登録済み（同じ source_ref）"
        ),
    },
)
class SecurityEventIntake(IntakeEndpoint):
    serializer_class = EventInputSerializer

    def post(self, request: Request) -> Response:
        serializer = EventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        source = self._source([serializer.validated_data])
        try:
            result = feeds.ingest_feed_event(
                actor=self._actor(), source=source, alert=_alert(serializer.validated_data)
            )
        except ValueError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        body = EventIntakeResultSerializer(result, context=self._context()).data
        if not result.created:
            return Response(body, status=status.HTTP_200_OK)
        location = reverse("v1:security_event", args=[result.event.number])
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


@extend_schema(
    tags=["セキュリティイベント"],
    summary="監視サービスからのイベント一括登録",
    description=(
        "1回に100件まで。すべて検証してから登録し、1件でも誤りがあれば何も登録せず、"
        "400 で位置（0 から）ごとの日本語メッセージを返します。結果はアラートごとに"
        "created（新規）または existing（登録済み）です。"
        "1回の呼び出しが毎分60回の1回に数えられます。"
    ),
    request=EventBatchInputSerializer,
    responses={200: BatchResultSerializer},
)
class SecurityEventBatch(IntakeEndpoint):
    serializer_class = EventBatchInputSerializer

    def post(self, request: Request) -> Response:
        serializer = EventBatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data["items"]
        source = self._source(items)
        try:
            results = feeds.ingest_feed_batch(
                actor=self._actor(), source=source, alerts=[_alert(item) for item in items]
            )
        except feeds.BatchRefused as refused:
            raise ValidationError(
                {"items": {str(index): errors for index, errors in refused.errors.items()}}
            ) from None
        except ValueError as exc:
            raise ValidationError({"items": [str(exc)]}) from None
        # Each event's systems in one query for the whole batch (not one per event).
        prefetch_related_objects([r.event for r in results], "systems")
        rows = [
            {"index": index, "result": "created" if r.created else "existing", "event": r}
            for index, r in enumerate(results)
        ]
        body = BatchResultSerializer(
            {
                "created": sum(1 for r in results if r.created),
                "existing": sum(1 for r in results if not r.created),
                "results": rows,
            },
            context=self._context(),
        ).data
        return Response(body, status=status.HTTP_200_OK)


@extend_schema(
    tags=["セキュリティイベント"],
    summary="セキュリティイベントの状態",
    description=(
        "APIキー（events:read_own）は自分の受付ソースのイベントのみ、画面の利用者は画面で見られる"
        "イベントのみ参照できます。TLP:RED と TLP:AMBER+STRICT の内容は APIキーには返しません。"
        "見る権限がなければ 404 です。"
    ),
    parameters=[NUMBER],
)
class SecurityEventDetail(generics.RetrieveAPIView):
    serializer_class = EventSerializer
    throttle_scope = "read"
    key_scope = "events:read_own"

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "for_key": calling_key(self.request) is not None,
        }

    def get_object(self) -> SecurityEvent:
        key = calling_key(self.request)
        if key is not None:
            if not key_permissions.key_has_scope(key, "events:read_own"):
                raise Http404
            try:
                source = feeds.source_for_key(key.source_code)
            except ValueError:
                raise Http404 from None
            events = SecurityEvent.objects.filter(source=source)
        else:
            events = selectors.visible_events(self.request.user)
        event = (
            events.select_related("source", "incident")
            .prefetch_related("systems")
            .filter(number=self.kwargs["number"])
            .first()
        )
        if event is None:
            raise Http404
        return event

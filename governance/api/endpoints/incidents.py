"""Incidents over the API, for people only (CSIRT roles and auditors, as the pages): the list,
one incident, its observables, reporting obligations and timeline, and the CSIRT's bulk add of
observables.

No integration key reads an incident (none of the key scopes opens these endpoints), so a
TLP:RED or TLP:AMBER+STRICT incident never reaches a key. A session user gets what the pages
show them; an auditor's read of a TLP:RED incident's content is put on the record
(``incident.restricted_view``), as the incident page does.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from governance import permissions
from governance.api.endpoints.base import DetailEndpoint, ListEndpoint
from governance.api.serializers.incidents import (
    IncidentDetailSerializer,
    IncidentFilterSerializer,
    IncidentSerializer,
    ObligationSerializer,
    ObservableBulkInputSerializer,
    ObservableBulkResultSerializer,
    ObservableSerializer,
    TimelineEntrySerializer,
)
from governance.incidents import permissions as incident_permissions
from governance.incidents import selectors, services
from governance.models import Incident, ReportingObligation, User

NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="インシデント番号")
TAGS = ["インシデント"]
READERS = (
    "CSIRT（担当・統括）・CISO・監査担当が、画面と同じ範囲で参照できます"
    "（TLP:RED は名前を挙げた関係者・CSIRT統括・CISO・監査のみ）。APIキーでは利用できません。"
)


def _open(request: Any, number: str) -> Incident:
    """The incident if the caller may open it (404 otherwise); an auditor's read of a TLP:RED
    incident is recorded, as on the incident page."""
    incident = selectors.access_incident_number(request.user, number)
    services.record_restricted_view(actor=request.user, incident=incident)
    return incident


@extend_schema(
    tags=TAGS,
    summary="インシデントの一覧",
    description=f"インシデントを更新日時順に返します。{READERS}",
    parameters=[IncidentFilterSerializer],
)
class IncidentList(ListEndpoint):
    serializer_class = IncidentSerializer
    filter_serializer_class = IncidentFilterSerializer

    def get_queryset(self) -> Any:
        return selectors.api_incidents(self.request.user, **self.filters())


@extend_schema(
    tags=TAGS,
    summary="インシデントの詳細",
    description=(
        f"概要・対応段階・重大度・TLP と関係システムを返します。{READERS}"
        "監査担当が TLP:RED を参照すると監査記録（incident.restricted_view）が残ります。"
        "見る権限がなければ 404 です。"
    ),
    parameters=[NUMBER],
)
class IncidentDetail(DetailEndpoint):
    serializer_class = IncidentDetailSerializer

    def get_object(self) -> Any:
        return _open(self.request, self.kwargs["number"])


class _IncidentPart(ListEndpoint):
    pagination_class = None

    def incident(self) -> Incident:
        return _open(self.request, self.kwargs["number"])


@extend_schema(
    tags=TAGS,
    summary="インシデントの観測値（IoC）",
    description=(
        f"観測値を登録順に返します（shown は無害化した表記）。{READERS}"
        "監査担当が TLP:RED を参照すると監査記録が残ります。見る権限がなければ 404 です。"
    ),
    parameters=[NUMBER],
    methods=["GET"],
)
@extend_schema(
    tags=TAGS,
    summary="観測値の一括追加",
    description=(
        "ベンダーの報告から貼り付けた観測値をまとめて登録します（CSIRT担当・統括の画面"
        "セッションのみ、CSRF トークンが必要）。無害化表記（hxxp, [.]）は元に戻して正規化し、"
        "不正な値（例: 63桁の sha256）や登録済みの値は項目ごとに理由を返し、正しいものだけを"
        "記録します。監査担当・APIキーは 403、見る権限がなければ 404 です。"
    ),
    parameters=[NUMBER],
    request=ObservableBulkInputSerializer,
    responses={
        200: OpenApiResponse(
            ObservableBulkResultSerializer, description="項目ごとの結果（記録・却下）"
        )
    },
    methods=["POST"],
)
class IncidentObservables(_IncidentPart, generics.CreateAPIView):
    serializer_class = ObservableSerializer
    session_writes = True

    def get_queryset(self) -> Any:
        return self.incident().observables.order_by("pk")

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = request.user
        assert isinstance(actor, User)  # ApiAccess lets only signed-in people post here
        incident = selectors.access_incident_number(actor, self.kwargs["number"])
        permissions.require(incident_permissions.can_triage_events(actor))
        body = ObservableBulkInputSerializer(data=request.data)
        if not body.is_valid():
            raise ValidationError(body.errors)
        items = [dict(item) for item in body.validated_data["observables"]]
        with transaction.atomic():
            outcomes = services.add_observables(actor=actor, incident=incident, items=items)
        results = [
            {
                "index": o.index,
                "type": o.type,
                "value": o.value,
                "id": o.observable.pk if o.observable is not None else None,
                "error": o.error,
            }
            for o in outcomes
        ]
        added = sum(1 for o in outcomes if o.observable is not None)
        result = ObservableBulkResultSerializer(
            {"added": added, "rejected": len(outcomes) - added, "results": results}
        )
        return Response(result.data, status=status.HTTP_200_OK)


@extend_schema(
    tags=TAGS,
    summary="インシデントの報告義務",
    description=(
        "報告先ごとの報告義務（要否・根拠・期限日・状態）を返します。"
        f"{READERS}見る権限がなければ 404 です。"
    ),
    parameters=[NUMBER],
)
class IncidentObligations(_IncidentPart):
    serializer_class = ObligationSerializer

    def get_queryset(self) -> Any:
        return ReportingObligation.objects.filter(incident=self.incident()).order_by("pk")


@extend_schema(
    tags=TAGS,
    summary="インシデントの時系列",
    description=(
        "時系列の記録を古い順に返します（訂正は訂正対象を指す新しい記録です）。"
        f"{READERS}見る権限がなければ 404 です。"
    ),
    parameters=[NUMBER],
)
class IncidentTimeline(_IncidentPart):
    serializer_class = TimelineEntrySerializer

    def get_queryset(self) -> Any:
        return selectors.api_timeline(self.incident())

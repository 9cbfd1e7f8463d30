"""The registry over the API: ``/systems/``, ``/systems/{code}/``,
``/systems/{code}/monitored-targets/``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema

from governance.api.endpoints.base import DetailEndpoint, ListEndpoint
from governance.api.serializers.systems import (
    MonitoringSerializer,
    SystemDetailSerializer,
    SystemFilterSerializer,
    SystemSerializer,
)
from governance.karte import selectors

CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="システムコード")


@extend_schema(
    tags=["システムカルテ"],
    summary="情報システムの一覧",
    description=(
        "見る権限のある情報システム（部局担当者は自部局のみ、ガバナンス担当・CSIRT・監査は全件、"
        "APIキーは systems:read の権限範囲で全件）を更新日時順に返します。"
        "updated_since で差分を取得できます。"
    ),
    parameters=[SystemFilterSerializer],
)
class SystemList(ListEndpoint):
    serializer_class = SystemSerializer
    filter_serializer_class = SystemFilterSerializer
    key_scope = "systems:read"

    def get_queryset(self) -> Any:
        return selectors.api_systems(self.request.user, self.key, **self.filters())


@extend_schema(
    tags=["システムカルテ"],
    summary="情報システムの詳細",
    description="契約の履歴と監視サービスの登録状況を含みます。見る権限がなければ 404 です。",
    parameters=[CODE],
)
class SystemDetail(DetailEndpoint):
    serializer_class = SystemDetailSerializer
    key_scope = "systems:read"

    def get_object(self) -> Any:
        return selectors.api_system(self.request.user, self.kwargs["code"], self.key)


@extend_schema(
    tags=["システムカルテ"],
    summary="システムの監視対象（監視サービスへの登録）",
    description=(
        "監視事業者が自社の監視対象一覧と突き合わせるための、監視サービスごとの登録状況です"
        "（APIキーは targets:read の権限範囲が必要）。見る権限がなければ 404 です。"
    ),
    parameters=[CODE],
)
class MonitoredTargets(ListEndpoint):
    serializer_class = MonitoringSerializer
    key_scope = "targets:read"
    pagination_class = None

    def get_queryset(self) -> Any:
        system = selectors.api_system(
            self.request.user, self.kwargs["code"], self.key, key_scope="targets:read"
        )
        return system.monitoring.all()

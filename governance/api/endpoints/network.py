"""Network connection approvals over the API (people only, scoped like the 接続承認一覧):
``/network-approvals/`` and ``/network-approvals/{number}/``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema

from governance.api.endpoints.base import DetailEndpoint, ListEndpoint
from governance.api.serializers.network import ApprovalFilterSerializer, ApprovalSerializer
from governance.network import selectors

NUMBER = OpenApiParameter(
    "number", str, OpenApiParameter.PATH, description="ネットワーク接続の案件番号"
)
TAGS = ["ネットワーク接続"]


@extend_schema(
    tags=TAGS,
    summary="接続承認の一覧",
    description=(
        "画面の接続承認一覧と同じ範囲（部局担当者は自部局、ガバナンス担当・セキュリティ審査・"
        "ネットワーク管理者・CSIRT・監査は全件）の接続承認を、案件の更新日時順に返します。"
        "system・segment・status・expiring_before（有効期限がその日より前）で絞り込めます。"
        "APIキーでは利用できません。"
    ),
    parameters=[ApprovalFilterSerializer],
)
class ApprovalList(ListEndpoint):
    serializer_class = ApprovalSerializer
    filter_serializer_class = ApprovalFilterSerializer

    def get_queryset(self) -> Any:
        return selectors.api_approvals(self.request.user, **self.filters())


@extend_schema(
    tags=TAGS,
    summary="接続承認の詳細",
    description=(
        "案件番号で指定した接続承認（有効期間・状態・条件）を返します。"
        "見る権限がなければ 404 です。"
    ),
    parameters=[NUMBER],
)
class ApprovalDetail(DetailEndpoint):
    serializer_class = ApprovalSerializer

    def get_object(self) -> Any:
        return selectors.access_approval_number(self.request.user, self.kwargs["number"])

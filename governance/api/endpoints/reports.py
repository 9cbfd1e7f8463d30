"""Reports over the API, for people only: the annual report's figures (事務事業実績, governance
staff and auditors) and the audit chain's state (auditors and administrators)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from governance.activity.selectors import api_report
from governance.api.endpoints.base import ReadEndpoint
from governance.api.serializers.decisions import (
    AuditChainQuerySerializer,
    AuditChainSerializer,
)
from governance.api.serializers.reports import AnnualReportSerializer
from governance.audit.selectors import chain_state

FISCAL_YEAR = OpenApiParameter(
    "fiscal_year", int, OpenApiParameter.PATH, description="年度（西暦、例: 2025）"
)
#: The years a report may be asked for (the same bounds as the case list's filter).
YEARS = range(1989, 2201)


@extend_schema(
    tags=["事務事業実績"],
    summary="事務事業実績の数値",
    description=(
        "年度の事務事業実績（Excel と同じ数値）を、出典（自動集計・手入力）と根拠、数えた"
        "案件番号とともに返します。発行済の報告書は発行時のまま、発行前は現在のデータで"
        "集計します。ガバナンス担当と監査担当のみ利用できます（その他は 403）。"
    ),
    parameters=[FISCAL_YEAR],
    responses=AnnualReportSerializer,
)
class AnnualReport(ReadEndpoint):
    serializer_class = AnnualReportSerializer

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            fiscal_year = int(self.kwargs["fiscal_year"])
        except ValueError:
            raise Http404 from None
        if fiscal_year not in YEARS:
            raise Http404
        return Response(AnnualReportSerializer(api_report(request.user, fiscal_year)).data)


@extend_schema(
    tags=["監査"],
    summary="監査記録のチェーンの状態",
    description=(
        "ハッシュチェーンの先頭（通番:ハッシュ）、記録済みのアンカーとその照合結果を返します。"
        "verify=true でチェーン全体も検証します（manage.py verify_audit と同じ検証）。"
        "監査担当と管理者のみ利用できます（その他は 403）。"
    ),
    parameters=[AuditChainQuerySerializer],
    responses=AuditChainSerializer,
)
class AuditChain(ReadEndpoint):
    serializer_class = AuditChainSerializer
    filter_serializer_class = AuditChainQuerySerializer

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        verify = bool(self.filters().get("verify"))
        return Response(AuditChainSerializer(chain_state(request.user, verify=verify)).data)

"""Cases over the API (people only, scoped exactly like the case list): ``/cases/``,
``/cases/{number}/`` and its audit events, documents and clocks. Read-only on purpose: state
transitions keep the pages' task assignment and segregation of duties."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from governance import permissions
from governance.api.endpoints.base import DetailEndpoint, ListEndpoint
from governance.api.serializers.cases import (
    AuditEventSerializer,
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseSerializer,
    DeadlineSerializer,
    DocumentSerializer,
)
from governance.api.serializers.decisions import DecisionSerializer
from governance.audit.selectors import case_audit_events
from governance.cases import selectors
from governance.clocks.selectors import visible_deadlines
from governance.decisions.selectors import api_case_decisions

NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="案件番号")
TAGS = ["案件"]


@extend_schema(
    tags=TAGS,
    summary="案件の一覧",
    description=(
        "画面の案件一覧と同じ範囲（部局担当者は自部局と共有された案件、ガバナンス担当と監査は全件）の"
        "案件を、種別を問わず更新日時順に返します。APIキーでは利用できません。"
    ),
    parameters=[CaseFilterSerializer],
)
class CaseList(ListEndpoint):
    serializer_class = CaseSerializer
    filter_serializer_class = CaseFilterSerializer

    def get_queryset(self) -> Any:
        return selectors.api_cases(self.request.user, **self.filters())


@extend_schema(
    tags=TAGS,
    summary="案件の詳細",
    description=(
        "種別ごとの項目を details に含みます。見る権限のない案件は存在を明かさず 404 です。"
    ),
    parameters=[NUMBER],
)
class CaseDetail(DetailEndpoint):
    serializer_class = CaseDetailSerializer

    def get_object(self) -> Any:
        return selectors.access_case_number(self.request.user, self.kwargs["number"])


class _CasePart(ListEndpoint):
    pagination_class = None

    def case(self) -> Any:
        return selectors.access_case_number(self.request.user, self.kwargs["number"])


@extend_schema(
    tags=TAGS,
    summary="案件の監査記録",
    description=(
        "案件とその関連の操作記録（改ざん検知のハッシュ付き）を通番順に返します。"
        "監査担当と管理者のみ利用できます。見る権限のない案件は 404 です。"
    ),
    parameters=[NUMBER],
)
class CaseAuditEvents(_CasePart):
    serializer_class = AuditEventSerializer

    def get_queryset(self) -> Any:
        case = self.case()
        if not permissions.can_view_audit_trail(self.request.user):
            raise PermissionDenied()
        return case_audit_events(self.request.user, case)


@extend_schema(
    tags=TAGS,
    summary="案件の文書",
    description=(
        "助言文書などの文書と版の一覧です。download_url はダウンロード時にも案件を見る権限を"
        "確認します。見る権限のない案件は 404 です。"
    ),
    parameters=[NUMBER],
)
class CaseDocuments(_CasePart):
    serializer_class = DocumentSerializer

    def get_queryset(self) -> Any:
        return selectors.case_documents(self.request.user, self.case())


@extend_schema(
    tags=TAGS,
    summary="案件の期限",
    description=(
        "案件の期限（法定・内部の期限）を期限の早い順に返します。見る権限のない案件は 404 です。"
    ),
    parameters=[NUMBER],
)
class CaseDeadlines(_CasePart):
    serializer_class = DeadlineSerializer

    def get_queryset(self) -> Any:
        case = self.case()
        return visible_deadlines(self.request.user).filter(case_id=case.pk).order_by("due_at", "pk")


@extend_schema(
    tags=TAGS,
    summary="案件の決定記録",
    description=(
        "案件の決定（決定の経緯タブと同じ記録: 決定の内容・日時・理由・判断時の情報と資料・"
        "職務分離の確認）を古い順に返します。決定時のロールと決定前に閲覧した資料は"
        "ガバナンス担当と監査担当のみで、その他の方には null です。見る権限のない案件は 404 です。"
    ),
    parameters=[NUMBER],
)
class CaseDecisions(_CasePart):
    serializer_class = DecisionSerializer

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        records, details = api_case_decisions(request.user, self.case())
        context = {**self.get_serializer_context(), "decision_details": details}
        return Response(DecisionSerializer(records, many=True, context=context).data)

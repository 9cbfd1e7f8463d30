"""A case's decision records (決定の経緯) and the audit chain's state, as the API shows them.

Department staff see the decisions, their dates, reasons and evidence; the roles the decider
held then and the evidence each person opened (``evidence_viewed``) are for governance staff
and auditors only (NEXT_WAVE §C.5b): for others they are null."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.formats import ReadOnlyModelSerializer, ReadOnlySerializer
from governance.models import DecisionRecord

NULLABLE_LIST = {"type": "array", "items": {"type": "object"}, "nullable": True}


class DecisionSerializer(ReadOnlyModelSerializer):
    decided_by_roles = serializers.SerializerMethodField(
        help_text="決定時のロール（ガバナンス担当・監査のみ。その他は null）"
    )
    evidence_viewed = serializers.SerializerMethodField(
        help_text="決定前に閲覧した資料（ガバナンス担当・監査のみ。その他は null）"
    )

    class Meta:
        model = DecisionRecord
        fields = [
            "id",
            "node",
            "decision",
            "decision_label",
            "decided_by_name",
            "decided_by_department",
            "decided_by_roles",
            "decided_at",
            "reason",
            "rule_snapshot",
            "inputs",
            "evidence",
            "evidence_viewed",
            "sod",
            "snapshot_sha256",
        ]

    def _details(self) -> bool:
        return bool(self.context.get("decision_details"))

    @extend_schema_field(NULLABLE_LIST)
    def get_decided_by_roles(self, obj: DecisionRecord) -> list[Any] | None:
        return list(obj.decided_by_roles or []) if self._details() else None

    @extend_schema_field(NULLABLE_LIST)
    def get_evidence_viewed(self, obj: DecisionRecord) -> list[Any] | None:
        return list(obj.evidence_viewed or []) if self._details() else None


class ChainHeadSerializer(ReadOnlySerializer):
    sequence = serializers.IntegerField(help_text="最後の監査記録の通番")
    hash = serializers.CharField(help_text="最後の監査記録のハッシュ")
    text = serializers.CharField(help_text="通番:ハッシュ（verify_audit --expect-head の形式）")


class AnchorSerializer(ReadOnlySerializer):
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="記録の場所（アンカーファイルの行、または月次アンカー）"
    )
    at = serializers.CharField(help_text="記録した日時")
    sequence = serializers.IntegerField(help_text="記録した通番")
    hash = serializers.CharField(help_text="記録したハッシュ")
    authentic = serializers.BooleanField(help_text="署名（HMAC）が一致するか")


class AnchorCheckSerializer(ReadOnlySerializer):
    ok = serializers.BooleanField(help_text="すべてのアンカーが監査記録と一致するか")
    from_file = serializers.IntegerField(help_text="アンカーファイルの件数")
    monthly = serializers.IntegerField(help_text="月次アンカーの件数")
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="見つかった問題（日本語）"
    )


class ChainReportSerializer(ReadOnlySerializer):
    ok = serializers.BooleanField(help_text="チェーン全体が正しくつながっているか")
    verified = serializers.IntegerField(help_text="検証できた記録の件数")
    head_sequence = serializers.IntegerField(help_text="検証できた最後の通番")
    head_hash = serializers.CharField(help_text="検証できた最後のハッシュ")
    broken_sequence = serializers.IntegerField(
        allow_null=True, help_text="最初に壊れていた通番（なければ null）"
    )
    problem = serializers.CharField(help_text="問題の内容（日本語。なければ空欄）")


class AuditChainSerializer(ReadOnlySerializer):
    head = ChainHeadSerializer(allow_null=True, help_text="チェーンの先頭（記録がなければ null）")
    anchors = AnchorSerializer(many=True, help_text="記録済みのアンカー（ファイルと月次）")
    anchor_check = AnchorCheckSerializer(help_text="アンカーと監査記録の照合結果（毎回実施）")
    verification = ChainReportSerializer(
        allow_null=True,
        help_text="チェーン全体の検証結果（verify=true を指定したときのみ。その他は null）",
    )
    checked_at = serializers.DateTimeField(help_text="照合した日時")


class AuditChainQuerySerializer(ReadOnlySerializer):
    verify = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true でチェーン全体を検証します（記録が多いと時間がかかります）",
    )

    def to_internal_value(self, data: Any) -> Any:
        known = {name: data[name] for name in self.fields if name in data}
        return super().to_internal_value(known)

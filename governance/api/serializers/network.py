"""Network connection approvals as the 接続承認一覧 shows them: the approval in force for one
approved application, its validity and its conditions."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from governance.api.formats import (
    AwareDateTimeField,
    LabelField,
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
)
from governance.api.serializers.systems import DepartmentRefSerializer
from governance.models import (
    ApprovalStatus,
    ConnectionApproval,
    ConnectionCondition,
    LedgerStatus,
    NetworkSegment,
    TargetKind,
    ValidityBasis,
)


class ConditionSerializer(ReadOnlyModelSerializer):
    status_label = LabelField(LedgerStatus.choices, source="status")

    class Meta:
        model = ConnectionCondition
        fields = ["number", "text", "due_date", "status", "status_label", "reported_at"]


class ApprovalSerializer(ReadOnlyModelSerializer):
    number = serializers.CharField(source="case.number", help_text="ネットワーク接続の案件番号")
    title = serializers.CharField(source="case.title", help_text="件名")
    department = DepartmentRefSerializer(source="case.department", allow_null=True)
    system: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="システムコード"
    )
    segment_label = LabelField(NetworkSegment.choices, source="segment")
    target_kind_label = LabelField(TargetKind.choices, source="target_kind")
    valid_until_basis_label = LabelField(ValidityBasis.choices, source="valid_until_basis")
    status_label = serializers.SerializerMethodField(
        help_text="画面と同じ状態の表記（更新審査中を含む）"
    )
    conditions = ConditionSerializer(many=True, help_text="承認の条件")
    updated_at = serializers.DateTimeField(help_text="案件の更新日時（差分取得の順序）")

    class Meta:
        model = ConnectionApproval
        fields = [
            "number",
            "title",
            "department",
            "system",
            "segment",
            "segment_label",
            "target_kind",
            "target_kind_label",
            "status",
            "status_label",
            "valid_from",
            "valid_until",
            "valid_until_basis",
            "valid_until_basis_label",
            "connected_at",
            "suspended_at",
            "revoked_at",
            "ended_at",
            "conditions",
            "created_at",
            "updated_at",
        ]

    def get_status_label(self, obj: ConnectionApproval) -> str:
        return obj.status_label(timezone.localdate())


class ApprovalFilterSerializer(ReadOnlySerializer):
    system = serializers.CharField(required=False, help_text="システムコード")
    segment = serializers.ChoiceField(
        NetworkSegment.choices, required=False, help_text="接続先セグメント"
    )
    status = serializers.ChoiceField(ApprovalStatus.choices, required=False, help_text="状態")
    expiring_before = serializers.DateField(
        required=False, help_text="有効期限がこの日より前のものだけ（例: 2027-03-31）"
    )
    updated_since = AwareDateTimeField(
        required=False, help_text="この日時以降に更新されたものだけ（タイムゾーン必須）"
    )

    def to_internal_value(self, data: Any) -> Any:
        known = {name: data[name] for name in self.fields if name in data}
        return super().to_internal_value(known)

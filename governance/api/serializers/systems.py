"""The registry (システムカルテ) as the API shows it: systems, contracts, monitoring."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.formats import (
    NULLABLE_STR,
    AwareDateTimeField,
    FiscalYearLabelField,
    LabelField,
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
)
from governance.karte.rules import Coverage
from governance.models import (
    Contract,
    Department,
    InformationSystem,
    MonitoringEnrolment,
    MonitoringService,
    ServerLocation,
    SystemKind,
)

YES_NO_HELP = "true / false"


class DepartmentRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Department
        fields = ["code", "name"]


class MonitoringSerializer(ReadOnlyModelSerializer):
    service_label = LabelField(MonitoringService.choices, source="service")

    class Meta:
        model = MonitoringEnrolment
        fields = [
            "service",
            "service_label",
            "enrolled",
            "own_measures",
            "exemption_reason",
        ]


class ContractSerializer(ReadOnlyModelSerializer):
    fiscal_year_label = FiscalYearLabelField()
    vendor = serializers.CharField(source="vendor.name", help_text="事業者名")
    amount = serializers.IntegerField(
        allow_null=True, help_text="契約金額（円、整数）。不明なら null"
    )

    class Meta:
        model = Contract
        fields = ["fiscal_year", "fiscal_year_label", "vendor", "contract_type", "amount"]


class SystemSerializer(ReadOnlyModelSerializer):
    department = DepartmentRefSerializer()
    kind_label = LabelField(SystemKind.choices, source="kind")
    status_label = LabelField(InformationSystem.Status.choices, source="status")
    server_location_label = LabelField(ServerLocation.choices, source="server_location")
    first_fiscal_year_label = FiscalYearLabelField(source="first_fiscal_year")
    coverage = serializers.ChoiceField(
        Coverage.choices, help_text="サイバー攻撃対策の状況（監視サービス登録・独自対策など）"
    )
    coverage_label = LabelField(Coverage.choices, source="coverage")
    lock_in = serializers.BooleanField(
        source="flagged", help_text="ベンダーロックインの疑い（同一事業者の継続年数による）"
    )
    current_vendor = serializers.SerializerMethodField(help_text="現在の事業者名")
    monitoring = MonitoringSerializer(many=True, help_text="監視サービスへの登録状況")

    class Meta:
        model = InformationSystem
        fields = [
            "code",
            "name",
            "department",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "first_fiscal_year",
            "first_fiscal_year_label",
            "internet_facing",
            "server_location",
            "server_location_label",
            "coverage",
            "coverage_label",
            "lock_in",
            "current_vendor",
            "tenure_years",
            "tenure_since",
            "monitoring",
            "updated_at",
        ]

    @extend_schema_field(NULLABLE_STR)
    def get_current_vendor(self, obj: InformationSystem) -> str | None:
        return obj.tenure_vendor.name if obj.tenure_vendor_id else None  # type: ignore[union-attr]  # checked by the id


class SystemDetailSerializer(SystemSerializer):
    contracts = ContractSerializer(many=True, help_text="契約の履歴（年度順）")

    class Meta(SystemSerializer.Meta):
        fields = [*SystemSerializer.Meta.fields, "scale_notes", "known_issues", "contracts"]


class SystemFilterSerializer(ReadOnlySerializer):
    """The list's filters (query parameters); an unknown value is a 400, not ignored."""

    department = serializers.CharField(required=False, help_text="部局コード")
    kind = serializers.ChoiceField(SystemKind.choices, required=False, help_text="区分")
    status = serializers.ChoiceField(
        InformationSystem.Status.choices, required=False, help_text="稼働状態"
    )
    coverage = serializers.ChoiceField(Coverage.choices, required=False, help_text="対策状況")
    lock_in = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="ロックインの疑いで絞り込む"
    )
    internet_facing = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="インターネット公開で絞り込む"
    )
    updated_since = AwareDateTimeField(
        required=False, help_text="この日時以降に更新されたものだけ（タイムゾーン必須）"
    )

    def to_internal_value(self, data: Any) -> Any:
        # Query parameters also carry the cursor and page size: only the filters are read.
        known = {name: data[name] for name in self.fields if name in data}
        return super().to_internal_value(known)

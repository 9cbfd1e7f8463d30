"""The annual report (事務事業実績) as JSON: every figure with its value, source and basis, the
twin of the Excel workbook (an issued report as issued, a draft as the data stands now)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.formats import (
    NULLABLE_STR,
    FiscalYearLabelField,
    LabelField,
    ReadOnlySerializer,
)
from governance.models import FigureSource, ReportStatus


class FigureSerializer(ReadOnlySerializer):
    key = serializers.CharField(help_text="項目のキー")
    group = serializers.CharField(help_text="担当グループ")
    section_no = serializers.CharField(help_text="報告書の節番号")
    label = serializers.CharField(help_text="項目名")  # type: ignore[assignment]
    value = serializers.CharField(allow_null=True, help_text="値（10進数の文字列。未入力は null）")
    unit = serializers.CharField(help_text="単位")
    qualifier = serializers.CharField(help_text="修飾（約・以上など）")
    text = serializers.CharField(help_text="報告書に印字する表記")
    # Fields named like DRF's Field attributes: declared, as DRF allows.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        FigureSource.choices, help_text="出典（自動集計・手入力）"
    )
    source_label = LabelField(FigureSource.choices, source="source")
    basis = serializers.CharField(help_text="根拠（集計基準の版、または手入力の根拠）")
    entered_by = serializers.CharField(help_text="入力者（手入力のみ）")
    members = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="数えた案件番号・システムコードなど（手入力は null）",
    )
    member_kind = serializers.CharField(help_text="members の種類")
    printed = serializers.BooleanField(help_text="報告書に印字するか")


class AnnualReportSerializer(ReadOnlySerializer):
    fiscal_year = serializers.IntegerField(help_text="年度（西暦、例: 2025）")
    fiscal_year_label = FiscalYearLabelField()
    status = serializers.ChoiceField(
        ReportStatus.choices, allow_null=True, help_text="報告書の状態（未作成は null）"
    )
    status_label = serializers.SerializerMethodField(help_text="選択肢の日本語表記")
    version = serializers.IntegerField(
        allow_null=True, help_text="発行済の版（発行前は null：現在のデータで集計）"
    )
    counting_version = serializers.IntegerField(help_text="集計基準の版")
    counting_basis = serializers.CharField(help_text="集計基準の根拠")
    counting_rules = serializers.ListField(child=serializers.CharField(), help_text="集計のきまり")
    figures = FigureSerializer(many=True, help_text="数値（出典と根拠つき）")
    tables = serializers.JSONField(help_text="金額の表（決算・契約・千円単位）")
    consultation_topics = serializers.DictField(
        child=serializers.IntegerField(), help_text="相談の分野別件数"
    )

    @extend_schema_field(NULLABLE_STR)
    def get_status_label(self, obj: dict[str, object]) -> str | None:
        status = obj.get("status")
        return str(ReportStatus(str(status)).label) if status else None

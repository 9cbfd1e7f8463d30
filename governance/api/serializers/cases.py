"""Cases of every kind as the API shows them, with the kind's own columns under ``details``;
their audit events, documents and clocks."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.formats import (
    NULLABLE_STR,
    AwareDateTimeField,
    FiscalYearLabelField,
    LabelField,
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    person_name,
)
from governance.api.serializers.systems import DepartmentRefSerializer
from governance.cases.selectors import CASE_MODELS
from governance.models import (
    AdvisoryDocument,
    AuditEvent,
    Case,
    CaseKind,
    CaseStatus,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    DocumentVersion,
)

NAME_HELP = "氏名（表示名）"


class CaseSerializer(ReadOnlyModelSerializer):
    kind_label = LabelField(CaseKind.choices, source="kind")
    status_label = LabelField(CaseStatus.choices, source="status")
    fiscal_year_label = FiscalYearLabelField()
    department = DepartmentRefSerializer()
    system: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="システムコード"
    )
    requester = serializers.SerializerMethodField(help_text=NAME_HELP)
    reviewer = serializers.SerializerMethodField(help_text=NAME_HELP)
    approver = serializers.SerializerMethodField(help_text=NAME_HELP)

    class Meta:
        model = Case
        fields = [
            "number",
            "kind",
            "kind_label",
            "fiscal_year",
            "fiscal_year_label",
            "title",
            "status",
            "status_label",
            "department",
            "system",
            "requester",
            "reviewer",
            "approver",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    @extend_schema_field(NULLABLE_STR)
    def get_requester(self, obj: Case) -> str | None:
        return person_name(obj.requester)

    @extend_schema_field(NULLABLE_STR)
    def get_reviewer(self, obj: Case) -> str | None:
        return person_name(obj.reviewer)

    @extend_schema_field(NULLABLE_STR)
    def get_approver(self, obj: Case) -> str | None:
        return person_name(obj.approver)


def kind_details(case: Case) -> dict[str, Any]:
    """The columns of the case's kind (its ``Case`` subclass): values as stored, each choice
    with its ``*_label``, a related row as its text, files left out."""
    model = CASE_MODELS.get(case.kind)
    if model is None or not isinstance(case, model):
        return {}
    result: dict[str, Any] = {}
    for field in model._meta.local_fields:
        if field.name.endswith("_ptr") or isinstance(field, models.FileField):
            continue
        if isinstance(field, models.ForeignKey):
            related = getattr(case, field.name)
            result[field.name] = str(related) if related is not None else None
            continue
        value = field.value_from_object(case)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        result[field.name] = value
        if field.choices:
            result[f"{field.name}_label"] = str(dict(field.flatchoices).get(value, ""))
    return result


class CaseDetailSerializer(CaseSerializer):
    details = serializers.SerializerMethodField(
        help_text="案件の種別ごとの項目（相談・予算確認・仕様書確認）"
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "details"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_details(self, obj: Case) -> dict[str, Any]:
        return kind_details(obj)


class CaseFilterSerializer(ReadOnlySerializer):
    kind = serializers.ChoiceField(CaseKind.choices, required=False, help_text="種別")
    status = serializers.ChoiceField(CaseStatus.choices, required=False, help_text="状態")
    fiscal_year = serializers.IntegerField(
        required=False, min_value=1989, max_value=2200, help_text="年度（西暦、例: 2025）"
    )
    department = serializers.CharField(required=False, help_text="部局コード")
    system = serializers.CharField(required=False, help_text="システムコード")
    updated_since = AwareDateTimeField(
        required=False, help_text="この日時以降に更新されたものだけ（タイムゾーン必須）"
    )

    def to_internal_value(self, data: Any) -> Any:
        known = {name: data[name] for name in self.fields if name in data}
        return super().to_internal_value(known)


class AuditEventSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "sequence",
            "occurred_at",
            "actor_name",
            "action",
            "object_type",
            "object_repr",
            "changes",
            "reason",
            "hash",
        ]


class DocumentVersionSerializer(ReadOnlyModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="ダウンロード先（案件を見る権限をダウンロード時にも確認します）"
    )

    class Meta:
        model = DocumentVersion
        fields = ["version", "sha256", "created_at", "download_url"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, obj: DocumentVersion) -> str:
        return reverse("home:document_download", args=[obj.pk])


class DocumentSerializer(ReadOnlyModelSerializer):
    versions = DocumentVersionSerializer(many=True)

    class Meta:
        model = AdvisoryDocument
        fields = ["number", "title", "template", "created_at", "versions"]


class DeadlineSerializer(ReadOnlyModelSerializer):
    kind_label = LabelField(DeadlineKind.choices, source="kind")
    status_label = LabelField(DeadlineStatus.choices, source="status")
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True, help_text="案件番号"
    )
    holder = serializers.SerializerMethodField(help_text=NAME_HELP)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "case",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "starts_at",
            "soft_due_at",
            "due_at",
            "counting",
            "length",
            "basis",
            "holder",
            "holder_role",
            "met_at",
            "missed_at",
        ]

    @extend_schema_field(NULLABLE_STR)
    def get_holder(self, obj: Deadline) -> str | None:
        return person_name(obj.holder)


class DeadlineFilterSerializer(ReadOnlySerializer):
    status = serializers.ChoiceField(DeadlineStatus.choices, required=False, help_text="状態")
    kind = serializers.ChoiceField(DeadlineKind.choices, required=False, help_text="期限の種類")
    due_before = AwareDateTimeField(
        required=False, help_text="この日時より前が期限のものだけ（タイムゾーン必須）"
    )

    def to_internal_value(self, data: Any) -> Any:
        known = {name: data[name] for name in self.fields if name in data}
        return super().to_internal_value(known)

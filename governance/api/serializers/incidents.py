"""Incidents as the CSIRT's pages show them (to people only; a key never reads an incident):
the incident, its observables (defanged), its reporting obligations and its timeline, and the
bulk add of observables (what the CSIRT posts and the per-item result it gets back)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
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
from governance.incidents.models import FEED_BATCH_LIMIT
from governance.incidents.observables import defang
from governance.models import (
    CaseStatus,
    Incident,
    IncidentCategory,
    ObligationStatus,
    Observable,
    Phase,
    ReportingObligation,
    Severity,
    TimelineEntry,
)
from governance.models import Recipient as ObligationRecipient
from governance.models import Requirement as ObligationRequirement
from governance.models import Stage as ObligationStage

NAME_HELP = "氏名（表示名）"

#: TLP 2.0 as the API describes it (the codes are the stored ones; the labels say in Japanese
#: who may receive it).
TLP_CHOICES = [
    ("clear", gettext_lazy("TLP:CLEAR（制限なし）")),
    ("green", gettext_lazy("TLP:GREEN（組織内・関係者）")),
    ("amber", gettext_lazy("TLP:AMBER（組織内の必要な者）")),
    ("amber_strict", gettext_lazy("TLP:AMBER+STRICT（組織内の必要な者のみ、外部へは不可）")),
    ("red", gettext_lazy("TLP:RED（名前を挙げた関係者のみ）")),
]


class IncidentSerializer(ReadOnlyModelSerializer):
    fiscal_year_label = FiscalYearLabelField()
    status_label = LabelField(CaseStatus.choices, source="status")
    phase_label = LabelField(Phase.choices, source="phase")
    severity_label = LabelField(Severity.choices, source="severity")
    tlp = serializers.ChoiceField(TLP_CHOICES, read_only=True, help_text="TLP（共有の範囲）")
    tlp_label = LabelField(TLP_CHOICES, source="tlp")
    category_label = LabelField(IncidentCategory.choices, source="category")
    department = DepartmentRefSerializer(allow_null=True)
    handler = serializers.SerializerMethodField(help_text=NAME_HELP)

    class Meta:
        model = Incident
        fields = [
            "number",
            "title",
            "fiscal_year",
            "fiscal_year_label",
            "status",
            "status_label",
            "phase",
            "phase_label",
            "severity",
            "severity_label",
            "tlp",
            "tlp_label",
            "category",
            "category_label",
            "is_exercise",
            "department",
            "handler",
            "occurred_at",
            "aware_at",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    @extend_schema_field(NULLABLE_STR)
    def get_handler(self, obj: Incident) -> str | None:
        return person_name(obj.handler)


class IncidentDetailSerializer(IncidentSerializer):
    resolution_label = LabelField(Incident.Resolution.choices, source="resolution")
    systems: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="関係する情報システムのコード"
    )

    class Meta(IncidentSerializer.Meta):
        fields = [
            *IncidentSerializer.Meta.fields,
            "description",
            "reported_to_csirt_at",
            "contained_at",
            "recovered_at",
            "resolution",
            "resolution_label",
            "systems",
        ]


class IncidentFilterSerializer(ReadOnlySerializer):
    phase = serializers.ChoiceField(Phase.choices, required=False, help_text="対応段階")
    severity = serializers.ChoiceField(Severity.choices, required=False, help_text="重大度")
    tlp = serializers.ChoiceField(TLP_CHOICES, required=False, help_text="TLP")
    updated_since = AwareDateTimeField(
        required=False, help_text="この日時以降に更新されたものだけ（タイムゾーン必須）"
    )

    def to_internal_value(self, data: Any) -> Any:
        known = {name: data[name] for name in self.fields if name in data}
        return super().to_internal_value(known)


class ObservableSerializer(ReadOnlyModelSerializer):
    type_label = LabelField(Observable.Type.choices, source="type")
    shown = serializers.SerializerMethodField(
        help_text="無害化した表記（hxxp, [.]）。画面と同じく、リンクにしないこと"
    )
    tlp = serializers.ChoiceField(TLP_CHOICES, read_only=True, help_text="TLP（共有の範囲）")
    tlp_label = LabelField(TLP_CHOICES, source="tlp")

    class Meta:
        model = Observable
        fields = [
            "id",
            "type",
            "type_label",
            "value",
            "shown",
            "is_ioc",
            "tlp",
            "tlp_label",
            "first_seen",
            "last_seen",
            "note",
            "created_at",
        ]

    def get_shown(self, obj: Observable) -> str:
        return defang(obj.type, obj.value)


class ObservableItemSerializer(ReadOnlySerializer):
    type = serializers.ChoiceField(
        choices=Observable.Type.choices,
        help_text="観測値の種類（ip, cidr, domain, url, email_address, sha256 など）",
    )
    value = serializers.CharField(max_length=500, help_text="観測値（無害化表記 hxxp, [.] も可）")
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="メモ"
    )


class ObservableBulkInputSerializer(ReadOnlySerializer):
    observables = ObservableItemSerializer(  # type: ignore[call-arg]  # many=True: a list
        many=True,
        min_length=1,
        max_length=FEED_BATCH_LIMIT,
        help_text=f"追加する観測値（1〜{FEED_BATCH_LIMIT}件）。不正な値は個別に返します",
    )


class ObservableOutcomeSerializer(ReadOnlySerializer):
    index = serializers.IntegerField(help_text="送られた observables の位置（0から）")
    type = serializers.ChoiceField(Observable.Type.choices, help_text="観測値の種類")
    value = serializers.CharField(help_text="記録した値（正規化後）、または送られた値")
    id = serializers.IntegerField(allow_null=True, help_text="記録した観測値の ID（失敗時は null）")
    error = serializers.CharField(help_text="記録できなかった理由（記録できたときは空欄）")


class ObservableBulkResultSerializer(ReadOnlySerializer):
    added = serializers.IntegerField(help_text="記録した件数")
    rejected = serializers.IntegerField(help_text="記録できなかった件数")
    results = ObservableOutcomeSerializer(many=True, help_text="送られた順の結果")


class ObligationSerializer(ReadOnlyModelSerializer):
    recipient_label = LabelField(ObligationRecipient.choices, source="recipient")
    stage_label = LabelField(ObligationStage.choices, source="stage")
    required_label = LabelField(ObligationRequirement.choices, source="required")
    status_label = LabelField(ObligationStatus.choices, source="status")

    class Meta:
        model = ReportingObligation
        fields = [
            "id",
            "recipient",
            "recipient_label",
            "stage",
            "stage_label",
            "required",
            "required_label",
            "basis",
            "status",
            "status_label",
            "due_on",
            "target_on",
            "unrolled_due_on",
            "flagged_for_waiver",
            "waived_at",
        ]


class TimelineEntrySerializer(ReadOnlyModelSerializer):
    kind_label = LabelField(TimelineEntry.Kind.choices, source="kind")
    actor = serializers.SerializerMethodField(help_text=NAME_HELP)
    corrects: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="訂正対象の記録の ID"
    )

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "kind_label", "text", "actor", "corrects", "created_at"]

    @extend_schema_field(NULLABLE_STR)
    def get_actor(self, obj: TimelineEntry) -> str | None:
        return person_name(obj.actor)

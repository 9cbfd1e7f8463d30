"""Security events over the API: what a monitoring service posts (one alert, or a batch of up to
100) and what it gets back.

These serializers only check shape; the intake service (``governance.incidents.services.feeds``)
records the events. A key never reads TLP:RED or TLP:AMBER+STRICT content: such an event comes
back with its number and status only (``restricted``).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.formats import NULLABLE_STR, AwareDateTimeField, LabelField, ReadOnlySerializer
from governance.incidents.models import FEED_BATCH_LIMIT as BATCH_LIMIT
from governance.incidents.models import RAW_MAX_BYTES, Tlp
from governance.models import Observable, SecurityEvent

# The same words as the intake service's (governance.incidents.services), which the API's
# serializers may not import.
RAW_TOO_LARGE = gettext_noop("受信データが大きすぎます（32KB まで）。")
BATCH_TOO_LARGE = gettext_noop("一度に登録できるイベントは{limit}件までです。")

#: What a key may never read (§D.2 TLP).
KEY_WITHHELD_TLP = (Tlp.RED, Tlp.AMBER_STRICT)


class IntakeResult(models.TextChoices):
    CREATED = "created", gettext_lazy("新規登録")
    EXISTING = "existing", gettext_lazy("登録済み（同じ source_ref）")


class ObservableInputSerializer(ReadOnlySerializer):
    type = serializers.ChoiceField(
        choices=Observable.Type.choices,
        help_text="観測値の種類（ip, cidr, domain, url, email_address, sha256 など）",
    )
    value = serializers.CharField(max_length=500, help_text="観測値（無害化表記 hxxp, [.] も可）")


class EventInputSerializer(ReadOnlySerializer):
    """One alert. The source is the key's own; a ``source`` naming another is refused (403)."""

    # A field named like DRF's Field.source attribute: declared, as DRF allows.
    source = serializers.CharField(  # type: ignore[assignment]
        required=False,
        max_length=50,
        help_text="通報元コード（省略可。指定する場合は APIキーの受付ソースと同じであること）",
    )
    source_ref = serializers.CharField(
        max_length=200, help_text="通報元でのアラートの識別子。同じ値の再送は同じイベントになります"
    )
    title = serializers.CharField(max_length=200, help_text="件名")
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=20000, default="", help_text="内容"
    )
    detected_at = AwareDateTimeField(
        required=False,
        help_text="検知日時（タイムゾーン付き ISO 8601、例: 2026-12-01T10:00:00+09:00）",
    )
    severity_hint = serializers.CharField(
        required=False, allow_blank=True, max_length=40, default="", help_text="通報元の重大度"
    )
    target = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        default="",
        help_text="対象（URL、IP アドレスまたはシステムコード）。照合できなければ「未照合」",
    )
    observables = ObservableInputSerializer(
        many=True, required=False, default=list, help_text="観測値（不正な値は個別に返します）"
    )
    raw = serializers.DictField(
        required=False, default=dict, help_text="監視サービスの元データ（32KB まで）"
    )

    def validate_raw(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, ensure_ascii=False).encode()) > RAW_MAX_BYTES:
            raise serializers.ValidationError(_(RAW_TOO_LARGE))
        return value


class EventBatchInputSerializer(ReadOnlySerializer):
    items = EventInputSerializer(many=True, help_text=f"登録するアラート（1〜{BATCH_LIMIT}件）")

    def validate_items(self, value: list[Any]) -> list[Any]:
        if len(value) > BATCH_LIMIT:
            raise serializers.ValidationError(_(BATCH_TOO_LARGE).format(limit=BATCH_LIMIT))
        return value


class RejectedObservableSerializer(ReadOnlySerializer):
    type = serializers.CharField(help_text="観測値の種類")
    value = serializers.CharField(help_text="送られた値")
    error = serializers.CharField(help_text="受け付けなかった理由")


def withheld(event: SecurityEvent) -> bool:
    incident = event.incident
    return event.tlp in KEY_WITHHELD_TLP or (
        incident is not None and incident.tlp in KEY_WITHHELD_TLP
    )


class EventSerializer(ReadOnlySerializer):
    """An event as the API returns it. For a key, TLP:RED and AMBER+STRICT content is withheld
    (``restricted`` true, title, TLP and incident null)."""

    number = serializers.CharField(help_text="受付番号（EV-2026-00001）")
    source = serializers.CharField(  # type: ignore[assignment]  # a field named "source"
        source="source.code", help_text="通報元コード"
    )
    source_ref = serializers.CharField(help_text="通報元でのアラートの識別子")
    status = serializers.ChoiceField(choices=SecurityEvent.Status.choices, help_text="状態")
    status_label = LabelField(SecurityEvent.Status.choices, source="status")
    received_at = serializers.DateTimeField(help_text="受付日時")
    detected_at = serializers.DateTimeField(allow_null=True, help_text="検知日時")
    restricted = serializers.SerializerMethodField(
        help_text="TLP により内容を APIキーに返さない場合 true"
    )
    title = serializers.SerializerMethodField(help_text="件名（restricted なら null）")
    tlp = serializers.SerializerMethodField(help_text="TLP（restricted なら null）")
    incident = serializers.SerializerMethodField(
        help_text="インシデント番号（インシデント化された場合。restricted なら null）"
    )
    systems = serializers.SerializerMethodField(
        help_text="照合できたシステムのコード（空なら未照合）"
    )

    def _restricted(self, event: SecurityEvent) -> bool:
        return bool(self.context.get("for_key")) and withheld(event)

    def get_restricted(self, event: SecurityEvent) -> bool:
        return self._restricted(event)

    @extend_schema_field(NULLABLE_STR)
    def get_title(self, event: SecurityEvent) -> str | None:
        return None if self._restricted(event) else event.title

    @extend_schema_field(NULLABLE_STR)
    def get_tlp(self, event: SecurityEvent) -> str | None:
        return None if self._restricted(event) else event.tlp

    @extend_schema_field(NULLABLE_STR)
    def get_incident(self, event: SecurityEvent) -> str | None:
        if self._restricted(event) or event.incident is None:
            return None
        return event.incident.number

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_systems(self, event: SecurityEvent) -> list[str]:
        return [system.code for system in event.systems.all()]


class EventIntakeResultSerializer(EventSerializer):
    rejected_observables = RejectedObservableSerializer(
        many=True, help_text="受け付けなかった観測値（イベントは他の値で登録されます）"
    )

    def to_representation(self, instance: Any) -> Any:
        # The event's fields as EventSerializer shows them, then what the intake refused.
        data = dict(EventSerializer(instance.event, context=self.context).data)
        data["rejected_observables"] = instance.rejected_observables
        return data


class BatchItemResultSerializer(ReadOnlySerializer):
    index = serializers.IntegerField(help_text="送られた順の位置（0 から）")
    result = serializers.ChoiceField(
        choices=IntakeResult.choices,
        help_text="created: 新規登録、existing: 登録済み",
    )
    event = EventIntakeResultSerializer(help_text="イベント")


class BatchResultSerializer(ReadOnlySerializer):
    created = serializers.IntegerField(help_text="新規に登録した件数")
    existing = serializers.IntegerField(help_text="登録済みだった件数")
    results = BatchItemResultSerializer(many=True, help_text="アラートごとの結果")

"""Reads of integration keys for the administrators' page and the notice."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from governance.japanese import era_date
from governance.models import IntegrationKey, IntegrationKeyRequest, KeyScope, RequestStatus


def keys_page() -> dict[str, Any]:
    """Pending requests and every key, newest first (two queries)."""
    return {
        "pending": list(
            IntegrationKeyRequest.objects.filter(status=RequestStatus.PENDING).select_related(
                "service_user", "requested_by"
            )
        ),
        "keys": list(
            IntegrationKey.objects.select_related("service_user", "request__requested_by")
            .order_by("-created")
            .defer("hashed_key")
        ),
    }


def key_notice(key: IntegrationKey) -> str:
    """連携用APIキー発行通知: everything the vendor needs except the secret (shown once on
    screen to the approving administrator, never stored)."""
    labels = dict(KeyScope.choices)
    expiry = timezone.localtime(key.expiry_date) if key.expiry_date else None
    lines = [
        "連携用APIキー発行通知",
        "",
        f"名称: {key.name}",
        f"キーの識別子（プレフィックス）: {key.prefix}",
        f"受付ソース: {key.source_code}",
        f"連携用のシステム利用者: {key.service_user}",
        "権限範囲: " + "、".join(f"{scope}（{labels.get(scope, '')}）" for scope in key.scopes),
        "接続元ネットワーク: " + "、".join(key.allowed_cidrs),
        f"有効期限: {era_date(expiry) if expiry else '—'} {expiry:%H:%M}" if expiry else "",
        f"発行日: {era_date(timezone.localtime(key.created))}",
        f"連絡先: {key.contact or '—'}",
        "",
        "キー本体（秘密の部分）はこの通知に記載しません。",
        "発行時に画面で一度だけ表示されたものを、安全な経路でお渡しします。",
        "送信時は Authorization: Api-Key <キー> ヘッダーを付けてください。",
    ]
    return "\n".join(line for line in lines) + "\n"

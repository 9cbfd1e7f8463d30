"""Reads of integration keys for the administrators' page and the notice."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from governance.japanese import era_date
from governance.models import (
    IntegrationKey,
    IntegrationKeyRequest,
    KeyScope,
    KeyState,
    RequestStatus,
)


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


#: Who issues the notice (the governance office, as on its other documents).
NOTICE_OFFICE = "スマートシティ戦略部 行政DX推進課長"
NOTICE_TEMPLATE = "integration_key_notice"


def key_notice(key: IntegrationKey) -> dict[str, Any]:
    """連携用APIキー発行通知 (``templates/documents/integration_key_notice.docx``): everything
    the vendor needs except the secret, which is shown once on screen to the approving
    administrator and never stored. The context holds no part of the key beyond its prefix."""
    labels = dict(KeyScope.choices)
    expiry = timezone.localtime(key.expiry_date) if key.expiry_date else None
    return {
        "issued_on": timezone.localdate(),
        "office": NOTICE_OFFICE,
        "contact": key.contact or "—",
        "name": key.name,
        "prefix": key.prefix,
        "source": key.source_code,
        "service_user": str(key.service_user),
        "scopes": "、".join(f"{scope}（{labels.get(scope, '')}）" for scope in key.scopes),
        "networks": "、".join(key.allowed_cidrs),
        "expires": f"{era_date(expiry)} {expiry:%H:%M}" if expiry else "—",
        "created_on": timezone.localtime(key.created).date(),
        "state": key.get_state_display(),
    }


def revocable_keys() -> list[IntegrationKey]:
    """Keys still usable (active or in their rotation grace), for the CSIRT lead's page."""
    return list(
        IntegrationKey.objects.exclude(state=KeyState.REVOKED)
        .filter(revoked=False)
        .select_related("service_user")
        .order_by("-created")
        .defer("hashed_key")
    )

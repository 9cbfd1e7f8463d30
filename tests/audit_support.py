"""Audit-chain objects the page walks need: a monthly anchor of the chain's head."""

from __future__ import annotations

from django.utils import timezone

from governance.audit.anchors import monthly_signature
from governance.models import AuditAnchor, AuditEvent


def monthly_anchor(period: str = "2026-10") -> AuditAnchor:
    """The chain's head anchored for ``period``, signed as the anchoring job signs it."""
    anchor = AuditAnchor.objects.first()
    if anchor is not None:
        return anchor
    last = AuditEvent.objects.order_by("-sequence").first()
    assert last is not None, "the chain has no event to anchor"
    now = timezone.now()
    return AuditAnchor.objects.create(
        period=period,
        issued_at=now,
        sequence=last.sequence,
        hash=last.hash,
        signature=monthly_signature(
            period=period, issued_at=now, sequence=last.sequence, digest=last.hash
        ),
    )

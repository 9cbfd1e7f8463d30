"""The guidance-item ledger (指導事項): the department reports what it did, or governance
waives an item."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions
from governance.audit.services import record_event
from governance.budget.services.review import (
    EVIDENCE_REQUIRED,
    ISSUED,
    ITEM_NOT_ISSUED,
    ITEM_NOT_OPEN,
    WAIVE_REASON_REQUIRED,
    _check_uploads,
)
from governance.models import (
    GuidanceItem,
    LedgerStatus,
    User,
)
from governance.uploads import store_attachment

# --- The guidance-item ledger ---------------------------------------------------------------


def _require_open_issued(item: GuidanceItem) -> None:
    if item.case.status not in ISSUED:
        raise ValueError(_(ITEM_NOT_ISSUED))
    if item.status != LedgerStatus.OPEN:
        raise ValueError(_(ITEM_NOT_OPEN))


def resolve_guidance_item(
    *, actor: User, item: GuidanceItem, evidence: str, upload: Any = None
) -> GuidanceItem:
    """Mark a guidance item resolved, with what was done and optionally a supporting file."""
    permissions.require(permissions.can_resolve_guidance_item(actor, item))
    _require_open_issued(item)
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValueError(_(EVIDENCE_REQUIRED))
    checked = _check_uploads([upload] if upload else [])
    with transaction.atomic():
        item = GuidanceItem.objects.select_for_update().select_related("case").get(pk=item.pk)
        _require_open_issued(item)
        attachment = None
        if checked:
            attachment = store_attachment(
                case=item.case, upload=checked[0], purpose="guidance_evidence", actor=actor
            )
        item.status = LedgerStatus.RESOLVED
        item.resolution = evidence
        item.resolved_at = timezone.now()
        item.resolved_by = actor
        item.evidence = attachment
        item.save()
        record_event(
            actor=actor,
            action="guidance_item.resolve",
            obj=item,
            changes={
                "status": [LedgerStatus.OPEN, LedgerStatus.RESOLVED],
                "evidence": [None, attachment.original_name if attachment else None],
            },
            reason=evidence,
        )
    return item


def waive_guidance_item(*, actor: User, item: GuidanceItem, reason: str) -> GuidanceItem:
    """Governance decides a guidance item no longer needs action, and says why."""
    permissions.require(permissions.can_waive_guidance_item(actor, item))
    _require_open_issued(item)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_(WAIVE_REASON_REQUIRED))
    with transaction.atomic():
        item = GuidanceItem.objects.select_for_update().select_related("case").get(pk=item.pk)
        _require_open_issued(item)
        item.status = LedgerStatus.WAIVED
        item.resolution = reason
        item.resolved_at = timezone.now()
        item.resolved_by = actor
        item.save()
        record_event(
            actor=actor,
            action="guidance_item.waive",
            obj=item,
            changes={"status": [LedgerStatus.OPEN, LedgerStatus.WAIVED]},
            reason=reason,
        )
    return item

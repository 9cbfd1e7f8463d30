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
    ITEM_NOT_REPORTED,
    REOPEN_REASON_REQUIRED,
    WAIVE_REASON_REQUIRED,
    _check_uploads,
)
from governance.models import (
    GuidanceItem,
    LedgerStatus,
    User,
)
from governance.roles import Role
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
    """Report what was done about a guidance item, optionally with a supporting file.

    From the department this is a report (対応報告) the reviewer confirms or reopens; a
    governance reviewer recording it themselves confirms it at once (対応済)."""
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
        by_office = permissions.can_act(actor, item.case, Role.GOVERNANCE_REVIEWER)
        status = LedgerStatus.RESOLVED if by_office else LedgerStatus.REPORTED
        item.status = status
        item.resolution = evidence
        item.resolved_at = timezone.now()
        item.resolved_by = actor
        item.evidence = attachment
        item.save()
        record_event(
            actor=actor,
            action="guidance_item.resolve" if by_office else "guidance_item.report",
            obj=item,
            changes={
                "status": [LedgerStatus.OPEN, status],
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


def _require_reported(item: GuidanceItem) -> None:
    if item.status != LedgerStatus.REPORTED:
        raise ValueError(_(ITEM_NOT_REPORTED))


def confirm_guidance_item(*, actor: User, item: GuidanceItem) -> GuidanceItem:
    """The reviewer accepts the department's report: the item is 対応済."""
    permissions.require(permissions.can_confirm_guidance_item(actor, item))
    _require_reported(item)
    with transaction.atomic():
        item = GuidanceItem.objects.select_for_update().select_related("case").get(pk=item.pk)
        _require_reported(item)
        item.status = LedgerStatus.RESOLVED
        item.reopen_reason = ""
        item.save(update_fields=["status", "reopen_reason"])
        record_event(
            actor=actor,
            action="guidance_item.confirm",
            obj=item,
            changes={"status": [LedgerStatus.REPORTED, LedgerStatus.RESOLVED]},
        )
    return item


def reopen_guidance_item(*, actor: User, item: GuidanceItem, reason: str) -> GuidanceItem:
    """The reviewer does not accept the department's report, says why, and the item is open
    again for the department to act on."""
    permissions.require(permissions.can_confirm_guidance_item(actor, item))
    _require_reported(item)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_(REOPEN_REASON_REQUIRED))
    with transaction.atomic():
        item = GuidanceItem.objects.select_for_update().select_related("case").get(pk=item.pk)
        _require_reported(item)
        item.status = LedgerStatus.OPEN
        item.reopen_reason = reason
        item.save(update_fields=["status", "reopen_reason"])
        record_event(
            actor=actor,
            action="guidance_item.reopen",
            obj=item,
            changes={"status": [LedgerStatus.REPORTED, LedgerStatus.OPEN]},
            reason=reason,
        )
    return item

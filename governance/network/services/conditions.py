"""The conditions of an approval in the follow-up ledger: the department reports what it did
(with evidence), the security reviewer confirms it (the clock is met) or reopens it, and the
approver may waive one with a reason. A confirmed 廃棄証明書 condition records the certificate on
the registry's equipment."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit.services import record_event
from governance.cases.services.notifications import notify
from governance.clocks import services as clocks
from governance.japanese import in_japanese
from governance.models import (
    ConnectionCondition,
    DeadlineKind,
    LedgerStatus,
    NetworkAsset,
    User,
)
from governance.network import messages as msg
from governance.network import permissions as network_permissions
from governance.network.services.records import held_role, record_network_decision
from governance.roles import Role
from governance.uploads import check_upload, store_attachment

CONDITION_TYPES = ("pdf", "png", "jpg", "xlsx", "docx")


def _require_open(condition: ConnectionCondition) -> None:
    if condition.status != LedgerStatus.OPEN:
        raise ValueError(_(msg.CONDITION_NOT_OPEN).format(status=condition.get_status_display()))


def report_condition(
    *, actor: User, condition: ConnectionCondition, evidence: str, upload: Any = None
) -> ConnectionCondition:
    """The department reports how it met the condition, with an optional file (a 廃棄証明書, a
    monitoring-service registration)."""
    network_permissions.require_approval_action(actor, condition.case, "report_condition")
    _require_open(condition)
    if not evidence.strip():
        raise ValueError(_(msg.EVIDENCE_REQUIRED))
    checked = check_upload(upload, allowed=CONDITION_TYPES) if upload is not None else None
    with transaction.atomic():
        if checked is not None:
            condition.evidence_file = store_attachment(
                case=condition.case, upload=checked, purpose="condition_evidence", actor=actor
            )
        condition.evidence = evidence.strip()
        condition.reported_at, condition.reported_by = timezone.now(), actor
        condition.save()
        record_event(
            actor=actor,
            action="network.condition.report",
            obj=condition,
            changes={
                "evidence": [None, condition.evidence],
                "file": [None, checked.sha256 if checked else None],
            },
        )
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[condition.case.reviewer],
                subject=_("承認条件の報告: {number} 条件{n}").format(
                    number=condition.case.number, n=condition.number
                ),
                url=reverse("network:condition", args=[condition.pk]),
                case=condition.case,
            )
    return condition


def verify_condition(
    *, actor: User, condition: ConnectionCondition, note: str = ""
) -> ConnectionCondition:
    """The security reviewer confirms the reported evidence: the condition is met (対応済) and
    its clock too."""
    network_permissions.require_approval_action(actor, condition.case, "verify_condition")
    _require_open(condition)
    if condition.reported_at is None:
        raise ValueError(_(msg.CONDITION_NOT_REPORTED))
    with transaction.atomic():
        condition.status = LedgerStatus.RESOLVED
        condition.resolution = note.strip() or condition.evidence
        condition.resolved_at, condition.resolved_by = timezone.now(), actor
        condition.save()
        deadline = clocks.open_deadline_for(condition, DeadlineKind.NC_CONDITION)
        if deadline is not None:
            clocks.meet_deadline(actor=actor, deadline=deadline, note=condition.resolution)
        if condition.is_disposal and condition.evidence_file_id and condition.approval_id:
            NetworkAsset.objects.filter(approvals=condition.approval_id, has_storage=True).update(
                disposal_certificate=condition.evidence_file_id,
                status=NetworkAsset.Status.DISPOSED,
            )
        record_event(
            actor=actor,
            action="network.condition.verify",
            obj=condition,
            changes={"status": [LedgerStatus.OPEN, LedgerStatus.RESOLVED]},
            reason=condition.resolution,
        )
        record_network_decision(
            actor=actor,
            case=condition.case,
            decision="network.condition.verify",
            role=held_role(actor, Role.SECURITY_REVIEWER, Role.GOVERNANCE_APPROVER),
            reason=condition.resolution,
            subject=condition,
        )
    return condition


def reopen_condition(
    *, actor: User, condition: ConnectionCondition, reason: str
) -> ConnectionCondition:
    """The security reviewer finds the evidence insufficient: the report is cleared and the
    department is asked again (the clock keeps running)."""
    network_permissions.require_approval_action(actor, condition.case, "verify_condition")
    _require_open(condition)
    if not reason.strip():
        raise ValueError(_(msg.REASON_REQUIRED))
    with transaction.atomic():
        old = condition.evidence
        condition.evidence, condition.reported_at, condition.reported_by = "", None, None
        condition.save(update_fields=["evidence", "reported_at", "reported_by"])
        record_event(
            actor=actor,
            action="network.condition.reopen",
            obj=condition,
            changes={"evidence": [old, ""]},
            reason=reason.strip(),
        )
        record_network_decision(
            actor=actor,
            case=condition.case,
            decision="network.condition.reopen",
            role=held_role(actor, Role.SECURITY_REVIEWER, Role.GOVERNANCE_APPROVER),
            reason=reason.strip(),
            subject=condition,
        )
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[condition.case.requester, condition.case.department.security_manager],
                subject=_("承認条件の再報告のお願い: {number} 条件{n}").format(
                    number=condition.case.number, n=condition.number
                ),
                body=reason.strip(),
                url=reverse("network:condition", args=[condition.pk]),
                case=condition.case,
            )
    return condition


def waive_condition(
    *, actor: User, condition: ConnectionCondition, reason: str
) -> ConnectionCondition:
    """The approver releases a condition that no longer applies (対応不要), with the reason;
    its clock is waived too."""
    network_permissions.require_approval_action(actor, condition.case, "waive_condition")
    if condition.status != LedgerStatus.OPEN:
        raise ValueError(
            _(msg.CONDITION_NOT_WAIVABLE).format(status=condition.get_status_display())
        )
    if not reason.strip():
        raise ValueError(_(msg.REASON_REQUIRED))
    with transaction.atomic():
        condition.status = LedgerStatus.WAIVED
        condition.resolution = reason.strip()
        condition.resolved_at, condition.resolved_by = timezone.now(), actor
        condition.save()
        deadline = clocks.open_deadline_for(condition, DeadlineKind.NC_CONDITION)
        if deadline is not None:
            clocks.waive_deadline(actor=actor, deadline=deadline, reason=reason.strip())
        record_event(
            actor=actor,
            action="network.condition.waive",
            obj=condition,
            changes={"status": [LedgerStatus.OPEN, LedgerStatus.WAIVED]},
            reason=reason.strip(),
        )
        record_network_decision(
            actor=actor,
            case=condition.case,
            decision="network.condition.waive",
            role=held_role(actor, Role.GOVERNANCE_APPROVER, Role.CISO),
            reason=reason.strip(),
            subject=condition,
        )
    return condition

"""The office's review of an application: the security reviewer decides the pre-filled
findings, writes and settles findings, fills the checklist and completes the review or sends it
back; the network admin confirms the technical plan (VLAN, addresses, firewall) or sends it back.

Statuses: UNDER_REVIEW (security review, then technical check) ⇄ RETURNED (the department
revises; the ``nc_review`` clock stands still) → AWAITING_APPROVAL.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import set_status
from governance.cases.services.notifications import notify
from governance.clocks import services as clocks
from governance.japanese import in_japanese
from governance.models import (
    CaseMessage,
    CaseStatus,
    CheckResult,
    ConnectionCheckEntry,
    ConnectionFinding,
    ConnectionPerspective,
    ConnectionReview,
    DeadlineKind,
    LedgerStatus,
    NetworkConnection,
    Proposal,
    ReviewStage,
    User,
)
from governance.network import messages as msg
from governance.network.services.records import record_network_decision
from governance.roles import Role


def _require_security_review(actor: User, connection: NetworkConnection) -> None:
    permissions.require_act(actor, connection, Role.SECURITY_REVIEWER)
    if connection.status != CaseStatus.UNDER_REVIEW:
        raise ValueError(_(msg.NOT_UNDER_REVIEW))


def _take(actor: User, connection: NetworkConnection) -> None:
    """The security reviewer working the case becomes its reviewer of record."""
    if connection.reviewer_id != actor.pk:
        connection.reviewer = actor
        connection.save(update_fields=["reviewer", "updated_at"])


def _proposal_of(connection: NetworkConnection, finding: ConnectionFinding) -> None:
    if finding.case_id != connection.pk:
        raise ValueError(_(msg.NOT_OF_THIS_CASE))
    if finding.proposal != Proposal.PENDING:
        raise ValueError(_(msg.PROPOSAL_DECIDED))


def accept_proposal(
    *, actor: User, connection: NetworkConnection, finding: ConnectionFinding, text: str = ""
) -> ConnectionFinding:
    """The reviewer adopts a pre-filled finding (its wording may change); a proposed condition
    goes with it to the approver."""
    _require_security_review(actor, connection)
    _proposal_of(connection, finding)
    with transaction.atomic():
        old_text = finding.text
        finding.text = text.strip() or finding.text
        finding.proposal = Proposal.ACCEPTED
        finding.decided_by = actor
        finding.decided_at = timezone.now()
        finding.save(update_fields=["text", "proposal", "decided_by", "decided_at"])
        _take(actor, connection)
        record_event(
            actor=actor,
            action="network.finding.accept",
            obj=finding,
            changes={
                "proposal": [Proposal.PENDING, Proposal.ACCEPTED],
                "check": [None, finding.check_code],
                "text": [old_text, finding.text],
            },
        )
    return finding


def dismiss_proposal(
    *, actor: User, connection: NetworkConnection, finding: ConnectionFinding, reason: str
) -> ConnectionFinding:
    """The reviewer judges a pre-filled finding not to apply, and says why (kept in the ledger
    as 対応不要 with that reason)."""
    _require_security_review(actor, connection)
    _proposal_of(connection, finding)
    if not reason.strip():
        raise ValueError(_(msg.DISMISS_REASON_REQUIRED))
    with transaction.atomic():
        finding.proposal = Proposal.DISMISSED
        finding.status = LedgerStatus.WAIVED
        finding.decision_note = finding.resolution = reason.strip()
        finding.decided_by = actor
        finding.decided_at = finding.resolved_at = timezone.now()
        finding.resolved_by = actor
        finding.save()
        _take(actor, connection)
        record_event(
            actor=actor,
            action="network.finding.dismiss",
            obj=finding,
            changes={
                "proposal": [Proposal.PENDING, Proposal.DISMISSED],
                "check": [None, finding.check_code],
            },
            reason=finding.decision_note,
        )
    return finding


def add_finding(
    *,
    actor: User,
    connection: NetworkConnection,
    perspective: str,
    text: str,
    proposed_condition: str = "",
) -> ConnectionFinding:
    """The reviewer writes a finding, optionally proposing a condition of the approval."""
    _require_security_review(actor, connection)
    if perspective not in ConnectionPerspective.values:
        raise ValueError(_(msg.UNKNOWN_PERSPECTIVE))
    if not text.strip():
        raise ValueError(_(msg.FINDING_TEXT_REQUIRED))
    with transaction.atomic():
        latest = ConnectionFinding.objects.filter(case=connection).aggregate(n=Max("number"))
        finding = ConnectionFinding.objects.create(
            case=connection,
            department_id=connection.department_id,
            system_id=connection.system_id,
            number=(latest["n"] or 0) + 1,
            perspective=perspective,
            text=text.strip(),
            proposed_condition=proposed_condition.strip(),
            proposal=Proposal.ACCEPTED,
            created_by=actor,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        _take(actor, connection)
        record_event(
            actor=actor,
            action="network.finding.add",
            obj=finding,
            changes={
                "number": [None, finding.number],
                "perspective": [None, perspective],
                "text": [None, finding.text],
                "proposed_condition": [None, finding.proposed_condition],
            },
        )
    return finding


def settle_finding(
    *,
    actor: User,
    connection: NetworkConnection,
    finding: ConnectionFinding,
    status: str,
    resolution: str = "",
) -> ConnectionFinding:
    """The reviewer records a finding resolved (e.g. the department enrolled the system in a
    monitoring service while revising), or opens it again."""
    _require_security_review(actor, connection)
    if finding.case_id != connection.pk:
        raise ValueError(_(msg.NOT_OF_THIS_CASE))
    if status not in (LedgerStatus.OPEN, LedgerStatus.RESOLVED):
        raise ValueError(_(msg.UNKNOWN_DECISION))
    if status == LedgerStatus.RESOLVED and not resolution.strip():
        raise ValueError(_(msg.REASON_REQUIRED))
    with transaction.atomic():
        old = finding.status
        finding.status = status
        finding.resolution = resolution.strip() if status == LedgerStatus.RESOLVED else ""
        finding.resolved_at = timezone.now() if status == LedgerStatus.RESOLVED else None
        finding.resolved_by = actor if status == LedgerStatus.RESOLVED else None
        finding.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
        record_event(
            actor=actor,
            action="network.finding.settle",
            obj=finding,
            changes={"status": [old, status]},
            reason=finding.resolution,
        )
    return finding


def _next_round(connection: NetworkConnection) -> int:
    latest = connection.reviews.aggregate(n=Max("number"))["n"]
    return (latest or 0) + 1


def _send_back(
    actor: User, connection: NetworkConnection, stage: str, message: str, action: str
) -> None:
    """Return the application to the department: the message, the paused clock, the notice."""
    ConnectionReview.objects.create(
        connection=connection,
        stage=stage,
        number=_next_round(connection),
        reviewer=actor,
        decision=ConnectionReview.Decision.RETURNED,
        comment=message,
    )
    CaseMessage.objects.create(
        case=connection, kind=CaseMessage.Kind.QUESTION, body=message, author=actor
    )
    set_status(
        actor=actor,
        case=connection,
        status=CaseStatus.RETURNED,
        action=action,
        reason=message,
        extra_changes={"stage": [None, stage]},
    )
    review_clock = clocks.open_deadline_for(connection, DeadlineKind.NC_REVIEW)
    if review_clock is not None and review_clock.paused_at is None:
        clocks.pause_deadline(actor=actor, deadline=review_clock, reason=message)
    with in_japanese():  # records stay Japanese
        notify(
            recipients=[connection.requester],
            subject=_("ネットワーク接続 {number}: 差戻し").format(number=connection.number),
            body=message,
            url=reverse("home:case", args=[connection.pk]),
            case=connection,
        )


def complete_security_review(
    *,
    actor: User,
    connection: NetworkConnection,
    checklist: Mapping[str, tuple[str, str]],
    send_back: bool,
    message: str = "",
) -> NetworkConnection:
    """The security reviewer sends the application back (a message is required), or completes
    the review once every pre-filled finding is decided and every perspective is filled; the
    technical check by the network admin follows."""
    _require_security_review(actor, connection)
    message = message.strip()
    if send_back:
        if not message:
            raise ValueError(_(msg.MESSAGE_REQUIRED))
        with transaction.atomic():
            _take(actor, connection)
            _send_back(actor, connection, ReviewStage.SECURITY, message, "network.security_return")
            record_network_decision(
                actor=actor,
                case=connection,
                decision="network.security_return",
                role=Role.SECURITY_REVIEWER,
                reason=message,
            )
        return connection
    pending = ConnectionFinding.objects.filter(case=connection, proposal=Proposal.PENDING).count()
    if pending:
        raise ValueError(_(msg.PENDING_PROPOSALS).format(count=pending))
    cleaned = {}
    for perspective in ConnectionPerspective:
        result, note = checklist.get(perspective.value, ("", ""))
        if result not in CheckResult.values:
            raise ValueError(_(msg.CHECKLIST_INCOMPLETE).format(perspective=perspective.label))
        cleaned[perspective.value] = (result, (note or "").strip())
    with transaction.atomic():
        for key, (result, note) in cleaned.items():
            ConnectionCheckEntry.objects.update_or_create(
                connection=connection,
                perspective=key,
                defaults={"result": result, "note": note, "updated_by": actor},
            )
        _take(actor, connection)
        review = ConnectionReview.objects.create(
            connection=connection,
            stage=ReviewStage.SECURITY,
            number=_next_round(connection),
            reviewer=actor,
            decision=ConnectionReview.Decision.COMPLETED,
            comment=message,
        )
        if message:
            CaseMessage.objects.create(
                case=connection, kind=CaseMessage.Kind.REMARK, body=message, author=actor
            )
        record_event(
            actor=actor,
            action="network.security_review",
            obj=connection,
            changes={
                "round": [None, review.number],
                "checklist": [None, {key: value[0] for key, value in cleaned.items()}],
            },
            reason=message,
        )
        record_network_decision(
            actor=actor,
            case=connection,
            decision="network.security_review",
            role=Role.SECURITY_REVIEWER,
            reason=message,
        )
    return connection


def complete_network_review(
    *,
    actor: User,
    connection: NetworkConnection,
    send_back: bool,
    assigned_vlan: str = "",
    assigned_addresses: str = "",
    fw_change_ref: str = "",
    message: str = "",
) -> NetworkConnection:
    """The network admin confirms the technical configuration with the VLAN and address plan,
    and the application goes to the approver; or sends it back to the department."""
    permissions.require_act(actor, connection, Role.NETWORK_ADMIN)
    if connection.status != CaseStatus.UNDER_REVIEW:
        raise ValueError(_(msg.NOT_UNDER_REVIEW))
    message = message.strip()
    if send_back:
        if not message:
            raise ValueError(_(msg.MESSAGE_REQUIRED))
        with transaction.atomic():
            _send_back(actor, connection, ReviewStage.NETWORK, message, "network.technical_return")
            record_network_decision(
                actor=actor,
                case=connection,
                decision="network.technical_return",
                role=Role.NETWORK_ADMIN,
                reason=message,
            )
        return connection
    if not assigned_vlan.strip() or not assigned_addresses.strip():
        raise ValueError(_(msg.VLAN_PLAN_REQUIRED))
    with transaction.atomic():
        old = [connection.assigned_vlan, connection.assigned_addresses, connection.fw_change_ref]
        connection.assigned_vlan = assigned_vlan.strip()
        connection.assigned_addresses = assigned_addresses.strip()
        connection.fw_change_ref = fw_change_ref.strip()
        connection.network_admin = actor
        connection.save(
            update_fields=[
                "assigned_vlan",
                "assigned_addresses",
                "fw_change_ref",
                "network_admin",
                "updated_at",
            ]
        )
        review = ConnectionReview.objects.create(
            connection=connection,
            stage=ReviewStage.NETWORK,
            number=_next_round(connection),
            reviewer=actor,
            decision=ConnectionReview.Decision.COMPLETED,
            comment=message,
        )
        if message:
            CaseMessage.objects.create(
                case=connection, kind=CaseMessage.Kind.REMARK, body=message, author=actor
            )
        set_status(
            actor=actor,
            case=connection,
            status=CaseStatus.AWAITING_APPROVAL,
            action="network.technical_review",
            reason=message,
            extra_changes={
                "round": [None, review.number],
                "assigned_vlan": [old[0], connection.assigned_vlan],
                "assigned_addresses": [old[1], connection.assigned_addresses],
                "fw_change_ref": [old[2], connection.fw_change_ref],
            },
        )
        record_network_decision(
            actor=actor,
            case=connection,
            decision="network.technical_review",
            role=Role.NETWORK_ADMIN,
            reason=message,
        )
    return connection

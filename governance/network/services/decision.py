"""The decision on an application and what follows it in the flow: the 統括情報セキュリティ責任者
approves (with or without conditions), sends it back or rejects it; the CISO approves too when
the route requires it; the approval is issued with its 承認書; the network admin records the
connection; the department acknowledges the conditions.

Statuses: AWAITING_APPROVAL → (CISO) → APPROVED (approval issued) → AWAITING_ACKNOWLEDGEMENT
(connected) → CLOSED; a rejection CLOSES the case with ``outcome=rejected`` and a 不承認通知.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import set_status
from governance.cases.services.documents import issue_document
from governance.cases.services.notifications import notify
from governance.clocks import services as clocks
from governance.clocks.schedule import end_of_day
from governance.japanese import fiscal_year_of, in_japanese, legal_due
from governance.karte import services as karte
from governance.models import (
    ApprovalStatus,
    CaseMessage,
    CaseStatus,
    ConnectionApproval,
    ConnectionCondition,
    ConnectionFinding,
    DeadlineKind,
    InternetExposure,
    LedgerStatus,
    NetworkConnection,
    Outcome,
    Proposal,
    RuleKey,
    User,
)
from governance.network import checks
from governance.network import messages as msg
from governance.network.services.lifecycle import end_renewed_approval, expire_if_past
from governance.network.services.records import record_network_decision
from governance.roles import Role
from governance.rules.services import rule_in_force

APPROVAL_TEMPLATE = "network_connection_approval"
REJECTION_TEMPLATE = "network_connection_rejection"
APPROVAL_TITLE = "ネットワーク接続承認書"
CONDITIONAL_TITLE = "ネットワーク接続条件付承認書"
REJECTION_TITLE = "ネットワーク接続不承認通知"

DECISIONS = ("approve", "approve_with_conditions", "return", "reject")


@dataclass(frozen=True)
class ConditionDraft:
    """A condition as the approver writes it (``finding``: the finding it answers, if any)."""

    text: str
    due_date: dt.date | None
    evidence_required: str = ""
    finding: ConnectionFinding | None = None


def default_condition_due(today: dt.date | None = None) -> dt.date:
    """Today plus the rule's standard days (``nc_condition_default_days``), rolled past a
    行政機関の休日."""
    today = today or timezone.localdate()
    days = int(rule_in_force(RuleKey.NC_CONDITION_DEFAULT_DAYS, fiscal_year_of(today)).value)
    return legal_due(today, days).due


def proposed_condition_findings(connection: NetworkConnection) -> list[ConnectionFinding]:
    """Adopted, still open findings that propose a condition: each needs a condition unless the
    reviewer dismissed or settled it."""
    return list(
        ConnectionFinding.objects.filter(
            case=connection, proposal=Proposal.ACCEPTED, status=LedgerStatus.OPEN
        )
        .exclude(proposed_condition="")
        .order_by("number")
    )


def _check_conditions(
    connection: NetworkConnection, decision: str, drafts: Sequence[ConditionDraft]
) -> list[ConditionDraft]:
    drafts = [draft for draft in drafts if draft.text.strip()]
    if decision == "approve" and drafts:
        raise ValueError(_(msg.CONDITIONS_WITH_PLAIN_APPROVAL))
    if decision == "approve_with_conditions" and not drafts:
        raise ValueError(_(msg.CONDITIONS_REQUIRED))
    today = timezone.localdate()
    for number, draft in enumerate(drafts, start=1):
        if draft.due_date is None:
            raise ValueError(_(msg.CONDITION_DUE_REQUIRED).format(number=number))
        if draft.due_date < today:
            raise ValueError(_(msg.CONDITION_DUE_PAST).format(number=number))
        if draft.finding is not None and draft.finding.case_id != connection.pk:
            raise ValueError(_(msg.NOT_OF_THIS_CASE))
    answered = {draft.finding.pk for draft in drafts if draft.finding is not None}
    for finding in proposed_condition_findings(connection):
        if finding.pk not in answered:
            if finding.check_code == "monitoring":
                raise ValueError(_(msg.MONITORING_CONDITION_REQUIRED))
            raise ValueError(
                _(msg.PROPOSED_CONDITION_REQUIRED).format(
                    number=finding.number, text=finding.proposed_condition
                )
            )
    return drafts


def _meet_review_clock(actor: User | None, connection: NetworkConnection) -> None:
    review_clock = clocks.open_deadline_for(connection, DeadlineKind.NC_REVIEW)
    if review_clock is not None:
        clocks.meet_deadline(actor=actor, deadline=review_clock)


def _notify(connection: NetworkConnection, subject: str, body: str = "") -> None:
    department = connection.department
    recipients = [connection.requester, connection.reviewer, department.security_manager]
    with in_japanese():  # records stay Japanese
        notify(
            recipients=[user for user in recipients if user is not None],
            subject=subject.format(number=connection.number),
            body=body,
            url=reverse("home:case", args=[connection.pk]),
            case=connection,
        )


def _reject(actor: User, connection: NetworkConnection, reason: str, action: str) -> None:
    """Close the case as rejected: conditions drafted for it are void, the 不承認通知 is
    issued, and an approval it would have renewed is no longer under renewal."""
    connection.outcome = Outcome.REJECTED
    connection.save(update_fields=["outcome", "updated_at"])
    for condition in ConnectionCondition.objects.filter(case=connection, status=LedgerStatus.OPEN):
        condition.status = LedgerStatus.WAIVED
        condition.resolution = "不承認のため"
        condition.save(update_fields=["status", "resolution"])
    CaseMessage.objects.create(
        case=connection, kind=CaseMessage.Kind.REMARK, body=reason, author=actor
    )
    set_status(
        actor=actor,
        case=connection,
        status=CaseStatus.CLOSED,
        action=action,
        reason=reason,
        extra_changes={"outcome": [None, Outcome.REJECTED]},
    )
    issue_document(actor=actor, case=connection, template=REJECTION_TEMPLATE, title=REJECTION_TITLE)
    for approval in ConnectionApproval.objects.filter(renewal_case=connection):
        approval.renewal_case = None
        approval.save(update_fields=["renewal_case"])
        expire_if_past(approval, now=timezone.now())
    _notify(connection, "ネットワーク接続 {number}: 不承認", reason)


def approve_connection(
    *,
    actor: User,
    connection: NetworkConnection,
    decision: str,
    conditions: Sequence[ConditionDraft] = (),
    comment: str = "",
) -> NetworkConnection:
    """The 統括情報セキュリティ責任者 decides: approve, approve with conditions (each with a due
    date; a finding that proposed a condition needs one), send back to the security reviewer,
    or reject (a 不承認通知 is issued). The approver neither requested nor reviewed the case
    (``permissions.segregation_error``)."""
    permissions.require_act(actor, connection, Role.GOVERNANCE_APPROVER)
    if decision not in DECISIONS:
        raise ValueError(_(msg.UNKNOWN_DECISION))
    if connection.status != CaseStatus.AWAITING_APPROVAL or connection.outcome:
        raise ValueError(_(msg.ALREADY_PROCESSED))
    comment = comment.strip()
    if decision in ("return", "reject") and not comment:
        raise ValueError(_(msg.REASON_REQUIRED))
    drafts = (
        []
        if decision in ("return", "reject")
        else _check_conditions(connection, decision, conditions)
    )
    with transaction.atomic():
        if decision == "return":
            CaseMessage.objects.create(
                case=connection, kind=CaseMessage.Kind.QUESTION, body=comment, author=actor
            )
            set_status(
                actor=actor,
                case=connection,
                status=CaseStatus.UNDER_REVIEW,
                action="network.approval_return",
                reason=comment,
            )
            record_network_decision(
                actor=actor,
                case=connection,
                decision="network.approval_return",
                role=Role.GOVERNANCE_APPROVER,
                reason=comment,
            )
            return connection
        connection.approver = actor
        connection.decided_at = timezone.now()
        connection.save(update_fields=["approver", "decided_at", "updated_at"])
        _meet_review_clock(actor, connection)
        if decision == "reject":
            _reject(actor, connection, comment, "network.reject")
            record_network_decision(
                actor=actor,
                case=connection,
                decision="network.reject",
                role=Role.GOVERNANCE_APPROVER,
                reason=comment,
            )
            return connection
        outcome = Outcome.APPROVED if decision == "approve" else Outcome.APPROVED_WITH_CONDITIONS
        connection.outcome = outcome
        connection.save(update_fields=["outcome", "updated_at"])
        latest = ConnectionCondition.objects.filter(case=connection).aggregate(n=Max("number"))
        number = latest["n"] or 0
        for draft in drafts:
            number += 1
            ConnectionCondition.objects.create(
                case=connection,
                department_id=connection.department_id,
                system_id=connection.system_id,
                number=number,
                text=draft.text.strip(),
                due_date=draft.due_date,
                evidence_required=draft.evidence_required.strip(),
                finding=draft.finding,
                created_by=actor,
            )
        if comment:
            CaseMessage.objects.create(
                case=connection, kind=CaseMessage.Kind.REMARK, body=comment, author=actor
            )
        record_event(
            actor=actor,
            action="network.approve",
            obj=connection,
            changes={
                "outcome": [None, outcome],
                "approver": [None, actor.pk],
                "conditions": [
                    None,
                    [
                        [d.text.strip(), d.due_date.isoformat() if d.due_date else None]
                        for d in drafts
                    ],
                ],
                "requires_ciso": [None, connection.requires_ciso],
            },
            reason=comment,
        )
        record_network_decision(
            actor=actor,
            case=connection,
            decision=(
                "network.approve"
                if outcome == Outcome.APPROVED
                else "network.approve_with_conditions"
            ),
            role=Role.GOVERNANCE_APPROVER,
            reason=comment,
        )
        if connection.requires_ciso:
            with in_japanese():
                notify(
                    recipients=list(
                        User.objects.filter(groups__name=Role.CISO, is_active=True).exclude(
                            pk=actor.pk
                        )
                    ),
                    subject=_("ネットワーク接続 {number}: CISO の承認をお願いします").format(
                        number=connection.number
                    ),
                    body=connection.routing_reason,
                    url=reverse("home:case", args=[connection.pk]),
                    case=connection,
                )
    return connection


def ciso_decide(
    *, actor: User, connection: NetworkConnection, approve: bool, comment: str = ""
) -> NetworkConnection:
    """The CISO's second approval, when the route requires it; the CISO is not the approver of
    the same case. Rejecting closes the case with a 不承認通知."""
    permissions.require_act(actor, connection, Role.CISO)
    if (
        connection.status != CaseStatus.AWAITING_APPROVAL
        or not connection.requires_ciso
        or connection.outcome in ("", Outcome.REJECTED)
        or connection.ciso_decided_at is not None
    ):
        raise ValueError(_(msg.NOT_AWAITING_CISO))
    comment = comment.strip()
    if not approve and not comment:
        raise ValueError(_(msg.REASON_REQUIRED))
    with transaction.atomic():
        connection.ciso = actor
        connection.ciso_decided_at = timezone.now()
        connection.save(update_fields=["ciso", "ciso_decided_at", "updated_at"])
        if not approve:
            _reject(actor, connection, comment, "network.ciso_reject")
            record_network_decision(
                actor=actor,
                case=connection,
                decision="network.ciso_reject",
                role=Role.CISO,
                reason=comment,
            )
            return connection
        if comment:
            CaseMessage.objects.create(
                case=connection, kind=CaseMessage.Kind.REMARK, body=comment, author=actor
            )
        record_event(
            actor=actor,
            action="network.ciso_approve",
            obj=connection,
            changes={"ciso": [None, actor.pk]},
            reason=comment,
        )
        record_network_decision(
            actor=actor,
            case=connection,
            decision="network.ciso_approve",
            role=Role.CISO,
            reason=comment,
        )
    return connection


def issue_approval(*, connection: NetworkConnection) -> ConnectionApproval:
    """The flow's ``issue_document`` step (the system acts): the approval with its validity, the
    conditions' clocks, the expiry and unused-lapse clocks, the 承認書, and the registry's
    public flag brought in line with what was approved. A renewal supersedes the approval it
    renews."""
    system = connection.system
    assert system is not None
    today = timezone.localdate()
    now = timezone.now()
    year = fiscal_year_of(today)
    with transaction.atomic():
        valid_from = max(today, connection.desired_start_on)
        max_years = int(rule_in_force(RuleKey.NC_APPROVAL_MAX_YEARS, year).value)
        assets = list(connection.connection_assets.select_related("asset"))
        valid_until, basis = checks.validity(
            valid_from=valid_from,
            desired_end_on=connection.desired_end_on,
            eols=[row.os_eol_on for row in assets],
            max_years=max_years,
        )
        approval = ConnectionApproval.objects.create(
            case=connection,
            system=system,
            segment=connection.segment,
            target_kind=connection.target_kind,
            valid_from=valid_from,
            valid_until=valid_until,
            valid_until_basis=basis,
        )
        approval.assets.set([row.asset for row in assets])
        title = APPROVAL_TITLE if connection.outcome == Outcome.APPROVED else CONDITIONAL_TITLE
        approval.document = issue_document(
            actor=None, case=connection, template=APPROVAL_TEMPLATE, title=title
        )
        approval.save(update_fields=["document"])
        department = connection.department
        for condition in ConnectionCondition.objects.filter(
            case=connection, status=LedgerStatus.OPEN
        ):
            condition.approval = approval
            condition.save(update_fields=["approval"])
            assert condition.due_date is not None
            clocks.start_deadline(
                actor=None,
                kind=DeadlineKind.NC_CONDITION,
                starts_at=now,
                case=connection,
                subject=condition,
                due_on=condition.due_date,
                holder=department.security_manager,
                holder_role=Role.DEPARTMENT_STAFF,
                basis=f"承認条件{condition.number}の履行期限（{approval.document.number}）",
            )
        lead = int(rule_in_force(RuleKey.NC_RENEWAL_LEAD_DAYS, year).value)
        expiry_rule = rule_in_force(RuleKey.NC_APPROVAL_MAX_YEARS, year)
        clocks.start_deadline(
            actor=None,
            kind=DeadlineKind.NC_EXPIRY,
            starts_at=now,
            case=connection,
            subject=approval,
            due_on=valid_until,
            holder=department.security_manager,
            holder_role=Role.DEPARTMENT_STAFF,
            reminders=[f"d{lead}", "d30", "bd10"],
            basis=f"接続承認の有効期限（{approval.get_valid_until_basis_display()}）。"
            f"{expiry_rule.basis}",
        )
        clocks.start_deadline(
            actor=None,
            kind=DeadlineKind.NC_UNUSED_LAPSE,
            starts_at=now,
            case=connection,
            subject=approval,
            holder_role=Role.NETWORK_ADMIN,
        )
        if connection.internet_exposure == InternetExposure.INBOUND_PUBLIC:
            karte.set_internet_facing(
                actor=None,
                system=system,
                internet_facing=True,
                reason=f"ネットワーク接続承認 {connection.number}（インターネットへ公開）",
            )
        if connection.renews_id is not None:
            end_renewed_approval(connection.renews_id, successor=approval, now=now)
        set_status(
            actor=None,
            case=connection,
            status=CaseStatus.APPROVED,
            action="network.issue_approval",
            extra_changes={
                "approval": [None, approval.pk],
                "valid_from": [None, valid_from.isoformat()],
                "valid_until": [None, valid_until.isoformat()],
                "valid_until_basis": [None, basis],
                "document": [None, approval.document.number],
            },
        )
        _notify(connection, "ネットワーク接続 {number}: 承認されました")
    return approval


def record_connection(
    *, actor: User, connection: NetworkConnection, note: str = ""
) -> ConnectionApproval:
    """The network admin records that the connection was made: the approval is in force
    (接続中) and the unused-lapse clock is met."""
    permissions.require_act(actor, connection, Role.NETWORK_ADMIN)
    if connection.status != CaseStatus.APPROVED:
        raise ValueError(_(msg.NOT_AWAITING_CONNECTION))
    with transaction.atomic():
        approval = ConnectionApproval.objects.select_for_update().get(case=connection)
        if approval.status != ApprovalStatus.APPROVED_PENDING_CONNECTION:
            raise ValueError(_(msg.ALREADY_PROCESSED))
        now = timezone.now()
        connection.connected_at = now
        connection.connected_by = actor
        connection.save(update_fields=["connected_at", "connected_by", "updated_at"])
        approval.status = ApprovalStatus.ACTIVE
        approval.connected_at = now
        approval.save(update_fields=["status", "connected_at"])
        lapse = clocks.open_deadline_for(approval, DeadlineKind.NC_UNUSED_LAPSE)
        if lapse is not None:
            clocks.meet_deadline(actor=actor, deadline=lapse)
        record_event(
            actor=actor,
            action="network.approval.connect",
            obj=approval,
            case=connection,
            changes={"status": [ApprovalStatus.APPROVED_PENDING_CONNECTION, approval.status]},
            reason=note.strip(),
        )
        set_status(
            actor=actor,
            case=connection,
            status=CaseStatus.AWAITING_ACKNOWLEDGEMENT,
            action="network.connect",
            reason=note.strip(),
        )
        _notify(connection, "ネットワーク接続 {number}: 接続されました（条件の確認をお願いします）")
    return approval


def acknowledge_connection(
    *, actor: User, connection: NetworkConnection, comment: str = ""
) -> NetworkConnection:
    """The department confirms it has read the approval and its conditions; the conditions stay
    in the ledger with their clocks."""
    permissions.require_act(actor, connection, Role.DEPARTMENT_STAFF)
    if connection.status != CaseStatus.AWAITING_ACKNOWLEDGEMENT:
        raise ValueError(_(msg.NOT_AWAITING_ACKNOWLEDGEMENT))
    with transaction.atomic():
        if comment.strip():
            CaseMessage.objects.create(
                case=connection, kind=CaseMessage.Kind.ANSWER, body=comment.strip(), author=actor
            )
        set_status(
            actor=actor,
            case=connection,
            status=CaseStatus.CLOSED,
            action="network.acknowledge",
            reason=comment.strip(),
        )
    return connection


def approval_due(approval: ConnectionApproval) -> dt.datetime:
    """When the approval ends: 23:59:59 JST of ``valid_until`` (not UTC midnight)."""
    return end_of_day(approval.valid_until)

"""The approval's life after the case (NEXT_WAVE §A.5, second table): emergency disconnection
and restoration, revocation with its 取消通知書, decommission (with a 廃棄証明書 condition for
equipment with storage), the network admin's confirmation of a disconnection, and what the
clock runner does at a breach (expired, lapsed; a renewal under review continues).

Automatic revocation triggers (a condition long overdue, the system retired in the registry, an
asset past its end of support) never revoke: ``run_approval_triggers`` opens an
``ApprovalReview`` task for the approver, once per trigger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions
from governance.audit.services import PendingEvent, record_event, record_events
from governance.cases.services.documents import issue_document
from governance.cases.services.notifications import notify
from governance.clocks import services as clocks
from governance.clocks.runner import MAIL_JOB, on_breach
from governance.japanese import add_business_days, fiscal_year_of, in_japanese, legal_due
from governance.jobs import outbox
from governance.jobs.periodic import periodic
from governance.models import (
    LIVE_APPROVAL_STATUSES,
    ApprovalReview,
    ApprovalStatus,
    Case,
    CaseKind,
    ConnectionApproval,
    ConnectionCondition,
    Deadline,
    DeadlineKind,
    InformationSystem,
    LedgerStatus,
    Notification,
    ReviewTrigger,
    RuleKey,
    User,
)
from governance.network import messages as msg
from governance.network import permissions as network_permissions
from governance.network.services.records import held_role, record_network_decision
from governance.roles import Role
from governance.rules.services import rule_in_force

REVOCATION_TEMPLATE = "network_connection_revocation"
REVOCATION_TITLE = "ネットワーク接続承認取消通知書"
#: Clocks that belong to an approval in force; they stop when it ends.
APPROVAL_CLOCKS = (DeadlineKind.NC_EXPIRY, DeadlineKind.NC_UNUSED_LAPSE)


def _locked(approval: ConnectionApproval | int) -> ConnectionApproval:
    pk = approval if isinstance(approval, int) else approval.pk
    return (
        ConnectionApproval.objects.select_for_update(of=("self",))
        .select_related("case", "case__department", "system")
        .get(pk=pk)
    )


def _audit(
    actor: User | None,
    approval: ConnectionApproval,
    action: str,
    changes: dict[str, Any],
    reason: str = "",
) -> None:
    record_event(
        actor=actor, action=action, obj=approval, case=approval.case, changes=changes, reason=reason
    )


_DECIDERS = (Role.GOVERNANCE_APPROVER, Role.CISO, Role.NETWORK_ADMIN, Role.SECURITY_REVIEWER)


def _record(
    actor: User,
    approval: ConnectionApproval,
    decision: str,
    reason: str,
    roles: tuple[str, ...] = _DECIDERS,
) -> None:
    """The decision record of a person's decision on an approval after the case."""
    record_network_decision(
        actor=actor,
        case=approval.case,
        decision=decision,
        role=held_role(actor, *roles),
        reason=reason,
        approval=approval,
    )


def _stop_clocks(approval: ConnectionApproval, reason: str) -> None:
    for kind in APPROVAL_CLOCKS:
        deadline = clocks.open_deadline_for(approval, kind)
        if deadline is not None:
            clocks.cancel_deadline(actor=None, deadline=deadline, reason=reason)


def _role_members(role: str) -> list[User]:
    return list(User.objects.filter(groups__name=role, is_active=True))


def _tell(
    recipients: Iterable[User | None], approval: ConnectionApproval, subject: str, body: str = ""
) -> None:
    with in_japanese():  # records stay Japanese
        notify(
            recipients=recipients,
            subject=subject.format(number=approval.case.number, system=approval.system.name),
            body=body,
            url=reverse("network:approval", args=[approval.pk]),
            case=approval.case,
        )


def _start_disconnect_clock(approval: ConnectionApproval, now: dt.datetime) -> None:
    if approval.disconnected_at is None:
        clocks.start_deadline(
            actor=None,
            kind=DeadlineKind.NC_DISCONNECT_CONFIRM,
            starts_at=now,
            case=approval.case,
            subject=approval,
            holder_role=Role.NETWORK_ADMIN,
        )


def _expire(approval: ConnectionApproval, now: dt.datetime) -> None:
    old = approval.status
    approval.status = ApprovalStatus.EXPIRED
    approval.ended_at = now
    approval.save(update_fields=["status", "ended_at"])
    _audit(None, approval, "network.approval.expire", {"status": [old, approval.status]})
    _stop_clocks(approval, "有効期限の到来により承認は期限切れとなりました。")
    _start_disconnect_clock(approval, now)
    _tell(
        [approval.case.department.security_manager, *_role_members(Role.NETWORK_ADMIN)],
        approval,
        "接続承認期限切れ {number}（{system}）: 接続の解除をお願いします",
    )


def renewal_continues(approval: ConnectionApproval, today: dt.date) -> bool:
    """Whether a renewal under review keeps the approval in force past ``valid_until`` (rule
    ``nc_renewal_continues``, an assumption: common administrative practice)."""
    if approval.renewal_case_id is None:
        return False
    return bool(rule_in_force(RuleKey.NC_RENEWAL_CONTINUES, fiscal_year_of(today)).value)


def expire_if_past(approval: ConnectionApproval, *, now: dt.datetime) -> bool:
    """Expire an approval whose last day has passed and which no renewal carries (after a
    renewal was rejected or withdrawn late)."""
    today = timezone.localtime(now).date()
    if approval.status not in LIVE_APPROVAL_STATUSES or today <= approval.valid_until:
        return False
    if renewal_continues(approval, today):
        return False
    _expire(_locked(approval), now)
    return True


@on_breach(DeadlineKind.NC_EXPIRY)
def approval_expiry_reached(deadline: Deadline, now: dt.datetime) -> None:
    """The runner found ``valid_until`` past: the approval expires, unless a renewal submitted
    in time is under review (it then continues under the old approval, 従前の承認で継続)."""
    approval = ConnectionApproval.objects.filter(pk=int(deadline.subject_id)).first()
    if approval is None or approval.status not in LIVE_APPROVAL_STATUSES:
        return
    approval = _locked(approval)
    if renewal_continues(approval, timezone.localtime(now).date()):
        _audit(
            None,
            approval,
            "network.approval.continue",
            {"renewal_case": [None, approval.renewal_case_id]},
            reason="更新審査中のため、従前の承認で継続します。",
        )
        return
    _expire(approval, now)


@on_breach(DeadlineKind.NC_UNUSED_LAPSE)
def approval_unused_lapse_reached(deadline: Deadline, now: dt.datetime) -> None:
    """An approval never connected within ``nc_unused_lapse_days`` lapses (未使用失効)."""
    approval = ConnectionApproval.objects.filter(pk=int(deadline.subject_id)).first()
    if approval is None or approval.status != ApprovalStatus.APPROVED_PENDING_CONNECTION:
        return
    approval = _locked(approval)
    approval.status = ApprovalStatus.LAPSED
    approval.ended_at = now
    approval.save(update_fields=["status", "ended_at"])
    _audit(
        None,
        approval,
        "network.approval.lapse",
        {"status": [ApprovalStatus.APPROVED_PENDING_CONNECTION, approval.status]},
    )
    _stop_clocks(approval, "未接続のまま失効しました。")


def end_renewed_approval(
    approval_id: int, *, successor: ConnectionApproval, now: dt.datetime
) -> ConnectionApproval:
    """The renewal was approved: the old approval is superseded (更新済) and its clocks stop."""
    approval = _locked(approval_id)
    old = approval.status
    approval.status = ApprovalStatus.SUPERSEDED
    approval.superseded_by = successor
    approval.renewal_case = None
    approval.ended_at = now
    approval.save(update_fields=["status", "superseded_by", "renewal_case", "ended_at"])
    _audit(
        None,
        approval,
        "network.approval.supersede",
        {"status": [old, approval.status], "superseded_by": [None, successor.pk]},
    )
    _stop_clocks(approval, "更新の承認により終了しました。")
    return approval


# --- Emergency disconnection, restoration, revocation -------------------------------------


def _open_review(
    approval: ConnectionApproval, trigger: str, key: str, detail: str
) -> ApprovalReview | None:
    review, created = ApprovalReview.objects.get_or_create(
        approval=approval, key=key, defaults={"trigger": trigger, "detail": detail}
    )
    return review if created else None


def suspend_approvals(
    *,
    actor: User,
    reason: str,
    system: InformationSystem | None = None,
    approval: ConnectionApproval | None = None,
    incident: Case | None = None,
) -> list[ConnectionApproval]:
    """Emergency disconnection (緊急遮断) of one approval or of every approval in force of a
    system, in one transaction with one audit event each. The network admin may do it; the
    CSIRT does it from an incident. Each suspended approval gets a task for the approver to
    restore or revoke it within a business day (clock ``nc_suspension_confirm``). An approval
    already expired keeps its status; the suspension is still recorded."""
    reason = reason.strip()
    if not reason:
        raise ValueError(_(msg.REASON_REQUIRED))
    if approval is not None:
        approvals = [approval]
    else:
        assert system is not None
        approvals = list(
            ConnectionApproval.objects.filter(
                system=system, status__in=[ApprovalStatus.ACTIVE, ApprovalStatus.EXPIRED]
            ).select_related("case")
        )
    if not approvals:
        raise ValueError(_(msg.NO_APPROVALS_TO_SUSPEND))
    for item in approvals:
        network_permissions.require_approval_action(actor, item.case, "suspend")
    if not permissions.has_role(actor, Role.NETWORK_ADMIN) and (
        incident is None or incident.kind != CaseKind.INCIDENT
    ):
        raise ValueError(_(msg.INCIDENT_REQUIRED))
    now = timezone.now()
    suspended = []
    with transaction.atomic():
        for item in approvals:
            item = _locked(item)
            if item.status not in (ApprovalStatus.ACTIVE, ApprovalStatus.EXPIRED):
                raise ValueError(
                    _(msg.APPROVAL_NOT_ACTIVE).format(status=item.get_status_display())
                )
            old = item.status
            if old == ApprovalStatus.ACTIVE:
                item.status = ApprovalStatus.SUSPENDED
            item.suspended_at, item.suspended_by, item.suspended_reason = now, actor, reason
            item.suspended_incident = incident
            item.save(
                update_fields=[
                    "status",
                    "suspended_at",
                    "suspended_by",
                    "suspended_reason",
                    "suspended_incident",
                ]
            )
            _audit(
                actor,
                item,
                "network.approval.suspend",
                {
                    "status": [old, item.status],
                    "incident": [None, incident.number if incident else None],
                },
                reason=reason,
            )
            if item.status == ApprovalStatus.SUSPENDED:
                review = _open_review(
                    item,
                    ReviewTrigger.SUSPENSION,
                    f"suspension:{now.isoformat()}",
                    reason + (f"（{incident.number}）" if incident else ""),
                )
                assert review is not None
                clocks.start_deadline(
                    actor=None,
                    kind=DeadlineKind.NC_SUSPENSION_CONFIRM,
                    starts_at=now,
                    case=item.case,
                    subject=review,
                    holder_role=Role.GOVERNANCE_APPROVER,
                )
                _tell(
                    _role_members(Role.GOVERNANCE_APPROVER),
                    item,
                    "緊急遮断 {number}（{system}）: 復旧又は取消の判断をお願いします",
                    reason,
                )
            _record(
                actor,
                item,
                "network.approval.suspend",
                reason,
                (Role.NETWORK_ADMIN, Role.CSIRT_LEAD, Role.CSIRT_MEMBER, Role.CISO),
            )
            suspended.append(item)
    return suspended


def _close_reviews(
    actor: User, approval: ConnectionApproval, resolution: str, note: str, *, only: str = ""
) -> None:
    """Settle the approval's open review tasks (and meet their clocks) with ``resolution``."""
    reviews = ApprovalReview.objects.filter(approval=approval, resolution="")
    if only:
        reviews = reviews.filter(trigger=only)
    now = timezone.now()
    for review in reviews:
        review.resolution, review.resolved_at, review.resolved_by = resolution, now, actor
        review.note = note
        review.save(update_fields=["resolution", "resolved_at", "resolved_by", "note"])
        deadline = clocks.open_deadline_for(review, DeadlineKind.NC_SUSPENSION_CONFIRM)
        if deadline is not None:
            clocks.meet_deadline(actor=actor, deadline=deadline, note=note)


def restore_approval(
    *, actor: User, approval: ConnectionApproval, reason: str
) -> ConnectionApproval:
    """The approver or the CISO restores a suspended approval, with the reason."""
    network_permissions.require_approval_action(actor, approval.case, "restore")
    reason = reason.strip()
    if not reason:
        raise ValueError(_(msg.REASON_REQUIRED))
    with transaction.atomic():
        approval = _locked(approval)
        if approval.status != ApprovalStatus.SUSPENDED:
            raise ValueError(
                _(msg.APPROVAL_NOT_SUSPENDED).format(status=approval.get_status_display())
            )
        approval.status = ApprovalStatus.ACTIVE
        approval.save(update_fields=["status"])
        _audit(
            actor,
            approval,
            "network.approval.restore",
            {
                "status": [ApprovalStatus.SUSPENDED, approval.status],
                "incident": [
                    None,
                    approval.suspended_incident.number if approval.suspended_incident else None,
                ],
            },
            reason=reason,
        )
        _close_reviews(
            actor,
            approval,
            ApprovalReview.Resolution.RESTORED,
            reason,
            only=ReviewTrigger.SUSPENSION,
        )
        expire_if_past(approval, now=timezone.now())
        _record(actor, approval, "network.approval.restore", reason)
    return approval


def revoke_approval(
    *, actor: User, approval: ConnectionApproval, reason: str
) -> ConnectionApproval:
    """The approver or the CISO revokes an approval (取消), with the reason: the 取消通知書 is
    issued and the network admin is asked to confirm the disconnection."""
    network_permissions.require_approval_action(actor, approval.case, "revoke")
    reason = reason.strip()
    if not reason:
        raise ValueError(_(msg.REASON_REQUIRED))
    revocable = (ApprovalStatus.ACTIVE, ApprovalStatus.SUSPENDED, ApprovalStatus.EXPIRED)
    with transaction.atomic():
        approval = _locked(approval)
        if approval.status not in revocable:
            raise ValueError(
                _(msg.APPROVAL_CANNOT_REVOKE).format(status=approval.get_status_display())
            )
        now = timezone.now()
        old = approval.status
        approval.status = ApprovalStatus.REVOKED
        approval.revoked_at, approval.revoked_by, approval.revoked_reason = now, actor, reason
        approval.ended_at = approval.ended_at or now
        approval.revocation_document = issue_document(
            actor=actor, case=approval.case, template=REVOCATION_TEMPLATE, title=REVOCATION_TITLE
        )
        approval.save()
        _audit(
            actor,
            approval,
            "network.approval.revoke",
            {
                "status": [old, approval.status],
                "document": [None, approval.revocation_document.number],
            },
            reason=reason,
        )
        _close_reviews(actor, approval, ApprovalReview.Resolution.REVOKED, reason)
        _stop_clocks(approval, "承認の取消により終了しました。")
        _start_disconnect_clock(approval, now)
        _tell(
            [
                approval.case.requester,
                approval.case.department.security_manager,
                *_role_members(Role.NETWORK_ADMIN),
            ],
            approval,
            "接続承認の取消 {number}（{system}）",
            reason,
        )
        _record(actor, approval, "network.approval.revoke", reason)
    return approval


def settle_review(*, actor: User, review: ApprovalReview, note: str) -> ApprovalReview:
    """The approver looks at a trigger and keeps the approval in force, saying why. (Revoking
    is ``revoke_approval``; a suspension is settled by restoring or revoking.)"""
    approval = review.approval
    network_permissions.require_approval_action(actor, approval.case, "settle_review")
    if not review.is_open or review.trigger == ReviewTrigger.SUSPENSION:
        raise ValueError(_(msg.REVIEW_CLOSED))
    if not note.strip():
        raise ValueError(_(msg.REASON_REQUIRED))
    with transaction.atomic():
        review.resolution = ApprovalReview.Resolution.KEPT
        review.resolved_at, review.resolved_by, review.note = timezone.now(), actor, note.strip()
        review.save(update_fields=["resolution", "resolved_at", "resolved_by", "note"])
        _audit(
            actor,
            approval,
            "network.approval.review_settle",
            {"review": [None, review.pk], "resolution": [None, review.resolution]},
            reason=review.note,
        )
        _record(actor, approval, "network.approval.review_settle", review.note)
    return review


# --- Decommission and disconnection --------------------------------------------------------


def report_decommission(
    *, actor: User, approval: ConnectionApproval, note: str = ""
) -> ConnectionApproval:
    """The department reports that the connection is no longer needed (廃止届)."""
    network_permissions.require_approval_action(actor, approval.case, "report_decommission")
    with transaction.atomic():
        approval = _locked(approval)
        if approval.status not in (ApprovalStatus.ACTIVE, ApprovalStatus.SUSPENDED):
            raise ValueError(
                _(msg.APPROVAL_NOT_ACTIVE).format(status=approval.get_status_display())
            )
        if approval.decommission_reported_at is not None:
            raise ValueError(_(msg.DECOMMISSION_ALREADY_REPORTED))
        approval.decommission_reported_at = timezone.now()
        approval.save(update_fields=["decommission_reported_at"])
        _audit(actor, approval, "network.approval.decommission_report", {}, reason=note.strip())
        _tell(
            _role_members(Role.NETWORK_ADMIN),
            approval,
            "廃止届 {number}（{system}）: 接続の解除と確認をお願いします",
            note.strip(),
        )
    return approval


def confirm_decommission(
    *, actor: User, approval: ConnectionApproval, note: str = ""
) -> ConnectionApproval:
    """The network admin confirms the decommission: the approval ends (廃止). If any of its
    equipment has storage, a 廃棄証明書 condition is opened with a clock (seed 000 §1(7))."""
    network_permissions.require_approval_action(actor, approval.case, "confirm_decommission")
    with transaction.atomic():
        approval = _locked(approval)
        if approval.decommission_reported_at is None:
            raise ValueError(_(msg.DECOMMISSION_NOT_REPORTED))
        if approval.status not in (ApprovalStatus.ACTIVE, ApprovalStatus.SUSPENDED):
            raise ValueError(
                _(msg.APPROVAL_NOT_ACTIVE).format(status=approval.get_status_display())
            )
        now = timezone.now()
        old = approval.status
        approval.status = ApprovalStatus.DECOMMISSIONED
        approval.decommissioned_at = approval.ended_at = now
        approval.disconnected_at, approval.disconnected_by = now, actor
        approval.save()
        _stop_clocks(approval, "廃止により終了しました。")
        storage = [
            asset.hostname for asset in approval.assets.filter(has_storage=True).order_by("pk")
        ]
        condition = None
        if storage:
            condition = _disposal_condition(actor, approval, storage, now)
        _audit(
            actor,
            approval,
            "network.approval.decommission",
            {
                "status": [old, approval.status],
                "disposal_condition": [None, condition.number if condition else None],
            },
            reason=note.strip(),
        )
        _record(actor, approval, "network.approval.decommission", note.strip())
    return approval


def _disposal_condition(
    actor: User, approval: ConnectionApproval, hostnames: list[str], now: dt.datetime
) -> ConnectionCondition:
    case = approval.case
    today = timezone.localtime(now).date()
    days = int(rule_in_force(RuleKey.NC_CONDITION_DEFAULT_DAYS, fiscal_year_of(today)).value)
    latest = ConnectionCondition.objects.filter(case=case).aggregate(n=Max("number"))["n"] or 0
    condition = ConnectionCondition.objects.create(
        case=case,
        department_id=case.department_id,
        system_id=approval.system_id,
        approval=approval,
        number=latest + 1,
        text="記憶媒体を持つ機器（" + "、".join(hostnames) + "）の廃棄証明書の提出",
        evidence_required="廃棄証明書",
        due_date=legal_due(today, days).due,
        is_disposal=True,
        created_by=actor,
    )
    assert condition.due_date is not None
    clocks.start_deadline(
        actor=actor,
        kind=DeadlineKind.NC_CONDITION,
        starts_at=now,
        case=case,
        subject=condition,
        due_on=condition.due_date,
        holder=case.department.security_manager,
        holder_role=Role.DEPARTMENT_STAFF,
        basis="記憶媒体を持つ機器の廃棄証明書の提出（seed 000 監理G §1(7)）",
    )
    return condition


def confirm_disconnection(
    *, actor: User, approval: ConnectionApproval, note: str = ""
) -> ConnectionApproval:
    """The network admin confirms that an expired or revoked connection was cut."""
    network_permissions.require_approval_action(actor, approval.case, "confirm_disconnection")
    with transaction.atomic():
        approval = _locked(approval)
        if approval.status not in (ApprovalStatus.EXPIRED, ApprovalStatus.REVOKED):
            raise ValueError(_(msg.APPROVAL_NOT_ENDED))
        if approval.disconnected_at is not None:
            raise ValueError(_(msg.ALREADY_DISCONNECTED))
        approval.disconnected_at, approval.disconnected_by = timezone.now(), actor
        approval.save(update_fields=["disconnected_at", "disconnected_by"])
        deadline = clocks.open_deadline_for(approval, DeadlineKind.NC_DISCONNECT_CONFIRM)
        if deadline is not None:
            clocks.meet_deadline(actor=actor, deadline=deadline, note=note.strip())
        _audit(
            actor,
            approval,
            "network.approval.disconnect",
            {"disconnected_at": [None, timezone.localtime(approval.disconnected_at)]},
            reason=note.strip(),
        )
        _record(actor, approval, "network.approval.disconnect", note.strip())
    return approval


# --- Automatic revocation triggers ---------------------------------------------------------


def run_approval_triggers(*, now: dt.datetime | None = None) -> int:
    """Open a review task for the approver for each trigger that fired on an approval in force
    (a condition overdue by more than ``nc_revocation_trigger_business_days``, the system
    retired in the registry, an asset past its end of support), once per trigger; tell the
    approvers. Never revokes. The same number of queries however many approvals."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    days = int(
        rule_in_force(RuleKey.NC_REVOCATION_TRIGGER_BUSINESS_DAYS, fiscal_year_of(today)).value
    )
    cutoff = add_business_days(today, -days)
    live = ConnectionApproval.objects.filter(status__in=LIVE_APPROVAL_STATUSES)
    found: dict[tuple[int, str], tuple[str, str]] = {}
    for pk, condition_id, number, due in ConnectionCondition.objects.filter(
        status=LedgerStatus.OPEN, approval__in=live, due_date__lt=cutoff
    ).values_list("approval_id", "pk", "number", "due_date"):
        detail = f"条件{number}の履行期限（{due}）から{days}開庁日を超えて未対応です。"
        found[(pk, f"condition:{condition_id}")] = (ReviewTrigger.CONDITION_OVERDUE, detail)
    for pk, code in live.filter(system__status=InformationSystem.Status.RETIRED).values_list(
        "pk", "system__code"
    ):
        detail = f"システム {code} がシステムカルテで廃止とされました。"
        found[(pk, "system_retired")] = (ReviewTrigger.SYSTEM_RETIRED, detail)
    for pk, asset_id, hostname, eol in live.filter(assets__os_eol_on__lt=today).values_list(
        "pk", "assets__pk", "assets__hostname", "assets__os_eol_on"
    ):
        detail = f"機器「{hostname}」の OS のサポートが終了しました（{eol}）。"
        found[(pk, f"asset_eol:{asset_id}")] = (ReviewTrigger.ASSET_EOL, detail)
    if not found:
        return 0
    with in_japanese(), transaction.atomic():
        keys = {key for _pk, key in found}
        existing = set(
            ApprovalReview.objects.filter(key__in=keys).values_list("approval_id", "key")
        )
        new = [
            ApprovalReview(approval_id=pk, key=key, trigger=trigger, detail=detail)
            for (pk, key), (trigger, detail) in sorted(found.items())
            if (pk, key) not in existing
        ]
        if not new:
            return 0
        ApprovalReview.objects.bulk_create(new, ignore_conflicts=True)
        approvals = ConnectionApproval.objects.select_related("case").in_bulk(
            {review.approval_id for review in new}
        )
        record_events(
            actor=None,
            events=[
                PendingEvent(
                    action="network.approval.review_open",
                    obj=approvals[review.approval_id],
                    changes={"trigger": [None, review.trigger], "key": [None, review.key]},
                    reason=review.detail,
                )
                for review in new
            ],
        )
        approvers = _role_members(Role.GOVERNANCE_APPROVER)
        notices = [
            Notification(
                recipient=user,
                case_id=approvals[review.approval_id].case_id,
                subject=f"【接続承認の見直し】{review.get_trigger_display()}"[:200],
                body=review.detail,
                url=reverse("network:approval", args=[review.approval_id]),
                dedupe_key=f"nc-review:{review.approval_id}:{review.key}",
            )
            for review in new
            for user in approvers
        ]
        Notification.objects.bulk_create(notices, ignore_conflicts=True)
        ids = list(
            Notification.objects.filter(
                dedupe_key__in=[notice.dedupe_key for notice in notices]
            ).values_list("pk", flat=True)
        )
        if ids:
            outbox.enqueue(MAIL_JOB, {"notification_ids": ids})
    return len(new)


@periodic("network_approval_triggers")
def approval_trigger_runner() -> int:
    return run_approval_triggers()

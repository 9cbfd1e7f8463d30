"""Closing an incident with four eyes (§B.4): the closure guards, the review by a CSIRT lead
who did not handle it, the CISO's approval for L3 and above, the dismissal (confirmed by a lead
other than the triager when personal data may be involved), the CISO's acknowledgement, and
merging incidents."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import set_status
from governance.clocks.models import OPEN_DEADLINE_STATUSES
from governance.clocks.services import cancel_deadline
from governance.incidents.models import stricter_tlp
from governance.incidents.services.common import (
    locked,
    require_csirt,
    require_open,
    write_timeline,
)
from governance.incidents.services.records import held_role, record_incident_decision
from governance.incidents.services.triage import meet_clock, severity_reasons
from governance.models import (
    CaseStatus,
    Deadline,
    DeadlineKind,
    Incident,
    IncidentTask,
    Observable,
    Phase,
    TimelineEntry,
    User,
)
from governance.roles import Role

OPEN_TASKS = gettext_noop("未完了のタスクがあります（{count}件）。")
OPEN_CLOCKS = gettext_noop("期限が未達成のまま残っています（{count}件: {kinds}）。")
NEEDS_ROOT_CAUSE = gettext_noop("重大度 L2 以上では原因を入力してください。")
NEEDS_PREVENTION = gettext_noop("重大度 L2 以上では再発防止策を入力してください。")
NEEDS_LESSONS = gettext_noop(
    "重大度 L2 以上では教訓を入力するか、事後レビューの期限を設定してください。"
)
NEEDS_RESOLUTION = gettext_noop("判定（インシデントと確認・誤検知など）を選んでください。")
NOT_REQUESTED = gettext_noop("完了の申請がされていません。")
SEND_BACK_NEEDS_REASON = gettext_noop("差し戻す理由を入力してください。")
NOT_DISMISSED = gettext_noop("対象外の判断がされていません。")
MERGE_INTO_ITSELF = gettext_noop("統合先には別のインシデントを指定してください。")
MERGE_NEEDS_REASON = gettext_noop("統合する理由を入力してください。")
NOT_L3 = gettext_noop("CISO の承認が必要なのは重大度 L3 以上です。")

#: Clocks that do not hold back a closure (the post-incident review may follow it).
CLOSABLE_OPEN_CLOCKS = (DeadlineKind.POST_INCIDENT_REVIEW,)


def closure_errors(incident: Incident) -> list[str]:
    """Why the incident cannot be closed yet (Japanese messages); empty when it can."""
    errors: list[str] = []
    open_tasks = incident.tasks.exclude(
        status__in=[IncidentTask.Status.DONE, IncidentTask.Status.CANCELLED]
    ).count()
    if open_tasks:
        errors.append(_(OPEN_TASKS).format(count=open_tasks))
    clocks = list(
        Deadline.objects.filter(case_id=incident.pk, status__in=OPEN_DEADLINE_STATUSES)
        .exclude(kind__in=CLOSABLE_OPEN_CLOCKS)
        .order_by("due_at")
    )
    if clocks:
        kinds = "、".join(str(d.get_kind_display()) for d in clocks)
        errors.append(_(OPEN_CLOCKS).format(count=len(clocks), kinds=kinds))
    if incident.severity in ("L2", "L3", "L4"):
        if not incident.root_cause.strip():
            errors.append(_(NEEDS_ROOT_CAUSE))
        if not incident.recurrence_prevention.strip():
            errors.append(_(NEEDS_PREVENTION))
        review_scheduled = Deadline.objects.filter(
            case_id=incident.pk, kind=DeadlineKind.POST_INCIDENT_REVIEW
        ).exists()
        if not incident.lessons_learned.strip() and not review_scheduled:
            errors.append(_(NEEDS_LESSONS))
    if not incident.resolution:
        errors.append(_(NEEDS_RESOLUTION))
    return errors


def request_closure(
    *,
    actor: User,
    incident: Incident,
    resolution: str,
    root_cause: str = "",
    recurrence_prevention: str = "",
    lessons_learned: str = "",
) -> Incident:
    """The handler asks for closure; refused (nothing saved) while a guard fails."""
    require_csirt(actor, incident)
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident)
        incident.resolution = resolution
        incident.root_cause = root_cause.strip() or incident.root_cause
        incident.recurrence_prevention = (
            recurrence_prevention.strip() or incident.recurrence_prevention
        )
        incident.lessons_learned = lessons_learned.strip() or incident.lessons_learned
        # Asking for closure is itself the first response when nothing else came before.
        meet_clock(actor=actor, incident=incident, kind=DeadlineKind.TRIAGE_RESPONSE)
        errors = closure_errors(incident)
        if errors:
            raise ValueError(" ".join(errors))
        incident.closure_requested = True
        incident.save()
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("完了を申請しました（判定: {resolution}）。").format(
                resolution=incident.get_resolution_display()
            ),
        )
        set_status(
            actor=actor,
            case=incident,
            status=CaseStatus.AWAITING_APPROVAL,
            action="incident.request_closure",
            extra_changes={"resolution": [None, resolution]},
        )
    return incident


def _close(actor: User, incident: Incident, phase: str, action: str, reason: str = "") -> None:
    old = incident.phase
    incident.phase = phase
    incident.closure_requested = False
    incident.save()
    for deadline in Deadline.objects.filter(
        case_id=incident.pk,
        status__in=OPEN_DEADLINE_STATUSES,
        kind__in=[DeadlineKind.TRIAGE_RESPONSE, DeadlineKind.CONTAINMENT],
    ):
        cancel_deadline(actor=actor, deadline=deadline, reason=_("インシデントの終了"))
    write_timeline(
        incident=incident,
        actor=actor,
        kind=TimelineEntry.Kind.STATUS_CHANGE,
        text=_("対応段階: {old} → {new}").format(old=Phase(old).label, new=Phase(phase).label),
    )
    set_status(
        actor=actor,
        case=incident,
        status=CaseStatus.CLOSED,
        action=action,
        reason=reason,
        extra_changes={"phase": [old, phase]},
    )


def review_closure(
    *, actor: User, incident: Incident, approve: bool, comment: str = ""
) -> Incident:
    """A CSIRT lead who did not handle the incident approves its closure (L1–L2: closed; L3+:
    on to the CISO) or sends it back to the handler."""
    permissions.require_act(actor, incident, Role.CSIRT_LEAD)
    require_csirt(actor, incident, Role.CSIRT_LEAD)
    return _decide(
        actor,
        incident,
        approve,
        comment,
        final=incident.severity not in ("L3", "L4"),
        role=Role.CSIRT_LEAD,
    )


def ciso_closure(*, actor: User, incident: Incident, approve: bool, comment: str = "") -> Incident:
    """The CISO approves the closure of an L3/L4 incident, or sends it back."""
    permissions.require_act(actor, incident, Role.CISO)
    if incident.severity not in ("L3", "L4"):
        raise ValueError(_(NOT_L3))
    return _decide(actor, incident, approve, comment, final=True, role=Role.CISO)


def _record(actor: User, incident: Incident, decision: str, role: str, reason: str) -> None:
    record_incident_decision(
        actor=actor,
        incident=incident,
        decision=decision,
        role=role,
        reason=reason,
        severity_reasons=severity_reasons(incident),
    )


def _decide(
    actor: User, incident: Incident, approve: bool, comment: str, *, final: bool, role: str
) -> Incident:
    by_ciso = role == Role.CISO
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident, allow_pending=True)
        if not incident.closure_requested:
            raise ValueError(_(NOT_REQUESTED))
        if not approve:
            if not comment.strip():
                raise ValueError(_(SEND_BACK_NEEDS_REASON))
            incident.closure_requested = False
            incident.save()
            write_timeline(
                incident=incident,
                actor=actor,
                kind=TimelineEntry.Kind.DECISION,
                text=_("完了の申請を差し戻しました: {comment}").format(comment=comment.strip()),
            )
            set_status(
                actor=actor,
                case=incident,
                status=CaseStatus.UNDER_REVIEW,
                action="incident.closure_send_back",
                reason=comment.strip(),
            )
            returned = (
                "incident.ciso_closure_send_back" if by_ciso else "incident.closure_send_back"
            )
            _record(actor, incident, returned, role, comment.strip())
            return incident
        errors = closure_errors(incident)
        if errors:
            raise ValueError(" ".join(errors))
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("完了を承認しました。{comment}").format(comment=comment.strip()),
        )
        if final:
            _close(actor, incident, Phase.CLOSED, "incident.close", comment.strip())
            decision = "incident.ciso_close" if by_ciso else "incident.close"
        else:
            record_event(
                actor=actor,
                action="incident.closure_reviewed",
                obj=incident,
                changes={"reviewed_by": [None, str(actor)]},
                reason=comment.strip(),
            )
            decision = "incident.closure_reviewed"
        _record(actor, incident, decision, role, comment.strip())
    return incident


def dismiss_incident(
    *, actor: User, incident: Incident, confirm: bool = True, comment: str = ""
) -> Incident:
    """対象外: directly at triage when no personal data is involved; otherwise confirmed by a
    CSIRT lead other than the triager (``confirm=False`` sends it back to triage)."""
    with transaction.atomic():
        incident = locked(incident)
        if not incident.dismiss_reason:
            raise ValueError(_(NOT_DISMISSED))
        old_reason = incident.dismiss_reason
        if incident.pd_involved != "no" or actor.pk != incident.triaged_by_id:
            permissions.require_act(actor, incident, Role.CSIRT_LEAD)
            role: str = Role.CSIRT_LEAD
        else:
            require_csirt(actor, incident)
            role = held_role(actor, Role.CSIRT_LEAD, Role.CSIRT_MEMBER)
        if not confirm:
            if not comment.strip():
                raise ValueError(_(SEND_BACK_NEEDS_REASON))
            old = incident.dismiss_reason
            incident.dismiss_reason = ""
            incident.save()
            record_event(
                actor=actor,
                action="incident.dismissal_refused",
                obj=incident,
                changes={"dismiss_reason": [old, ""]},
                reason=comment.strip(),
            )
            _record(actor, incident, "incident.dismissal_refused", role, comment.strip())
            return incident
        incident.resolution = Incident.Resolution.FALSE_POSITIVE
        incident.save()
        _close(actor, incident, Phase.DISMISSED, "incident.dismiss", comment.strip())
        _record(actor, incident, "incident.dismiss", role, comment.strip() or old_reason)
    return incident


def acknowledge(*, actor: User, incident: Incident) -> Incident:
    """The CISO acknowledges an L3/L4 incident (meets the ciso_ack clock)."""
    permissions.require_act(actor, incident, Role.CISO)
    with transaction.atomic():
        incident = locked(incident)
        meet_clock(actor=actor, incident=incident, kind=DeadlineKind.CISO_ACK)
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.ESCALATION,
            text=_("CISO が確認しました。"),
        )
        record_event(actor=actor, action="incident.ciso_ack", obj=incident, changes={})
    return incident


def merge_incidents(*, actor: User, source: Incident, target: Incident, reason: str) -> Incident:
    """``source`` is the same incident as ``target``: the target keeps the earliest 覚知 and the
    stricter TLP, takes the systems, observables and events; the source becomes read-only with
    a pointer and its flow ends."""
    require_csirt(actor, source)
    require_csirt(actor, target)
    if source.pk == target.pk:
        raise ValueError(_(MERGE_INTO_ITSELF))
    if not reason.strip():
        raise ValueError(_(MERGE_NEEDS_REASON))
    with transaction.atomic():
        source, target = locked(source), locked(target)
        require_open(source, allow_pending=True)
        require_open(target)
        old = {"aware_at": target.aware_at, "tlp": target.tlp}
        target.aware_at = min(source.aware_at, target.aware_at)
        target.tlp = stricter_tlp(source.tlp, target.tlp)
        target.save(update_fields=["aware_at", "tlp", "updated_at"])
        target.systems.add(*source.systems.all())
        existing = set(target.observables.values_list("type", "value"))
        Observable.objects.bulk_create(
            [
                Observable(
                    incident=target,
                    type=o.type,
                    value=o.value,
                    tlp=o.tlp,
                    note=o.note,
                    is_ioc=o.is_ioc,
                    created_by=actor,
                    first_seen=o.first_seen,
                    last_seen=o.last_seen,
                )
                for o in source.observables.all()
                if (o.type, o.value) not in existing
            ]
        )
        source.events.update(incident=target)
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        if source.process is not None and source.process.finished is None:
            source.process.flow_class.instance.cancel(source.process)
        for deadline in Deadline.objects.filter(
            Q(case_id=source.pk), status__in=OPEN_DEADLINE_STATUSES
        ):
            cancel_deadline(actor=actor, deadline=deadline, reason=_("統合"))
        for incident, text in (
            (source, _("{number} に統合しました。").format(number=target.number)),
            (target, _("{number} を統合しました。").format(number=source.number)),
        ):
            write_timeline(
                incident=incident, actor=actor, kind=TimelineEntry.Kind.DECISION, text=text
            )
        set_status(
            actor=actor,
            case=source,
            status=CaseStatus.CLOSED,
            action="incident.merge",
            reason=reason.strip(),
            extra_changes={"merged_into": [None, target.number]},
        )
        record_event(
            actor=actor,
            action="incident.absorb",
            obj=target,
            changes={
                **{k: [v, getattr(target, k)] for k, v in old.items()},
                "merged_from": [None, source.number],
            },
            reason=reason.strip(),
        )
    return target

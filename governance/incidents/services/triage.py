"""Opening an incident (the flow's start), triage (category, factors, severity by the matrix,
TLP), the severity overrides and the response-target clocks of each level (§B.5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import assign_case_number
from governance.cases.services.notifications import notify
from governance.clocks.services import meet_deadline, open_deadline_for, start_deadline
from governance.incidents import facts as fact_rules
from governance.incidents import permissions as incident_permissions
from governance.incidents import severity as matrix
from governance.incidents.obligations.services import reconcile_obligations
from governance.incidents.services.common import (
    csirt_people,
    locked,
    require_csirt,
    require_open,
    status_for,
    write_timeline,
)
from governance.incidents.services.events import absorb_event
from governance.incidents.services.records import held_role, record_incident_decision
from governance.japanese import add_business_days, fiscal_year_of, in_japanese
from governance.models import (
    CaseKind,
    DeadlineKind,
    Department,
    Incident,
    IncidentMember,
    IncidentTask,
    Observable,
    Phase,
    SecurityEvent,
    TaskTemplate,
    TimelineEntry,
    User,
)
from governance.roles import Role

EMPTY_TITLE = gettext_noop("件名を入力してください。")
EVENT_ALREADY_HANDLED = gettext_noop("通報 {number} は既に処理済みです（{status}）。")
REOPEN_NEEDS_LEAD = gettext_noop("インシデントの再開は CSIRT 責任者のみが行えます。")
REOPEN_NEEDS_REASON = gettext_noop("再開する理由を入力してください。")
REOPEN_ONLY_CLOSED = gettext_noop("再開できるのは完了したインシデントのみです。")
NOT_IN_TRIAGE = gettext_noop("トリアージ中のインシデントではありません。")
LOWER_NEEDS_LEAD = gettext_noop("重大度を下げられるのは CSIRT 責任者のみです（理由が必要です）。")
LOWER_NEEDS_REASON = gettext_noop("重大度を下げる理由を入力してください。")
UNKNOWN_LEVEL = gettext_noop("重大度は L1〜L4 から選んでください。")

#: Internal targets per level (§B.5; assumptions): triage response and containment.
TRIAGE_TARGET: dict[str, tuple[str, int]] = {
    "L4": ("minutes", 30),
    "L3": ("minutes", 60),
    "L2": ("business_days", 1),
    "L1": ("business_days", 3),
}
CONTAINMENT_TARGET: dict[str, tuple[str, int]] = {
    "L4": ("hours", 24),
    "L3": ("hours", 72),
    "L2": ("business_days", 5),
}
CISO_NOTICE_LEVELS = ("L3", "L4")


def open_incident(
    *,
    actor: User,
    title: str,
    department: Department,
    events: Iterable[SecurityEvent] = (),
    category: str = "other",
    aware_at: dt.datetime | None = None,
    description: str = "",
    tlp: str = "",
    follow_up_of: Incident | None = None,
    reason: str = "",
    process: Any = None,
) -> Incident:
    """Promote events to a new incident (or reopen a closed one as a new linked incident)."""
    permissions.require(incident_permissions.can_triage_events(actor))
    if not title.strip():
        raise ValueError(_(EMPTY_TITLE))
    now = timezone.now()
    events = list(events)
    if follow_up_of is not None:
        permissions.require(permissions.has_role(actor, Role.CSIRT_LEAD), REOPEN_NEEDS_LEAD)
        if not reason.strip():
            raise ValueError(_(REOPEN_NEEDS_REASON))
        if follow_up_of.phase != Phase.CLOSED:
            raise ValueError(_(REOPEN_ONLY_CLOSED))
        permissions.require(permissions.can_view_case(actor, follow_up_of))
    with transaction.atomic():
        locked_events = []
        for event in events:
            event = SecurityEvent.objects.select_for_update().get(pk=event.pk)
            if event.status not in (SecurityEvent.Status.NEW, SecurityEvent.Status.TRIAGING):
                raise ValueError(
                    _(EVENT_ALREADY_HANDLED).format(
                        number=event.number, status=event.get_status_display()
                    )
                )
            locked_events.append(event)
        aware = aware_at or min([e.aware_at for e in locked_events], default=now)
        if follow_up_of is not None:
            aware = follow_up_of.aware_at
        try:
            fact_rules.check_times(aware_at=aware, occurred_at=None, now=now)
        except ValueError as exc:
            raise ValueError(_(str(exc))) from None
        incident = Incident(
            kind=CaseKind.INCIDENT,
            fiscal_year=fiscal_year_of(timezone.localtime(now)),
            title=title.strip()[:200],
            description=description.strip(),
            department=department,
            requester=actor,
            category=category or (follow_up_of.category if follow_up_of else "other"),
            aware_at=aware,
            reported_to_csirt_at=min([e.received_at for e in locked_events], default=now),
            tlp=tlp or (follow_up_of.tlp if follow_up_of else "amber"),
            is_exercise=any(e.is_exercise for e in locked_events),
            follow_up_of=follow_up_of,
            status=status_for(Phase.TRIAGE),
            process=process,
        )
        if follow_up_of is not None:
            incident.pd_involved = follow_up_of.pd_involved
        assign_case_number(incident)
        incident.save()
        IncidentMember.objects.create(
            incident=incident, user=actor, role_in_incident=IncidentMember.RoleInIncident.HANDLER
        )
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.STATUS_CHANGE,
            text=_("インシデントとして登録しました。"),
        )
        for event in locked_events:
            old = event.status
            event.status = SecurityEvent.Status.PROMOTED
            event.incident = incident
            event.triaged_by = actor
            event.save()
            record_event(
                actor=actor,
                action="event.promote",
                obj=event,
                changes={"status": [old, event.status], "incident": [None, incident.number]},
            )
            absorb_event(actor=actor, incident=incident, event=event)
        if locked_events:
            said = {e.personal_data for e in locked_events}
            incident.pd_involved = next(v for v in ("yes", "unknown", "no") if v in said)
            counts = [e.persons_estimate for e in locked_events if e.persons_estimate is not None]
            incident.pd_persons = max(counts) if counts else None
            incident.save(update_fields=["pd_involved", "pd_persons"])
        if follow_up_of is not None:
            incident.systems.set(follow_up_of.systems.all())
            Observable.objects.bulk_create(
                [
                    Observable(
                        incident=incident,
                        type=o.type,
                        value=o.value,
                        is_ioc=o.is_ioc,
                        tlp=o.tlp,
                        note=o.note,
                        created_by=actor,
                    )
                    for o in follow_up_of.observables.all()
                ]
            )
            write_timeline(
                incident=incident,
                actor=actor,
                kind=TimelineEntry.Kind.DECISION,
                text=_("{number} を再開しました。理由: {reason}").format(
                    number=follow_up_of.number, reason=reason.strip()
                ),
            )
        record_event(
            actor=actor,
            action="incident.open",
            obj=incident,
            changes={
                "number": [None, incident.number],
                "title": [None, incident.title],
                "aware_at": [None, timezone.localtime(incident.aware_at)],
                "events": [None, [e.number for e in locked_events]],
                "follow_up_of": [None, follow_up_of.number if follow_up_of else None],
            },
            reason=reason.strip(),
        )
        # The legal clocks run from 覚知, whether or not the CSIRT has triaged yet.
        reconcile_obligations(actor=actor, incident=incident)
    return incident


def facts_of(incident: Incident) -> matrix.Facts:
    return matrix.Facts(
        category=incident.category,
        functional_impact=incident.functional_impact,
        information_impact=incident.information_impact,
        recoverability=incident.recoverability,
        activity_stage=incident.activity_stage,
        scope=incident.scope,
        mynumber_system=incident.mynumber_system,
        public_service_down=incident.public_service_down,
        personal_data=incident.pd_involved,
        persons=incident.pd_persons,
        persons_upper=incident.pd_persons_upper,
        sensitive=incident.pd_sensitive,
        financial_risk=incident.pd_financial_risk,
        malicious=incident.pd_malicious,
        my_number=incident.pd_my_number,
        high_encryption=incident.pd_high_encryption,
        recovered_unviewed=incident.pd_recovered_unviewed,
    )


def severity_reasons(incident: Incident) -> tuple[str, ...]:
    """Why the matrix derives the incident's level (as the triage page shows it)."""
    return matrix.derive(facts_of(incident), version=incident.severity_matrix_version).reasons


def recompute_severity(*, actor: Any, incident: Incident) -> None:
    """After a fact changed: the matrix's level; if it rises above the current one the
    incident is raised and the people concerned told (inside the caller's transaction)."""
    result = matrix.derive(facts_of(incident), version=incident.severity_matrix_version)
    old = incident.severity
    incident.computed_severity = result.level
    # The matrix decides unless someone overrode it; a rise above an override still raises.
    if not incident.severity_overridden or matrix.is_higher(result.level, old):
        incident.severity = result.level
    incident.save(update_fields=["severity", "computed_severity", "updated_at"])
    if incident.severity != old:
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("重大度: {old} → {new}（{reasons}）").format(
                old=old or "-", new=incident.severity, reasons="、".join(result.reasons)
            ),
        )
        record_event(
            actor=actor,
            action="incident.severity",
            obj=incident,
            changes={"severity": [old or None, incident.severity]},
            reason="、".join(result.reasons),
        )
        # Raised after triage (a count crossing 100 at any phase): notify at once.
        if incident.phase != Phase.TRIAGE or incident.triaged_by_id is not None:
            start_level_clocks(actor=actor, incident=incident)


def _length(target: tuple[str, int], starts_at: dt.datetime) -> dict[str, Any]:
    unit, amount = target
    if unit == "business_days":
        return {"due_on": add_business_days(timezone.localdate(starts_at), amount)}
    return {"length": amount}


def start_level_clocks(*, actor: Any, incident: Incident) -> None:
    """The internal targets of the incident's level as clock rows (idempotent per kind)."""
    level = incident.severity
    basis = _("内部目標（重大度 {level}、インシデント対応の目標時間）").format(level=level)
    if level in TRIAGE_TARGET and incident.phase == Phase.TRIAGE:
        start = incident.reported_to_csirt_at
        start_deadline(
            actor=actor,
            kind=DeadlineKind.TRIAGE_RESPONSE,
            case=incident,
            starts_at=start,
            basis=basis,
            holder=incident.handler,
            **_length(TRIAGE_TARGET[level], start),
        )
    if level in CONTAINMENT_TARGET and incident.contained_at is None:
        start = timezone.now()
        start_deadline(
            actor=actor,
            kind=DeadlineKind.CONTAINMENT,
            case=incident,
            starts_at=start,
            basis=basis,
            holder=incident.handler,
            **_length(CONTAINMENT_TARGET[level], start),
        )
    if level in CISO_NOTICE_LEVELS:
        start_deadline(
            actor=actor,
            kind=DeadlineKind.CISO_ACK,
            case=incident,
            starts_at=timezone.now(),
            length=30 if level == "L4" else 60,
            holder_role=Role.CISO,
            basis=basis,
        )
        with in_japanese():
            notify(
                recipients=csirt_people(Role.CISO),
                subject=_("【重大度 {level}】{number} {title}").format(
                    level=level, number=incident.number, title=incident.title
                ),
                url=reverse("incidents:incident", args=[incident.pk]),
                case=incident,
                dedupe_key=f"incident:{incident.pk}:ciso:{level}",
            )


def triage_incident(
    *,
    actor: User,
    incident: Incident,
    category: str,
    factors: dict[str, Any],
    tlp: str,
    dismiss_reason: str = "",
    handler: User | None = None,
) -> Incident:
    """The triage step: category, NIST factors, severity by the matrix, TLP, the handler, and
    the playbook's tasks; or 対象外 with a reason."""
    require_csirt(actor, incident)
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident)
        if incident.phase != Phase.TRIAGE:
            raise ValueError(_(NOT_IN_TRIAGE))
        for key, value in factors.items():
            setattr(incident, key, value)
        incident.category = category
        incident.tlp = tlp or incident.tlp
        incident.triaged_by = actor
        incident.dismiss_reason = dismiss_reason
        incident.handler = handler or actor
        incident.save()
        recompute_severity(actor=actor, incident=incident)
        record_event(
            actor=actor,
            action="incident.triage",
            obj=incident,
            changes={
                "category": [None, category],
                "tlp": [None, incident.tlp],
                "dismiss_reason": [None, dismiss_reason or None],
                "handler": [None, str(incident.handler)],
                **{key: [None, value] for key, value in factors.items()},
            },
        )
        record_incident_decision(
            actor=actor,
            incident=incident,
            decision="incident.triage_dismiss" if dismiss_reason else "incident.triage",
            role=held_role(actor, Role.CSIRT_LEAD, Role.CSIRT_MEMBER, Role.CISO),
            reason=dismiss_reason,
            severity_reasons=severity_reasons(incident),
        )
        if dismiss_reason:
            return incident
        reconcile_obligations(actor=actor, incident=incident)
        IncidentMember.objects.get_or_create(
            incident=incident,
            user=incident.handler,
            role_in_incident=IncidentMember.RoleInIncident.HANDLER,
        )
        templates = TaskTemplate.objects.filter(category=category)
        IncidentTask.objects.bulk_create(
            [
                IncidentTask(
                    incident=incident,
                    title=t.title,
                    phase=t.phase,
                    template_key=t.key,
                    assignee=None if t.for_department else incident.handler,
                    assignee_department=incident.department if t.for_department else None,
                    sort_order=t.sort_order,
                )
                for t in templates
            ]
        )
        start_level_clocks(actor=actor, incident=incident)
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("トリアージ: {category}、重大度 {level}、{tlp}").format(
                category=incident.get_category_display(),
                level=incident.severity,
                tlp=incident.get_tlp_display(),
            ),
        )
    return incident


def set_severity(*, actor: User, incident: Incident, level: str, reason: str = "") -> Incident:
    """Override the level: upward freely (any CSIRT role), downward only by the CSIRT lead
    (or the CISO) with a reason."""
    if level not in matrix.LEVELS:
        raise ValueError(_(UNKNOWN_LEVEL))
    require_csirt(actor, incident, Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident, allow_pending=True)
        old = incident.severity
        lowering = bool(old) and matrix.is_higher(old, level)
        if lowering:
            permissions.require(
                permissions.has_role(actor, Role.CSIRT_LEAD, Role.CISO), LOWER_NEEDS_LEAD
            )
            if not reason.strip():
                raise ValueError(_(LOWER_NEEDS_REASON))
        incident.severity = level
        incident.severity_overridden = level != incident.computed_severity
        incident.severity_override_reason = reason.strip()
        incident.save()
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("重大度を変更: {old} → {new} {reason}").format(
                old=old or "-", new=level, reason=reason.strip()
            ),
        )
        record_event(
            actor=actor,
            action="incident.severity_override",
            obj=incident,
            changes={"severity": [old or None, level]},
            reason=reason.strip(),
        )
        record_incident_decision(
            actor=actor,
            incident=incident,
            decision="incident.severity_override",
            role=held_role(actor, Role.CSIRT_LEAD, Role.CISO, Role.CSIRT_MEMBER),
            reason=reason.strip(),
            severity_reasons=severity_reasons(incident),
        )
        if not lowering and incident.phase != Phase.TRIAGE:
            start_level_clocks(actor=actor, incident=incident)
        reconcile_obligations(actor=actor, incident=incident)
    return incident


def meet_clock(*, actor: Any, incident: Incident, kind: str) -> None:
    """Meet the incident's open clock of ``kind``, if there is one."""
    deadline = open_deadline_for(incident, kind)
    if deadline is not None and deadline.case_id == incident.pk:
        meet_deadline(actor=actor, deadline=deadline)

"""Handling an incident (§B.2, §B.4): phases, tasks, the append-only timeline, observables, TLP
and the facts the severity and the legal duties depend on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import set_status
from governance.incidents import facts as fact_rules
from governance.incidents import observables as obs
from governance.incidents import permissions as incident_permissions
from governance.incidents.models import HANDLING_PHASES, TLP_ORDER
from governance.incidents.obligations.services import reconcile_obligations
from governance.incidents.services.common import (
    locked,
    require_csirt,
    require_open,
    status_for,
    write_timeline,
)
from governance.incidents.services.records import held_role, record_incident_decision
from governance.incidents.services.triage import meet_clock, recompute_severity
from governance.models import (
    DeadlineKind,
    Incident,
    IncidentTask,
    Observable,
    Phase,
    TimelineEntry,
    Tlp,
    User,
)
from governance.roles import Role

UNKNOWN_PHASE = gettext_noop("対応段階が正しくありません。")
SAME_PHASE = gettext_noop("既にその対応段階です。")
BACKWARD_NEEDS_REASON = gettext_noop("対応段階を戻す理由を入力してください。")
EMPTY_TEXT = gettext_noop("内容を入力してください。")
EMPTY_TASK = gettext_noop("作業の内容を入力してください。")
CANCEL_NEEDS_REASON = gettext_noop("作業を取り消す理由を入力してください。")
CORRECTION_OTHER_INCIDENT = gettext_noop("訂正できるのはこのインシデントの記録のみです。")
ENTRY_IN_FUTURE = gettext_noop("未来の日時は記録できません。")
OBSERVABLE_EXISTS = gettext_noop("この観測値は既に登録されています。")
DOWNGRADE_NEEDS_LEAD = gettext_noop("TLP を緩められるのは CSIRT 責任者のみです（理由が必要です）。")
DOWNGRADE_NEEDS_REASON = gettext_noop("TLP を緩める理由を入力してください。")


def move_phase(*, actor: User, incident: Incident, phase: str, reason: str = "") -> Incident:
    """Move along triage → analysis → … → post-incident; a backward move needs a reason.
    Only the flow reaches 完了 or 対象外."""
    require_csirt(actor, incident)
    if phase not in HANDLING_PHASES:
        raise ValueError(_(UNKNOWN_PHASE))
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident)
        old = incident.phase
        if old == phase:
            raise ValueError(_(SAME_PHASE))
        backward = HANDLING_PHASES.index(Phase(phase)) < HANDLING_PHASES.index(Phase(old))
        if backward and not reason.strip():
            raise ValueError(_(BACKWARD_NEEDS_REASON))
        incident.phase = phase
        now = timezone.now()
        passed_containment = HANDLING_PHASES.index(Phase(phase)) > HANDLING_PHASES.index(
            Phase.CONTAINMENT
        )
        if passed_containment and incident.contained_at is None:
            incident.contained_at = now
        if phase == Phase.POST_INCIDENT and incident.recovered_at is None:
            incident.recovered_at = now
        incident.save()
        if incident.status != status_for(phase):
            set_status(
                actor=actor, case=incident, status=status_for(phase), action="incident.status"
            )
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.STATUS_CHANGE,
            text=_("対応段階: {old} → {new}").format(old=Phase(old).label, new=Phase(phase).label)
            + (_("（理由: {reason}）").format(reason=reason.strip()) if backward else ""),
        )
        record_event(
            actor=actor,
            action="incident.phase",
            obj=incident,
            changes={"phase": [old, phase]},
            reason=reason.strip(),
        )
        if old == Phase.TRIAGE:
            meet_clock(actor=actor, incident=incident, kind=DeadlineKind.TRIAGE_RESPONSE)
        if passed_containment:
            meet_clock(actor=actor, incident=incident, kind=DeadlineKind.CONTAINMENT)
    return incident


def add_timeline_entry(
    *,
    actor: User,
    incident: Incident,
    kind: str,
    text: str,
    at: dt.datetime | None = None,
    corrects: TimelineEntry | None = None,
) -> TimelineEntry:
    """Write what was seen or done; a correction is a new entry pointing at the old one."""
    require_csirt(actor, incident)
    if not text.strip():
        raise ValueError(_(EMPTY_TEXT))
    if at is not None and at > timezone.now():
        raise ValueError(_(ENTRY_IN_FUTURE))
    if corrects is not None and corrects.incident_id != incident.pk:
        raise ValueError(_(CORRECTION_OTHER_INCIDENT))
    if kind not in TimelineEntry.Kind.values:
        kind = TimelineEntry.Kind.OBSERVATION
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident)
        entry = TimelineEntry.objects.create(
            incident=incident,
            at=at or timezone.now(),
            kind=kind,
            text=text.strip(),
            actor=actor,
            corrects=corrects,
        )
        record_event(
            actor=actor,
            action="incident.timeline",
            obj=incident,
            changes={
                "entry": [None, entry.pk],
                "corrects": [None, corrects.pk if corrects else None],
            },
        )
    return entry


def add_task(
    *,
    actor: User,
    incident: Incident,
    title: str,
    phase: str = "",
    assignee: User | None = None,
    due_at: dt.datetime | None = None,
) -> IncidentTask:
    require_csirt(actor, incident)
    if not title.strip():
        raise ValueError(_(EMPTY_TASK))
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident)
        task = IncidentTask.objects.create(
            incident=incident,
            title=title.strip()[:200],
            phase=phase or incident.phase,
            assignee=assignee,
            due_at=due_at,
            sort_order=1000,
        )
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.ACTION,
            text=_("作業を追加: {title}").format(title=task.title),
            task=task,
        )
        record_event(
            actor=actor,
            action="incident.task_add",
            obj=incident,
            changes={"task": [None, task.title]},
        )
    return task


def set_task_status(
    *, actor: User, task: IncidentTask, status: str, result: str = ""
) -> IncidentTask:
    """Start, finish or cancel a task (cancelling needs a reason)."""
    incident = task.incident
    require_csirt(actor, incident)
    if status == IncidentTask.Status.CANCELLED and not result.strip():
        raise ValueError(_(CANCEL_NEEDS_REASON))
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident)
        task = IncidentTask.objects.select_for_update().get(pk=task.pk)
        old = task.status
        task.status = status
        task.result = result.strip() or task.result
        task.save()
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.ACTION,
            text=_("作業「{title}」: {old} → {new}").format(
                title=task.title,
                old=IncidentTask.Status(old).label,
                new=IncidentTask.Status(status).label,
            ),
            task=task,
        )
        record_event(
            actor=actor,
            action="incident.task_status",
            obj=incident,
            changes={"task": [task.title, task.title], "status": [old, status]},
            reason=result.strip(),
        )
    return task


def add_observable(
    *, actor: User, incident: Incident, type: str, value: str, note: str = "", is_ioc: bool = True
) -> Observable:
    """Record an indicator: re-fanged and normalised; one per (incident, type, value)."""
    require_csirt(actor, incident)
    try:
        normalised = obs.normalise(type, value)
    except ValueError as exc:
        raise ValueError(
            _(str(exc)).format(type=type, length=obs.HASH_LENGTHS.get(type, ""))
        ) from None
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident)
        now = timezone.now()
        try:
            with transaction.atomic():
                observable = Observable.objects.create(
                    incident=incident,
                    type=type,
                    value=normalised,
                    note=note.strip(),
                    is_ioc=is_ioc,
                    tlp=incident.tlp,
                    first_seen=now,
                    last_seen=now,
                    created_by=actor,
                )
        except IntegrityError:
            raise ValueError(_(OBSERVABLE_EXISTS)) from None
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.OBSERVATION,
            text=_("観測値を追加: {type} {value}").format(
                type=observable.get_type_display(), value=obs.defang(type, normalised)
            ),
        )
        record_event(
            actor=actor,
            action="incident.observable",
            obj=incident,
            changes={"observable": [None, f"{type}:{obs.defang(type, normalised)}"]},
        )
    return observable


@dataclass(frozen=True)
class ObservableOutcome:
    """One item of a bulk add: the observable recorded, or why it was not (``error``)."""

    index: int
    type: str
    value: str
    observable: Observable | None = None
    error: str = ""


def add_observables(
    *, actor: User, incident: Incident, items: list[dict[str, str]]
) -> list[ObservableOutcome]:
    """Record several indicators at once (a paste from a vendor's report), each through
    ``add_observable`` with its own audit event: an invalid or repeated value is reported with
    its message and the valid ones are kept."""
    require_csirt(actor, incident)
    outcomes = []
    for index, item in enumerate(items):
        kind, value = item["type"], item["value"]
        try:
            observable = add_observable(
                actor=actor, incident=incident, type=kind, value=value, note=item.get("note", "")
            )
        except ValueError as exc:
            outcomes.append(ObservableOutcome(index, kind, value, error=str(exc)))
        else:
            outcomes.append(ObservableOutcome(index, kind, observable.value, observable))
    return outcomes


def set_tlp(*, actor: User, incident: Incident, tlp: str, reason: str = "") -> Incident:
    """Tighten the TLP freely; loosening it is for the CSIRT lead (or CISO), with a reason."""
    require_csirt(actor, incident, Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident, allow_pending=True)
        old = incident.tlp
        if TLP_ORDER.index(Tlp(tlp)) < TLP_ORDER.index(Tlp(old)):
            permissions.require(
                permissions.has_role(actor, Role.CSIRT_LEAD, Role.CISO), DOWNGRADE_NEEDS_LEAD
            )
            if not reason.strip():
                raise ValueError(_(DOWNGRADE_NEEDS_REASON))
        incident.tlp = tlp
        incident.save(update_fields=["tlp", "updated_at"])
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("TLP: {old} → {new} {reason}").format(
                old=Tlp(old).label, new=Tlp(tlp).label, reason=reason.strip()
            ),
        )
        record_event(
            actor=actor,
            action="incident.tlp",
            obj=incident,
            changes={"tlp": [old, tlp]},
            reason=reason.strip(),
        )
        if TLP_ORDER.index(Tlp(tlp)) < TLP_ORDER.index(Tlp(old)):
            # A downgrade widens who may read it: a decision with what the decider saw.
            record_incident_decision(
                actor=actor,
                incident=incident,
                decision="incident.tlp_downgrade",
                role=held_role(actor, Role.CSIRT_LEAD, Role.CISO),
                reason=reason.strip(),
                severity_reasons=(f"TLP: {Tlp(old).label} → {Tlp(tlp).label}",),
            )
    return incident


FACT_FIELDS = (
    "occurred_at",
    "aware_at",
    "scope",
    "functional_impact",
    "information_impact",
    "recoverability",
    "activity_stage",
    "threat_actor",
    "mynumber_system",
    "public_service_down",
    "pd_involved",
    "pd_items",
    "pd_persons",
    "pd_persons_is_estimate",
    "pd_persons_upper",
    "pd_sensitive",
    "pd_financial_risk",
    "pd_malicious",
    "pd_high_encryption",
    "pd_encryption_evidence",
    "pd_recovered_unviewed",
    "pd_recovery_evidence",
    "pd_my_number",
    "pd_my_number_system",
    "pd_ordinance_sensitive",
    "pd_publicly_viewable",
    "pd_reporting_body",
    "vendor_notice_received_at",
    "segments_hit",
    "root_cause",
    "recurrence_prevention",
    "lessons_learned",
)


def update_facts(*, actor: User, incident: Incident, **facts: Any) -> Incident:
    """Change what is known (times, scope, factors, personal data, causes); the severity is
    recomputed. Refused with nothing saved: impossible times, counts that are not numbers,
    an encryption or recovery claim without its basis."""
    require_csirt(actor, incident)
    unknown = set(facts) - set(FACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown facts: {sorted(unknown)}")
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident)
        old = {key: getattr(incident, key) for key in facts}
        for key in ("pd_persons", "pd_persons_upper"):
            if key in facts:
                try:
                    facts[key] = fact_rules.parse_persons(facts[key])
                except ValueError as exc:
                    raise ValueError(_(str(exc))) from None
        for key, value in facts.items():
            setattr(incident, key, value)
        try:
            fact_rules.check_times(
                aware_at=incident.aware_at, occurred_at=incident.occurred_at, now=timezone.now()
            )
            fact_rules.check_exemptions(
                high_encryption=incident.pd_high_encryption,
                encryption_evidence=incident.pd_encryption_evidence,
                recovered=incident.pd_recovered_unviewed,
                recovery_evidence=incident.pd_recovery_evidence,
            )
        except ValueError as exc:
            raise ValueError(_(str(exc))) from None
        incident.save()
        changes = {
            k: [old[k], getattr(incident, k)] for k in facts if old[k] != getattr(incident, k)
        }
        if changes:
            record_event(actor=actor, action="incident.facts", obj=incident, changes=changes)
            recompute_severity(actor=actor, incident=incident)
            reconcile_obligations(actor=actor, incident=incident)
    return incident


def record_restricted_view(*, actor: User, incident: Incident) -> bool:
    """A TLP:RED incident's content shown to an auditor (or a superuser) is itself on the
    record (§B.7). Returns whether an audit event was written."""
    if not incident_permissions.is_restricted_view(actor, incident):
        return False
    with transaction.atomic():
        record_event(
            actor=actor,
            action="incident.restricted_view",
            obj=incident,
            changes={"tlp": [incident.tlp, incident.tlp]},
        )
    return True

"""Triage of events (§B.4): take, mark duplicate, dismiss, merge into an incident. Promoting an
event to a new incident is the start of the IncidentFlow (``services.handling.open_incident``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.incidents import permissions as incident_permissions
from governance.incidents.models import stricter_tlp
from governance.incidents.services.common import locked, require_csirt, require_open, write_timeline
from governance.models import Incident, SecurityEvent, TimelineEntry, User

EVENT_NOT_OPEN = gettext_noop("この通報は「{status}」のため処理できません。")
DISMISS_REASON_REQUIRED = gettext_noop("対象外とする理由を選んでください。")
DISMISS_NEEDS_LEAD = gettext_noop(
    "個人情報が関係する（または不明な）通報は、インシデントとして登録し、"
    "CSIRT 責任者の確認を経て対象外にしてください。"
)
DUPLICATE_OF_ITSELF = gettext_noop("重複元には別の通報を指定してください。")

OPEN_STATUSES = (SecurityEvent.Status.NEW, SecurityEvent.Status.TRIAGING)


def _lock(event: SecurityEvent, *statuses: str) -> SecurityEvent:
    event = SecurityEvent.objects.select_for_update().get(pk=event.pk)
    if event.status not in (statuses or OPEN_STATUSES):
        raise ValueError(_(EVENT_NOT_OPEN).format(status=event.get_status_display()))
    return event


def _require(actor: User, event: SecurityEvent) -> None:
    permissions.require(incident_permissions.can_triage_events(actor))
    permissions.require(
        SecurityEvent.objects.filter(
            incident_permissions.event_visibility_q(actor), pk=event.pk
        ).exists()
    )


def _move(actor: User, event: SecurityEvent, status: str, action: str, **extra: object) -> None:
    old = event.status
    event.status = status
    event.triaged_by = actor
    for key, value in extra.items():
        setattr(event, key, value)
    event.save()
    changes: dict[str, list[str | None]] = {"status": [old, status]}
    changes.update({key: [None, str(value)] for key, value in extra.items()})
    record_event(actor=actor, action=action, obj=event, changes=changes)


def take_event(*, actor: User, event: SecurityEvent) -> SecurityEvent:
    """A CSIRT member starts looking at a new event (new → triaging)."""
    _require(actor, event)
    with transaction.atomic():
        event = _lock(event, SecurityEvent.Status.NEW)
        _move(actor, event, SecurityEvent.Status.TRIAGING, "event.take")
    return event


def dismiss_event(*, actor: User, event: SecurityEvent, reason: str) -> SecurityEvent:
    """Not an incident (false positive, benign, a training mail, out of scope)."""
    _require(actor, event)
    if reason not in Incident.DismissReason.values:
        raise ValueError(_(DISMISS_REASON_REQUIRED))
    with transaction.atomic():
        event = _lock(event)
        if event.personal_data != "no" and reason != Incident.DismissReason.TRAINING:
            raise ValueError(_(DISMISS_NEEDS_LEAD))
        _move(actor, event, SecurityEvent.Status.DISMISSED, "event.dismiss", dismiss_reason=reason)
    return event


def dismiss_drill_event(*, actor: User, event: SecurityEvent) -> SecurityEvent:
    """A drill mail (訓練) recognised on intake: dismissed as training at once, counted for
    the drill, by the intake itself (no triage needed)."""
    permissions.require(incident_permissions.can_ingest_events(actor))
    with transaction.atomic():
        event = _lock(event)
        if event.status != SecurityEvent.Status.NEW:
            return event
        _move(
            actor,
            event,
            SecurityEvent.Status.DISMISSED,
            "event.dismiss",
            dismiss_reason=Incident.DismissReason.TRAINING,
        )
    return event


def mark_duplicate(*, actor: User, event: SecurityEvent, original: SecurityEvent) -> SecurityEvent:
    """The same thing was reported before: the reporters move to the original."""
    _require(actor, event)
    if original.pk == event.pk:
        raise ValueError(_(DUPLICATE_OF_ITSELF))
    with transaction.atomic():
        event = _lock(event)
        for report in event.reports.exclude(user__in=original.reports.values("user")):
            original.reports.create(
                user=report.user, reported_at=report.reported_at, note=report.note
            )
        _move(
            actor, event, SecurityEvent.Status.DUPLICATE, "event.duplicate", duplicate_of=original
        )
    return event


def merge_event(*, actor: User, event: SecurityEvent, incident: Incident) -> SecurityEvent:
    """The event belongs to an incident already open: it keeps the earliest 覚知 and the
    stricter TLP."""
    _require(actor, event)
    require_csirt(actor, incident)
    with transaction.atomic():
        event = _lock(event)
        incident = locked(incident)
        require_open(incident)
        _move(actor, event, SecurityEvent.Status.MERGED, "event.merge", incident=incident)
        absorb_event(actor=actor, incident=incident, event=event)
    return event


def absorb_event(*, actor: User, incident: Incident, event: SecurityEvent) -> None:
    """An incident takes in an event's time, TLP and systems (inside the caller's transaction)."""
    old = {"aware_at": incident.aware_at, "tlp": incident.tlp}
    incident.aware_at = min(incident.aware_at, event.aware_at)
    incident.tlp = stricter_tlp(incident.tlp, event.tlp)
    incident.save(update_fields=["aware_at", "tlp", "updated_at"])
    incident.systems.add(*event.systems.all())
    write_timeline(
        incident=incident,
        actor=actor,
        kind=TimelineEntry.Kind.OBSERVATION,
        text=_("通報 {number} を追加しました。").format(number=event.number),
    )
    changes = {k: [v, getattr(incident, k)] for k, v in old.items() if v != getattr(incident, k)}
    changes["event"] = [None, event.number]
    record_event(actor=actor, action="incident.absorb_event", obj=incident, changes=changes)

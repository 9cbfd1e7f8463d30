"""Intake: reports from departments, manual entries, and the one entry point the mail and API
intakes call (``receive_event``). Idempotent on (source, source_ref): the same alert twice is
the same event, and a second reporter of it is added to it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import next_number
from governance.cases.services.notifications import notify
from governance.incidents import facts as fact_rules
from governance.incidents import permissions as incident_permissions
from governance.incidents.models import RAW_MAX_BYTES
from governance.incidents.services.common import csirt_people
from governance.japanese import fiscal_year_of, in_japanese
from governance.models import EventReport, InformationSystem, IntakeSource, SecurityEvent, User

EMPTY_WHAT = gettext_noop("何が起きたかを入力してください。")
RAW_TOO_LARGE = gettext_noop("受信データが大きすぎます（32KB まで）。")
UNKNOWN_SOURCE = gettext_noop("通報元が登録されていません。")
DEPARTMENT_SOURCE = "department-report"
MANUAL_SOURCE = "manual"


def _number(fiscal_year: int) -> str:
    return f"EV-{fiscal_year}-{next_number('event', fiscal_year):05d}"


def _add_reporter(event: SecurityEvent, user: User | None, at: dt.datetime, note: str) -> bool:
    if user is None or not getattr(user, "pk", None):
        return False
    _report, created = EventReport.objects.get_or_create(
        event=event, user=user, defaults={"reported_at": at, "note": note}
    )
    return created


def report_again(
    *,
    actor: User,
    event: SecurityEvent,
    reporter: User | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> bool:
    """One more person reported ``event`` (the same alert or mail again): kept as a reporter of
    the event, on the record (``event.report_again``); False when they had reported it."""
    if not _add_reporter(event, reporter, at or timezone.now(), note):
        return False
    record_event(
        actor=actor,
        action="event.report_again",
        obj=event,
        changes={"reporter": [None, str(reporter)]},
    )
    return True


def receive_event(
    *,
    actor: User,
    source: IntakeSource,
    channel: str,
    title: str,
    description: str = "",
    source_ref: str = "",
    aware_at: dt.datetime | None = None,
    detected_at: dt.datetime | None = None,
    reporter: User | None = None,
    department: Any = None,
    systems: Iterable[InformationSystem] = (),
    personal_data: str = "unknown",
    persons_estimate: str | int | None = None,
    category_hint: str = "",
    contact_phone: str = "",
    tlp: str = "",
    severity_hint: str = "",
    raw: dict[str, Any] | None = None,
    is_exercise: bool = False,
    note: str = "",
) -> tuple[SecurityEvent, bool]:
    """Record one event (or find the one already recorded for ``source_ref``); returns the
    event and whether it is new. CSIRT members hear of a new event at once, in-app and by
    e-mail, any hour. Bad input is refused with a Japanese message and nothing is saved."""
    permissions.require(
        incident_permissions.can_report_event(actor)
        or incident_permissions.can_ingest_events(actor)
    )
    now = timezone.now()
    title = (title or "").strip()
    if not title and not (description or "").strip():
        raise ValueError(_(EMPTY_WHAT))
    try:
        persons = fact_rules.parse_persons(persons_estimate)
        fact_rules.check_times(aware_at=aware_at or now, occurred_at=detected_at, now=now)
    except ValueError as exc:
        raise ValueError(_(str(exc))) from None
    raw = raw or {}
    if len(json.dumps(raw, ensure_ascii=False).encode()) > RAW_MAX_BYTES:
        raise ValueError(_(RAW_TOO_LARGE))
    with transaction.atomic():
        if source_ref:
            existing = (
                SecurityEvent.objects.select_for_update()
                .filter(source=source, source_ref=source_ref)
                .first()
            )
            if existing is not None:
                report_again(actor=actor, event=existing, reporter=reporter, note=note, at=now)
                return existing, False
        event = SecurityEvent(
            number=_number(fiscal_year_of(timezone.localtime(now))),
            fiscal_year=fiscal_year_of(timezone.localtime(now)),
            source=source,
            source_ref=source_ref,
            channel=channel,
            received_at=now,
            aware_at=aware_at or now,
            detected_at=detected_at,
            title=(title or description.strip().splitlines()[0])[:200],
            description=(description or "").strip(),
            category_hint=category_hint,
            reporter_department=department,
            contact_phone=contact_phone.strip(),
            personal_data=personal_data,
            persons_estimate=persons,
            severity_hint=(severity_hint or "").strip()[:40],
            tlp=tlp or source.default_tlp,
            raw=raw,
            is_exercise=is_exercise,
        )
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:
            # The same alert arrived twice at once: the other request recorded it.
            found = SecurityEvent.objects.get(source=source, source_ref=source_ref)
            _add_reporter(found, reporter, now, note)
            return found, False
        if systems:
            event.systems.set(list(systems))
        _add_reporter(event, reporter, now, note)
        record_event(
            actor=actor,
            action="event.receive",
            obj=event,
            changes={
                "number": [None, event.number],
                "source": [None, source.code],
                "channel": [None, channel],
                "title": [None, event.title],
                "personal_data": [None, personal_data],
            },
        )
        with in_japanese():
            notify(
                recipients=csirt_people(),
                subject=_("【新着通報】{number} {title}").format(
                    number=event.number, title=event.title
                ),
                body=_("受付日時: {at}\n通報元: {source}").format(
                    at=timezone.localtime(now).strftime("%Y-%m-%d %H:%M"), source=source.name
                ),
                url=reverse("incidents:event", args=[event.pk]),
                dedupe_key=f"event:{event.pk}:new",
            )
    return event, True


def submit_department_report(
    *,
    actor: User,
    what: str,
    aware_at: dt.datetime | None = None,
    system: InformationSystem | None = None,
    personal_data: str = "unknown",
    persons: str | int | None = None,
    category_hint: str = "",
    contact_phone: str = "",
) -> SecurityEvent:
    """A department's staff member reports what they saw (部局からの報告); they get the
    受付番号 and follow their own report."""
    permissions.require(incident_permissions.can_report_event(actor))
    if system is not None:
        permissions.check_system_choice(actor, system)
    source = _source(DEPARTMENT_SOURCE)
    what = (what or "").strip()
    event, _new = receive_event(
        actor=actor,
        source=source,
        channel="web_form",
        title=what.splitlines()[0][:200] if what else "",
        description=what,
        aware_at=aware_at,
        reporter=actor,
        department=actor.department,
        systems=[system] if system else [],
        personal_data=personal_data,
        persons_estimate=persons,
        category_hint=category_hint,
        contact_phone=contact_phone,
    )
    return event


def record_manual_event(
    *,
    actor: User,
    source: IntakeSource | None,
    channel: str,
    title: str,
    description: str = "",
    source_ref: str = "",
    aware_at: dt.datetime | None = None,
    department: Any = None,
    personal_data: str = "unknown",
    persons: str | int | None = None,
    tlp: str = "",
    is_exercise: bool = False,
) -> SecurityEvent:
    """A CSIRT member records a phone call or a notice (J-LIS, NCO, police, a contractor)."""
    permissions.require(incident_permissions.can_triage_events(actor))
    event, _new = receive_event(
        actor=actor,
        source=source or _source(MANUAL_SOURCE),
        channel=channel,
        title=title,
        description=description,
        source_ref=source_ref,
        aware_at=aware_at,
        department=department,
        personal_data=personal_data,
        persons_estimate=persons,
        tlp=tlp,
        is_exercise=is_exercise,
    )
    return event


def _source(code: str) -> IntakeSource:
    try:
        return IntakeSource.objects.get(code=code)
    except IntakeSource.DoesNotExist:
        raise ValueError(_(UNKNOWN_SOURCE)) from None

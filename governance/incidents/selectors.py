"""Reads of the CSIRT's pages, each scoped by ``governance.permissions`` and each a fixed
number of queries whatever the number of events, tasks, timeline entries or observables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from governance import flows, permissions
from governance.cases.selectors import actionable_tasks
from governance.clocks import schedule
from governance.clocks.models import OPEN_DEADLINE_STATUSES
from governance.clocks.selectors import case_clocks
from governance.incidents import permissions as incident_permissions
from governance.incidents.observables import defang
from governance.models import (
    AdvisoryDocument,
    CaseKind,
    Deadline,
    DocumentVersion,
    Incident,
    IncidentMember,
    Observable,
    Phase,
    SecurityEvent,
)

OPEN_EVENT_STATUSES = (SecurityEvent.Status.NEW, SecurityEvent.Status.TRIAGING)
OPEN_PHASES = [p for p in Phase if p not in (Phase.CLOSED, Phase.DISMISSED)]


def start_url() -> str:
    """The address of the IncidentFlow's start (promoting events, reopening)."""
    for entry in flows.flows():
        if entry.kind == CaseKind.INCIDENT:
            return str(entry.flow_class.start.reverse("execute"))
    raise LookupError("IncidentFlow is not registered")


def visible_events(user: Any) -> QuerySet[SecurityEvent]:
    return SecurityEvent.objects.filter(incident_permissions.event_visibility_q(user)).distinct()


def access_event(user: Any, pk: int) -> SecurityEvent:
    event = (
        visible_events(user)
        .select_related("source", "reporter_department", "incident", "duplicate_of")
        .filter(pk=pk)
        .first()
    )
    if event is None:
        raise Http404
    return event


def event_queue(user: Any) -> list[SecurityEvent]:
    """New and triaging events, newest first, with their reporter counts (one query)."""
    if not permissions.is_csirt(user) and not permissions.is_auditor(user):
        return []
    return list(
        SecurityEvent.objects.filter(incident_permissions.event_visibility_q(user))
        .filter(status__in=OPEN_EVENT_STATUSES)
        .select_related("source", "reporter_department", "triaged_by")
        .annotate(reporter_count=Count("reports", distinct=True))
        .order_by("-received_at", "-pk")[:500]
    )


def my_reports(user: Any) -> list[SecurityEvent]:
    """The reporter's own reports with the incident's number, phase and title (one query)."""
    return list(
        SecurityEvent.objects.filter(reports__user=user.pk)
        .select_related("incident")
        .order_by("-received_at", "-pk")[:200]
    )


def access_incident(user: Any, pk: int) -> Incident:
    incident = (
        permissions.scope_cases(user, Incident.objects.all())
        .select_related("department", "handler", "triaged_by", "follow_up_of", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404
    return incident


@dataclass
class IncidentRow:
    incident: Incident
    clock_label: str
    left_text: str
    overdue: bool


def my_incidents(user: Any, *, now: dt.datetime | None = None) -> list[IncidentRow]:
    """Open incidents the user handles or is named on (CSIRT lead and CISO: every open one),
    each with its nearest owed clock. Two queries."""
    now = now or timezone.now()
    scoped = permissions.scope_cases(user, Incident.objects.filter(phase__in=OPEN_PHASES))
    if not permissions.reads_red(user):
        scoped = scoped.filter(Q(handler=user.pk) | Q(members__user=user.pk))
    incidents = list(scoped.filter(merged_into__isnull=True).distinct().order_by("-aware_at")[:300])
    nearest: dict[int, Deadline] = {}
    for deadline in Deadline.objects.filter(
        case_id__in=[i.pk for i in incidents], status__in=OPEN_DEADLINE_STATUSES
    ).order_by("due_at", "pk"):
        assert deadline.case_id is not None
        nearest.setdefault(deadline.case_id, deadline)
    rows = []
    for incident in incidents:
        found = nearest.get(incident.pk)
        if found is None:
            rows.append(IncidentRow(incident, "", "", False))
            continue
        left = schedule.time_left(found.due_at, now, counting=found.counting)
        rows.append(IncidentRow(incident, str(found.get_kind_display()), left.text, left.overdue))
    return rows


@dataclass
class ObservableRow:
    observable: Observable
    shown: str
    also_seen: list[tuple[int, str]]


def observables_of(user: Any, incident: Incident) -> list[ObservableRow]:
    """The incident's observables, defanged, each with the other incidents (the user may see)
    where the same value was seen. Two queries."""
    observables = list(incident.observables.all())
    seen: dict[tuple[str, str], list[tuple[int, str]]] = {}
    if observables:
        same = Q()
        for o in observables:
            same |= Q(type=o.type, value=o.value)
        others = (
            Observable.objects.filter(same)
            .exclude(incident_id=incident.pk)
            .filter(permissions.case_visibility_q(user, prefix="incident__"))
            .values_list("type", "value", "incident_id", "incident__number")
            .order_by("incident_id")
        )
        for kind, value, incident_id, number in others:
            seen.setdefault((kind, value), []).append((incident_id, number))
    return [
        ObservableRow(o, defang(o.type, o.value), seen.get((o.type, o.value), []))
        for o in observables
    ]


def incident_page(user: Any, incident: Incident) -> dict[str, Any]:
    """Everything the incident page shows, in a fixed number of queries."""
    timeline = list(incident.timeline.select_related("actor").order_by("at", "pk"))
    tasks = list(incident.tasks.select_related("assignee", "assignee_department"))
    members = list(
        IncidentMember.objects.filter(incident=incident).select_related("user").order_by("pk")
    )
    events = list(incident.events.select_related("source").annotate(n=Count("reports")))
    process = incident.process
    return {
        "timeline": timeline,
        "corrected_ids": {e.corrects_id for e in timeline if e.corrects_id},
        "tasks": tasks,
        "open_task_count": sum(1 for t in tasks if t.status in ("todo", "doing")),
        "observables": observables_of(user, incident),
        "clocks": case_clocks(user, incident),
        "members": members,
        "events": events,
        "flow_tasks": actionable_tasks(user, process) if process is not None else [],
        "systems": list(incident.systems.all()),
    }


def incident_documents(user: Any, incident: Incident) -> list[AdvisoryDocument]:
    """The incident's documents with their versions, for those who may read it (two queries)."""
    if not permissions.can_view_case(user, incident):
        return []
    return list(
        AdvisoryDocument.objects.filter(case=incident)
        .prefetch_related("versions__created_by")
        .order_by("created_at", "pk")
    )


def access_incident_version(user: Any, pk: int, version_pk: int) -> DocumentVersion:
    """A version of one of the incident's documents, or 404 for whoever may not read the
    incident (TLP:RED included) and for a version of another case's document."""
    incident = access_incident(user, pk)
    version = (
        DocumentVersion.objects.select_related("document")
        .filter(pk=version_pk, document__case_id=incident.pk)
        .first()
    )
    if version is None:
        raise Http404
    return version


# --- The API (``/api/v1/incidents/``): the same scoping as the pages ----------------------------


def api_incidents(user: Any, **filters: Any) -> QuerySet[Incident]:
    """The incidents the user may open on the pages (CSIRT roles and auditors, TLP:RED only for
    its named members and those who read RED; nobody else any), filtered by phase, severity,
    tlp and updated_since. Fixed query count."""
    if not permissions.can_view_flow(user, CaseKind.INCIDENT):
        return Incident.objects.none()
    queryset = permissions.scope_cases(user, Incident.objects.all()).select_related(
        "department", "handler"
    )
    for name in ("phase", "severity", "tlp"):
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("updated_since") is not None:
        queryset = queryset.filter(updated_at__gte=filters["updated_since"])
    return queryset


def access_incident_number(user: Any, number: str) -> Incident:
    """The incident numbered ``number`` if the user may open it (as ``access_incident``);
    404 otherwise, whether it exists or not."""
    found = api_incidents(user).filter(number=number).values_list("pk", flat=True).first()
    if found is None:
        raise Http404
    return access_incident(user, found)


def api_timeline(incident: Incident) -> QuerySet[Any]:
    """The incident's timeline, oldest first, with each entry's author (one query)."""
    return incident.timeline.select_related("actor").order_by("at", "pk")

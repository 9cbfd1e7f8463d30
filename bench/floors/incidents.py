"""Bare views over the CSIRT's tables, the floors of ``bench/bench_incidents.py``: the minimal
SQL for the same rows (the open events, one person's open incidents, one incident with its
timeline, tasks and observables) rendered by a template without the site's frame, permission
rules, clocks, forms or defanging. Mounted beside the site's own URLs while the benchmark runs."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpResponse
from django.template import Context, Engine
from django.urls import path

from governance.models import Incident, SecurityEvent
from governance.urls import urlpatterns as site_patterns

_ENGINE = Engine()
_LIST = _ENGINE.from_string(
    "<table>{% for row in rows %}<tr><td>{{ row.number }}</td><td>{{ row.title }}</td>"
    "<td>{{ row.extra }}</td></tr>{% endfor %}</table>"
)
_PAGE = _ENGINE.from_string(
    "<h1>{{ incident.number }} {{ incident.title }}</h1>"
    "<ul>{% for e in timeline %}<li>{{ e.at }} {{ e.text }}</li>{% endfor %}</ul>"
    "<ul>{% for t in tasks %}<li>{{ t.title }} {{ t.status }}</li>{% endfor %}</ul>"
    "<ul>{% for o in observables %}<li>{{ o.type }} {{ o.value }}</li>{% endfor %}</ul>"
)


def bare_queue(request: Any) -> HttpResponse:
    rows = (
        SecurityEvent.objects.filter(status__in=("new", "triaging"))
        .select_related("source")
        .annotate(extra=Count("reports"))
        .order_by("-received_at", "-pk")[:500]
    )
    return HttpResponse(_LIST.render(Context({"rows": rows})))


def bare_mine(request: Any) -> HttpResponse:
    rows = (
        Incident.objects.filter(handler=request.user.pk)
        .exclude(phase__in=("closed", "dismissed"))
        .order_by("-aware_at")[:300]
    )
    return HttpResponse(_LIST.render(Context({"rows": rows})))


def bare_incident(request: Any, pk: int) -> HttpResponse:
    incident = Incident.objects.get(pk=pk)
    return HttpResponse(
        _PAGE.render(
            Context(
                {
                    "incident": incident,
                    "timeline": incident.timeline.order_by("at", "pk"),
                    "tasks": incident.tasks.all(),
                    "observables": incident.observables.all(),
                }
            )
        )
    )


urlpatterns = [
    path("floor/incidents/queue/", bare_queue),
    path("floor/incidents/mine/", bare_mine),
    path("floor/incidents/<int:pk>/", bare_incident),
    *site_patterns,
]

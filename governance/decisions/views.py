"""The 決定の経緯 page of a case: its decisions, audit events, deadlines and documents on one
timeline, read only."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from governance.cases.selectors import access_case
from governance.decisions import selectors


@require_safe
def case_trace(request: Any, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    entries = selectors.case_trace(request.user, case)
    return render(
        request,
        "decisions/trace.html",
        {
            "case": case,
            "entries": entries,
            "decision_count": sum(1 for entry in entries if entry.kind == "decision"),
            "details": selectors.sees_decision_details(request.user),
        },
    )

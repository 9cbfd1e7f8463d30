"""The 決定の経緯 page of a case: its decisions, audit events, deadlines and documents on one
timeline, read only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from governance.cases.selectors import access_case
from governance.decisions import desk, selectors


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


@require_safe
def document_preview(request: Any, pk: int, template: str) -> HttpResponse:
    """The .docx the case's approval would issue, as the case is now, marked 案."""
    case = access_case(request.user, pk)
    if template not in desk.BUILDERS:
        raise Http404
    data = desk.render_preview(request.user, case, template)
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = quote(f"{case.number}_案.docx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response

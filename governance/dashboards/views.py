"""The dashboards' pages: ``/home/dashboards/`` (the user's first dashboard),
``/home/dashboards/<role>/`` and the .xlsx exports. A dashboard the user's roles do not open
is refused (403), as is an export; every figure comes from the selectors, scoped there."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from governance import permissions
from governance.dashboards import exports, selectors_review, selectors_security
from governance.dashboards.permissions import (
    DASHBOARDS,
    can_export_report,
    can_view_dashboard,
    dashboards_of,
)

BOARDS: dict[str, Callable[[Any], Any]] = {
    "department": selectors_review.department_board,
    "reviewer": selectors_review.reviewer_board,
    "approver": selectors_review.approver_board,
    "security": selectors_security.security_board,
    "csirt": selectors_security.csirt_board,
    "ciso": selectors_security.ciso_board,
    "auditor": selectors_security.auditor_board,
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
def index(request: Any) -> Any:
    """The first dashboard the user's roles open (403 when none)."""
    mine = dashboards_of(request.user)
    if not mine:
        raise PermissionDenied
    return redirect("home:dashboard", role=mine[0])


@require_safe
def dashboard(request: Any, role: str) -> Any:
    if role not in DASHBOARDS:
        raise Http404
    if not can_view_dashboard(request.user, role):
        raise PermissionDenied
    board = BOARDS[role](request.user)
    user = request.user
    context = {
        "board": board,
        "role": role,
        "title": DASHBOARDS[role][0],
        "tabs": [(slug, DASHBOARDS[slug][0]) for slug in dashboards_of(user)],
        "can_export": {
            report: can_export_report(user, report) for report in ("lock_in", "coverage", "season")
        },
        "reads_karte": permissions.can_view_karte(user),
    }
    return render(request, f"dashboards/{role}.html", context)


@require_safe
def export(request: Any, report: str) -> HttpResponse:
    """The lock-in, coverage or season report as .xlsx."""
    if report not in ("lock_in", "coverage", "season"):
        raise Http404
    if not can_export_report(request.user, report):
        raise PermissionDenied
    buffer = io.BytesIO()
    today = timezone.localdate()
    if report == "season":
        exports.write_season(request.user, buffer, today=today)
    else:
        exports.EXPORTS[report](request.user, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{report}_{today:%Y%m%d}.xlsx"'
    return response

"""The monthly anchors of the audit chain's head, as files the auditors keep (the trail's search
is ``governance.decisions.views.AuditSearchView``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from governance.audit import selectors
from governance.audit.anchors import monthly_document


def anchor_document(request: Any, pk: int) -> HttpResponse:
    """A monthly anchor as a text file the auditor keeps outside the system."""
    anchor = get_object_or_404(selectors.all_audit_anchors(request.user), pk=pk)
    response = HttpResponse(monthly_document(anchor), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-anchor-{anchor.period}.txt"'
    return response

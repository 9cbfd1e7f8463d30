"""The monthly anchors of the audit chain's head, as files the auditors keep, and the
監査記録の照合 page that checks the chain against every anchor (the trail's search is
``governance.decisions.views.AuditSearchView``)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from governance import permissions
from governance.audit import notice, selectors
from governance.audit.anchors import check_anchors, monthly_document
from governance.audit.verification import run_verification

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def anchor_document(request: Any, pk: int) -> HttpResponse | FileResponse:
    """A monthly anchor's 監査記録ハッシュ通知 (Word, as stored when it was issued); an anchor
    from before the notice was a Word document comes as its text notice."""
    anchor = get_object_or_404(selectors.all_audit_anchors(request.user), pk=pk)
    if anchor.document:
        return FileResponse(
            anchor.document.open("rb"),
            as_attachment=True,
            filename=f"監査記録ハッシュ通知_{anchor.period}.docx",
            content_type=DOCX,
        )
    response = HttpResponse(monthly_document(anchor), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-anchor-{anchor.period}.txt"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: Any) -> HttpResponse:
    """監査記録の照合: every monthly anchor with whether the chain still holds it, the anchor
    file's check and the months whose anchor is missing; a POST runs the full verification
    (recorded) and shows what it found. Read only otherwise."""
    permissions.require(permissions.can_view_audit_trail(request.user))
    verification = run_verification(actor=request.user) if request.method == "POST" else None
    return render(
        request,
        "audit/verify.html",
        {
            "verification": verification,
            "statuses": (
                verification.statuses if verification else selectors.anchor_status(request.user)
            ),
            "anchor_check": verification.anchors if verification else check_anchors(),
            "missing": [
                notice.period_label(period)
                for period in selectors.missing_anchor_periods(request.user)
            ],
        },
    )

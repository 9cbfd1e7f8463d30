"""Reads of the spec review that carry a rule."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from governance import permissions
from governance.karte.rules import lock_in_status
from governance.models import (
    Finding,
    Perspective,
    SpecReviewRound,
    SpecScanResult,
    SpecVersion,
)
from governance.spec_review.services import ready_for_board_error


def spec_review_overview(user: Any, review: Any) -> dict[str, Any]:
    """What the spec review's pages show, read in a fixed number of queries whatever the
    number of versions, findings or scan results."""
    if not permissions.can_view_case(user, review):
        raise Http404
    versions = list(
        SpecVersion.objects.filter(review=review)
        .select_related("attachment", "attachment__uploaded_by__department")
        .order_by("number")
    )
    latest = versions[-1] if versions else None
    results = list(
        SpecScanResult.objects.filter(version__review=review)
        .select_related("version", "decided_by", "finding")
        .order_by("version__number", "pk")
    )
    checklist = {entry.perspective: entry for entry in review.checklist.all()}
    return {
        "review": review,
        "versions": versions,
        "latest_version": latest,
        "latest_results": [r for r in results if latest and r.version_id == latest.pk],
        "pending_results": [r for r in results if r.status == SpecScanResult.Status.PENDING],
        "findings": list(
            Finding.objects.filter(case=review)
            .select_related("raised_on", "answered_on", "answered_by", "created_by")
            .order_by("number")
        ),
        "checklist": [
            (perspective, checklist.get(perspective.value)) for perspective in Perspective
        ],
        "rounds": list(
            SpecReviewRound.objects.filter(review=review)
            .select_related("reviewer__department", "version")
            .order_by("number")
        ),
        "lock_in": lock_in_status(review.system) if review.system_id else None,
        "rule": review.rule,
        "ready_error": ready_for_board_error(user, review),
    }

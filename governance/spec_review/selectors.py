"""Reads of the spec review that carry a rule."""

from __future__ import annotations

from typing import Any

from django.db.models import DateField, DateTimeField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.http import Http404

from governance import permissions
from governance.karte.rules import lock_in_status
from governance.models import (
    CaseStatus,
    Finding,
    Perspective,
    SpecReview,
    SpecReviewRound,
    SpecScanResult,
    SpecVersion,
)
from governance.spec_review.services import ready_for_board_error

#: Spec reviews whose contract board date still matters (not closed, not withdrawn).
OPEN_STATUSES = [
    status
    for status in CaseStatus.values
    if status not in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)
]


def board_due(case_ref: str) -> Any:
    """An SQL expression: the contract board date of the spec review ``OuterRef(case_ref)``
    points at while it is not yet ready for the board (NULL for anything else), as a moment
    for ordering with the other clocks (the day's start; pages show the day itself)."""
    board = Subquery(
        SpecReview.objects.filter(
            pk=OuterRef(case_ref),
            ready_for_board_at__isnull=True,
            status__in=OPEN_STATUSES,
        ).values("contract_board_date")[:1],
        output_field=DateField(),
    )
    return Cast(board, output_field=DateTimeField())


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

"""Reads of background jobs, each checking who may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from governance import permissions
from governance.models import Case, Job


def visible_jobs(user: Any) -> QuerySet[Job]:
    queryset = Job.objects.select_related("case")
    if permissions.is_admin(user) or permissions.is_auditor(user):
        return queryset
    return queryset.filter(case__in=permissions.scope_cases(user, Case.objects.all()))


def case_jobs(user: Any, case: Case) -> QuerySet[Job]:
    """Background jobs of the case that are not done: pending ones and failures to retry."""
    if not permissions.can_view_case(user, case):
        return Job.objects.none()
    return Job.objects.filter(case=case).exclude(status=Job.Status.DONE).order_by("-created_at")

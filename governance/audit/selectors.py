"""Reads of the audit trail, each checking who may see it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from governance import permissions
from governance.models import AuditAnchor, AuditEvent, Case


def case_audit_events(user: Any, case: Case) -> QuerySet[AuditEvent]:
    """The audit trail of one case the user can see (the case and what hangs off it)."""
    if not permissions.can_view_case(user, case):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(case_id=case.pk).order_by("sequence")


def all_audit_events(user: Any) -> QuerySet[AuditEvent]:
    permissions.require(permissions.can_view_audit_trail(user))
    return AuditEvent.objects.all()


def all_audit_anchors(user: Any) -> QuerySet[AuditAnchor]:
    """The monthly anchors of the chain, for the same readers as the trail."""
    permissions.require(permissions.can_view_audit_trail(user))
    return AuditAnchor.objects.all()

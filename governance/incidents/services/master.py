"""The CSIRT's master data: intake sources, playbooks (``TaskTemplate``) and the escalation
chain (``EscalationLevel``), kept by the
administrators (in Django admin), each change audited with its old and new values."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from governance import permissions
from governance.audit.services import record_event
from governance.models import EscalationLevel, IntakeSource, TaskTemplate, User


def can_manage_incident_master_data(user: Any) -> bool:
    """Administrators manage master data, not incidents (NEXT_WAVE §B.8)."""
    return permissions.is_admin(user) and permissions.may_act(user)


def _save(actor: User, row: models.Model, fields: list[str], action: str) -> models.Model:
    permissions.require(can_manage_incident_master_data(actor))
    with transaction.atomic():
        before = (
            type(row)._default_manager.select_for_update().filter(pk=row.pk).first()
            if row.pk
            else None
        )
        changes = {
            name: [getattr(before, name) if before else None, getattr(row, name)]
            for name in fields
            if before is None or getattr(before, name) != getattr(row, name)
        }
        row.full_clean()
        row.save()
        if changes:
            record_event(
                actor=actor,
                action=f"{action}.{'change' if before else 'add'}",
                obj=row,
                changes=changes,
            )
    return row


def save_intake_source(*, actor: User, source: IntakeSource) -> IntakeSource:
    """Add or change an intake source (its code never changes once events point at it)."""
    fields = ["code", "name", "operator", "channel", "default_tlp", "default_category"]
    fields += ["matching", "active"]
    _save(actor, source, fields, "intake_source")
    return source


def save_task_template(*, actor: User, template: TaskTemplate) -> TaskTemplate:
    """Add or change one step of a category's playbook (new incidents get it)."""
    fields = ["category", "key", "title", "phase", "for_department", "sort_order"]
    _save(actor, template, fields, "task_template")
    return template


def save_escalation_level(*, actor: User, level: EscalationLevel) -> EscalationLevel:
    """Add or change a level of the escalation chain: its roles and acknowledgement minutes
    per severity (checked by the model's ``clean``)."""
    fields = ["code", "name", "order", "notify_roles", "ack_minutes", "basis", "active"]
    _save(actor, level, fields, "escalation_level")
    return level

"""Emergency disconnection (緊急遮断) from an incident (NEXT_WAVE §A.5, §B.8).

The network connection approvals live on another branch. This module is the call site they
plug into: ``request_emergency_disconnection`` checks the CSIRT's permission, writes the
incident's timeline and audit event, and calls every registered handler **in the same
transaction**, so the suspension of the system's active approvals commits (or fails) with the
request. The network package registers its handler once, e.g. in its ``services`` module::

    from governance.incidents.services import hooks

    hooks.register_disconnection_handler(suspend_approvals_for_incident)

where the handler is ``(actor, incident, system, reason) -> int`` (approvals suspended).
Until a handler is registered the request is recorded as 「未連携」 and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance.audit.services import record_event
from governance.incidents.services.common import locked, require_csirt, require_open, write_timeline
from governance.models import Incident, InformationSystem, TimelineEntry, User
from governance.roles import Role

Handler = Callable[[Any, Incident, InformationSystem, str], int]
_handlers: list[Handler] = []

DISCONNECT_NEEDS_REASON = gettext_noop("緊急遮断の理由を入力してください。")


def register_disconnection_handler(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def unregister_disconnection_handler(handler: Handler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def request_emergency_disconnection(
    *, actor: User, incident: Incident, system: InformationSystem, reason: str
) -> int:
    """Ask for ``system`` to be cut off the network because of ``incident``; returns how many
    network connection approvals the registered handlers suspended."""
    require_csirt(actor, incident, Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
    if not reason.strip():
        raise ValueError(_(DISCONNECT_NEEDS_REASON))
    with transaction.atomic():
        incident = locked(incident)
        require_open(incident, allow_pending=True)
        suspended = sum(handler(actor, incident, system, reason.strip()) for handler in _handlers)
        incident.systems.add(system)
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.ACTION,
            text=_("緊急遮断を依頼: {system}（停止した接続承認 {count}件{note}）").format(
                system=system.name,
                count=suspended,
                note="" if _handlers else _("、ネットワーク接続承認とは未連携"),
            ),
        )
        record_event(
            actor=actor,
            action="incident.emergency_disconnection",
            obj=incident,
            changes={
                "system": [None, system.code],
                "suspended": [None, suspended],
                "wired": [None, bool(_handlers)],
            },
            reason=reason.strip(),
        )
    return suspended

"""Escalating an incident along the chain and acknowledging it (NEXT_WAVE §B.5, §B.6 row 9).

``escalate_incident`` records who raised it to which level and why, starts the level's
acknowledgement clock (``escalation_ack``, its minutes per severity from ``EscalationLevel``)
and tells the level's role holders at once, in-app and by e-mail, any hour.
``acknowledge_escalation`` is for a holder of a notified role: it meets the clock. A missed
clock is announced once by the clock runner to the next level of the chain.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services.notifications import notify
from governance.clocks.services import meet_deadline, open_deadline_for, start_deadline
from governance.incidents.escalation.models import Escalation, EscalationLevel
from governance.incidents.services.common import (
    csirt_people,
    require_csirt,
    require_open,
    write_timeline,
)
from governance.japanese import in_japanese
from governance.models import DeadlineKind, Incident, TimelineEntry, User
from governance.roles import Role

REASON_REQUIRED = gettext_noop("エスカレーションの理由を入力してください。")
INACTIVE_LEVEL = gettext_noop("このエスカレーション先は現在使われていません。")
NOT_NOTIFIED_ROLE = gettext_noop(
    "このエスカレーションを確認できるのは、通知先（{roles}）のロールを持つ人のみです。"
)
ALREADY_ACKNOWLEDGED = gettext_noop("このエスカレーションは確認済みです。")
NOT_OWN_INCIDENT = gettext_noop(
    "エスカレーションを依頼できるのは、このインシデントを報告した人または主管部局の職員です。"
)
REQUEST_PENDING = gettext_noop(
    "CSIRT へのエスカレーションを依頼済みです（未確認）。CSIRT の確認をお待ちください。"
)
NO_FIRST_LEVEL = gettext_noop(
    "エスカレーション先が設定されていません（システム管理者に連絡してください）。"
)


#: Who may escalate: the CSIRT (members and lead) and the CISO.
ESCALATING_ROLES = (Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)


def _role_names(roles: list[str]) -> str:
    labels = dict(Role.choices)
    return "、".join(str(labels.get(role, role)) for role in roles)


def next_level(level: EscalationLevel) -> EscalationLevel | None:
    return EscalationLevel.objects.filter(active=True, order__gt=level.order).first()


def _breach_roles(level: EscalationLevel) -> list[str]:
    """Who hears of a missed acknowledgement: the next level's roles and the CSIRT lead."""
    following = next_level(level)
    roles = list(following.notify_roles) if following is not None else [Role.CISO]
    if Role.CSIRT_LEAD not in roles:
        roles.append(Role.CSIRT_LEAD)
    return roles


def escalate_incident(
    *, actor: User, incident: Incident, level: EscalationLevel, reason: str
) -> Escalation:
    """Raise ``incident`` to ``level`` with ``reason``; the level's holders are told at once."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_(REASON_REQUIRED))
    require_csirt(actor, incident, *ESCALATING_ROLES)
    if not level.active:
        raise ValueError(_(INACTIVE_LEVEL))
    return _raise(actor=actor, incident=incident, level=level, reason=reason)


def first_level() -> EscalationLevel | None:
    """The first active level of the chain (部局 → CSIRT): where a department's request goes."""
    return EscalationLevel.objects.filter(active=True).order_by("order").first()


def may_request(user: User, incident: Incident) -> bool:
    """The department's side (§B.8 「部局」): whoever reported one of the incident's events,
    or staff of the incident's department (主管部局)."""
    if not permissions.may_act(user):
        return False
    if incident.events.filter(reports__user=user.pk).exists():
        return True
    return permissions.is_department_staff(user) and user.department_id == incident.department_id


def request_escalation(*, actor: User, incident: Incident, reason: str) -> Escalation:
    """A department asks the CSIRT to escalate (the first level of the chain, with the reason):
    the CSIRT is told at once and acknowledges it on the incident's escalation panel, with the
    level's clock. One unacknowledged request at a time per person."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_(REASON_REQUIRED))
    permissions.require(may_request(actor, incident), NOT_OWN_INCIDENT)
    level = first_level()
    if level is None:
        raise ValueError(_(NO_FIRST_LEVEL))
    if Escalation.objects.filter(
        incident=incident, level=level, raised_by=actor, acknowledged_at__isnull=True
    ).exists():
        raise ValueError(_(REQUEST_PENDING))
    return _raise(actor=actor, incident=incident, level=level, reason=reason, requested=True)


def _raise(
    *,
    actor: User,
    incident: Incident,
    level: EscalationLevel,
    reason: str,
    requested: bool = False,
) -> Escalation:
    now = timezone.now()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        require_open(incident, allow_pending=True)
        escalation = Escalation.objects.create(
            incident=incident,
            level=level,
            severity=incident.severity or "",
            reason=reason,
            raised_by=actor,
            raised_at=now,
        )
        minutes = level.minutes_for(incident.severity or "")
        with in_japanese():
            basis = _("エスカレーションの確認（{level}、重大度 {severity}、{minutes} 分）").format(
                level=level.name, severity=incident.severity or "-", minutes=minutes
            )
            if level.basis:
                basis = f"{basis} {level.basis}"
        start_deadline(
            actor=None if requested else actor,
            kind=DeadlineKind.ESCALATION_ACK,
            case=incident,
            subject=escalation,
            starts_at=now,
            length=minutes,
            holder_role=level.notify_roles[0] if level.notify_roles else "",
            escalate_roles=_breach_roles(level),
            basis=basis[:300],
        )
        record_event(
            actor=actor,
            action="incident.escalation_request" if requested else "incident.escalate",
            obj=escalation,
            case=incident,
            changes={
                "level": [None, level.code],
                "severity": [None, escalation.severity or None],
                "ack_minutes": [None, minutes],
            },
            reason=reason,
        )
        with in_japanese():
            department = actor.department.name if actor.department is not None else ""
            text = (
                _("部局からのエスカレーション依頼: {level}（{department}、{reason}）").format(
                    level=level.name, department=department or "—", reason=reason
                )
                if requested
                else _("エスカレーション: {level}（{reason}）").format(
                    level=level.name, reason=reason
                )
            )
            write_timeline(
                incident=incident, actor=actor, kind=TimelineEntry.Kind.DECISION, text=text
            )
            subject = (
                _("【部局からのエスカレーション依頼】{number} {title}")
                if requested
                else _("【エスカレーション】{level} {number} {title}")
            )
            notify(
                recipients=csirt_people(*level.notify_roles) if level.notify_roles else [],
                subject=subject.format(
                    level=level.name, number=incident.number, title=incident.title
                ),
                body=_("理由: {reason}\n{minutes} 分以内に確認してください。").format(
                    reason=reason, minutes=minutes
                ),
                url=reverse("incidents:incident", args=[incident.pk]),
                case=incident,
                dedupe_key=f"escalation:{escalation.pk}",
            )
    return escalation


def can_acknowledge(user: User, escalation: Escalation) -> bool:
    roles = list(escalation.level.notify_roles)
    return bool(roles) and permissions.has_role(user, *roles)


def acknowledge_escalation(*, actor: User, escalation: Escalation) -> Escalation:
    """A holder of a notified role acknowledges: the acknowledgement clock is met."""
    roles = list(escalation.level.notify_roles)
    if not can_acknowledge(actor, escalation):
        raise PermissionDenied(_(NOT_NOTIFIED_ROLE).format(roles=_role_names(roles)))
    if not permissions.can_view_case(actor, escalation.incident):
        raise PermissionDenied(_(permissions.NOT_ALLOWED))
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(of=("self",))
            .select_related("level", "incident")
            .get(pk=escalation.pk)
        )
        if escalation.acknowledged_at is not None:
            raise ValueError(_(ALREADY_ACKNOWLEDGED))
        escalation.acknowledged_by = actor
        escalation.acknowledged_at = timezone.now()
        escalation.save(update_fields=["acknowledged_by", "acknowledged_at"])
        deadline = open_deadline_for(escalation, DeadlineKind.ESCALATION_ACK)
        if deadline is not None:
            meet_deadline(actor=None, deadline=deadline, met_at=escalation.acknowledged_at)
        record_event(
            actor=actor,
            action="incident.escalation_ack",
            obj=escalation,
            case=escalation.incident,
            changes={"acknowledged_at": [None, timezone.localtime(escalation.acknowledged_at)]},
        )
        with in_japanese():
            write_timeline(
                incident=escalation.incident,
                actor=actor,
                kind=TimelineEntry.Kind.DECISION,
                text=_("エスカレーションを確認: {level}").format(level=escalation.level.name),
            )
    return escalation

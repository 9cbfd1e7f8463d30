"""The decision records of the network connection approval: what the review, approval and
lifecycle pages show beside the case's columns (the checklist, the findings, the conditions,
the approval in question), written by ``record_decision`` inside the deciding service's
transaction, after the change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from governance import permissions
from governance.decisions.services import Fact, record_decision
from governance.japanese import in_japanese
from governance.models import (
    Case,
    ConnectionApproval,
    ConnectionCheckEntry,
    ConnectionCondition,
    ConnectionFinding,
    NetworkConnection,
    User,
)


def held_role(actor: User, *roles: str) -> str:
    """The first of ``roles`` the actor holds (the one they decided as)."""
    for role in roles:
        if permissions.has_role(actor, role):
            return role
    return roles[0]


def _facts(connection: Case, approval: ConnectionApproval | None) -> list[Fact]:
    facts: list[Fact] = []
    with in_japanese():
        entries = ConnectionCheckEntry.objects.filter(connection_id=connection.pk)
        for entry in entries.order_by("perspective"):
            value = str(entry.get_result_display())
            facts.append(
                Fact(
                    label=str(entry.get_perspective_display()),
                    value=f"{value} {entry.note}".strip(),
                )
            )
        for finding in ConnectionFinding.objects.filter(case_id=connection.pk).order_by("number"):
            facts.append(
                Fact(
                    label=_("指摘{n}").format(n=finding.number),
                    value=_("{text}（{severity}、{proposal}、{status}）").format(
                        text=finding.text,
                        severity=finding.get_severity_display(),
                        proposal=finding.get_proposal_display(),
                        status=finding.get_status_display(),
                    ),
                )
            )
        for condition in ConnectionCondition.objects.filter(case_id=connection.pk).order_by(
            "number"
        ):
            facts.append(
                Fact(
                    label=_("承認条件{n}").format(n=condition.number),
                    value=_("{text}（期限 {due}、{status}）").format(
                        text=condition.text,
                        due=condition.due_date.isoformat() if condition.due_date else "—",
                        status=condition.get_status_display(),
                    ),
                )
            )
        if approval is not None:
            facts.append(Fact(label=_("接続承認"), value=str(approval)))
    return facts


def record_network_decision(
    *,
    actor: User,
    case: Case,
    decision: str,
    role: str,
    reason: str = "",
    approval: ConnectionApproval | None = None,
    subject: models.Model | None = None,
) -> None:
    """One decision record on a network connection case, with what its page showed."""
    connection = NetworkConnection.objects.get(pk=case.pk)
    record_decision(
        actor=actor,
        case=connection,
        decision=decision,
        role=role,
        reason=reason,
        facts=_facts(connection, approval),
        subject=subject if subject is not None else approval,
        node="network_connection/" + decision,
    )

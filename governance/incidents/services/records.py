"""The decision records of a CSIRT incident: what the triage and closure pages show beside the
incident's columns (the level the matrix derived and why, the level decided, the tasks),
written by ``record_decision`` inside the deciding service's transaction, after the change."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from governance import permissions
from governance.decisions.services import Fact, record_decision
from governance.japanese import in_japanese
from governance.models import Incident, IncidentTask, User


def held_role(actor: User, *roles: str) -> str:
    """The first of ``roles`` the actor holds (the one they decided as)."""
    for role in roles:
        if permissions.has_role(actor, role):
            return role
    return roles[0]


def _facts(incident: Incident, reasons: Sequence[str]) -> list[Fact]:
    with in_japanese():
        facts = [
            Fact(label=_("重大度"), value=incident.severity or "—"),
            Fact(label=_("マトリクスによる重大度"), value=incident.computed_severity or "—"),
            Fact(label=_("重大度の根拠"), value="、".join(reasons) or "—"),
        ]
        if incident.severity_overridden:
            facts.append(
                Fact(label=_("重大度の変更理由"), value=incident.severity_override_reason or "—")
            )
        if incident.dismiss_reason:
            facts.append(Fact(label=_("対象外の理由"), value=incident.dismiss_reason))
        tasks = IncidentTask.objects.filter(incident=incident)
        done = tasks.filter(status=IncidentTask.Status.DONE).count()
        facts.append(
            Fact(
                label=_("対応タスク"),
                value=_("{done}/{total} 完了").format(done=done, total=tasks.count()),
            )
        )
    return facts


def record_incident_decision(
    *,
    actor: User,
    incident: Incident,
    decision: str,
    role: str,
    reason: str = "",
    severity_reasons: Sequence[str] = (),
) -> None:
    """One decision record on an incident, with what its page showed."""
    record_decision(
        actor=actor,
        case=incident,
        decision=decision,
        role=role,
        reason=reason,
        facts=_facts(incident, severity_reasons),
        node="incident/" + decision,
    )

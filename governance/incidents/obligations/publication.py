"""The 公表 (publication) and 本人通知 (notice to the persons) decisions of an incident
(NEXT_WAVE §B.6 rows 3 and 8, §B.8, §2.2).

These two obligations are decisions, not reports sent to someone, so they are not registered as
submissions: ``decide_publication`` and ``decide_individual_notice`` record a ``DecisionRecord``
with the facts the decision card showed (``decision_facts``), sealed into the audit chain, and
settle the obligation in the engine's terms:

- 公表の判断 (``publication_decision`` / ``decision``): 公表する or 公表しない, with the reason.
  Either answer is a decision taken: the obligation becomes ``decided`` (判断済) and its clock
  is met at the moment of the decision.
- 本人通知 (``individual_notice`` / ``notice``), 個人情報保護法第68条第2項:
  - 本人に通知する: the duty stays owed (``pending``, clock running) until the notice sent is
    registered as a submission, as before;
  - 通知困難のため公表で代替 (第68条第2項ただし書第1号: 本人への通知が困難な場合であって、
    本人の権利利益を保護するため必要なこれに代わるべき措置をとるとき): only after 「公表する」
    was decided (the 公表 is the 代替措置); the obligation is ``decided`` and its clock met;
  - 通知を要しない (e.g. 同号第2号: the data contain 不開示情報): the obligation is ``decided``
    and its clock waived with the reason (the duty is released, not done).

Who decides (§B.8 「公表の判断: CSIRT 責任者 L1–L2、CISO L3 以上」): the CISO when the
incident's severity is L3 or L4, a CSIRT lead (or the CISO) below; the same rule as the content
approval of a submission (``submissions.approver_roles``). The 本人通知 decision follows the same
rule, because replacing the notice is itself a 公表 and releasing a legal duty is a decision of
the same weight as the publication. An exercise (訓練) never produces such a decision, as it
never produces a submission.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.clocks.services import meet_deadline, waive_deadline
from governance.decisions.models import DecisionRecord
from governance.decisions.services import Fact, record_decision
from governance.incidents.common import require_csirt, write_timeline
from governance.incidents.obligations.services import obligation_facts
from governance.incidents.obligations.submissions import approver_roles
from governance.japanese import era_date, in_japanese
from governance.models import (
    Incident,
    NoticeChoice,
    ObligationStatus,
    PublicationChoice,
    Recipient,
    ReportingObligation,
    Stage,
    TimelineEntry,
    User,
)
from governance.roles import Role

#: The decision code recorded for each answer (``governance.decisions.services.DECISIONS``).
PUBLICATION_DECISIONS: dict[str, str] = {
    PublicationChoice.PUBLISH: "incident.publication_publish",
    PublicationChoice.NOT_PUBLISH: "incident.publication_not_publish",
}
NOTICE_DECISIONS: dict[str, str] = {
    NoticeChoice.NOTIFY: "incident.notice_notify",
    NoticeChoice.REPLACED: "incident.notice_replaced_by_publication",
    NoticeChoice.NOT_REQUIRED: "incident.notice_not_required",
}
ALL_DECISIONS = (*PUBLICATION_DECISIONS.values(), *NOTICE_DECISIONS.values())

REASON_REQUIRED = gettext_noop("判断の理由を入力してください。")
UNKNOWN_CHOICE = gettext_noop("判断の内容を選んでください。")
NOT_OWED = gettext_noop("このインシデントには「{label}」の報告義務がありません。")
ALREADY_DECIDED = gettext_noop("「{label}」は「{status}」のため判断を記録できません。")
NEEDS_CISO = gettext_noop("重大度 L3 以上の公表・本人通知は CISO が判断します。")
NEEDS_LEAD = gettext_noop("公表・本人通知を判断できるのは CSIRT 責任者または CISO です。")
EXERCISE_NO_DECISION = gettext_noop(
    "訓練のインシデントでは公表・本人通知の判断は記録できません（訓練の期限は表示のみです）。"
)
NEEDS_PUBLICATION = gettext_noop(
    "本人通知を公表で代替するには、先に公表の判断で「公表する」を記録してください。"
)


def decider_roles(incident: Incident) -> tuple[str, ...]:
    """The CISO at L3 and above; a CSIRT lead (or the CISO) below (§B.8)."""
    return approver_roles(incident)


def can_decide(user: User, incident: Incident) -> bool:
    return permissions.has_role(user, *decider_roles(incident)) and not incident.is_exercise


def _obligation(incident: Incident, recipient: str, stage: str) -> ReportingObligation | None:
    return (
        ReportingObligation.objects.select_for_update(of=("self",))
        .select_related("deadline")
        .filter(incident=incident, recipient=recipient, stage=stage)
        .first()
    )


def _label(recipient: str) -> str:
    with in_japanese():
        return str(Recipient(recipient).label)


def latest_decisions(incident: Incident) -> dict[str, DecisionRecord]:
    """The last publication and notice decisions, by recipient code (one query)."""
    found: dict[str, DecisionRecord] = {}
    records = DecisionRecord.objects.filter(
        case_id=incident.pk, decision__in=ALL_DECISIONS
    ).order_by("decided_at", "pk")
    for record in records:
        key = (
            Recipient.PUBLICATION_DECISION
            if record.decision in PUBLICATION_DECISIONS.values()
            else Recipient.INDIVIDUAL_NOTICE
        )
        found[key] = record
    return found


def decision_facts(incident: Incident) -> list[Fact]:
    """What the decision card shows and the decision record keeps: the two obligations with
    their basis, due day and state, the publication already decided, then the facts of the
    incident the obligations were evaluated on."""
    rows: list[Fact] = []
    decided = latest_decisions(incident)
    with in_japanese():
        for recipient, stage in (
            (Recipient.PUBLICATION_DECISION, Stage.DECISION),
            (Recipient.INDIVIDUAL_NOTICE, Stage.NOTICE),
        ):
            found = ReportingObligation.objects.filter(
                incident=incident, recipient=recipient, stage=stage
            ).first()
            if found is None:
                continue
            due = found.due_on or found.target_on
            rows.append(
                Fact(
                    label=str(found.get_recipient_display()),
                    value=_("{required}・{status}・期限 {due}・根拠 {basis}").format(
                        required=found.get_required_display(),
                        status=found.get_status_display(),
                        due=era_date(due) if due else "—",
                        basis=found.basis,
                    ),
                )
            )
            record = decided.get(recipient)
            if record is not None:
                rows.append(
                    Fact(
                        label=_("{label}の判断").format(label=found.get_recipient_display()),
                        value=_("{decision}（{name}、{at}）").format(
                            decision=record.decision_label,
                            name=record.decided_by_name,
                            at=timezone.localtime(record.decided_at).strftime("%Y-%m-%d %H:%M"),
                        ),
                    )
                )
        rows.append(Fact(label=_("重大度"), value=incident.severity or "—"))
    return [*rows, *obligation_facts(incident)]


def _require_decider(actor: User, incident: Incident) -> str:
    roles = decider_roles(incident)
    require_csirt(actor, incident, *roles)
    permissions.require(
        permissions.has_role(actor, *roles), NEEDS_CISO if roles == (Role.CISO,) else NEEDS_LEAD
    )
    if incident.is_exercise:
        raise ValueError(_(EXERCISE_NO_DECISION))
    return (
        Role.CISO
        if Role.CISO in roles and permissions.has_role(actor, Role.CISO)
        else (Role.CSIRT_LEAD)
    )


def _settle(
    *, actor: User, obligation: ReportingObligation, met: bool, reason: str, label: str
) -> None:
    """The obligation is decided: its clock is met (done) or waived (released)."""
    old = obligation.status
    deadline = obligation.deadline
    if deadline is not None and deadline.is_open:
        if met:
            meet_deadline(actor=actor, deadline=deadline, note=label)
        else:
            waive_deadline(actor=actor, deadline=deadline, reason=reason)
    obligation.status = ObligationStatus.DECIDED
    obligation.flagged_for_waiver = False
    obligation.save(update_fields=["status", "flagged_for_waiver", "updated_at"])
    record_event(
        actor=actor,
        action="obligation.decide",
        obj=obligation,
        changes={"status": [old, ObligationStatus.DECIDED], "decision": [None, label]},
        reason=reason,
    )


def _clean(reason: str, choice: str, choices: type[models.TextChoices]) -> str:
    if choice not in choices.values:
        raise ValueError(_(UNKNOWN_CHOICE))
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_(REASON_REQUIRED))
    return reason


def _pending(incident: Incident, recipient: str, stage: str) -> ReportingObligation:
    obligation = _obligation(incident, recipient, stage)
    if obligation is None or obligation.status == ObligationStatus.NOT_APPLICABLE:
        raise ValueError(_(NOT_OWED).format(label=_label(recipient)))
    if obligation.status != ObligationStatus.PENDING:
        with in_japanese():
            status = str(obligation.get_status_display())
        raise ValueError(_(ALREADY_DECIDED).format(label=_label(recipient), status=status))
    return obligation


def decide_publication(
    *, actor: User, incident: Incident, choice: str, reason: str
) -> DecisionRecord:
    """公表する / 公表しない, with the reason: the 公表の判断 obligation is decided."""
    reason = _clean(reason, choice, PublicationChoice)
    role = _require_decider(actor, incident)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        obligation = _pending(incident, Recipient.PUBLICATION_DECISION, Stage.DECISION)
        facts = decision_facts(incident)
        with in_japanese():
            label = str(PublicationChoice(choice).label)
        _settle(actor=actor, obligation=obligation, met=True, reason=reason, label=label)
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("公表の判断: {label}。理由: {reason}").format(label=label, reason=reason),
        )
        return record_decision(
            actor=actor,
            case=incident,
            decision=PUBLICATION_DECISIONS[PublicationChoice(choice)],
            role=role,
            reason=reason,
            facts=facts,
            subject=obligation,
            node="incident/publication_decision",
        )


def decide_individual_notice(
    *, actor: User, incident: Incident, choice: str, reason: str
) -> DecisionRecord:
    """本人に通知する / 公表で代替 / 通知を要しない, with the reason (法68条2項)."""
    reason = _clean(reason, choice, NoticeChoice)
    role = _require_decider(actor, incident)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        obligation = _pending(incident, Recipient.INDIVIDUAL_NOTICE, Stage.NOTICE)
        if choice == NoticeChoice.REPLACED:
            published = latest_decisions(incident).get(Recipient.PUBLICATION_DECISION)
            publish = PUBLICATION_DECISIONS[PublicationChoice.PUBLISH]
            if published is None or published.decision != publish:
                raise ValueError(_(NEEDS_PUBLICATION))
        facts = decision_facts(incident)
        with in_japanese():
            label = str(NoticeChoice(choice).label)
        if choice != NoticeChoice.NOTIFY:
            _settle(
                actor=actor,
                obligation=obligation,
                met=choice == NoticeChoice.REPLACED,
                reason=reason,
                label=label,
            )
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("本人通知の判断: {label}。理由: {reason}").format(label=label, reason=reason),
        )
        return record_decision(
            actor=actor,
            case=incident,
            decision=NOTICE_DECISIONS[NoticeChoice(choice)],
            role=role,
            reason=reason,
            facts=facts,
            subject=obligation,
            node="incident/individual_notice_decision",
        )

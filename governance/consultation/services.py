"""相談 (consultations): a department asks, its liaison answers, the department closes it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import assign_case_number, set_status
from governance.decisions.services import record_decision
from governance.japanese import fiscal_year_of
from governance.models import (
    CaseKind,
    CaseMessage,
    CaseStatus,
    Consultation,
    ConsultationTopic,
    InformationSystem,
    User,
)
from governance.roles import Role

EMPTY_QUESTION = gettext_noop("相談内容を入力してください。")
EMPTY_ANSWER = gettext_noop("回答を入力してください。")
UNKNOWN_TOPIC = gettext_noop("相談の分類が正しくありません。")
NOT_ANSWERED_YET = gettext_noop("回答待ちの相談です。")


def open_consultation(
    *,
    actor: User,
    title: str,
    question: str,
    system: InformationSystem | None = None,
    process: Any = None,
    topic: str = ConsultationTopic.OTHER,
) -> Consultation:
    """A department's staff member opens a consultation for their own department."""
    permissions.require(permissions.may_act(actor) and permissions.is_department_staff(actor))
    if not question.strip():
        raise ValueError(_(EMPTY_QUESTION))
    if topic not in ConsultationTopic.values:
        raise ValueError(_(UNKNOWN_TOPIC))
    if system is not None:
        permissions.check_system_choice(actor, system)
    assert actor.department_id is not None  # department staff always belong to one
    with transaction.atomic():
        consultation = Consultation(
            kind=CaseKind.CONSULTATION,
            fiscal_year=fiscal_year_of(timezone.localdate()),
            title=title.strip(),
            question=question.strip(),
            topic=topic,
            department_id=actor.department_id,
            section_id=actor.section_id,
            system=system,
            requester=actor,
            status=CaseStatus.SUBMITTED,
            process=process,
        )
        assign_case_number(consultation)
        consultation.save()
        CaseMessage.objects.create(
            case=consultation,
            kind=CaseMessage.Kind.QUESTION,
            body=consultation.question,
            author=actor,
        )
        record_event(
            actor=actor,
            action="consultation.open",
            obj=consultation,
            changes={
                "number": [None, consultation.number],
                "title": [None, consultation.title],
                "department": [None, consultation.department.name],
                "system": [None, system.code if system else None],
                "topic": [None, topic],
            },
        )
    return consultation


def answer_consultation(*, actor: User, consultation: Consultation, answer: str) -> Consultation:
    """The liaison (or any governance reviewer) answers the department's question."""
    permissions.require_act(actor, consultation, Role.GOVERNANCE_REVIEWER)
    if not answer.strip():
        raise ValueError(_(EMPTY_ANSWER))
    with transaction.atomic():
        CaseMessage.objects.create(
            case=consultation, kind=CaseMessage.Kind.ANSWER, body=answer.strip(), author=actor
        )
        old_reviewer = consultation.reviewer_id
        consultation.reviewer = actor
        consultation.save(update_fields=["reviewer", "updated_at"])
        set_status(
            actor=actor,
            case=consultation,
            status=CaseStatus.AWAITING_ACKNOWLEDGEMENT,
            action="consultation.answer",
            extra_changes={"reviewer": [old_reviewer, actor.pk]},
        )
        record_decision(
            actor=actor,
            case=consultation,
            decision="consultation.answer",
            role=Role.GOVERNANCE_REVIEWER,
            reason=answer.strip(),
            node="consultation/ConsultationFlow.answer",
        )
    return consultation


def close_or_follow_up(
    *, actor: User, consultation: Consultation, resolved: bool, follow_up: str = ""
) -> Consultation:
    """The department closes the consultation, or asks a follow-up question."""
    permissions.require_act(actor, consultation, Role.DEPARTMENT_STAFF)
    if consultation.status != CaseStatus.AWAITING_ACKNOWLEDGEMENT:
        raise ValueError(_(NOT_ANSWERED_YET))
    if not resolved and not follow_up.strip():
        raise ValueError(_(EMPTY_QUESTION))
    with transaction.atomic():
        if resolved:
            consultation.resolved = True
            consultation.save(update_fields=["resolved", "updated_at"])
            set_status(
                actor=actor,
                case=consultation,
                status=CaseStatus.CLOSED,
                action="consultation.close",
            )
        else:
            CaseMessage.objects.create(
                case=consultation,
                kind=CaseMessage.Kind.QUESTION,
                body=follow_up.strip(),
                author=actor,
            )
            set_status(
                actor=actor,
                case=consultation,
                status=CaseStatus.UNDER_REVIEW,
                action="consultation.follow_up",
            )
    return consultation


def classify_consultation(*, actor: User, consultation: Consultation, topic: str) -> Consultation:
    """Governance staff set (or correct) what a consultation is about, for counts by type."""
    permissions.require(permissions.may_act(actor) and permissions.is_governance_staff(actor))
    if topic not in ConsultationTopic.values:
        raise ValueError(_(UNKNOWN_TOPIC))
    with transaction.atomic():
        old = consultation.topic
        consultation.topic = topic
        consultation.save(update_fields=["topic", "updated_at"])
        record_event(
            actor=actor,
            action="consultation.classify",
            obj=consultation,
            changes={"topic": [old, topic]},
        )
    return consultation

"""Registering that a report was sent (or a notice given, a decision taken) and approving its
content (NEXT_WAVE §B.6, §B.8).

A CSIRT member registers the submission (when, by whom, method, 受付番号, the receipt) for one
or more pending obligations (the PPC's combined form satisfies the 個人情報保護法 and the 番号法
report at once); a CSIRT lead (L1–L2) or the CISO (L3–L4) approves its content, and only then
are the obligations submitted and their clocks met at the time the report was sent. Exercises
run the same clocks but can never produce a submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services.notifications import notify
from governance.clocks.services import meet_deadline
from governance.decisions.services import Fact, record_decision
from governance.incidents.common import csirt_people, require_csirt, write_timeline
from governance.incidents.obligations.services import clock_start
from governance.japanese import in_japanese
from governance.models import (
    Incident,
    ObligationStatus,
    ObligationSubmission,
    Recipient,
    ReportingObligation,
    SubmissionMethod,
    TimelineEntry,
    User,
)
from governance.roles import Role
from governance.uploads import CheckedUpload, store_attachment

EXERCISE_NO_SUBMISSION = gettext_noop(
    "訓練のインシデントでは報告を提出できません（訓練の期限は表示のみです）。"
)
NO_OBLIGATIONS = gettext_noop("提出の対象となる報告義務を選んでください。")
NOT_PENDING = gettext_noop("「{label}」は未提出の報告義務ではありません。")
OTHER_INCIDENT = gettext_noop("別のインシデントの報告義務は選べません。")
UNKNOWN_METHOD = gettext_noop("提出方法を選んでください。")
NAIVE_TIME = gettext_noop("提出日時にはタイムゾーンが必要です。")
IN_FUTURE = gettext_noop("提出日時に未来の日時は指定できません。")
BEFORE_AWARE = gettext_noop("提出日時が覚知日時より前になっています。")
NEEDS_CISO = gettext_noop("重大度 L3 以上の報告内容は CISO が承認します。")
NEEDS_LEAD = gettext_noop("報告内容を承認できるのは CSIRT 責任者または CISO です。")
ALREADY_APPROVED = gettext_noop("この提出は承認済みです。")
DECISION_NOT_SUBMISSION = gettext_noop(
    "公表の判断は提出ではありません。「公表・本人通知の判断」で判断を記録してください。"
)

#: The levels whose report content the CISO approves (§B.8).
CISO_LEVELS = ("L3", "L4")


def approver_roles(incident: Incident) -> tuple[str, ...]:
    return (Role.CISO,) if incident.severity in CISO_LEVELS else (Role.CSIRT_LEAD, Role.CISO)


def can_approve(user: User, incident: Incident) -> bool:
    return permissions.has_role(user, *approver_roles(incident))


def _labels(obligations: Sequence[ReportingObligation]) -> str:
    with in_japanese():
        return "、".join(
            f"{o.get_recipient_display()}（{o.get_stage_display()}）" for o in obligations
        )


def register_submission(
    *,
    actor: User,
    incident: Incident,
    obligations: Sequence[ReportingObligation],
    submitted_at: dt.datetime,
    method: str,
    reference: str = "",
    receipt: CheckedUpload | None = None,
    note: str = "",
    submitted_by: User | None = None,
) -> ObligationSubmission:
    """Record a report sent for ``obligations`` (awaiting the content approval)."""
    require_csirt(actor, incident, Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
    if incident.is_exercise:
        raise ValueError(_(EXERCISE_NO_SUBMISSION))
    if not obligations:
        raise ValueError(_(NO_OBLIGATIONS))
    if method not in SubmissionMethod.values:
        raise ValueError(_(UNKNOWN_METHOD))
    if timezone.is_naive(submitted_at):
        raise ValueError(_(NAIVE_TIME))
    if submitted_at > timezone.now():
        raise ValueError(_(IN_FUTURE))
    # The form reads minutes: a report in the minute of 覚知 is not before it.
    if submitted_at < clock_start(incident).replace(second=0, microsecond=0):
        raise ValueError(_(BEFORE_AWARE))
    with transaction.atomic():
        rows = list(
            ReportingObligation.objects.select_for_update()
            .filter(pk__in=[o.pk for o in obligations])
            .order_by("pk")
        )
        for row in rows:
            if row.incident_id != incident.pk:
                raise ValueError(_(OTHER_INCIDENT))
            if row.status != ObligationStatus.PENDING:
                raise ValueError(_(NOT_PENDING).format(label=_labels([row])))
            if row.recipient == Recipient.PUBLICATION_DECISION:
                raise ValueError(_(DECISION_NOT_SUBMISSION))
        attachment = None
        if receipt is not None:
            attachment = store_attachment(
                case=incident, upload=receipt, purpose="obligation_receipt", actor=actor
            )
        submission = ObligationSubmission.objects.create(
            incident=incident,
            submitted_at=submitted_at,
            submitted_by=submitted_by or actor,
            method=method,
            reference=reference.strip(),
            receipt=attachment,
            note=note.strip(),
            registered_by=actor,
        )
        submission.obligations.set(rows)
        record_event(
            actor=actor,
            action="obligation.submission_register",
            obj=submission,
            changes={
                "obligations": [None, [f"{r.recipient}/{r.stage}" for r in rows]],
                "submitted_at": [None, timezone.localtime(submitted_at)],
                "method": [None, method],
                "reference": [None, submission.reference],
                "receipt_sha256": [None, attachment.sha256 if attachment else None],
            },
        )
        with in_japanese():
            notify(
                recipients=csirt_people(*approver_roles(incident)),
                subject=_("【報告内容の承認】{labels} {number}").format(
                    labels=_labels(rows), number=incident.number
                ),
                url=reverse("incidents:incident", args=[incident.pk]),
                case=incident,
                dedupe_key=f"submission:{submission.pk}:approve",
            )
    return submission


def approve_submission(
    *, actor: User, submission: ObligationSubmission, reason: str = ""
) -> ObligationSubmission:
    """The content approval: the obligations become submitted and their clocks are met at the
    time the report was sent (late if after the due time)."""
    incident = submission.incident
    require_csirt(actor, incident, Role.CSIRT_LEAD, Role.CISO)
    roles = approver_roles(incident)
    permissions.require(
        permissions.has_role(actor, *roles), NEEDS_CISO if roles == (Role.CISO,) else NEEDS_LEAD
    )
    if incident.is_exercise:
        raise ValueError(_(EXERCISE_NO_SUBMISSION))
    with transaction.atomic():
        submission = ObligationSubmission.objects.select_for_update().get(pk=submission.pk)
        if submission.approval == ObligationSubmission.Approval.APPROVED:
            raise ValueError(_(ALREADY_APPROVED))
        rows = list(
            submission.obligations.select_for_update(of=("self",))
            .select_related("deadline")
            .order_by("pk")
        )
        for row in rows:
            if row.status != ObligationStatus.PENDING:
                raise ValueError(_(NOT_PENDING).format(label=_labels([row])))
        role = (
            Role.CISO
            if permissions.has_role(actor, Role.CISO) and Role.CISO in roles
            else (Role.CSIRT_LEAD)
        )
        submission.approval = ObligationSubmission.Approval.APPROVED
        submission.approved_by = actor
        submission.approved_at = timezone.now()
        submission.approver_role = role
        submission.save()
        for row in rows:
            row.status = ObligationStatus.SUBMITTED
            row.flagged_for_waiver = False
            row.save(update_fields=["status", "flagged_for_waiver", "updated_at"])
            if row.deadline is not None and row.deadline.is_open:
                meet_deadline(
                    actor=actor,
                    deadline=row.deadline,
                    met_at=max(submission.submitted_at, row.deadline.starts_at),
                    note=_("報告の提出 {reference}").format(reference=submission.reference),
                )
        record_event(
            actor=actor,
            action="obligation.submission_approve",
            obj=submission,
            changes={
                "approval": [
                    ObligationSubmission.Approval.AWAITING,
                    ObligationSubmission.Approval.APPROVED,
                ],
                "obligations": [None, [f"{r.recipient}/{r.stage}" for r in rows]],
            },
            reason=reason.strip(),
        )
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.REPORT_SUBMITTED,
            text=_("報告を提出: {labels}（{method}、受付番号 {reference}）").format(
                labels=_labels(rows),
                method=submission.get_method_display(),
                reference=submission.reference or "—",
            ),
        )
        with in_japanese():
            facts = [
                Fact(label=_("報告義務"), value=_labels(rows)),
                Fact(
                    label=_("提出日時"),
                    value=timezone.localtime(submission.submitted_at).isoformat(),
                ),
                Fact(label=_("提出方法"), value=str(submission.get_method_display())),
                Fact(label=_("受付番号"), value=submission.reference or "—"),
                Fact(label=_("重大度"), value=incident.severity or "—"),
            ]
        record_decision(
            actor=actor,
            case=incident,
            decision="incident.submission_approve",
            role=role,
            reason=reason,
            facts=facts,
            subject=submission,
            node="incident/submission_approve",
        )
    return submission


def submit_and_approve(
    *,
    actor: User,
    approver: User,
    incident: Incident,
    obligations: Sequence[ReportingObligation],
    submitted_at: dt.datetime,
    method: str,
    reference: str = "",
) -> ObligationSubmission:
    """Register a submission and approve it (tests, demo data, and a lead acting alone)."""
    submission = register_submission(
        actor=actor,
        incident=incident,
        obligations=obligations,
        submitted_at=submitted_at,
        method=method,
        reference=reference,
    )
    return approve_submission(actor=approver, submission=submission)

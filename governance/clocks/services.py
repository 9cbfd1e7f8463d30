"""Starting, meeting, waiving, cancelling, pausing and rescheduling clocks.

The only write path for ``Deadline`` rows (besides the runner marking a breach): keyword-only,
``actor`` first, one transaction, permission checked with ``governance.permissions``, an audit
event in the same transaction. ``actor=None`` is the system itself (a periodic task or a job
acting on a fact it observed), recorded in the audit trail as システム.

Services of the workflows call these as a consequence of their own changes: a network
application's submission starts ``nc_review``, the approval meets it; a leak's 知った日 starts
``ppc_final``, and a later finding of 不正の目的 reschedules it to 60 days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance.audit.services import record_event
from governance.cases.services.notifications import notify
from governance.clocks import permissions as clock_permissions
from governance.clocks import schedule
from governance.clocks.kinds import SPECS
from governance.clocks.models import (
    OPEN_DEADLINE_STATUSES,
    Counting,
    Deadline,
    DeadlineStatus,
)
from governance.japanese import (
    LegalDue,
    add_business_days,
    business_days_until,
    era_date,
    fiscal_year_of,
    in_japanese,
    legal_due,
)
from governance.models import Case, Rule, User
from governance.roles import Role
from governance.rules.services import rule_in_force

UNKNOWN_KIND = gettext_noop("期限の種類が正しくありません。")
NO_SUBJECT = gettext_noop("期限の対象（案件または対象の記録）を指定してください。")
NAIVE_TIME = gettext_noop("起算日時にはタイムゾーンが必要です。")
NO_LENGTH = gettext_noop("期限の長さ（ルール・日数）または期限日を指定してください。")
NEGATIVE_LENGTH = gettext_noop("期限の長さは 0 以上で指定してください。")
DUE_BEFORE_START = gettext_noop("期限日が起算日より前になっています。")
NO_BASIS = gettext_noop("期限の根拠を入力してください。")
UNKNOWN_ROLE = gettext_noop("ロール「{role}」は存在しません。")
UNKNOWN_REMINDER = gettext_noop("督促の時点「{stage}」は読み取れません。")
NOT_OPEN = gettext_noop("この期限は「{status}」のため変更できません。")
NOT_RUNNING = gettext_noop("この期限は進行中ではありません（{status}）。")
WAIVE_REASON_REQUIRED = gettext_noop("期限を免除する理由を入力してください。")
CANCEL_REASON_REQUIRED = gettext_noop("期限を取り消す理由を入力してください。")
RESCHEDULE_REASON_REQUIRED = gettext_noop("期限を変更する理由を入力してください。")
PAUSE_REASON_REQUIRED = gettext_noop("期限を止める理由を入力してください。")
ALREADY_PAUSED = gettext_noop("この期限はすでに一時停止中です。")
NOT_PAUSED = gettext_noop("この期限は一時停止していません。")
MET_BEFORE_START = gettext_noop("対応日時が起算日時より前になっています。")
MET_IN_FUTURE = gettext_noop("対応日時に未来の日時は指定できません。")

FIELDS = [
    "kind",
    "starts_at",
    "soft_due_at",
    "due_at",
    "unrolled_due_on",
    "roll_basis",
    "counting",
    "length",
    "rule_id",
    "basis",
    "status",
    "holder_id",
    "holder_role",
    "escalate_roles",
    "reminders",
]


def _values(deadline: Deadline, fields: Iterable[str]) -> dict[str, Any]:
    """The fields as the audit trail records them: times in Japan's time zone, as read."""
    values = {name: getattr(deadline, name) for name in fields}
    return {
        name: timezone.localtime(value) if isinstance(value, dt.datetime) else value
        for name, value in values.items()
    }


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [old[key], new[key]] for key in old if old[key] != new[key]}


def _require(actor: User | None, deadline: Deadline, *, waive: bool = False) -> None:
    if actor is not None:
        clock_permissions.require_deadline(
            actor, kind=deadline.kind, case=deadline.case, waive=waive
        )


def _locked(deadline: Deadline) -> Deadline:
    return (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("case", "rule")
        .get(pk=deadline.pk)
    )


def _require_open(deadline: Deadline) -> None:
    if not deadline.is_open:
        raise ValueError(_(NOT_OPEN).format(status=deadline.get_status_display()))


def _reason(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValueError(_(message))
    return text


def _check_roles(roles: Iterable[str]) -> list[str]:
    result = []
    for role in roles:
        if role not in Role.values:
            raise ValueError(_(UNKNOWN_ROLE).format(role=role))
        if role not in result:
            result.append(str(role))
    return result


def _check_reminders(stages: Iterable[str]) -> list[str]:
    result = []
    for stage in stages:
        if not schedule.is_valid_stage(stage):
            raise ValueError(_(UNKNOWN_REMINDER).format(stage=stage))
        result.append(stage)
    return result


def _subject_of(deadline_subject: models.Model) -> tuple[ContentType, str]:
    return ContentType.objects.get_for_model(deadline_subject), str(deadline_subject.pk)


def open_deadline_for(subject: models.Model, kind: str) -> Deadline | None:
    """The clock of ``kind`` still owed for ``subject`` (running or missed), if any."""
    subject_type, subject_id = _subject_of(subject)
    return Deadline.objects.filter(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        status__in=OPEN_DEADLINE_STATUSES,
    ).first()


def _rule(key: str, starts_at: dt.datetime) -> Rule:
    """The rule version in force in the fiscal year the clock starts in."""
    try:
        return rule_in_force(key, fiscal_year_of(timezone.localtime(starts_at)))
    except LookupError as exc:
        raise ValueError(str(exc)) from None


def _plan(deadline: Deadline, *, now: dt.datetime) -> None:
    """Start a new reminder schedule: stages already past are not announced (the holder was
    told of the change instead), the breach always is."""
    deadline.notices_sent = schedule.stages_past(deadline, now)
    deadline.next_notice_at = schedule.next_notice_at(deadline)


def _compute(
    deadline: Deadline,
    *,
    spec_roll: bool,
    soft_rule_key: str | None,
    due_on: dt.date | None,
) -> None:
    """Set the row's due time, soft target and roll from its start, counting and length."""
    if due_on is not None:
        deadline.due_at = schedule.end_of_day(due_on)
        deadline.unrolled_due_on = None
        deadline.roll_basis = ""
    else:
        assert deadline.length is not None
        due = schedule.compute_due(
            counting=deadline.counting,
            starts_at=deadline.starts_at,
            length=deadline.length,
            roll=spec_roll,
        )
        deadline.due_at = due.due_at
        deadline.unrolled_due_on = due.unrolled_due_on
        deadline.roll_basis = due.roll_basis
    if deadline.due_at < deadline.starts_at:
        raise ValueError(_(DUE_BEFORE_START))
    deadline.soft_due_at = None
    if soft_rule_key is not None:
        soft = _rule(soft_rule_key, deadline.starts_at)
        deadline.soft_due_at = schedule.compute_due(
            counting=deadline.counting,
            starts_at=deadline.starts_at,
            length=int(soft.value),
            roll=False,
        ).due_at


def _given_roll(deadline: Deadline, due_on: dt.date | None, unrolled: dt.date | None) -> None:
    """A given due day that was rolled past a 行政機関の休日 keeps the day it was and why."""
    if due_on is not None and unrolled is not None and unrolled != due_on:
        deadline.unrolled_due_on = unrolled
        deadline.roll_basis = LegalDue(due=due_on, unrolled=unrolled).reason


def start_deadline(
    *,
    actor: User | None,
    kind: str,
    starts_at: dt.datetime,
    case: Case | None = None,
    subject: models.Model | None = None,
    rule_key: str | None = None,
    length: int | None = None,
    due_on: dt.date | None = None,
    unrolled_due_on: dt.date | None = None,
    rule: Rule | None = None,
    holder: User | None = None,
    holder_role: str = "",
    escalate_roles: Iterable[str] | None = None,
    reminders: Iterable[str] | None = None,
    basis: str = "",
    reason: str = "",
) -> Deadline:
    """Start the clock ``kind`` for ``subject`` (default: ``case``) from ``starts_at``.

    The length is, in order: ``due_on`` (a given last day, e.g. an approval's valid_until),
    ``length`` (in the kind's counting units), or the value of ``rule_key`` (default: the
    kind's rule) in force in the fiscal year of ``starts_at``. ``basis`` defaults to the rule's
    basis. Idempotent: while a clock of ``kind`` is owed for ``subject``, the existing row is
    returned unchanged (use ``reschedule_deadline`` when a fact changes).

    A caller that computed a legal due day itself under a versioned counting convention (the
    obligations engine) gives it as ``due_on`` with the day before the holiday roll
    (``unrolled_due_on``) and the ``rule`` version that set the length.
    """
    spec = SPECS.get(kind)
    if spec is None:
        raise ValueError(_(UNKNOWN_KIND))
    subject = subject if subject is not None else case
    if subject is None:
        raise ValueError(_(NO_SUBJECT))
    if timezone.is_naive(starts_at):
        raise ValueError(_(NAIVE_TIME))
    if actor is not None:
        clock_permissions.require_deadline(actor, kind=kind, case=case)
    if length is not None and length < 0:
        raise ValueError(_(NEGATIVE_LENGTH))
    holder_roles = _check_roles([holder_role] if holder_role else [])
    escalation = _check_roles(spec.escalate_roles if escalate_roles is None else escalate_roles)
    stages = _check_reminders(spec.reminders if reminders is None else reminders)
    subject_type, subject_id = _subject_of(subject)
    with transaction.atomic():
        existing = open_deadline_for(subject, kind)
        if existing is not None:
            return existing
        if due_on is None and length is None:
            key = rule_key or spec.rule_key
            if key is None:
                raise ValueError(_(NO_LENGTH))
            rule = _rule(key, starts_at)
            length = int(rule.value)
        deadline = Deadline(
            case=case,
            subject_type=subject_type,
            subject_id=subject_id,
            kind=kind,
            starts_at=starts_at,
            counting=spec.counting,
            length=length if due_on is None else None,
            rule=rule,
            basis=(basis or "").strip() or (rule.basis if rule else ""),
            holder=holder,
            holder_role=holder_roles[0] if holder_roles else "",
            escalate_roles=escalation,
            reminders=stages,
            created_by=actor,
        )
        if not deadline.basis:
            raise ValueError(_(NO_BASIS))
        _compute(deadline, spec_roll=spec.roll, soft_rule_key=spec.soft_rule_key, due_on=due_on)
        _given_roll(deadline, due_on, unrolled_due_on)
        # A clock started late (a leak reported weeks after it became known) is announced at
        # the runner's next pass, at the latest stage it has already reached.
        deadline.next_notice_at = schedule.next_notice_at(deadline)
        try:
            with transaction.atomic():
                deadline.save()
        except IntegrityError:
            # Started at the same moment by another request: that one is the clock.
            found = open_deadline_for(subject, kind)
            if found is None:
                raise
            return found
        record_event(
            actor=actor,
            action="deadline.start",
            obj=deadline,
            changes={key: [None, value] for key, value in _values(deadline, FIELDS).items()},
            reason=reason,
        )
    return deadline


def meet_deadline(
    *, actor: User | None, deadline: Deadline, met_at: dt.datetime | None = None, note: str = ""
) -> Deadline:
    """What the clock waited for was done (the 確報 submitted, the decision made), at
    ``met_at`` (default now). A missed clock can still be met; it stays recorded as late."""
    _require(actor, deadline)
    now = timezone.now()
    met_at = met_at or now
    with transaction.atomic():
        deadline = _locked(deadline)
        _require_open(deadline)
        if met_at > now:
            raise ValueError(_(MET_IN_FUTURE))
        if met_at < deadline.starts_at:
            raise ValueError(_(MET_BEFORE_START))
        old = deadline.status
        deadline.status = DeadlineStatus.MET
        deadline.met_at = met_at
        deadline.met_by = actor
        deadline.paused_at = None
        deadline.next_notice_at = None
        deadline.save()
        record_event(
            actor=actor,
            action="deadline.meet",
            obj=deadline,
            changes={
                "status": [old, deadline.status],
                "met_at": [None, timezone.localtime(met_at)],
                "late": [None, met_at > deadline.due_at],
            },
            reason=note.strip(),
        )
    return deadline


def waive_deadline(*, actor: User, deadline: Deadline, reason: str) -> Deadline:
    """Release a duty that no longer applies, with the reason (e.g. the count fell to 80 before
    any 速報 was sent). Only the roles that answer for the clock may (``permissions``)."""
    reason = _reason(reason, WAIVE_REASON_REQUIRED)
    _require(actor, deadline, waive=True)
    with transaction.atomic():
        deadline = _locked(deadline)
        _require_open(deadline)
        old = deadline.status
        deadline.status = DeadlineStatus.WAIVED
        deadline.waived_at = timezone.now()
        deadline.waived_by = actor
        deadline.waived_reason = reason
        deadline.paused_at = None
        deadline.next_notice_at = None
        deadline.save()
        record_event(
            actor=actor,
            action="deadline.waive",
            obj=deadline,
            changes={"status": [old, deadline.status]},
            reason=reason,
        )
    return deadline


def cancel_deadline(*, actor: User | None, deadline: Deadline, reason: str) -> Deadline:
    """Stop a clock whose reason to run has gone (the application was withdrawn, the approval
    superseded). Unlike a waiver, nothing was owed any more."""
    reason = _reason(reason, CANCEL_REASON_REQUIRED)
    _require(actor, deadline)
    with transaction.atomic():
        deadline = _locked(deadline)
        _require_open(deadline)
        old = deadline.status
        deadline.status = DeadlineStatus.CANCELLED
        deadline.cancelled_at = timezone.now()
        deadline.cancelled_reason = reason
        deadline.paused_at = None
        deadline.next_notice_at = None
        deadline.save()
        record_event(
            actor=actor,
            action="deadline.cancel",
            obj=deadline,
            changes={"status": [old, deadline.status]},
            reason=reason,
        )
    return deadline


def _notify_change(deadline: Deadline, old_due: dt.datetime) -> None:
    """Tell the holder the due time moved (the reminders they had may no longer hold)."""
    from governance.clocks.runner import holders_of

    with in_japanese():
        subject = _("【期限変更】{kind}: {old} → {new}").format(
            kind=deadline.get_kind_display(),
            old=era_date(timezone.localtime(old_due)),
            new=era_date(timezone.localtime(deadline.due_at)),
        )
        notify(
            recipients=holders_of(deadline),
            subject=subject,
            body=deadline.basis,
            url=reverse("home:case", args=[deadline.case_id]) if deadline.case_id else "",
            case=deadline.case,
            dedupe_key=f"deadline:{deadline.pk}:rescheduled.{deadline.schedule}",
        )


def _restart(deadline: Deadline, old: dict[str, Any], *, now: dt.datetime) -> None:
    """After the due time moved: a new reminder schedule, and a missed clock whose new due
    time is still ahead runs again."""
    deadline.schedule += 1
    if deadline.status == DeadlineStatus.MISSED and deadline.due_at >= now:
        deadline.status = DeadlineStatus.RUNNING
        deadline.missed_at = None
    _plan(deadline, now=now)
    deadline.save()
    if deadline.due_at != old["due_at"]:
        _notify_change(deadline, old["due_at"])


def reschedule_deadline(
    *,
    actor: User | None,
    deadline: Deadline,
    reason: str,
    starts_at: dt.datetime | None = None,
    rule_key: str | None = None,
    length: int | None = None,
    due_on: dt.date | None = None,
    unrolled_due_on: dt.date | None = None,
    rule: Rule | None = None,
    basis: str = "",
) -> Deadline:
    """A fact behind the clock changed: the 知った日 was corrected (``starts_at``), the facts
    now call for another rule (``rule_key``, e.g. ``ppc_final_malicious_days``), or the length
    or last day was set anew. The due time is computed again as ``start_deadline`` would, and
    the audit event records each value old → new."""
    reason = _reason(reason, RESCHEDULE_REASON_REQUIRED)
    _require(actor, deadline)
    if starts_at is not None and timezone.is_naive(starts_at):
        raise ValueError(_(NAIVE_TIME))
    if length is not None and length < 0:
        raise ValueError(_(NEGATIVE_LENGTH))
    spec = SPECS[deadline.kind]
    now = timezone.now()
    with transaction.atomic():
        deadline = _locked(deadline)
        _require_open(deadline)
        old = _values(deadline, FIELDS)
        if starts_at is not None:
            deadline.starts_at = starts_at
        if due_on is None and length is None and deadline.length is None and rule_key is None:
            # A clock set by its last day keeps that day when only the start moves.
            due_on = schedule.local_date(deadline.due_at)
        if due_on is not None:
            deadline.length, deadline.rule = None, rule
        elif length is not None:
            deadline.length, deadline.rule = length, None
        elif rule_key is not None or deadline.rule is not None:
            key = rule_key or deadline.rule.key  # type: ignore[union-attr]  # checked just above
            deadline.rule = _rule(key, deadline.starts_at)
            deadline.length = int(deadline.rule.value)
        rule_basis = deadline.rule.basis if deadline.rule else ""
        deadline.basis = (basis or "").strip() or rule_basis or deadline.basis
        _compute(deadline, spec_roll=spec.roll, soft_rule_key=spec.soft_rule_key, due_on=due_on)
        _given_roll(deadline, due_on, unrolled_due_on)
        new = _values(deadline, FIELDS)
        changes = _changes(old, new)
        if not changes:
            return deadline
        _restart(deadline, old, now=now)
        changes = _changes(old, _values(deadline, FIELDS))
        record_event(
            actor=actor, action="deadline.reschedule", obj=deadline, changes=changes, reason=reason
        )
    return deadline


def pause_deadline(*, actor: User | None, deadline: Deadline, reason: str) -> Deadline:
    """Stop the clock while the matter is not in the office's hands (a network application sent
    back to the department); ``resume_deadline`` gives back the time that was left."""
    reason = _reason(reason, PAUSE_REASON_REQUIRED)
    _require(actor, deadline)
    with transaction.atomic():
        deadline = _locked(deadline)
        if deadline.status != DeadlineStatus.RUNNING:
            raise ValueError(_(NOT_RUNNING).format(status=deadline.get_status_display()))
        if deadline.paused_at is not None:
            raise ValueError(_(ALREADY_PAUSED))
        deadline.paused_at = timezone.now()
        deadline.next_notice_at = None
        deadline.save()
        record_event(
            actor=actor,
            action="deadline.pause",
            obj=deadline,
            changes={"paused_at": [None, timezone.localtime(deadline.paused_at)]},
            reason=reason,
        )
    return deadline


def _resumed_due(deadline: Deadline, paused_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The due time that leaves as much time after ``now`` as there was at ``paused_at``."""
    if deadline.counting == Counting.BUSINESS_DAYS:
        left = business_days_until(
            schedule.local_date(paused_at), schedule.local_date(deadline.due_at)
        )
        return schedule.end_of_day(add_business_days(schedule.local_date(now), max(left, 0)))
    if deadline.counting == Counting.CALENDAR_DAYS:
        last = deadline.unrolled_due_on or schedule.local_date(deadline.due_at)
        left = max((last - schedule.local_date(paused_at)).days, 0)
        spec = SPECS[deadline.kind]
        roll = spec.roll and deadline.length is not None
        due = legal_due(schedule.local_date(now), left, roll=roll)
        deadline.unrolled_due_on = due.unrolled if due.rolled else None
        deadline.roll_basis = due.reason
        return schedule.end_of_day(due.due)
    return now + (deadline.due_at - paused_at)


def resume_deadline(*, actor: User | None, deadline: Deadline, reason: str = "") -> Deadline:
    """Start a paused clock again: the due time moves by the time it stood still (in its own
    counting: business days stay business days)."""
    _require(actor, deadline)
    now = timezone.now()
    with transaction.atomic():
        deadline = _locked(deadline)
        if deadline.paused_at is None:
            raise ValueError(_(NOT_PAUSED))
        old = _values(deadline, FIELDS)
        paused_at = deadline.paused_at
        shift_from = deadline.due_at
        deadline.due_at = _resumed_due(deadline, paused_at, now)
        if deadline.soft_due_at is not None:
            deadline.soft_due_at += deadline.due_at - shift_from
        deadline.paused_at = None
        _restart(deadline, old, now=now)
        changes = _changes(old, _values(deadline, FIELDS))
        changes["paused_at"] = [timezone.localtime(paused_at), None]
        record_event(
            actor=actor,
            action="deadline.resume",
            obj=deadline,
            changes=changes,
            reason=(reason or "").strip(),
        )
    return deadline


def assign_deadline_holder(
    *, actor: User | None, deadline: Deadline, holder: User | None, holder_role: str = ""
) -> Deadline:
    """Who is reminded: a person (the task's owner), a role, or both."""
    _require(actor, deadline)
    roles = _check_roles([holder_role] if holder_role else [])
    with transaction.atomic():
        deadline = _locked(deadline)
        _require_open(deadline)
        old = _values(deadline, ["holder_id", "holder_role"])
        deadline.holder = holder
        deadline.holder_role = roles[0] if roles else ""
        changes = _changes(old, _values(deadline, ["holder_id", "holder_role"]))
        if not changes:
            return deadline
        deadline.save(update_fields=["holder", "holder_role"])
        record_event(actor=actor, action="deadline.assign", obj=deadline, changes=changes)
    return deadline

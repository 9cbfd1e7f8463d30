"""Keeping an incident's reporting obligations in step with its facts, and waiving them.

``reconcile_obligations`` runs after every fact change (the incident services call it inside
their transaction): it evaluates the facts under the incident's rule versions, **creates**
the obligations newly required with their clocks (started at 覚知, not when the CSIRT was
told), moves a clock whose due day changed (不正の目的 found: 30 → 60 days), **never deletes**
one, and flags the ones the facts no longer require so that a CSIRT lead or the CISO waives
them with a reason (``waive_obligation``, a decision record with the facts at that moment).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services.notifications import notify
from governance.clocks.services import (
    assign_deadline_holder,
    reschedule_deadline,
    start_deadline,
    waive_deadline,
)
from governance.decisions.services import Fact, record_decision
from governance.incidents.common import csirt_people, require_csirt, write_timeline
from governance.incidents.obligations import engine
from governance.incidents.obligations import rules as obligation_rules
from governance.japanese import fiscal_year_of, in_japanese
from governance.models import (
    Incident,
    ObligationStatus,
    ReportingBody,
    ReportingObligation,
    Requirement,
    Rule,
    Stage,
    TimelineEntry,
    User,
)
from governance.roles import Role

WAIVE_NEEDS_REASON = gettext_noop("免除する理由を入力してください。")
WAIVE_NEEDS_LEAD = gettext_noop("報告義務を免除できるのは CSIRT 責任者または CISO のみです。")
NOT_PENDING = gettext_noop("この報告義務は「{status}」のため免除できません。")
PRELIMINARY_SENT = gettext_noop(
    "速報を提出済みのため確報は免除できません（人数の訂正などを確報で報告してください）。"
)
KEPT_AFTER_PRELIMINARY = "速報を提出済みのため、事実が変わっても確報（訂正を含む）を要する"


def clock_start(incident: Incident) -> dt.datetime:
    """When the legal clocks start: 覚知 by any section; a vendor leak: the vendor's notice."""
    return incident.vendor_notice_received_at or incident.aware_at


def reporting_body(incident: Incident) -> str:
    return incident.pd_reporting_body or ReportingBody.GOVERNOR


def facts_of(incident: Incident) -> engine.ObligationFacts:
    return engine.ObligationFacts(
        aware_at=clock_start(incident),
        category=incident.category,
        personal_data=incident.pd_involved,
        persons_count=incident.pd_persons,
        persons_upper_bound=incident.pd_persons_upper,
        sensitive=incident.pd_sensitive,
        ordinance_sensitive=incident.pd_ordinance_sensitive,
        financial_damage_risk=incident.pd_financial_risk,
        malicious=incident.pd_malicious,
        high_encryption=incident.pd_high_encryption,
        high_encryption_evidence=incident.pd_encryption_evidence,
        recovered_unviewed=incident.pd_recovered_unviewed,
        recovered_unviewed_evidence=incident.pd_recovery_evidence,
        my_number=incident.pd_my_number,
        my_number_system=incident.pd_my_number_system,
        publicly_viewable=incident.pd_publicly_viewable,
        reporting_body=reporting_body(incident),
        segments_hit=tuple(incident.segments_hit or ()),
        severity=incident.severity,
    )


def incident_rules(incident: Incident) -> dict[str, engine.RuleValue]:
    """The rule versions the incident is evaluated under: those it kept, else (the first
    time, or for a rule key added since) the ones in force in the fiscal year of 覚知; kept on
    the incident so a later rule version does not change what it owes."""
    kept = obligation_rules.from_snapshot(incident.obligation_rules or {})
    if all(key in kept for key in engine.RULE_KEYS):
        return kept
    year = fiscal_year_of(timezone.localtime(clock_start(incident)))
    in_force = obligation_rules.rules_in_force(year, earliest_if_missing=True)
    merged = {**in_force, **kept}
    incident.obligation_rules = obligation_rules.snapshot(merged)
    incident.save(update_fields=["obligation_rules"])
    return merged


def _dates(required: engine.Required) -> dict[str, Any]:
    return {
        "due_on": required.due,
        "target_on": required.target,
        "unrolled_due_on": required.unrolled_due,
    }


def _clock_due(required: engine.Required) -> dt.date | None:
    return required.due or required.target


def _start_clock(
    *,
    actor: Any,
    incident: Incident,
    obligation: ReportingObligation,
    required: engine.Required,
    rule: Rule | None,
) -> None:
    kind, due = required.clock_kind, _clock_due(required)
    if kind is None or due is None:
        return
    obligation.deadline = start_deadline(
        actor=actor,
        kind=kind,
        case=incident,
        subject=obligation,
        starts_at=clock_start(incident),
        due_on=max(due, timezone.localtime(clock_start(incident)).date()),
        unrolled_due_on=required.unrolled_due,
        rule=rule,
        holder=incident.handler,
        basis=required.basis,
        reason=_("報告義務の発生"),
    )
    obligation.save(update_fields=["deadline"])


def _move_clock(
    *,
    actor: Any,
    incident: Incident,
    obligation: ReportingObligation,
    required: engine.Required,
    rule: Rule | None,
) -> None:
    """覚知 corrected, or the facts call for another length: the clock is computed anew."""
    deadline, due = obligation.deadline, _clock_due(required)
    if deadline is None or not deadline.is_open or due is None:
        return
    start = clock_start(incident)
    if (
        timezone.localtime(deadline.due_at).date() == due
        and deadline.basis == required.basis
        and deadline.starts_at == start
    ):
        return
    reschedule_deadline(
        actor=actor,
        deadline=deadline,
        reason=_("事実の変更による期限の再計算"),
        starts_at=start,
        due_on=max(due, timezone.localtime(start).date()),
        unrolled_due_on=required.unrolled_due,
        rule=rule,
        basis=required.basis,
    )


def _label(obligation: ReportingObligation) -> str:
    with in_japanese():
        return f"{obligation.get_recipient_display()}（{obligation.get_stage_display()}）"


def _create(
    *, actor: Any, incident: Incident, required: engine.Required, rule: Rule | None, rules: Any
) -> ReportingObligation:
    owed = required.owed
    obligation = ReportingObligation.objects.create(
        incident=incident,
        recipient=required.recipient,
        stage=required.stage,
        required=required.required,
        basis=required.basis,
        rule=rule,
        rule_snapshot=rules[required.rule_key].snapshot() if required.rule_key else {},
        status=ObligationStatus.PENDING if owed else ObligationStatus.NOT_APPLICABLE,
        **_dates(required),
    )
    record_event(
        actor=actor,
        action="obligation.create",
        obj=obligation,
        changes={
            "recipient": [None, required.recipient],
            "stage": [None, required.stage],
            "required": [None, required.required],
            "status": [None, obligation.status],
            "due_on": [None, required.due],
        },
        reason=required.basis,
    )
    if owed:
        _start_clock(
            actor=actor, incident=incident, obligation=obligation, required=required, rule=rule
        )
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("報告義務: {label}（{required}）").format(
                label=_label(obligation), required=obligation.get_required_display()
            ),
        )
    return obligation


def _flag(*, actor: Any, incident: Incident, obligation: ReportingObligation, basis: str) -> None:
    """The facts no longer require it: ask a CSIRT lead or the CISO to waive it."""
    obligation.flagged_for_waiver = True
    obligation.flagged_reason = basis
    obligation.flagged_at = timezone.now()
    obligation.save(update_fields=["flagged_for_waiver", "flagged_reason", "flagged_at"])
    record_event(
        actor=actor,
        action="obligation.flag",
        obj=obligation,
        changes={"flagged_for_waiver": [False, True]},
        reason=basis,
    )
    with in_japanese():
        notify(
            recipients=csirt_people(Role.CSIRT_LEAD, Role.CISO),
            subject=_("【免除の判断】{label} {number}").format(
                label=_label(obligation), number=incident.number
            ),
            body=_(
                "事実の変更により要件を満たさなくなりました。免除する場合は理由を記録"
                "してください。期限は免除されるまで進行します。\n{basis}"
            ).format(basis=basis),
            url=reverse("incidents:incident", args=[incident.pk]),
            case=incident,
            dedupe_key=f"obligation:{obligation.pk}:flag:{obligation.flagged_at:%Y%m%d%H%M%S}",
        )


def _update(
    *,
    actor: Any,
    incident: Incident,
    obligation: ReportingObligation,
    required: engine.Required,
    rule: Rule | None,
    rules: Any,
    kept_by_submission: bool,
) -> None:
    if obligation.status in (ObligationStatus.SUBMITTED, ObligationStatus.DECIDED):
        return
    reopen = obligation.status in (ObligationStatus.WAIVED, ObligationStatus.NOT_APPLICABLE)
    if not required.owed:
        if obligation.status != ObligationStatus.PENDING or obligation.flagged_for_waiver:
            return
        if kept_by_submission:
            if obligation.basis != KEPT_AFTER_PRELIMINARY:
                obligation.basis = KEPT_AFTER_PRELIMINARY
                obligation.save(update_fields=["basis", "updated_at"])
            return
        _flag(actor=actor, incident=incident, obligation=obligation, basis=required.basis)
        return
    tracked = (
        "required",
        "status",
        "due_on",
        "target_on",
        "unrolled_due_on",
        "flagged_for_waiver",
        "basis",
        "rule_id",
    )
    old = {key: getattr(obligation, key) for key in tracked}
    obligation.required = required.required
    obligation.basis = required.basis
    obligation.rule = rule
    obligation.rule_snapshot = rules[required.rule_key].snapshot() if required.rule_key else {}
    obligation.flagged_for_waiver = False
    obligation.flagged_reason = ""
    for name, value in _dates(required).items():
        setattr(obligation, name, value)
    if reopen:
        obligation.status = ObligationStatus.PENDING
        obligation.deadline = None
    new = {key: getattr(obligation, key) for key in old}
    changes = {key: [old[key], new[key]] for key in old if old[key] != new[key]}
    if changes:
        obligation.save()
        record_event(
            actor=actor,
            action="obligation.update",
            obj=obligation,
            changes=changes,
            reason=required.basis,
        )
    deadline = obligation.deadline
    if (
        deadline is not None
        and deadline.is_open
        and deadline.holder_id is None
        and (incident.handler_id is not None)
    ):
        assign_deadline_holder(actor=actor, deadline=deadline, holder=incident.handler)
    if obligation.deadline is None:
        _start_clock(
            actor=actor, incident=incident, obligation=obligation, required=required, rule=rule
        )
    else:
        _move_clock(
            actor=actor, incident=incident, obligation=obligation, required=required, rule=rule
        )


def reconcile_obligations(*, actor: Any, incident: Incident) -> list[ReportingObligation]:
    """Bring the incident's obligations in step with its facts (inside or outside a service's
    transaction); returns them all. ``actor=None`` is the system."""
    if actor is not None:
        require_csirt(actor, incident, Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
    with transaction.atomic():
        if not incident.pd_reporting_body and incident.department_id:
            incident.pd_reporting_body = incident.department.reporting_body
            incident.save(update_fields=["pd_reporting_body"])
        rules = incident_rules(incident)
        results = engine.evaluate_obligations(facts_of(incident), rules)
        rule_ids = [rules[r.rule_key].id for r in results if r.rule_key]
        rule_rows = Rule.objects.in_bulk([pk for pk in rule_ids if pk is not None])
        existing = {
            (o.recipient, o.stage): o
            for o in ReportingObligation.objects.filter(incident=incident).select_related(
                "deadline"
            )
        }
        submitted = {
            o.recipient for o in existing.values() if o.status == ObligationStatus.SUBMITTED
        }
        for required in results:
            rule_value = rules.get(required.rule_key) if required.rule_key else None
            rule = rule_rows.get(rule_value.id) if rule_value and rule_value.id else None
            obligation = existing.get((required.recipient, required.stage))
            if obligation is None:
                if required.owed or required.required == Requirement.NOT_APPLICABLE:
                    existing[(required.recipient, required.stage)] = _create(
                        actor=actor, incident=incident, required=required, rule=rule, rules=rules
                    )
                continue
            _update(
                actor=actor,
                incident=incident,
                obligation=obligation,
                required=required,
                rule=rule,
                rules=rules,
                kept_by_submission=(
                    obligation.recipient in submitted and obligation.stage == Stage.FINAL
                ),
            )
    return sorted(existing.values(), key=lambda o: o.pk)


def obligation_facts(incident: Incident) -> list[Fact]:
    """The facts a waiver decision records (as the panel shows them)."""
    facts = facts_of(incident)
    with in_japanese():
        rows = [
            Fact(label=_("覚知日時"), value=timezone.localtime(facts.aware_at).isoformat()),
            Fact(label=_("報告主体"), value=facts.reporting_body),
            Fact(label=_("本人の数"), value=str(facts.persons_count)),
            Fact(label=_("本人の数の上限"), value=str(facts.persons_upper_bound)),
            Fact(label=_("重大度"), value=facts.severity or "—"),
        ]
        for name in (
            "sensitive",
            "ordinance_sensitive",
            "financial_damage_risk",
            "malicious",
            "high_encryption",
            "recovered_unviewed",
            "my_number",
            "my_number_system",
            "publicly_viewable",
        ):
            rows.append(Fact(label=name, value=str(getattr(facts, name))))
        for label, text in (
            (_("暗号化等の根拠"), facts.high_encryption_evidence),
            (_("回収の根拠"), facts.recovered_unviewed_evidence),
        ):
            if text:
                rows.append(Fact(label=label, value=text))
    return rows


def waive_obligation(
    *, actor: User, obligation: ReportingObligation, reason: str
) -> ReportingObligation:
    """Release an obligation the facts no longer require (or never did), with the reason: a
    CSIRT lead or the CISO; a decision record keeps the facts at that moment. A 確報 whose 速報
    was submitted cannot be waived (it reports the correction)."""
    incident = obligation.incident
    require_csirt(actor, incident, Role.CSIRT_LEAD, Role.CISO)
    permissions.require(permissions.has_role(actor, Role.CSIRT_LEAD, Role.CISO), WAIVE_NEEDS_LEAD)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_(WAIVE_NEEDS_REASON))
    with transaction.atomic():
        obligation = (
            ReportingObligation.objects.select_for_update(of=("self",))
            .select_related("deadline", "incident")
            .get(pk=obligation.pk)
        )
        if obligation.status != ObligationStatus.PENDING:
            raise ValueError(_(NOT_PENDING).format(status=obligation.get_status_display()))
        if (
            obligation.stage == Stage.FINAL
            and ReportingObligation.objects.filter(
                incident=incident,
                recipient=obligation.recipient,
                stage=Stage.PRELIMINARY,
                status=ObligationStatus.SUBMITTED,
            ).exists()
        ):
            raise ValueError(_(PRELIMINARY_SENT))
        if obligation.deadline is not None and obligation.deadline.is_open:
            waive_deadline(actor=actor, deadline=obligation.deadline, reason=reason)
        obligation.status = ObligationStatus.WAIVED
        obligation.waived_at = timezone.now()
        obligation.waived_by = actor
        obligation.waived_reason = reason
        obligation.flagged_for_waiver = False
        obligation.save()
        record_event(
            actor=actor,
            action="obligation.waive",
            obj=obligation,
            changes={"status": [ObligationStatus.PENDING, ObligationStatus.WAIVED]},
            reason=reason,
        )
        write_timeline(
            incident=incident,
            actor=actor,
            kind=TimelineEntry.Kind.DECISION,
            text=_("報告義務を免除: {label}。理由: {reason}").format(
                label=_label(obligation), reason=reason
            ),
        )
        with in_japanese():
            facts = [
                Fact(label=_("報告義務"), value=_label(obligation)),
                Fact(label=_("要否"), value=str(obligation.get_required_display())),
                Fact(label=_("根拠"), value=obligation.basis),
                Fact(label=_("免除を検討する理由"), value=obligation.flagged_reason or "—"),
                *obligation_facts(incident),
            ]
        record_decision(
            actor=actor,
            case=incident,
            decision="incident.obligation_waive",
            role=Role.CSIRT_LEAD if permissions.has_role(actor, Role.CSIRT_LEAD) else Role.CISO,
            reason=reason,
            facts=facts,
            subject=obligation,
            node="incident/obligation_waive",
        )
    return obligation

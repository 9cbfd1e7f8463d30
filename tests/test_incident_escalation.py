"""Escalation of an incident (issue 14 item 4; NEXT_WAVE §B.5 targets, §B.6 row 9): the chain
is seeded data, an escalation needs a reason, only the CSIRT and the CISO raise one, only a
holder of the notified role acknowledges it, its clock starts at once and is met at the
acknowledgement, a missed clock is told once to the next level, and the page shows the panel
at a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.audit.models import AuditEvent
from governance.clocks import runner
from governance.clocks.services import open_deadline_for
from governance.incidents.escalation.services import acknowledge_escalation, escalate_incident
from governance.models import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Escalation,
    EscalationLevel,
    Incident,
    Notification,
)
from tests.clocks_support import FrozenNow, jst
from tests.incidents_support import csirt_cast, promote, report, triage
from tests.test_pages import queries_for

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch: Any) -> FrozenNow:
    # A Saturday night: escalation notices go out at any hour.
    return FrozenNow(monkeypatch, jst(2026, 12, 5, 23, 10))


def _incident(
    people: dict[str, Any], department: Any, category: str = "targeted_mail", **facts: Any
) -> Incident:
    incident = promote(people["csirt"], [report(people["staff_a"])], department=department)
    return triage(people["csirt"], incident, category=category, **facts)


def _level(code: str) -> EscalationLevel:
    return EscalationLevel.objects.get(code=code)


def test_the_chain_is_seeded_with_the_design_defaults() -> None:
    levels = list(EscalationLevel.objects.order_by("order"))
    assert [level.code for level in levels] == ["csirt", "csirt_lead", "ciso", "top"]
    assert [level.name for level in levels][-1] == "知事・副知事"
    ciso = _level("ciso")
    assert ciso.notify_roles == ["ciso"]
    # §B.5: L4 acknowledged within 30 minutes, L3 within an hour.
    assert ciso.minutes_for("L4") == 30 and ciso.minutes_for("L3") == 60
    assert all(set(level.ack_minutes) == {"L1", "L2", "L3", "L4"} for level in levels)


def test_the_seeding_migration_is_marked_and_idempotent() -> None:
    import importlib

    from django.apps import apps

    module = importlib.import_module("governance.migrations.0027_escalation")
    assert module.SEEDS_ROWS is True
    level = _level("top")
    level.ack_minutes = {"L1": 1, "L2": 1, "L3": 1, "L4": 1}
    level.save()
    module.forward(apps, None)
    module.forward(apps, None)
    assert EscalationLevel.objects.count() == 4
    # The office's change is kept: forward never overwrites a row.
    assert _level("top").minutes_for("L4") == 1


def test_an_escalation_needs_a_reason(csirt_cast, dept_a, frozen) -> None:
    incident = _incident(csirt_cast, dept_a)
    with pytest.raises(ValueError, match="エスカレーションの理由を入力してください"):
        escalate_incident(
            actor=csirt_cast["csirt"], incident=incident, level=_level("ciso"), reason="  "
        )
    assert not Escalation.objects.exists()


def test_an_escalation_is_recorded_clocked_audited_and_told_by_mail(
    csirt_cast, dept_a, frozen, run_jobs
) -> None:
    people = csirt_cast
    incident = _incident(people, dept_a)
    run_jobs()
    mail.outbox.clear()
    escalation = escalate_incident(
        actor=people["csirt"],
        incident=incident,
        level=_level("csirt_lead"),
        reason="複数の部局で同じ不審メールを確認",
    )
    assert escalation.raised_by == people["csirt"] and escalation.raised_at == frozen.at
    assert escalation.severity == incident.severity
    clock = open_deadline_for(escalation, DeadlineKind.ESCALATION_ACK)
    assert clock is not None and clock.case_id == incident.pk
    assert clock.starts_at == frozen.at
    minutes = _level("csirt_lead").minutes_for(incident.severity)
    assert clock.due_at == frozen.at + dt.timedelta(minutes=minutes)
    assert clock.holder_role == "csirt_lead"
    # A missed acknowledgement goes to the next level (CISO) and the lead.
    assert set(clock.escalate_roles) == {"ciso", "csirt_lead"}
    event = AuditEvent.objects.filter(action="incident.escalate").get()
    assert event.reason == "複数の部局で同じ不審メールを確認"
    told = set(
        Notification.objects.filter(dedupe_key=f"escalation:{escalation.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"lead", "lead2"}
    run_jobs()
    sent = [message for message in mail.outbox if "【エスカレーション】" in message.subject]
    to = sorted(address for message in sent for address in message.to)
    assert to == ["lead2@example.jp", "lead@example.jp"]
    assert "【エスカレーション】CSIRT 責任者" in sent[0].subject


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("csirt", True), ("lead", True), ("ciso", True), ("staff_a", False), ("reviewer", False)],
)
def test_who_may_escalate(csirt_cast, dept_a, frozen, who, allowed) -> None:
    incident = _incident(csirt_cast, dept_a)
    actor = csirt_cast[who]
    if allowed:
        escalate_incident(actor=actor, incident=incident, level=_level("ciso"), reason="理由")
        assert Escalation.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            escalate_incident(actor=actor, incident=incident, level=_level("ciso"), reason="理由")
        assert not Escalation.objects.exists()


def test_only_a_holder_of_the_notified_role_acknowledges_and_the_clock_is_met(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = _incident(people, dept_a)
    escalation = escalate_incident(
        actor=people["csirt"], incident=incident, level=_level("ciso"), reason="L3 相当の被害"
    )
    for who in ("csirt", "lead"):
        with pytest.raises(PermissionDenied, match="通知先"):
            acknowledge_escalation(actor=people[who], escalation=escalation)
    clock = open_deadline_for(escalation, DeadlineKind.ESCALATION_ACK)
    assert clock is not None
    frozen.set(frozen.at + dt.timedelta(minutes=12))
    acknowledge_escalation(actor=people["ciso"], escalation=escalation)
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == people["ciso"]
    assert escalation.acknowledged_at == frozen.at
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.MET and clock.met_at == frozen.at
    assert AuditEvent.objects.filter(action="incident.escalation_ack").count() == 1
    with pytest.raises(ValueError, match="確認済み"):
        acknowledge_escalation(actor=people["ciso"], escalation=escalation)


def test_a_missed_acknowledgement_is_escalated_once_by_the_runner(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = _incident(people, dept_a)
    escalation = escalate_incident(
        actor=people["csirt"], incident=incident, level=_level("csirt_lead"), reason="拡大"
    )
    clock = open_deadline_for(escalation, DeadlineKind.ESCALATION_ACK)
    assert clock is not None
    after = clock.due_at + dt.timedelta(seconds=1)
    frozen.set(after)
    runner.run_deadlines(now=after)
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.MISSED
    key = runner.dedupe_key(clock, "missed")
    told = sorted(
        Notification.objects.filter(dedupe_key=key).values_list("recipient__username", flat=True)
    )
    assert told == ["ciso", "lead", "lead2"]
    runner.run_deadlines(now=after + dt.timedelta(minutes=5))
    runner.run_deadlines(now=after + dt.timedelta(days=1))
    assert Notification.objects.filter(dedupe_key=key).count() == 3
    # Still owed: a late acknowledgement meets it, recorded as late.
    acknowledge_escalation(actor=people["lead"], escalation=escalation)
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.MET
    assert clock.met_at is not None and clock.met_at > clock.due_at


def test_an_l4_still_notifies_the_ciso_at_once(csirt_cast, dept_a, frozen) -> None:
    incident = _incident(csirt_cast, dept_a, category="ransomware", activity_stage="completed")
    assert incident.severity == "L4"
    assert Notification.objects.filter(
        recipient=csirt_cast["ciso"], dedupe_key=f"incident:{incident.pk}:ciso:L4"
    ).exists()
    assert Deadline.objects.filter(case=incident, kind=DeadlineKind.CISO_ACK).exists()


def test_the_page_shows_the_panel_and_its_forms_work(csirt_cast, dept_a, frozen, login) -> None:
    people = csirt_cast
    incident = _incident(people, dept_a)
    url = reverse("incidents:incident", args=[incident.pk])
    client = login(people["csirt"])
    page = client.get(url).content.decode()
    assert 'id="incident-escalations"' in page and 'id="escalate-form"' in page
    empty = client.post(url, {"action": "escalate", "level": _level("ciso").pk, "reason": ""})
    assert empty.status_code == 200 and not Escalation.objects.exists()
    done = client.post(
        url, {"action": "escalate", "level": _level("ciso").pk, "reason": "被害の拡大"}
    )
    assert done.status_code == 302
    escalation = Escalation.objects.get()
    html = client.get(url).content.decode()
    assert f'data-escalation="{escalation.pk}"' in html and "被害の拡大" in html
    assert f'id="ack-escalation-{escalation.pk}"' not in html  # not the CSIRT member's to ack
    ciso = login(people["ciso"])
    assert f'id="ack-escalation-{escalation.pk}"' in ciso.get(url).content.decode()
    acked = ciso.post(url, {"action": "ack_escalation", "escalation": escalation.pk})
    assert acked.status_code == 302
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == people["ciso"]
    assert "確認済み" in ciso.get(url).content.decode()


def test_the_panel_costs_the_same_queries_with_more_escalations(
    csirt_cast, dept_a, frozen, login
) -> None:
    people = csirt_cast
    incident = _incident(people, dept_a)
    url = reverse("incidents:incident", args=[incident.pk])
    client = login(people["ciso"])

    def grow(n: int) -> None:
        for i in range(n):
            escalation = escalate_incident(
                actor=people["csirt"], incident=incident, level=_level("ciso"), reason=f"理由 {i}"
            )
            if i % 2:
                acknowledge_escalation(actor=people["ciso"], escalation=escalation)

    grow(2)
    client.get(url)
    few = queries_for(client, url)
    grow(6)
    many = queries_for(client, url)
    assert many == few, f"{few} queries with 2 escalations, {many} with 8"


@pytest.fixture
def admin_client(cast: dict[str, Any], login: Any) -> Any:
    user = cast["admin"]
    user.is_staff = True
    user.save()
    return login(user)


def test_the_office_changes_the_chain_in_admin_audited_and_checked(admin_client: Any) -> None:
    from tests.test_admin_governed import change_form_data

    level = _level("ciso")
    url = f"/admin/governance/escalationlevel/{level.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    data["ack_minutes"] = '{"L1": 2880, "L2": 1440, "L3": 45, "L4": 20}'
    assert admin_client.post(url, data).status_code == 302
    assert _level("ciso").minutes_for("L4") == 20
    audit = AuditEvent.objects.get(action="escalation_level.change")
    assert audit.changes["ack_minutes"][1]["L4"] == 20
    # A level without L2 or with a role that does not exist is refused.
    data["ack_minutes"] = '{"L1": 2880, "L3": 45, "L4": 20}'
    assert admin_client.post(url, data).status_code == 200
    data["ack_minutes"] = '{"L1": 2880, "L2": 1440, "L3": 45, "L4": 20}'
    data["notify_roles"] = '["governor"]'
    assert admin_client.post(url, data).status_code == 200
    assert _level("ciso").notify_roles == ["ciso"]
    assert (
        admin_client.post(f"/admin/governance/escalationlevel/{level.pk}/delete/").status_code
        == 403
    )

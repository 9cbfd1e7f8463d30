"""§B.11 checks 10–13 and the seams around them: intake dedupe, closure guards (open tasks, an
owed legal clock, the handler reviewing), TLP:RED, reopening; merging keeps the earliest 覚知
and the stricter TLP; the emergency disconnection hook runs in the request's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance.clocks.services import start_deadline
from governance.incidents import services
from governance.incidents.services import hooks
from governance.incidents.services.closure import OPEN_CLOCKS, OPEN_TASKS
from governance.models import (
    AuditEvent,
    Incident,
    InformationSystem,
    IntakeSource,
    SecurityEvent,
    SystemKind,
)
from tests.incidents_support import csirt_cast, finish_tasks, promote, report, triage
from workflows import driver
from workflows.driver import StepRefused
from workflows.incident import IncidentFlow

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db


def test_check_10_the_same_phishing_mail_from_three_staff_is_one_event(csirt_cast) -> None:
    desk = IntakeSource.objects.get(code="phishing-desk")
    for name in ("staff_a", "staff_a2", "staff_b"):
        services.receive_event(
            actor=csirt_cast["csirt"],
            source=desk,
            channel="mail",
            title="請求書の確認",
            source_ref="<invoice@bad.example>",
            reporter=csirt_cast[name],
        )
    assert SecurityEvent.objects.count() == 1
    assert SecurityEvent.objects.get().reporters.count() == 3


def test_check_11_closure_is_refused_with_open_tasks_and_an_owed_legal_clock(
    csirt_cast, dept_a
) -> None:
    people = csirt_cast
    incident = triage(
        people["csirt"],
        promote(people["csirt"], [report(people["staff_a"])], department=dept_a),
        category="misdelivery_email",
    )
    open_tasks = incident.tasks.count()
    with pytest.raises(StepRefused) as refused:
        driver.complete(
            incident.process,
            IncidentFlow.handle,
            user=people["csirt"],
            data={"resolution": "true_positive"},
        )
    assert OPEN_TASKS.format(count=open_tasks) in str(refused.value)
    finish_tasks(people["csirt"], incident)
    start_deadline(
        actor=people["csirt"],
        kind="ppc_final",
        case=incident,
        starts_at=timezone.now() - dt.timedelta(hours=1),
    )
    with pytest.raises(StepRefused) as refused:
        driver.complete(
            incident.process,
            IncidentFlow.handle,
            user=people["csirt"],
            data={"resolution": "true_positive"},
        )
    assert OPEN_CLOCKS.split("（")[0] in str(refused.value)
    assert "個人情報保護委員会への確報" in str(refused.value)
    incident.refresh_from_db()
    assert not incident.closure_requested and incident.resolution == ""


def test_check_12_a_red_incident_is_hidden_from_unnamed_members_and_logged_for_auditors(
    csirt_cast, dept_a, login
) -> None:
    people = csirt_cast
    red = promote(people["lead"], [], department=dept_a, title="標的型攻撃（調査中）")
    services.set_tlp(actor=people["lead"], incident=red, tlp="red")
    url = reverse("incidents:incident", args=[red.pk])
    assert login(people["csirt"]).get(url).status_code == 404
    assert login(people["auditor"]).get(url).status_code == 200
    assert AuditEvent.objects.filter(case_id=red.pk, action="incident.restricted_view").count() == 1


def test_check_13_reopening_leaves_the_closed_incident_sealed(csirt_cast, dept_a) -> None:
    people = csirt_cast
    incident = triage(
        people["csirt"], promote(people["csirt"], [], department=dept_a), category="other"
    )
    finish_tasks(people["csirt"], incident)
    driver.complete(
        incident.process,
        IncidentFlow.handle,
        user=people["csirt"],
        data={"resolution": "true_positive"},
    )
    driver.complete(
        incident.process,
        IncidentFlow.closure_review,
        user=people["lead"],
        data={"decision": "approve"},
    )
    writes = AuditEvent.objects.filter(case_id=incident.pk).count()
    with pytest.raises(ValueError):
        services.add_timeline_entry(
            actor=people["csirt"], incident=incident, kind="action", text="追記"
        )
    driver.start(
        IncidentFlow,
        user=people["lead"],
        data={
            "title": "再開",
            "department": dept_a.pk,
            "category": "other",
            "follow_up_of": incident.pk,
            "reason": "再感染",
        },
    )
    assert Incident.objects.get(follow_up_of=incident).phase == "triage"
    assert AuditEvent.objects.filter(case_id=incident.pk).count() == writes


def test_merging_keeps_the_earliest_aware_time_and_the_stricter_tlp(csirt_cast, dept_a) -> None:
    people = csirt_cast
    early = timezone.now() - dt.timedelta(days=2)
    first = promote(people["csirt"], [report(people["staff_a"], aware_at=early)], department=dept_a)
    second = promote(people["csirt"], [report(people["staff_b"], what="同じ件")], department=dept_a)
    services.set_tlp(actor=people["csirt"], incident=first, tlp="amber_strict")
    services.add_observable(actor=people["csirt"], incident=first, type="ip", value="198.51.100.7")
    target = services.merge_incidents(
        actor=people["csirt"], source=first, target=second, reason="同一事案"
    )
    assert abs(target.aware_at - early) < dt.timedelta(seconds=1)
    assert target.tlp == "amber_strict"
    assert target.observables.filter(value="198.51.100.7").exists()
    assert target.events.count() == 2
    first.refresh_from_db()
    assert first.merged_into == target
    with pytest.raises(ValueError, match=second.number):
        services.add_task(actor=people["csirt"], incident=first, title="x")


def test_the_emergency_disconnection_calls_the_network_hook_in_its_transaction(
    csirt_cast, dept_a
) -> None:
    people = csirt_cast
    incident = promote(people["csirt"], [], department=dept_a)
    system = InformationSystem.objects.create(
        code="NET-1",
        name="庁内ネットワーク系",
        department=dept_a,
        kind=SystemKind.PACKAGE_CUSTOMISATION,
    )
    calls: list[Any] = []

    def suspend(actor: Any, incident_: Incident, system_: Any, reason: str) -> int:
        calls.append((actor, incident_.pk, system_.pk, reason))
        return 2

    assert (
        services.request_emergency_disconnection(
            actor=people["csirt"], incident=incident, system=system, reason="感染拡大の防止"
        )
        == 0
    )
    hooks.register_disconnection_handler(suspend)
    try:
        suspended = services.request_emergency_disconnection(
            actor=people["csirt"], incident=incident, system=system, reason="感染拡大の防止"
        )
    finally:
        hooks.unregister_disconnection_handler(suspend)
    assert suspended == 2 and calls == [(people["csirt"], incident.pk, system.pk, "感染拡大の防止")]
    wired = AuditEvent.objects.filter(
        case_id=incident.pk, action="incident.emergency_disconnection"
    )
    assert [e.changes["wired"][1] for e in wired.order_by("sequence")] == [False, True]
    with pytest.raises(PermissionDenied):
        services.request_emergency_disconnection(
            actor=people["staff_a"], incident=incident, system=system, reason="x"
        )

"""Escalation from the department and to the top (NEXT_WAVE §B.6 row 9, §B.8): the reporting
department asks the CSIRT to escalate inside the system, with a reason, and the CSIRT
acknowledges it through the chain's first level; the 知事・副知事 level reaches the
``top_executive`` role (not the CISO), in-app and by e-mail, and its holder acknowledges and
sees only the incidents escalated to them."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.audit.models import AuditEvent
from governance.clocks.services import open_deadline_for
from governance.incidents.escalation.services import (
    acknowledge_escalation,
    escalate_incident,
    request_escalation,
)
from governance.models import (
    DeadlineKind,
    Escalation,
    EscalationLevel,
    Incident,
    Notification,
)
from governance.permissions import can_view_case
from governance.roles import Role
from tests.clocks_support import FrozenNow, jst
from tests.factories import make_user
from tests.incidents_support import csirt_cast, promote, report, triage

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 12, 5, 23, 10))


@pytest.fixture
def people(csirt_cast: dict[str, Any], dept_a: Any) -> dict[str, Any]:
    found = dict(csirt_cast)
    found["top"] = make_user("top", Role.TOP_EXECUTIVE)
    found["staff_a2"] = make_user("staff_a2", Role.DEPARTMENT_STAFF, dept_a)
    return found


def _incident(people: dict[str, Any], department: Any) -> Incident:
    event = report(people["staff_a"])
    incident = promote(people["csirt"], [event], department=department)
    return triage(people["csirt"], incident, category="targeted_mail")


def _level(code: str) -> EscalationLevel:
    return EscalationLevel.objects.get(code=code)


def test_the_top_level_reaches_the_top_executive_not_the_ciso(
    people, dept_a, frozen, run_jobs
) -> None:
    assert _level("top").notify_roles == ["top_executive"]
    incident = _incident(people, dept_a)
    other = _incident(people, dept_a)
    assert not can_view_case(people["top"], incident)
    run_jobs()
    mail.outbox.clear()
    escalation = escalate_incident(
        actor=people["ciso"], incident=incident, level=_level("top"), reason="全庁的な被害"
    )
    told = set(
        Notification.objects.filter(dedupe_key=f"escalation:{escalation.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"top"}
    run_jobs()
    sent = [m for m in mail.outbox if "【エスカレーション】知事・副知事" in m.subject]
    assert [address for m in sent for address in m.to] == ["top@example.jp"]
    clock = open_deadline_for(escalation, DeadlineKind.ESCALATION_ACK)
    assert clock is not None and clock.holder_role == "top_executive"
    # A missed acknowledgement of the top goes back to the CISO and the lead.
    assert set(clock.escalate_roles) == {"ciso", "csirt_lead"}
    # The top sees the incident escalated to them, and no other.
    assert can_view_case(people["top"], incident)
    assert not can_view_case(people["top"], other)
    with pytest.raises(PermissionDenied, match="通知先"):
        acknowledge_escalation(actor=people["ciso"], escalation=escalation)
    acknowledge_escalation(actor=people["top"], escalation=escalation)
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == people["top"]
    clock.refresh_from_db()
    assert clock.status == "met"


def test_the_top_acknowledges_on_the_page_and_sees_no_other_incident(
    people, dept_a, frozen, login
) -> None:
    incident = _incident(people, dept_a)
    other = _incident(people, dept_a)
    url = reverse("incidents:incident", args=[incident.pk])
    top = login(people["top"])
    assert top.get(url).status_code == 404
    escalation = escalate_incident(
        actor=people["ciso"], incident=incident, level=_level("top"), reason="全庁的な被害"
    )
    page = top.get(url)
    assert page.status_code == 200
    assert f'id="ack-escalation-{escalation.pk}"' in page.content.decode()
    assert top.get(reverse("incidents:incident", args=[other.pk])).status_code == 404
    done = top.post(url, {"action": "ack_escalation", "escalation": escalation.pk})
    assert done.status_code == 302
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == people["top"]
    # Nothing else on the page is theirs to do: a phase change is refused.
    refused = top.post(url, {"action": "phase", "phase": "analysis", "reason": "x"})
    assert refused.status_code in (200, 403)
    incident.refresh_from_db()
    assert incident.phase != "analysis"


def test_the_seeding_migration_moves_the_default_only() -> None:
    module = importlib.import_module("governance.migrations.0031_incgaps_top_executive")
    assert module.SEEDS_ROWS is True
    level = _level("top")
    level.notify_roles = ["ciso"]
    level.save()
    module.forward(apps, None)
    module.forward(apps, None)
    assert _level("top").notify_roles == ["top_executive"]
    # The office's own choice is kept.
    level.notify_roles = ["ciso", "top_executive"]
    level.save()
    module.forward(apps, None)
    assert _level("top").notify_roles == ["ciso", "top_executive"]


def test_the_reporting_department_asks_and_the_csirt_acknowledges(people, dept_a, frozen) -> None:
    incident = _incident(people, dept_a)
    escalation = request_escalation(
        actor=people["staff_a"], incident=incident, reason="住民から問い合わせが急増"
    )
    assert escalation.level.code == "csirt" and escalation.raised_by == people["staff_a"]
    event = AuditEvent.objects.get(action="incident.escalation_request")
    assert event.reason == "住民から問い合わせが急増" and event.actor == people["staff_a"]
    told = set(
        Notification.objects.filter(dedupe_key=f"escalation:{escalation.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"csirt", "lead"} <= told and "staff_a" not in told
    clock = open_deadline_for(escalation, DeadlineKind.ESCALATION_ACK)
    assert clock is not None and clock.status == "running"
    # One open request at a time.
    with pytest.raises(ValueError, match="依頼済み"):
        request_escalation(actor=people["staff_a"], incident=incident, reason="再依頼")
    # Staff of the incident's department may ask too; another department may not.
    request_escalation(actor=people["staff_a2"], incident=incident, reason="同じ課から")
    with pytest.raises(PermissionDenied, match="報告した人または主管部局"):
        request_escalation(actor=people["staff_b"], incident=incident, reason="他部局")
    acknowledge_escalation(actor=people["csirt"], escalation=escalation)
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == people["csirt"]
    # Once acknowledged, the department may ask again.
    request_escalation(actor=people["staff_a"], incident=incident, reason="被害が拡大")
    assert Escalation.objects.filter(raised_by=people["staff_a"]).count() == 2


def test_a_request_without_a_reason_changes_nothing(people, dept_a, frozen) -> None:
    incident = _incident(people, dept_a)
    events = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="エスカレーションの理由を入力してください"):
        request_escalation(actor=people["staff_a"], incident=incident, reason="　 ")
    assert not Escalation.objects.exists() and AuditEvent.objects.count() == events


def test_the_reporter_asks_on_their_report_page(people, dept_a, frozen, login) -> None:
    event = report(people["staff_a"])
    incident = promote(people["csirt"], [event], department=dept_a)
    triage(people["csirt"], incident, category="targeted_mail")
    url = reverse("incidents:my_event", args=[event.pk])
    client = login(people["staff_a"])
    page = client.get(url).content.decode()
    assert 'id="request-escalation-form"' in page
    empty = client.post(url, {"action": "request_escalation", "reason": ""})
    assert empty.status_code == 200 and not Escalation.objects.exists()
    assert "このフィールドは必須です" in empty.content.decode()
    done = client.post(url, {"action": "request_escalation", "reason": "被害の拡大"})
    assert done.status_code == 302
    escalation = Escalation.objects.get()
    page = client.get(url).content.decode()
    assert "被害の拡大" in page and "未確認" in page
    again = client.post(url, {"action": "request_escalation", "reason": "再度"})
    assert again.status_code == 200 and "依頼済み" in again.content.decode()
    # The CSIRT sees it on the incident's panel and acknowledges it there.
    csirt = login(people["csirt"])
    incident_url = reverse("incidents:incident", args=[incident.pk])
    panel = csirt.get(incident_url).content.decode()
    assert f'data-escalation="{escalation.pk}"' in panel and "被害の拡大" in panel
    csirt.post(incident_url, {"action": "ack_escalation", "escalation": escalation.pk})
    assert "確認済み" in client.get(url).content.decode()

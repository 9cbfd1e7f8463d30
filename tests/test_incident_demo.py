"""The incident demo loads through the real flow: a phishing wave (one event, several
reporters), a lost laptop, a misdirected e-mail (L3), ransomware on an LGWAN system (L4,
TLP:RED), a drill closed with four eyes; loading again adds nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest

from governance.incidents import demo as demo_incidents
from governance.models import AuditEvent, Incident, SecurityEvent
from governance.org import demo as org

pytestmark = pytest.mark.django_db


def test_the_demo_covers_the_categories_severities_phases_and_tlps(
    settings: Any, tmp_path: Any
) -> None:
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    org.load(out)
    demo_incidents.load(out)
    incidents = {i.title: i for i in Incident.objects.all()}
    phishing = incidents["フィッシングメールの一斉着信"]
    assert phishing.events.get().reports.count() == 3
    assert phishing.observables.count() == 3 and phishing.severity == "L1"
    assert incidents["受講者一覧の誤送信"].severity == "L3"
    ransomware = incidents["文書管理サーバのランサムウェア感染"]
    assert (ransomware.severity, ransomware.tlp, ransomware.phase) == ("L4", "red", "containment")
    assert AuditEvent.objects.filter(
        case_id=ransomware.pk, action="incident.emergency_disconnection"
    ).exists()
    drill = incidents["標的型メール訓練"]
    assert drill.is_exercise and drill.phase == "closed"
    assert SecurityEvent.objects.filter(status="new").count() == 2
    before = (Incident.objects.count(), SecurityEvent.objects.count())
    demo_incidents.load(out)
    assert (Incident.objects.count(), SecurityEvent.objects.count()) == before

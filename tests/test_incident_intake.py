"""Department reports get a 受付番号 and reach every CSIRT member at once (in-app and e-mail);
reporters follow only their own reports; bad input of §B.10 is refused in Japanese with nothing
saved; the same alert twice is one event (idempotent on source and source reference)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.incidents import facts, services
from governance.models import IntakeSource, Job, Notification, SecurityEvent
from tests.incidents_support import csirt_cast, report

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db


def test_the_intake_sources_of_the_seeds_are_master_data() -> None:
    names = set(IntakeSource.objects.values_list("name", flat=True))
    assert {
        "J-LIS サイバー攻撃検知通報",
        "ウェブ感染型マルウェア検知",
        "ホームページレスポンス観測",
        "不審メール通報窓口",
    } <= names


def test_a_department_report_gets_a_number_and_reaches_the_csirt_by_mail(csirt_cast, login) -> None:
    people = csirt_cast
    client = login(people["staff_a"])
    page = client.get(reverse("incidents:report"))
    assert "不審なファイルやメールは添付せず" in page.content.decode()
    assert len(page.context["form"].fields) <= 8
    response = client.post(
        reverse("incidents:report"),
        {"what": "USB メモリを紛失しました", "personal_data": "yes", "persons": "１，００１人"},
    )
    event = SecurityEvent.objects.get()
    assert response.status_code == 302
    assert event.number == f"EV-{event.fiscal_year}-00001" and event.persons_estimate == 1001
    assert event.reporters.get() == people["staff_a"]
    notified = set(
        Notification.objects.filter(subject__contains=event.number).values_list(
            "recipient__username", flat=True
        )
    )
    assert {"csirt", "csirt2", "lead", "lead2"} <= notified
    assert Job.objects.filter(kind="send_email").count() >= 4
    own = client.get(reverse("incidents:my_event", args=[event.pk]))
    assert event.number in own.content.decode()
    other = login(people["staff_a2"]).get(reverse("incidents:my_event", args=[event.pk]))
    assert other.status_code == 404
    assert (
        login(people["staff_b"]).get(reverse("incidents:event", args=[event.pk])).status_code == 404
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("persons", "約100人", facts.PERSONS_NOT_A_NUMBER),
        ("persons", "-3", facts.PERSONS_NEGATIVE),
        ("aware_at", "2999-01-01T10:00", facts.AWARE_IN_FUTURE),
    ],
)
def test_bad_report_input_is_refused_in_japanese_and_nothing_is_saved(
    csirt_cast, login, field, value, message
) -> None:
    client = login(csirt_cast["staff_a"])
    data = {"what": "不審なメール", "personal_data": "unknown", field: value}
    response = client.post(reverse("incidents:report"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SecurityEvent.objects.exists() and not Notification.objects.exists()


def test_counts_are_read_from_full_width_digits_and_suffixes() -> None:
    assert facts.parse_persons("１，００１人") == 1001
    assert facts.parse_persons("1001名") == 1001
    assert facts.parse_persons("") is None
    with pytest.raises(ValueError, match="概数"):
        facts.parse_persons("約100人")


def test_the_same_alert_three_times_is_one_event_with_three_reporters(csirt_cast) -> None:
    people = csirt_cast
    source = IntakeSource.objects.get(code="phishing-desk")
    for name in ("staff_a", "staff_a2", "staff_b"):
        services.receive_event(
            actor=people["csirt"],
            source=source,
            channel="mail",
            title="【重要】アカウント確認のお願い",
            source_ref="<msg-1@example.jp>",
            reporter=people[name],
        )
    event = SecurityEvent.objects.get()
    assert event.reports.count() == 3


def test_oversized_raw_payloads_are_refused(csirt_cast) -> None:
    source = IntakeSource.objects.get(code="jlis-attack")
    with pytest.raises(ValueError, match="32KB"):
        services.receive_event(
            actor=csirt_cast["csirt"],
            source=source,
            channel="api",
            title="x",
            raw={"blob": "x" * 40_000},
        )
    assert not SecurityEvent.objects.exists()


def test_a_reporter_sees_the_incident_number_phase_and_title_of_their_report(
    csirt_cast, login, dept_a
) -> None:
    from tests.incidents_support import promote

    event = report(csirt_cast["staff_a"])
    incident = promote(csirt_cast["csirt"], [event], department=dept_a, title="標的型メール")
    page = login(csirt_cast["staff_a"]).get(reverse("incidents:my_reports")).content.decode()
    assert incident.number in page and "トリアージ" in page
    assert (
        login(csirt_cast["staff_a"])
        .get(reverse("incidents:incident", args=[incident.pk]))
        .status_code
        == 404
    )


def test_an_encryption_claim_without_evidence_is_refused(csirt_cast, dept_a) -> None:
    from tests.incidents_support import promote

    incident = promote(csirt_cast["csirt"], [report(csirt_cast["staff_a"])], department=dept_a)
    with pytest.raises(ValueError, match="根拠"):
        services.update_facts(actor=csirt_cast["csirt"], incident=incident, pd_high_encryption=True)
    incident.refresh_from_db()
    assert incident.pd_high_encryption is False
    with pytest.raises(ValueError, match="発生日時より前"):
        services.update_facts(
            actor=csirt_cast["csirt"],
            incident=incident,
            aware_at=timezone.now() - dt.timedelta(hours=2),
            occurred_at=timezone.now() - dt.timedelta(hours=1),
        )
    incident.refresh_from_db()
    assert incident.occurred_at is None

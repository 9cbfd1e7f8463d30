"""NEXT_WAVE §B.11 checks 1–9 and 14 on real incidents (services, clock rows, the page), with
frozen time: the 100/101 boundary, 1,001 persons, unauthorized access (60 days), one person's
health data, the encrypted laptop, the recalled mail, the 議会, the My Number system with one
submission for two reports, the late department report, and the missed 確報 notified once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from governance.clocks import runner
from governance.clocks.models import Deadline, DeadlineStatus
from governance.incidents import services
from governance.incidents.obligations.services import waive_obligation
from governance.incidents.obligations.submissions import submit_and_approve
from governance.models import DecisionRecord, Incident, Notification, ReportingObligation
from governance.org.models import ReportingBody
from governance.permissions import Refused
from tests.clocks_support import FrozenNow, jst
from tests.incidents_support import csirt_cast, promote, report, triage

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db

AWARE = jst(2026, 12, 1, 10)


@pytest.fixture
def frozen(monkeypatch: Any) -> FrozenNow:
    # The department reported to the CSIRT two days after it knew (check 9).
    return FrozenNow(monkeypatch, jst(2026, 12, 3, 10))


def leak(
    people: dict[str, Any],
    department: Any,
    category: str = "misdelivery_email",
    reported: bool = True,
    **facts: Any,
) -> Incident:
    """The department's report says personal data and the count (``reported``; else it says
    it does not know, and the CSIRT records them); the CSIRT triages and records 覚知 and
    the other facts at once."""
    if reported:
        event = report(people["staff_a"], personal_data="yes", persons=facts.pop("pd_persons", ""))
    else:
        event = report(people["staff_a"], personal_data="unknown")
        facts["pd_involved"] = "yes"
    incident = promote(people["csirt"], [event], department=department)
    incident = triage(people["csirt"], incident, category=category)
    return services.update_facts(actor=people["csirt"], incident=incident, aware_at=AWARE, **facts)


def owed(incident: Incident) -> dict[tuple[str, str], Any]:
    return {
        (o.recipient, o.stage): o
        for o in ReportingObligation.objects.filter(incident=incident).select_related("deadline")
    }


def test_check_1_the_100_101_boundary(csirt_cast, dept_a, frozen) -> None:
    people = csirt_cast
    incident = leak(people, dept_a, pd_persons="100")
    assert not ReportingObligation.objects.filter(incident=incident, recipient="ppc").exists()
    incident = services.update_facts(actor=people["csirt"], incident=incident, pd_persons="101")
    found = owed(incident)
    preliminary = found[("ppc", "preliminary")].deadline
    assert preliminary.starts_at == AWARE
    assert preliminary.soft_due_at == jst(2026, 12, 4, 23, 59, 59)
    assert preliminary.due_at == jst(2026, 12, 6, 23, 59, 59)
    assert preliminary.unrolled_due_on is None
    final = found[("ppc", "final")]
    assert final.deadline.due_at == jst(2027, 1, 4, 23, 59, 59)
    assert final.deadline.unrolled_due_on == dt.date(2026, 12, 31)
    assert final.deadline.roll_basis.startswith("行政機関の休日に関する法律第2条")
    assert final.rule_snapshot["key"] == "ppc_final_days" and final.rule_snapshot["value"] == 30
    assert found[("individual_notice", "notice")].status == "pending"
    assert found[("publication_decision", "decision")].status == "pending"
    incident.refresh_from_db()
    assert incident.severity == "L3"
    assert Notification.objects.filter(recipient=people["ciso"], case=incident).exists()


def test_check_2_a_thousand_and_one_persons_is_l4_with_the_same_obligations(
    csirt_cast, dept_a, frozen
) -> None:
    incident = leak(csirt_cast, dept_a, pd_persons="1,001")
    incident.refresh_from_db()
    assert incident.severity == "L4"
    found = owed(incident)
    assert {("ppc", "preliminary"), ("ppc", "final"), ("top", "first")} <= set(found)
    assert found[("ppc", "final")].deadline.due_at == jst(2027, 1, 4, 23, 59, 59)


def test_check_3_unauthorized_access_of_one_person_gets_60_days(csirt_cast, dept_a, frozen) -> None:
    incident = leak(
        csirt_cast, dept_a, category="unauthorized_access", pd_persons="1", pd_malicious=True
    )
    final = owed(incident)[("ppc", "final")]
    assert final.deadline.due_at == jst(2027, 2, 1, 23, 59, 59)
    assert final.deadline.unrolled_due_on == dt.date(2027, 1, 30)
    assert final.rule_snapshot["key"] == "ppc_final_malicious_days"
    assert owed(incident)[("police", "first")].required == "yes"


def test_malice_found_later_moves_the_final_report_to_60_days(csirt_cast, dept_a, frozen) -> None:
    incident = leak(csirt_cast, dept_a, pd_persons="101")
    services.update_facts(actor=csirt_cast["csirt"], incident=incident, pd_malicious=True)
    deadline = Deadline.objects.get(pk=owed(incident)[("ppc", "final")].deadline_id)
    assert deadline.due_at == jst(2027, 2, 1, 23, 59, 59) and deadline.status == "running"


def test_check_4_one_persons_health_data(csirt_cast, dept_a, frozen) -> None:
    incident = leak(csirt_cast, dept_a, pd_persons="1", pd_sensitive=True)
    final = owed(incident)[("ppc", "final")]
    assert final.required == "yes" and "第1号" in final.basis
    assert final.deadline.due_at == jst(2027, 1, 4, 23, 59, 59)


def test_check_5_an_encrypted_laptop_needs_its_evidence(csirt_cast, dept_a, frozen) -> None:
    people = csirt_cast
    with pytest.raises(ValueError, match="根拠"):
        leak(
            people,
            dept_a,
            category="loss_theft",
            reported=False,
            pd_persons="300",
            pd_high_encryption=True,
        )
    refused = Incident.objects.latest("pk")
    assert not refused.pd_high_encryption and refused.pd_persons is None
    incident = leak(
        people,
        dept_a,
        category="loss_theft",
        reported=False,
        pd_persons="300",
        pd_high_encryption=True,
        pd_encryption_evidence="BitLocker（XTS-AES 256）、回復キーは別管理",
    )
    assert not ReportingObligation.objects.filter(incident=incident, recipient="ppc").exists()


def test_an_encryption_found_later_is_waived_with_the_evidence_in_the_decision(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = leak(people, dept_a, category="loss_theft", pd_persons="300")
    services.update_facts(
        actor=people["csirt"],
        incident=incident,
        pd_high_encryption=True,
        pd_encryption_evidence="BitLocker、回復キーは別管理",
    )
    final = owed(incident)[("ppc", "final")]
    assert final.flagged_for_waiver and final.status == "pending"
    assert final.deadline.status == "running"  # the clock runs until a human waives it
    assert Notification.objects.filter(recipient=people["lead"], case=incident).exists()
    with pytest.raises(Refused):
        waive_obligation(actor=people["csirt"], obligation=final, reason="暗号化済み")
    with pytest.raises(ValueError, match="理由"):
        waive_obligation(actor=people["lead"], obligation=final, reason=" ")
    waive_obligation(actor=people["lead"], obligation=final, reason="高度な暗号化を確認")
    final.refresh_from_db()
    assert final.status == "waived" and final.waived_by == people["lead"]
    assert Deadline.objects.get(pk=final.deadline_id).status == DeadlineStatus.WAIVED
    record = DecisionRecord.objects.get(decision="incident.obligation_waive")
    assert "BitLocker、回復キーは別管理" in str(record.inputs)
    assert record.reason == "高度な暗号化を確認"


def test_check_6_a_mail_recalled_before_viewing(csirt_cast, dept_a, frozen) -> None:
    incident = leak(
        csirt_cast,
        dept_a,
        reported=False,
        pd_persons="250",
        pd_recovered_unviewed=True,
        pd_recovery_evidence="受信者3名が未開封で削除したことを電話で確認",
    )
    assert not ReportingObligation.objects.filter(incident=incident, recipient="ppc").exists()


def test_check_7_the_assembly_is_outside_the_ppc_report(csirt_cast, dept_a, frozen) -> None:
    dept_a.reporting_body = ReportingBody.ASSEMBLY
    dept_a.save()
    incident = leak(csirt_cast, dept_a, pd_persons="500")
    incident.refresh_from_db()
    assert incident.pd_reporting_body == "assembly"
    found = owed(incident)
    assert found[("ppc", "final")].status == "not_applicable"
    assert found[("ppc", "final")].deadline is None
    assert "議会を除く" in found[("ppc", "final")].basis
    assert found[("publication_decision", "decision")].status == "pending"


def test_the_board_of_education_reports_in_its_own_name(csirt_cast, dept_a, frozen) -> None:
    dept_a.reporting_body = ReportingBody.BOARD_OF_EDUCATION
    dept_a.save()
    incident = leak(csirt_cast, dept_a, pd_persons="101")
    incident.refresh_from_db()
    assert incident.pd_reporting_body == "board_of_education"
    assert owed(incident)[("ppc", "final")].status == "pending"


def test_check_8_my_number_system_three_persons_one_submission_for_two(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = leak(
        people,
        dept_a,
        pd_persons="3",
        pd_my_number=True,
        pd_my_number_system=True,
        pd_sensitive=True,
    )
    found = owed(incident)
    assert found[("ppc_my_number", "final")].required == "yes"
    assert found[("ppc", "final")].required == "yes"
    pair = [found[("ppc", "preliminary")], found[("ppc_my_number", "preliminary")]]
    incident.refresh_from_db()
    submission = submit_and_approve(
        actor=people["csirt"],
        approver=people["ciso"],
        incident=incident,
        obligations=pair,
        submitted_at=jst(2026, 12, 3, 9),
        method="electronic",
        reference="PPC-2026-0001",
    )
    assert submission.obligations.count() == 2
    for obligation in pair:
        obligation.refresh_from_db()
        assert obligation.status == "submitted"
        deadline = Deadline.objects.get(pk=obligation.deadline_id)
        assert deadline.status == "met" and deadline.met_at == jst(2026, 12, 3, 9)


def test_check_9_a_late_department_report_shows_the_time_already_lost(
    csirt_cast, dept_a, frozen, login
) -> None:
    incident = leak(csirt_cast, dept_a, pd_persons="101")
    page = login(csirt_cast["csirt"]).get(reverse("incidents:incident", args=[incident.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-recipient="ppc" data-stage="preliminary"' in html
    # 速報 target 12-04 seen on 12-03: one day left, not three.
    assert "目標まで 残り1日" in html
    assert "CSIRT 受付までに 48時間経過" in html
    assert "令和8年12月31日から繰延べ" in html and "行政機関の休日に関する法律第2条" in html


def test_check_14_a_missed_final_report_is_told_once_to_handler_lead_and_ciso(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = leak(people, dept_a, pd_persons="101")
    final = owed(incident)[("ppc", "final")].deadline
    after = jst(2027, 1, 5, 0, 0, 1)
    frozen.set(after)
    runner.run_deadlines(now=after)
    final.refresh_from_db()
    assert final.status == DeadlineStatus.MISSED
    key = runner.dedupe_key(final, "missed")
    told = sorted(
        Notification.objects.filter(dedupe_key=key).values_list("recipient__username", flat=True)
    )
    assert told == ["ciso", "csirt", "lead", "lead2"]
    runner.run_deadlines(now=after + dt.timedelta(minutes=5))
    runner.run_deadlines(now=after + dt.timedelta(days=2))
    assert Notification.objects.filter(dedupe_key=key).count() == 4
    # Still owed and visible.
    assert owed(incident)[("ppc", "final")].status == "pending"

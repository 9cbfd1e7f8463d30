"""reconcile_obligations and the submissions (NEXT_WAVE §B.6, §B.10): an unknown count is
``maybe`` with its clock running; a count that falls after a submitted 速報 keeps the 確報 owed
and unwaivable; a count that falls before flags the obligations (never deleted) for a waiver;
a fact set that requires one again reopens it; the incident keeps its rule versions; a vendor
leak counts from the vendor's notice; exercises run the clocks but never submit; the content
approval belongs to the CISO for L3–L4 and to a CSIRT lead below."""

from __future__ import annotations

from typing import Any

import pytest

from governance.incidents import services
from governance.incidents.obligations.services import reconcile_obligations, waive_obligation
from governance.incidents.obligations.submissions import (
    approve_submission,
    register_submission,
    submit_and_approve,
)
from governance.models import Deadline, Incident, ReportingObligation, Rule
from governance.permissions import Refused
from tests.clocks_support import FrozenNow, jst
from tests.incidents_support import csirt_cast, promote, report, triage

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db

AWARE = jst(2026, 12, 1, 10)


@pytest.fixture
def frozen(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 12, 2, 10))


def leak(people: dict[str, Any], department: Any, persons: str = "", **facts: Any) -> Incident:
    event = report(people["staff_a"], personal_data="yes", persons=persons)
    incident = promote(people["csirt"], [event], department=department)
    incident = triage(people["csirt"], incident, category="misdelivery_email")
    return services.update_facts(actor=people["csirt"], incident=incident, aware_at=AWARE, **facts)


def get(incident: Incident, recipient: str, stage: str) -> Any:
    return ReportingObligation.objects.select_related("deadline").get(
        incident=incident, recipient=recipient, stage=stage
    )


def test_an_unknown_count_is_maybe_with_the_clock_running(csirt_cast, dept_a, frozen) -> None:
    incident = leak(csirt_cast, dept_a)
    final = get(incident, "ppc", "final")
    assert final.required == "maybe" and final.status == "pending"
    assert final.deadline.status == "running" and final.deadline.starts_at == AWARE


def test_a_count_falling_after_the_preliminary_report_keeps_the_final_owed(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = leak(people, dept_a, persons="150")
    incident.refresh_from_db()
    submit_and_approve(
        actor=people["csirt"],
        approver=people["ciso"],
        incident=incident,
        obligations=[get(incident, "ppc", "preliminary")],
        submitted_at=jst(2026, 12, 2, 9),
        method="electronic",
        reference="R-1",
    )
    incident = services.update_facts(actor=people["csirt"], incident=incident, pd_persons="80")
    final = get(incident, "ppc", "final")
    assert final.status == "pending" and not final.flagged_for_waiver
    assert "速報を提出済み" in final.basis
    assert final.deadline.status == "running"
    with pytest.raises(ValueError, match="速報を提出済み"):
        waive_obligation(actor=people["lead"], obligation=final, reason="80人に減少")


def test_a_count_falling_before_any_report_flags_and_never_deletes(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = leak(people, dept_a, persons="150")
    before = ReportingObligation.objects.filter(incident=incident).count()
    incident = services.update_facts(actor=people["csirt"], incident=incident, pd_persons="80")
    assert ReportingObligation.objects.filter(incident=incident).count() == before
    final = get(incident, "ppc", "final")
    assert final.flagged_for_waiver and final.status == "pending"
    assert "各号に該当しない" in final.flagged_reason
    waive_obligation(actor=people["lead"], obligation=final, reason="確定人数80人")
    # The facts require it again (the count was wrong): it is owed again with a new clock.
    incident = services.update_facts(actor=people["csirt"], incident=incident, pd_persons="120")
    final = get(incident, "ppc", "final")
    assert final.status == "pending" and final.deadline.status == "running"
    assert Deadline.objects.filter(subject_id=str(final.pk), kind="ppc_final").count() == 2


def test_the_incident_keeps_the_rule_versions_it_was_evaluated_under(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = leak(people, dept_a, persons="500")
    Rule.objects.create(
        key="ppc_persons_threshold", effective_from=2026, value=1000, basis="仮の改正（試験）"
    )
    incident = services.update_facts(actor=people["csirt"], incident=incident, pd_items="氏名")
    incident.refresh_from_db()
    assert incident.obligation_rules["ppc_persons_threshold"]["value"] == 100
    final = get(incident, "ppc", "final")
    assert final.required == "yes" and not final.flagged_for_waiver


def test_a_vendor_leak_counts_from_the_vendors_notice(csirt_cast, dept_a, frozen) -> None:
    people = csirt_cast
    incident = leak(people, dept_a, persons="101")
    services.update_facts(
        actor=people["csirt"], incident=incident, vendor_notice_received_at=jst(2026, 12, 2, 9)
    )
    final = get(incident, "ppc", "final")
    assert final.deadline.starts_at == jst(2026, 12, 2, 9)
    assert final.deadline.unrolled_due_on.isoformat() == "2027-01-01"


def test_an_exercise_runs_the_clocks_but_never_submits(csirt_cast, dept_a, frozen) -> None:
    people = csirt_cast
    incident = leak(people, dept_a)
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    incident = services.update_facts(actor=people["csirt"], incident=incident, pd_persons="101")
    assert incident.is_exercise
    final = get(incident, "ppc", "final")
    assert final.deadline.status == "running"
    with pytest.raises(ValueError, match="訓練"):
        register_submission(
            actor=people["csirt"],
            incident=incident,
            obligations=[final],
            submitted_at=jst(2026, 12, 2, 9),
            method="email",
        )


def test_the_ciso_approves_l3_content_and_a_lead_l2(csirt_cast, dept_a, frozen) -> None:
    people = csirt_cast
    incident = leak(people, dept_a, persons="101")
    incident.refresh_from_db()
    assert incident.severity == "L3"
    submission = register_submission(
        actor=people["csirt"],
        incident=incident,
        obligations=[get(incident, "ppc", "preliminary")],
        submitted_at=jst(2026, 12, 2, 9),
        method="electronic",
        reference="R-1",
    )
    with pytest.raises(Refused):
        approve_submission(actor=people["lead"], submission=submission)
    with pytest.raises(Refused):
        register_submission(
            actor=people["staff_a"],
            incident=incident,
            obligations=[get(incident, "ppc", "final")],
            submitted_at=jst(2026, 12, 2, 9),
            method="email",
        )
    approve_submission(actor=people["ciso"], submission=submission)
    assert get(incident, "ppc", "preliminary").status == "submitted"
    with pytest.raises(ValueError, match="承認済み"):
        approve_submission(actor=people["ciso"], submission=submission)
    # An L2 incident's content: a CSIRT lead approves it.
    other = leak(people, dept_a, persons="3", pd_sensitive=True)
    services.set_severity(actor=people["lead"], incident=other, level="L2", reason="影響軽微")
    other.refresh_from_db()
    second = register_submission(
        actor=people["csirt"],
        incident=other,
        obligations=[get(other, "ppc", "preliminary")],
        submitted_at=jst(2026, 12, 2, 9),
        method="email",
    )
    approve_submission(actor=people["lead"], submission=second)
    assert get(other, "ppc", "preliminary").status == "submitted"


@pytest.mark.parametrize(
    ("submitted_at", "message"),
    [(jst(2026, 11, 30, 9), "覚知日時より前"), (jst(2026, 12, 9, 9), "未来")],
)
def test_impossible_submission_times_are_refused(
    csirt_cast, dept_a, frozen, submitted_at: Any, message: str
) -> None:
    incident = leak(csirt_cast, dept_a, persons="101")
    with pytest.raises(ValueError, match=message):
        register_submission(
            actor=csirt_cast["csirt"],
            incident=incident,
            obligations=[get(incident, "ppc", "final")],
            submitted_at=submitted_at,
            method="email",
        )


def test_reconcile_twice_changes_nothing(csirt_cast, dept_a, frozen) -> None:
    incident = leak(csirt_cast, dept_a, persons="101")
    before = list(ReportingObligation.objects.filter(incident=incident).values())
    clocks = Deadline.objects.filter(case=incident).count()
    reconcile_obligations(actor=csirt_cast["csirt"], incident=incident)
    assert list(ReportingObligation.objects.filter(incident=incident).values()) == before
    assert Deadline.objects.filter(case=incident).count() == clocks


def test_a_tlp_downgrade_is_a_decision_record_and_a_member_is_refused(
    csirt_cast, dept_a, frozen
) -> None:
    from governance.models import DecisionRecord

    people = csirt_cast
    incident = leak(people, dept_a, persons="3")
    services.set_tlp(actor=people["csirt"], incident=incident, tlp="red")
    assert not DecisionRecord.objects.filter(decision="incident.tlp_downgrade").exists()
    with pytest.raises(Refused):
        services.set_tlp(actor=people["csirt"], incident=incident, tlp="green", reason="公表済み")
    services.set_tlp(actor=people["lead"], incident=incident, tlp="green", reason="公表済み")
    record = DecisionRecord.objects.get(decision="incident.tlp_downgrade")
    assert record.reason == "公表済み" and record.decided_by == people["lead"]
    assert "TLP:RED → TLP:GREEN" in str(record.inputs)


def test_a_count_crossing_1000_raises_l4_and_mails_the_ciso_at_once(
    csirt_cast, dept_a, frozen, run_jobs
) -> None:
    from django.core import mail

    from governance.models import Notification

    people = csirt_cast
    incident = leak(people, dept_a, persons="101")
    services.update_facts(actor=people["csirt"], incident=incident, pd_persons="1,001")
    incident.refresh_from_db()
    assert incident.severity == "L4"
    notice = Notification.objects.get(recipient=people["ciso"], subject__startswith="【重大度 L4】")
    run_jobs()
    assert any(notice.subject in message.subject for message in mail.outbox)
    assert people["ciso"].email in [to for message in mail.outbox for to in message.to]
    assert get(incident, "top", "first").required == "yes"

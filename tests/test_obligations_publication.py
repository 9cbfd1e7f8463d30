"""The 公表 and 本人通知 decisions (NEXT_WAVE §B.6 rows 3 and 8, §B.8, §2.2): each is a decision
record with the facts the card showed, sealed into the audit chain; it settles the obligation
(判断済, its clock met, or waived when the notice is not required); the CISO decides at L3 and
above, a CSIRT lead below; bad input is refused in Japanese with nothing changed; the
publication decision is no longer registered as a submission; the page shows the card and the
case's 決定の経緯 lists the decisions."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from governance.audit.models import AuditEvent
from governance.decisions.models import DecisionRecord
from governance.decisions.services import verify_decision_seals
from governance.incidents import services
from governance.incidents.obligations.publication import (
    decide_individual_notice,
    decide_publication,
)
from governance.incidents.obligations.services import reconcile_obligations
from governance.incidents.obligations.submissions import register_submission, submit_and_approve
from governance.models import Incident, ReportingObligation, TimelineEntry
from governance.permissions import Refused
from tests.clocks_support import FrozenNow, jst
from tests.incidents_support import csirt_cast, promote, report, triage

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db

AWARE = jst(2026, 12, 1, 10)


@pytest.fixture
def frozen(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 12, 3, 10))


def leak(people: dict[str, Any], department: Any, persons: str = "101", **facts: Any) -> Incident:
    event = report(people["staff_a"], personal_data="yes", persons=persons)
    incident = promote(people["csirt"], [event], department=department)
    incident = triage(people["csirt"], incident, category="misdelivery_email")
    incident = services.update_facts(
        actor=people["csirt"], incident=incident, aware_at=AWARE, **facts
    )
    incident.refresh_from_db()
    return incident


def get(incident: Incident, recipient: str, stage: str) -> ReportingObligation:
    return ReportingObligation.objects.select_related("deadline").get(
        incident=incident, recipient=recipient, stage=stage
    )


def publication(incident: Incident) -> ReportingObligation:
    return get(incident, "publication_decision", "decision")


def notice(incident: Incident) -> ReportingObligation:
    return get(incident, "individual_notice", "notice")


def test_publishing_is_a_sealed_decision_that_settles_the_obligation(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = leak(people, dept_a)
    assert incident.severity == "L3"
    record = decide_publication(
        actor=people["ciso"], incident=incident, choice="publish", reason="101人の漏えいのため"
    )
    obligation = publication(incident)
    assert obligation.status == "decided" and obligation.get_status_display() == "判断済"
    assert obligation.deadline is not None and obligation.deadline.status == "met"
    assert record.decision == "incident.publication_publish"
    assert record.decision_label == "公表の判断（公表する）"
    assert record.subject_id == str(obligation.pk) and record.reason == "101人の漏えいのため"
    assert {"code": "ciso", "label": "最高情報セキュリティ責任者（CISO）"} in (
        record.decided_by_roles
    )
    facts = {fact["label"]: fact["value"] for fact in record.inputs["facts"]}
    # The facts shown: the obligation as it stood (pending) and the count it was decided on.
    assert facts["公表の判断"].startswith("要・未提出") and facts["本人の数"] == "101"
    event = AuditEvent.objects.get(pk=record.audit_event_id)
    assert event.changes["decision_snapshot"][1] == record.snapshot_sha256
    assert verify_decision_seals().ok
    assert AuditEvent.objects.filter(action="obligation.decide", object_id=str(obligation.pk))
    assert TimelineEntry.objects.filter(incident=incident, text__contains="公表の判断: 公表する")
    # A later fact change never reopens a decided obligation.
    services.update_facts(actor=people["csirt"], incident=incident, pd_persons="150")
    reconcile_obligations(actor=people["csirt"], incident=incident)
    assert publication(incident).status == "decided"


@pytest.mark.parametrize(
    ("choice", "notice_choice", "reason", "message"),
    [
        ("publish", "notify", "   ", "判断の理由を入力してください"),
        ("maybe", "publish", "理由", "判断の内容を選んでください"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_nothing_changes(
    csirt_cast, dept_a, frozen, choice, notice_choice, reason, message
) -> None:
    incident = leak(csirt_cast, dept_a)
    events = AuditEvent.objects.count()
    with pytest.raises(ValueError, match=message):
        decide_publication(
            actor=csirt_cast["ciso"], incident=incident, choice=choice, reason=reason
        )
    with pytest.raises(ValueError, match=message):
        decide_individual_notice(
            actor=csirt_cast["ciso"], incident=incident, choice=notice_choice, reason=reason
        )
    assert publication(incident).status == "pending" and notice(incident).status == "pending"
    assert not DecisionRecord.objects.filter(case_id=incident.pk, decision__contains="publication")
    assert AuditEvent.objects.count() == events


def test_the_ciso_decides_at_l3_and_a_lead_below(csirt_cast, dept_a, frozen) -> None:
    people = csirt_cast
    incident = leak(people, dept_a)
    for who in ("lead", "csirt", "staff_a", "auditor"):
        with pytest.raises(Refused):
            decide_publication(actor=people[who], incident=incident, choice="publish", reason="x")
    assert publication(incident).status == "pending"
    # An L2 leak (one person's health data, lowered by the lead): the lead decides.
    other = leak(people, dept_a, persons="1", pd_sensitive=True)
    services.set_severity(actor=people["lead"], incident=other, level="L2", reason="影響軽微")
    other.refresh_from_db()
    with pytest.raises(Refused):
        decide_publication(actor=people["csirt"], incident=other, choice="publish", reason="x")
    record = decide_publication(
        actor=people["lead"], incident=other, choice="not_publish", reason="本人1名に個別対応"
    )
    assert record.decision == "incident.publication_not_publish"
    assert record.sod["role"] == "csirt_lead"
    with pytest.raises(ValueError, match="判断済"):
        decide_publication(actor=people["lead"], incident=other, choice="publish", reason="再考")


def test_the_notice_is_replaced_by_publication_only_after_publishing(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    incident = leak(people, dept_a)
    with pytest.raises(ValueError, match="先に公表の判断で「公表する」"):
        decide_individual_notice(
            actor=people["ciso"], incident=incident, choice="replaced_by_publication", reason="x"
        )
    assert notice(incident).status == "pending"
    decide_publication(actor=people["ciso"], incident=incident, choice="publish", reason="公表")
    record = decide_individual_notice(
        actor=people["ciso"],
        incident=incident,
        choice="replaced_by_publication",
        reason="送付先の住所が不明で通知が困難",
    )
    assert record.decision == "incident.notice_replaced_by_publication"
    facts = {fact["label"]: fact["value"] for fact in record.inputs["facts"]}
    assert facts["公表の判断の判断"].startswith("公表の判断（公表する）")
    found = notice(incident)
    assert found.status == "decided"
    assert found.deadline is not None and found.deadline.status == "met"


def test_a_notice_not_required_waives_its_clock_and_notify_keeps_it_owed(
    csirt_cast, dept_a, frozen
) -> None:
    people = csirt_cast
    first = leak(people, dept_a)
    decide_individual_notice(
        actor=people["ciso"], incident=first, choice="not_required", reason="不開示情報を含む"
    )
    found = notice(first)
    assert found.status == "decided"
    assert found.deadline is not None and found.deadline.status == "waived"
    assert found.deadline.waived_reason == "不開示情報を含む"
    second = leak(people, dept_a)
    record = decide_individual_notice(
        actor=people["ciso"], incident=second, choice="notify", reason="全員に郵送する"
    )
    assert record.decision == "incident.notice_notify"
    assert notice(second).status == "pending"  # owed until the notice sent is registered
    submit_and_approve(
        actor=people["csirt"],
        approver=people["ciso"],
        incident=second,
        obligations=[notice(second)],
        submitted_at=jst(2026, 12, 3, 9),
        method="paper",
    )
    assert notice(second).status == "submitted"


def test_the_publication_decision_is_not_a_submission(csirt_cast, dept_a, frozen) -> None:
    incident = leak(csirt_cast, dept_a)
    with pytest.raises(ValueError, match="公表の判断は提出ではありません"):
        register_submission(
            actor=csirt_cast["csirt"],
            incident=incident,
            obligations=[publication(incident)],
            submitted_at=jst(2026, 12, 2, 9),
            method="paper",
        )
    assert publication(incident).status == "pending"


def test_an_exercise_records_no_decision(csirt_cast, dept_a, frozen) -> None:
    incident = leak(csirt_cast, dept_a)
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    incident.refresh_from_db()
    with pytest.raises(ValueError, match="訓練"):
        decide_publication(
            actor=csirt_cast["ciso"], incident=incident, choice="publish", reason="x"
        )
    assert publication(incident).status == "pending"


def test_the_card_decides_on_the_page_and_the_trace_lists_it(
    csirt_cast, dept_a, frozen, login
) -> None:
    people = csirt_cast
    incident = leak(people, dept_a)
    url = reverse("incidents:incident", args=[incident.pk])
    member = login(people["csirt"]).get(url).content.decode()
    assert 'id="publication-decisions"' in member and 'id="publication-decision-form"' not in member
    # The submission form no longer offers the publication decision.
    assert f'name="obligations" value="{publication(incident).pk}"' not in member
    ciso = login(people["ciso"])
    page = ciso.get(url).content.decode()
    assert 'id="publication-decision-form"' in page and 'id="decision-facts"' in page
    empty = ciso.post(url, {"action": "publication_decision", "choice": "publish", "reason": ""})
    assert empty.status_code == 200 and publication(incident).status == "pending"
    assert "このフィールドは必須です" in empty.content.decode()
    too_early = ciso.post(
        url, {"action": "notice_decision", "choice": "replaced_by_publication", "reason": "困難"}
    )
    assert too_early.status_code == 200
    assert "先に公表の判断で「公表する」" in too_early.content.decode()
    assert notice(incident).status == "pending"
    done = ciso.post(
        url, {"action": "publication_decision", "choice": "publish", "reason": "101人の漏えい"}
    )
    assert done.status_code == 302 and publication(incident).status == "decided"
    html = ciso.get(url).content.decode()
    assert 'id="publication-record"' in html and "101人の漏えい" in html
    assert 'id="publication-decision-form"' not in html
    trace = ciso.get(reverse("home:case_trace", args=[incident.pk])).content.decode()
    assert "公表の判断（公表する）" in trace

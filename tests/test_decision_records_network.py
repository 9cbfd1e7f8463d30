"""Every human decision of the network connection approval and of a CSIRT incident leaves one
sealed decision record with its code, the role the person decided as, the reason and what the
page showed; ``verify_audit`` still passes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from forms import network as nc_forms
from governance.decisions.services import verify_decision_seals
from governance.incidents import services as incident_services
from governance.models import DecisionRecord, Incident
from governance.network import services
from tests import network_support as nc
from tests.incidents_support import _dismissed, _l3_reviewed, csirt_cast, promote, triage
from workflows import driver
from workflows.incident import IncidentFlow
from workflows.network_connection import NetworkConnectionFlow as Flow

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db


def _records(case: Any) -> list[DecisionRecord]:
    return list(DecisionRecord.objects.filter(case_id=case.pk).order_by("decided_at", "pk"))


def _role(record: DecisionRecord) -> str:
    return str(record.sod["role"])


def _sealed() -> None:
    assert verify_decision_seals().ok
    call_command("verify_audit")


def test_every_decision_of_a_connection_case_is_recorded(nc_cast: Any, system: Any) -> None:
    staff = nc_cast["staff_a"]
    connection = nc.through_every_step(
        nc_cast, staff, system, title="公開サーバ", hostname="web-dr01", condition="パッチ適用"
    )
    records = _records(connection)
    kinds = [(r.decision, _role(r)) for r in records]
    assert kinds == [
        ("network.security_return", "security_reviewer"),
        ("network.security_review", "security_reviewer"),
        ("network.technical_review", "network_admin"),
        ("network.approve_with_conditions", "governance_approver"),
        ("network.ciso_approve", "ciso"),
    ]
    returned = records[0]
    assert returned.reason == "通信先を確認してください。"
    assert returned.decided_by == nc_cast["security"]
    approval = records[3]
    assert approval.decision_label == "接続の条件付き承認"
    labels = [fact["label"] for fact in approval.inputs["facts"]]
    assert "承認条件1" in labels
    assert any(label.startswith("指摘") for label in labels)
    assert approval.inputs["case"]["title"] == "公開サーバ"
    _sealed()


def test_return_reject_and_ciso_refusal_are_recorded(nc_cast: Any, system: Any) -> None:
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    nc.approve(connection, nc_cast["approver"], decision="return", comment="再確認を。")
    connection = nc.step(
        connection, Flow.security_review, nc_cast["security"], nc_forms.security_review_data()
    )
    connection = nc.step(
        connection, Flow.network_review, nc_cast["netadmin"], nc_forms.network_review_data()
    )
    nc.approve(connection, nc_cast["approver"], decision="reject", comment="必要性が不明です。")
    decisions = [(r.decision, _role(r), r.reason) for r in _records(connection)]
    assert ("network.approval_return", "governance_approver", "再確認を。") in decisions
    assert ("network.reject", "governance_approver", "必要性が不明です。") in decisions

    public = nc.review_through(
        nc.apply(nc_cast["staff_a"], system, **nc.public_values("公開", "web-x01")), nc_cast
    )
    public = nc.approve(public, nc_cast["approver"])
    assert public.requires_ciso
    nc.step(
        public,
        Flow.ciso_approve,
        nc_cast["ciso"],
        nc_forms.ciso_data(approve=False, comment="不可"),
    )
    last = _records(public)[-1]
    assert (last.decision, _role(last), last.reason) == ("network.ciso_reject", "ciso", "不可")
    _sealed()


def test_suspension_restoration_and_revocation_are_recorded(nc_cast: Any, system: Any) -> None:
    approval = nc.approved(nc_cast, system)
    services.suspend_approvals(actor=nc_cast["netadmin"], approval=approval, reason="不審な通信")
    services.restore_approval(actor=nc_cast["approver"], approval=approval, reason="誤検知")
    services.revoke_approval(actor=nc_cast["approver"], approval=approval, reason="規程違反")
    tail = [(r.decision, _role(r), r.reason) for r in _records(approval.case)][-3:]
    assert tail == [
        ("network.approval.suspend", "network_admin", "不審な通信"),
        ("network.approval.restore", "governance_approver", "誤検知"),
        ("network.approval.revoke", "governance_approver", "規程違反"),
    ]
    revoked = _records(approval.case)[-1]
    assert revoked.subject_type == "governance.connectionapproval"
    assert revoked.subject_id == str(approval.pk)
    _sealed()


def test_every_decision_of_an_incident_is_recorded(csirt_cast: Any, dept_a: Any) -> None:
    people = csirt_cast
    incident = _l3_reviewed(people["csirt"], people["lead"], people["ciso"], dept_a, "標的型")
    driver.complete(
        incident.process,
        IncidentFlow.ciso_closure,
        user=people["ciso"],
        data={"decision": "approve", "comment": "了承"},
    )
    kinds = [(r.decision, _role(r)) for r in _records(incident)]
    assert len(kinds) > 3
    assert kinds[0] == ("incident.triage", "csirt_member")
    assert kinds[-2:] == [
        ("incident.closure_reviewed", "csirt_lead"),
        ("incident.ciso_close", "ciso"),
    ]
    # An L3 owes the 総務省 report (and the CISO report): its content, approved by the CISO for
    # L3-L4 (§B.8), is settled before closure; so is the 公表 decision, the CISO's at L3.
    settled = kinds[1:-2]
    assert settled.count(("incident.publication_not_publish", "ciso")) == 1
    assert ("incident.submission_approve", "ciso") in settled
    assert set(settled) == {
        ("incident.submission_approve", "ciso"),
        ("incident.publication_not_publish", "ciso"),
    }
    triaged = _records(incident)[0]
    facts = {fact["label"]: fact["value"] for fact in triaged.inputs["facts"]}
    assert facts["重大度"] == "L3"
    assert triaged.inputs["case"]["functional_impact"] == "high"
    assert _records(incident)[-1].reason == "了承"

    other = triage(
        people["csirt"], promote(people["csirt"], [], department=dept_a), category="other"
    )
    incident_services.set_severity(actor=people["csirt"], incident=other, level="L2", reason="拡大")
    record = _records(other)[-1]
    assert (record.decision, _role(record), record.reason) == (
        "incident.severity_override",
        "csirt_member",
        "拡大",
    )
    _sealed()


def test_a_dismissal_and_its_confirmation_are_recorded(csirt_cast: Any, dept_a: Any) -> None:
    people = csirt_cast
    incident = _dismissed(people["csirt"], people["staff_a"], dept_a, "誤送信")
    driver.complete(
        incident.process,
        IncidentFlow.confirm_dismissal,
        user=people["lead2"],
        data={"decision": "approve"},
    )
    kinds = [(r.decision, _role(r), r.reason) for r in _records(incident)]
    assert kinds == [
        ("incident.triage_dismiss", "csirt_member", "benign"),
        ("incident.dismiss", "csirt_lead", "benign"),
    ]
    assert Incident.objects.get(pk=incident.pk).status == "closed"
    _sealed()

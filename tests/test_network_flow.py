"""A network connection moves department → automatic checks → security review ⇄ department →
technical check → approver (→ CISO) → approval → connection → acknowledgement, every step
through its own page and service with its audit event, and everyone who must not act at a step
is refused there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group

from forms import network as nc_forms
from governance import permissions, permissions_network
from governance.clocks.services import open_deadline_for
from governance.models import (
    AdvisoryDocument,
    ApprovalStatus,
    AuditEvent,
    CaseStatus,
    ConnectionApproval,
    ConnectionFinding,
    ConnectionReview,
    DeadlineKind,
    DeadlineStatus,
    MonitoringEnrolment,
    Outcome,
    Proposal,
    RuleKey,
)
from governance.network import messages as msg
from governance.network import services
from governance.roles import Role
from tests import network_support as nc
from workflows import driver
from workflows.driver import StepRefused
from workflows.network_connection import NetworkConnectionFlow as Flow

pytestmark = pytest.mark.django_db

PUBLIC = {
    "segment": "internet",
    "internet_exposure": "inbound_public",
    "flows": [nc_forms.flow_row("any", "web01", "443", direction="inbound", purpose="公開")],
}


def actions_of(case: Any) -> list[str]:
    """The case's audit trail, without viewflow's own task assignments and the seals of the
    decision records (tests/test_decision_records_network.py)."""
    return list(
        AuditEvent.objects.filter(case_id=case.pk)
        .exclude(action__startswith="task.")
        .exclude(action="decision.record")
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def execute_url(task: Any) -> str:
    return str(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


def assign_url(task: Any) -> str:
    return str(task.flow_task.reverse("assign", args=[task.process_id, task.pk]))


def test_a_connection_goes_from_application_to_an_acknowledged_approval(
    frozen_now: Any, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    connection = nc.apply(nc_cast["staff_a"], system)
    assert connection.status == CaseStatus.UNDER_REVIEW
    assert connection.number == "NC-2026-0001"
    review_clock = open_deadline_for(connection, DeadlineKind.NC_REVIEW)
    assert review_clock is not None and review_clock.status == DeadlineStatus.RUNNING
    assert review_clock.holder_role == Role.SECURITY_REVIEWER

    connection = nc.review_through(connection, nc_cast)
    assert connection.reviewer == nc_cast["security"]
    assert connection.network_admin == nc_cast["netadmin"]
    connection = nc.approve(connection, nc_cast["approver"])
    assert connection.status == CaseStatus.APPROVED
    assert connection.outcome == Outcome.APPROVED
    review_clock.refresh_from_db()
    assert review_clock.status == DeadlineStatus.MET

    approval = ConnectionApproval.objects.get(case=connection)
    assert approval.status == ApprovalStatus.APPROVED_PENDING_CONNECTION
    run_jobs()
    assert approval.document is not None and approval.document.versions.count() == 1
    approval = nc.connect_and_acknowledge(connection, nc_cast)
    assert approval.status == ApprovalStatus.ACTIVE
    assert actions_of(connection) == [
        "network.submit",
        "deadline.start",
        "network.precheck",
        "network.security_review",
        "network.technical_review",
        "deadline.meet",
        "network.approve",
        "document.request",
        "deadline.start",
        "deadline.start",
        "network.issue_approval",
        "document.generate",
        "deadline.meet",
        "network.approval.connect",
        "network.connect",
        "network.acknowledge",
    ]
    assert nc.fresh(connection).process.status == "DONE"  # type: ignore[union-attr]  # a started case has one


def test_a_send_back_pauses_the_review_clock_until_the_department_resubmits(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    connection = nc.apply(nc_cast["staff_a"], system)
    with pytest.raises(StepRefused, match=msg.MESSAGE_REQUIRED):
        nc.step(
            connection,
            Flow.security_review,
            nc_cast["security"],
            nc_forms.security_review_data(send_back=True),
        )
    connection = nc.step(
        connection,
        Flow.security_review,
        nc_cast["security"],
        nc_forms.security_review_data(send_back=True, message="通信先を限定してください。"),
    )
    assert connection.status == CaseStatus.RETURNED
    clock = open_deadline_for(connection, DeadlineKind.NC_REVIEW)
    assert clock is not None and clock.paused_at is not None
    task = driver.open_task(connection.process, Flow.revise)
    assert task.owner == nc_cast["staff_a"]

    revised = nc.application(system, flows=[nc_forms.flow_row("web01", "10.0.1.0/24", "443")])
    connection = nc.step(
        connection,
        Flow.revise,
        nc_cast["staff_a"],
        nc_forms.revise_data(answer="通信先を 10.0.1.0/24 に限定しました。", application=revised),
    )
    assert connection.status == CaseStatus.UNDER_REVIEW
    assert list(connection.flows.values_list("destination", flat=True)) == ["10.0.1.0/24"]
    clock.refresh_from_db()
    assert clock.paused_at is None
    # The security reviewer of the first round keeps the case.
    assert driver.open_task(connection.process, Flow.security_review).owner == nc_cast["security"]
    assert "network.revise" in actions_of(connection)


def test_the_department_may_withdraw_a_returned_application(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    connection = nc.apply(nc_cast["staff_a"], system)
    connection = nc.step(
        connection,
        Flow.security_review,
        nc_cast["security"],
        nc_forms.security_review_data(send_back=True, message="構成図が不足しています。"),
    )
    data = nc_forms.revise_data(
        answer="調達を見送ります。", application=nc.application(system), withdraw=True
    )
    connection = nc.step(connection, Flow.revise, nc_cast["staff_a"], data)
    assert connection.status == CaseStatus.WITHDRAWN
    assert open_deadline_for(connection, DeadlineKind.NC_REVIEW) is None
    assert nc.fresh(connection).process.status == "DONE"  # type: ignore[union-attr]  # a started case has one


def test_the_reviewer_must_decide_every_prefilled_finding_and_dismissing_needs_a_reason(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    connection = nc.apply(nc_cast["staff_a"], system, global_ip=True)
    finding = ConnectionFinding.objects.get(case=connection, check_code="vulnerability_scan")
    assert finding.proposal == Proposal.PENDING
    assert finding.proposed_condition == "プラットフォーム診断の受診"
    with pytest.raises(StepRefused, match="未判断の自動確認結果が 1 件"):
        nc.step(
            connection, Flow.security_review, nc_cast["security"], nc_forms.security_review_data()
        )
    with pytest.raises(StepRefused, match=msg.DISMISS_REASON_REQUIRED):
        driver.act(
            connection.process,
            Flow.security_review,
            user=nc_cast["security"],
            data=nc_forms.dismiss_data(finding, ""),
        )
    driver.act(
        connection.process,
        Flow.security_review,
        user=nc_cast["security"],
        data=nc_forms.dismiss_data(finding, "診断は全庁一括で受診済み"),
    )
    finding.refresh_from_db()
    assert (finding.proposal, finding.decision_note) == (
        Proposal.DISMISSED,
        "診断は全庁一括で受診済み",
    )
    assert finding.decided_by == nc_cast["security"]
    nc.step(connection, Flow.security_review, nc_cast["security"], nc_forms.security_review_data())


def test_a_public_server_is_routed_to_the_ciso_with_the_rule_version_recorded(
    frozen_now: Any, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    MonitoringEnrolment.objects.create(system=system, service="web_malware", enrolled=True)
    connection = nc.apply(nc_cast["staff_a"], system, **PUBLIC)
    assert connection.requires_ciso is True
    assert "インターネットへの公開" in connection.routing_reason
    assert connection.rule is not None and connection.rule.key == RuleKey.NC_CISO_ROUTING
    connection = nc.review_through(connection, nc_cast)
    connection = nc.approve(connection, nc_cast["approver"])
    assert connection.status == CaseStatus.AWAITING_APPROVAL
    task = driver.open_task(connection.process, Flow.ciso_approve)
    assert task.owner_permission == "governance.act_as_ciso"
    run_jobs()
    assert not ConnectionApproval.objects.filter(case=connection).exists()
    assert not AdvisoryDocument.objects.filter(case=connection).exists()
    # The queue offers it to the CISO, not to the approver or the security reviewer.
    from governance.cases.selectors import queue_tasks

    assert task in queue_tasks(nc_cast["ciso"])
    assert task not in queue_tasks(nc_cast["approver"])
    connection = nc.step(connection, Flow.ciso_approve, nc_cast["ciso"], nc_forms.ciso_data())
    assert connection.ciso == nc_cast["ciso"]
    assert connection.status == CaseStatus.APPROVED
    assert ConnectionApproval.objects.filter(case=connection).exists()


def test_the_same_person_as_approver_and_ciso_is_refused_the_second_step(
    frozen_now: Any, nc_cast: Any, system: Any, login: Any
) -> None:
    both = nc_cast["approver"]
    both.groups.add(Group.objects.get(name=Role.CISO))
    MonitoringEnrolment.objects.create(system=system, service="web_malware", enrolled=True)
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system, **PUBLIC), nc_cast)
    connection = nc.approve(connection, both)
    task = driver.open_task(connection.process, Flow.ciso_approve)
    assert login(both).post(assign_url(task)).status_code == 403
    with pytest.raises(
        permissions.PermissionDenied, match=permissions_network.APPROVER_CANNOT_BE_CISO
    ):
        services.ciso_decide(actor=both, connection=connection, approve=True)
    connection = nc.step(connection, Flow.ciso_approve, nc_cast["ciso"], nc_forms.ciso_data())
    assert connection.status == CaseStatus.APPROVED


def test_the_security_reviewer_is_refused_the_approval_of_a_case_they_reviewed(
    frozen_now: Any, nc_cast: Any, system: Any, login: Any
) -> None:
    reviewer = nc_cast["security"]
    reviewer.groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    task = driver.open_task(connection.process, Flow.approve)
    assert login(reviewer).post(assign_url(task)).status_code == 403
    with pytest.raises(permissions.PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        services.approve_connection(actor=reviewer, connection=connection, decision="approve")


def test_a_security_reviewer_of_an_earlier_round_is_refused_the_approval(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    first = nc_cast["security2"]
    connection = nc.apply(nc_cast["staff_a"], system)
    driver.assign(driver.open_task(connection.process, Flow.security_review), user=first)
    connection = nc.step(
        connection,
        Flow.security_review,
        first,
        nc_forms.security_review_data(send_back=True, message="用途を詳しく。"),
    )
    # The first reviewer moves to the approvers' desk; the next round goes to the queue.
    first.groups.remove(Group.objects.get(name=Role.SECURITY_REVIEWER))
    first.groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    first = type(first).objects.get(pk=first.pk)
    connection = nc.step(
        connection,
        Flow.revise,
        nc_cast["staff_a"],
        nc_forms.revise_data(answer="追記しました。", application=nc.application(system)),
    )
    assert driver.open_task(connection.process, Flow.security_review).owner is None
    connection = nc.step(
        connection, Flow.security_review, nc_cast["security"], nc_forms.security_review_data()
    )
    connection = nc.step(
        connection, Flow.network_review, nc_cast["netadmin"], nc_forms.network_review_data()
    )
    assert connection.reviewer == nc_cast["security"]
    assert ConnectionReview.objects.filter(connection=connection, reviewer=first).exists()
    with pytest.raises(permissions.PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        services.approve_connection(actor=first, connection=connection, decision="approve")
    from governance.cases.selectors import queue_tasks

    assert not queue_tasks(first).filter(flow_task=Flow.approve).exists()
    assert queue_tasks(nc_cast["approver"]).filter(flow_task=Flow.approve).exists()


def test_the_network_admin_is_refused_the_approval_of_a_case_they_checked(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    admin = nc_cast["netadmin"]
    admin.groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    with pytest.raises(
        permissions.PermissionDenied, match=permissions_network.NETWORK_ADMIN_CANNOT_APPROVE
    ):
        services.approve_connection(actor=admin, connection=connection, decision="approve")


def test_the_requester_is_refused_the_security_review_of_their_own_application(
    frozen_now: Any, nc_cast: Any, system: Any, login: Any
) -> None:
    requester = nc_cast["staff_a"]
    requester.groups.add(Group.objects.get(name=Role.SECURITY_REVIEWER))
    connection = nc.apply(requester, system)
    task = driver.open_task(connection.process, Flow.security_review)
    assert login(requester).post(assign_url(task)).status_code == 403
    with pytest.raises(permissions.PermissionDenied, match=permissions.REQUESTER_CANNOT_REVIEW):
        services.add_finding(
            actor=requester, connection=connection, perspective="segment", text="x"
        )


def test_the_approver_may_send_the_case_back_to_the_security_reviewer(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    with pytest.raises(StepRefused, match=msg.REASON_REQUIRED):
        nc.approve(connection, nc_cast["approver"], decision="return")
    connection = nc.approve(
        connection, nc_cast["approver"], decision="return", comment="ログの方針を確認して"
    )
    assert connection.status == CaseStatus.UNDER_REVIEW
    assert driver.open_task(connection.process, Flow.security_review).owner == nc_cast["security"]


def test_a_rejection_closes_the_case_with_a_notice_of_rejection(
    frozen_now: Any, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    connection = nc.approve(
        connection, nc_cast["approver"], decision="reject", comment="目的が不明確です。"
    )
    assert (connection.status, connection.outcome) == (CaseStatus.CLOSED, Outcome.REJECTED)
    run_jobs()
    document = AdvisoryDocument.objects.get(case=connection)
    assert document.template == services.REJECTION_TEMPLATE
    assert not ConnectionApproval.objects.filter(case=connection).exists()
    assert nc.fresh(connection).process.status == "DONE"  # type: ignore[union-attr]  # a started case has one


def test_conditional_approval_needs_a_condition_with_a_due_date(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    with pytest.raises(StepRefused, match=msg.CONDITIONS_REQUIRED):
        nc.approve(connection, nc_cast["approver"], decision="approve_with_conditions")
    with pytest.raises(StepRefused, match="条件1: 履行期限を入力してください"):
        nc.approve(
            connection,
            nc_cast["approver"],
            decision="approve_with_conditions",
            conditions=[{"text": "ログを1年保存すること"}],
        )
    connection = nc.approve(
        connection,
        nc_cast["approver"],
        decision="approve_with_conditions",
        conditions=[{"text": "ログを1年保存すること", "due_date": "令和8年11月30日"}],
    )
    condition = connection.connectionconditions.get()
    assert condition.due_date == dt.date(2026, 11, 30)
    clock = open_deadline_for(condition, DeadlineKind.NC_CONDITION)
    assert clock is not None and clock.holder_role == Role.DEPARTMENT_STAFF


def test_other_departments_get_404_and_the_auditor_reads_but_every_post_is_refused(
    frozen_now: Any, nc_cast: Any, system: Any, login: Any
) -> None:
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    case_page = f"/home/cases/{connection.pk}/"
    assert login(nc_cast["staff_b"]).get(case_page).status_code == 404
    auditor = login(nc_cast["auditor"])
    page = auditor.get(case_page, follow=True)
    assert page.status_code == 200
    assert "shinsa-task-action" not in page.content.decode()
    task = driver.open_task(connection.process, Flow.approve)
    assert auditor.post(assign_url(task)).status_code == 403
    with pytest.raises(permissions.PermissionDenied, match=permissions.AUDITORS_NEVER_ACT):
        services.approve_connection(
            actor=nc_cast["auditor"], connection=connection, decision="approve"
        )
    for name in ("security", "netadmin", "ciso", "csirt"):
        assert login(nc_cast[name]).get(case_page, follow=True).status_code == 200, name
    assert login(nc_cast["staff_b"]).post(assign_url(task)).status_code == 403


def test_the_network_roles_read_network_cases_but_not_other_kinds(
    frozen_now: Any, nc_cast: Any, system: Any
) -> None:
    from tests.clocks_support import review_case

    connection = nc.apply(nc_cast["staff_a"], system)
    other = review_case(nc_cast["staff_a"])
    for name in ("security", "netadmin", "ciso", "csirt"):
        user = nc_cast[name]
        assert permissions.can_view_case(user, connection), name
        assert not permissions.can_view_case(user, other), name

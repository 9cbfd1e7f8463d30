"""代理: while a delegation runs, the tasks a flow assigns to the person go to their delegate
(never to a delegate that segregation of duties refuses); the person or an approver sets it,
audited; an approver reassigns an open task with a reason, audited and checked in the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from governance.audit.models import AuditEvent
from governance.cases.services import assignments
from governance.models import Delegation, InformationSystem, Notification
from governance.roles import Role
from tests import budget_support as support
from tests.factories import InformationSystemFactory, make_user
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(dept_a: Any) -> InformationSystem:
    return InformationSystemFactory.create(department=dept_a)


def _today() -> dt.date:
    return timezone.localdate()


def _delegate(cast: Any, *, actor: str = "reviewer", delegate: str = "reviewer2") -> Delegation:
    return assignments.set_delegation(
        actor=cast[actor],
        principal=cast["reviewer"],
        delegate=cast[delegate],
        starts_on=_today(),
        ends_on=_today() + dt.timedelta(days=5),
        reason="夏季休暇",
    )


def test_a_task_assigned_during_the_delegation_goes_to_the_delegate(cast: Any, system: Any) -> None:
    _delegate(cast)
    check = support.start(cast["staff_a"], system)
    task = support.open_task(check, BudgetCheckFlow.review)
    assert task.owner == cast["reviewer2"]
    event = AuditEvent.objects.get(action="task.delegate")
    assert event.changes["owner"] == ["reviewer", "reviewer2"]
    assert Notification.objects.filter(recipient=cast["reviewer2"], case=check).exists()
    assert not Notification.objects.filter(recipient=cast["reviewer"], case=check).exists()


def test_before_and_after_the_period_and_once_ended_the_task_stays_with_the_person(
    cast: Any, system: Any
) -> None:
    assignments.set_delegation(
        actor=cast["reviewer"],
        principal=cast["reviewer"],
        delegate=cast["reviewer2"],
        starts_on=_today() + dt.timedelta(days=1),
        ends_on=_today() + dt.timedelta(days=3),
        reason="出張",
    )
    first = support.start(cast["staff_a"], system)
    assert support.open_task(first, BudgetCheckFlow.review).owner == cast["reviewer"]
    running = _delegate_today(cast)
    assignments.end_delegation(actor=cast["reviewer"], delegation=running)
    assert AuditEvent.objects.filter(action="delegation.end").count() == 1
    second = support.start(
        cast["staff_a"], InformationSystemFactory.create(department=first.department)
    )
    assert support.open_task(second, BudgetCheckFlow.review).owner == cast["reviewer"]


def _delegate_today(cast: Any) -> Delegation:
    return assignments.set_delegation(
        actor=cast["approver"],
        principal=cast["reviewer"],
        delegate=cast["reviewer2"],
        starts_on=_today(),
        ends_on=_today(),
        reason="急病",
    )


def test_a_delegate_who_requested_the_case_is_passed_over(cast: Any, system: Any) -> None:
    # The delegate holds the reviewer role and department staff's: they request the case.
    both = make_user("both", Role.GOVERNANCE_REVIEWER, system.department)
    both.groups.add(*cast["staff_a"].groups.all())
    assignments.set_delegation(
        actor=cast["approver"],
        principal=cast["reviewer"],
        delegate=both,
        starts_on=_today(),
        ends_on=_today(),
        reason="研修",
    )
    check = support.start(both, system)
    assert support.open_task(check, BudgetCheckFlow.review).owner == cast["reviewer"]
    assert not AuditEvent.objects.filter(action="task.delegate").exists()


def test_the_person_or_an_approver_sets_a_delegation_and_it_is_audited(cast: Any) -> None:
    own = _delegate(cast)
    event = AuditEvent.objects.get(action="delegation.set")
    assert event.actor_id == cast["reviewer"].pk and event.reason == "夏季休暇"
    assert Notification.objects.filter(
        recipient=cast["reviewer2"], subject__contains="代理"
    ).exists()
    assignments.end_delegation(actor=cast["approver"], delegation=own)
    _delegate(cast, actor="approver")
    assert AuditEvent.objects.filter(action="delegation.set", actor_id=cast["approver"].pk).exists()


@pytest.mark.parametrize("actor", ["reviewer2", "staff_a", "auditor"])
def test_anyone_else_setting_someones_delegation_is_refused(cast: Any, actor: str) -> None:
    with pytest.raises(PermissionDenied):
        _delegate(cast, actor=actor)
    assert not Delegation.objects.exists()


def test_a_delegate_without_the_persons_role_or_overlapping_periods_are_refused(
    cast: Any,
) -> None:
    with pytest.raises(PermissionDenied, match="役割"):
        _delegate(cast, delegate="staff_a")
    _delegate(cast)
    with pytest.raises(PermissionDenied, match="既に代理"):
        _delegate(cast)
    assert Delegation.objects.count() == 1


def test_the_delegation_page_sets_one_for_oneself(cast: Any, login: Any) -> None:
    client = login(cast["reviewer"])
    assert client.get("/home/delegations/").status_code == 200
    response = client.post(
        "/home/delegations/",
        {
            "delegate": cast["reviewer2"].pk,
            "starts_on": _today().isoformat(),
            "ends_on": (_today() + dt.timedelta(days=2)).isoformat(),
            "reason": "夏季休暇",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    delegation = Delegation.objects.get()
    assert (delegation.principal, delegation.delegate) == (cast["reviewer"], cast["reviewer2"])
    html = client.get("/home/delegations/").content.decode()
    assert "夏季休暇" in html and "代理中" in html


def test_an_auditor_cannot_post_a_delegation(cast: Any, login: Any) -> None:
    response = login(cast["auditor"]).post("/home/delegations/", {"reason": "x"})
    assert response.status_code == 403
    assert not Delegation.objects.exists()


def test_an_approver_reassigns_an_open_task_with_a_reason(
    cast: Any, system: Any, login: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    task = support.open_task(check, BudgetCheckFlow.review)
    client = login(cast["approver"])
    case_page = client.get(f"/home/cases/{check.pk}/", follow=True).content.decode()
    assert f"/home/tasks/{task.pk}/reassign/" in case_page
    page = client.get(f"/home/tasks/{task.pk}/reassign/").content.decode()
    assert "担当者の変更" in page
    response = client.post(
        f"/home/tasks/{task.pk}/reassign/", {"to_user": cast["reviewer2"].pk, "reason": "病気休暇"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == cast["reviewer2"]
    event = AuditEvent.objects.get(action="task.reassign")
    assert event.changes["owner"] == ["reviewer", "reviewer2"] and event.reason == "病気休暇"
    assert Notification.objects.filter(recipient=cast["reviewer2"], subject__contains="担当変更")


@pytest.mark.parametrize("actor", ["reviewer", "reviewer2", "staff_a", "auditor"])
def test_reassigning_by_anyone_but_an_approver_is_refused(
    cast: Any, system: Any, login: Any, actor: str
) -> None:
    check = support.start(cast["staff_a"], system)
    task = support.open_task(check, BudgetCheckFlow.review)
    response = login(cast[actor]).post(
        f"/home/tasks/{task.pk}/reassign/", {"to_user": cast["reviewer2"].pk, "reason": "x"}
    )
    assert response.status_code in (403, 404)
    with pytest.raises(PermissionDenied), task.activation() as activation:
        assignments.reassign_task(
            actor=cast[actor], activation=activation, to_user=cast["reviewer2"], reason="x"
        )
    task.refresh_from_db()
    assert task.owner == cast["reviewer"]


def test_a_task_is_never_reassigned_to_someone_segregation_of_duties_refuses(
    cast: Any, system: Any
) -> None:
    # The requester holds the reviewer role too: they may not review their own case.
    cast["staff_a"].groups.add(*cast["reviewer2"].groups.all())
    check = support.start(cast["staff_a"], system)
    task = support.open_task(check, BudgetCheckFlow.review)
    assert cast["staff_a"] not in assignments.reassign_candidates(task)
    with pytest.raises(PermissionDenied, match="担当できません"), task.activation() as activation:
        assignments.reassign_task(
            actor=cast["approver"], activation=activation, to_user=cast["staff_a"], reason="x"
        )
    with pytest.raises(PermissionDenied, match="理由"), task.activation() as activation:
        assignments.reassign_task(
            actor=cast["approver"], activation=activation, to_user=cast["reviewer2"], reason=" "
        )
    task.refresh_from_db()
    assert task.owner == cast["reviewer"]
    assert not AuditEvent.objects.filter(action="task.reassign").exists()


def test_an_approval_waiting_in_the_queue_can_be_handed_to_an_approver(
    cast: Any, system: Any
) -> None:
    second = make_user("approver2", Role.GOVERNANCE_APPROVER)
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    task = support.open_task(check, BudgetCheckFlow.approve)
    assert task.owner is None
    # The reviewer of the case is no candidate for its approval.
    assert cast["reviewer"] not in assignments.reassign_candidates(task)
    with task.activation() as activation:
        assignments.reassign_task(
            actor=cast["approver"], activation=activation, to_user=second, reason="担当決裁者"
        )
    task.refresh_from_db()
    assert task.owner == second and task.status == "ASSIGNED"

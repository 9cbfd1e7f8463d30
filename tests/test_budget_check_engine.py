"""The budget-check flow, driven through viewflow activations and the services alone, visits
its nodes in order, routes each step to the right holder, and ends."""

from __future__ import annotations

from typing import Any

import pytest
from viewflow.workflow.status import STATUS

from forms import budget as budget_forms
from governance.budget import services
from governance.models import BudgetCheck, CaseStatus
from tests import budget_support as support
from tests.factories import InformationSystemFactory
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db


def _open(check: BudgetCheck) -> list[tuple[str, str | None]]:
    assert check.process is not None
    return [
        (task.flow_task.name, task.owner.username if task.owner else None)
        for task in check.process.task_set.filter(
            status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ).select_related("owner")
    ]


def test_flow_runs_through_every_node_via_activations_and_services(cast: Any, dept_a: Any) -> None:
    staff, reviewer, approver = cast["staff_a"], cast["reviewer"], cast["approver"]
    check = support.start(staff, InformationSystemFactory.create(department=dept_a))
    assert _open(check) == [("review", "reviewer")]

    check = support.step(
        check,
        BudgetCheckFlow.review,
        reviewer,
        budget_forms.review_data(questions="？"),
    )
    assert (check.status, _open(check)) == (CaseStatus.RETURNED, [("answer_questions", "staff_a")])

    check = support.step(
        check,
        BudgetCheckFlow.answer_questions,
        staff,
        budget_forms.resubmit_data(answer="回答", facts=support.facts(running_cost=1)),
    )
    assert (check.status, _open(check)) == (CaseStatus.UNDER_REVIEW, [("review", "reviewer")])

    check = support.drive_to_approval(check, reviewer)
    assert (check.status, _open(check)) == (CaseStatus.AWAITING_APPROVAL, [("approve", None)])

    check = support.step(
        check,
        BudgetCheckFlow.approve,
        approver,
        budget_forms.approval_data(approve=False, comment="期限を見直してください。"),
    )
    assert (check.status, _open(check)) == (CaseStatus.UNDER_REVIEW, [("review", "reviewer")])

    check = support.drive_to_approval(check, reviewer)
    check = support.step(
        check,
        BudgetCheckFlow.approve,
        approver,
        budget_forms.approval_data(),
    )
    assert (check.status, _open(check)) == (
        CaseStatus.AWAITING_ACKNOWLEDGEMENT,
        [("acknowledge", "staff_a")],
    )

    check = support.step(
        check,
        BudgetCheckFlow.acknowledge,
        staff,
        budget_forms.acknowledge_data(),
    )
    assert check.status == CaseStatus.CLOSED
    assert check.process is not None
    assert check.process.status == "DONE"
    visited = list(
        check.process.task_set.order_by("created", "pk").values_list("flow_task", flat=True)
    )
    assert [node.name for node in visited] == [
        "start",
        "review",
        "review_decision",
        "answer_questions",
        "review",
        "review_decision",
        "approve",
        "approval_decision",
        "review",
        "review_decision",
        "approve",
        "approval_decision",
        "acknowledge",
        "end",
    ]


def test_review_goes_to_the_queue_without_a_liaison_and_back_to_whoever_took_it(
    cast: Any, dept_a: Any
) -> None:
    dept_a.liaison = None
    dept_a.save()
    check = support.start(cast["staff_a"], InformationSystemFactory.create(department=dept_a))
    assert _open(check) == [("review", None)]
    check = support.step(
        check,
        BudgetCheckFlow.review,
        cast["reviewer2"],
        budget_forms.review_data(questions="？"),
    )
    check = support.step(
        check,
        BudgetCheckFlow.answer_questions,
        cast["staff_a"],
        budget_forms.resubmit_data(answer="回答", facts=support.facts()),
    )
    assert _open(check) == [("review", "reviewer2")]


def test_steps_of_a_departed_person_go_to_the_queue(cast: Any, dept_a: Any) -> None:
    check = support.start(cast["staff_a"], InformationSystemFactory.create(department=dept_a))
    cast["staff_a"].is_active = False
    cast["staff_a"].save()
    check = support.step(
        check,
        BudgetCheckFlow.review,
        cast["reviewer"],
        budget_forms.review_data(questions="？"),
    )
    # Any colleague of the department can pick the answer up.
    assert _open(check) == [("answer_questions", None)]
    support.step(
        check,
        BudgetCheckFlow.answer_questions,
        cast["staff_a2"],
        budget_forms.resubmit_data(answer="回答", facts=support.facts()),
    )


def test_a_step_in_the_wrong_state_is_refused_by_the_service(cast: Any, dept_a: Any) -> None:
    check = support.start(cast["staff_a"], InformationSystemFactory.create(department=dept_a))
    with pytest.raises(ValueError, match="現在の状態: 受付"):
        services.approve_budget_check(actor=cast["approver"], budget_check=check)
    with pytest.raises(ValueError, match="現在の状態: 受付"):
        services.acknowledge_budget_check(actor=cast["staff_a"], budget_check=check)
    check.refresh_from_db()
    assert check.status == CaseStatus.SUBMITTED

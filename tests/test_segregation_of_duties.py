"""Nobody who reviewed a case in any round approves it, in any flow: the service, the step pages
and the approval queue all refuse them, whatever roles they hold today."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forms import budget as budget_forms
from governance import permissions
from governance.budget import services
from governance.cases import selectors
from governance.consultation.services import answer_consultation, open_consultation
from governance.models import BudgetCheck, CaseStatus
from governance.roles import Role
from tests import budget_support as support
from tests.factories import InformationSystemFactory, make_user
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(dept_a: Any) -> Any:
    return InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )


@pytest.fixture
def both(cast: Any, dept_a: Any) -> Any:
    """A governance reviewer who also holds the approver role, liaison of department A."""
    user = make_user("both", Role.GOVERNANCE_REVIEWER)
    user.groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    dept_a.liaison = user
    dept_a.save()
    return user


def _give_back(client: Client, task: Any) -> None:
    """「担当を外す」: the task returns to the governance queue."""
    url = task.flow_task.reverse("unassign", args=[task.process_id, task.pk])
    assert client.post(url).status_code == 302


def _sent_back_by(check: BudgetCheck, reviewer: Any, requester: Any) -> BudgetCheck:
    """``reviewer`` sends the request back with questions; the department answers."""
    check = support.step(
        check, BudgetCheckFlow.review, reviewer, budget_forms.review_data(questions="内訳は？")
    )
    return support.step(
        check,
        BudgetCheckFlow.answer_questions,
        requester,
        budget_forms.resubmit_data(answer="保守費です。", facts=support.facts()),
    )


def _result_returned(
    check: BudgetCheck, reviewer: Any, requester: Any, approver: Any
) -> BudgetCheck:
    """``reviewer`` records a result; the approver returns it to the review."""
    check = support.drive_to_approval(check, reviewer)
    return support.step(
        check,
        BudgetCheckFlow.approve,
        approver,
        budget_forms.approval_data(approve=False, comment="指導事項の期限を見直してください。"),
    )


@pytest.mark.parametrize(
    "first_round", [_sent_back_by, _result_returned], ids=["sent_back", "result_returned"]
)
def test_a_reviewer_of_an_earlier_round_holding_the_approver_role_may_not_approve(
    cast: Any, login: Any, system: Any, both: Any, first_round: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    if first_round is _sent_back_by:
        check = _sent_back_by(check, both, cast["staff_a"])
    else:
        check = _result_returned(check, both, cast["staff_a"], cast["approver"])
    # The review comes back to ``both``, who gives it back; a second reviewer records the
    # final result and becomes the reviewer of record.
    review = support.open_task(check, BudgetCheckFlow.review)
    assert review.owner == both
    client = login(both)
    _give_back(client, review)
    check = support.drive_to_approval(check, cast["reviewer2"])
    assert (check.status, check.reviewer) == (CaseStatus.AWAITING_APPROVAL, cast["reviewer2"])
    approval = support.open_task(check, BudgetCheckFlow.approve)

    # The service refuses, on its own and under its lock.
    with pytest.raises(PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        services.approve_budget_check(actor=both, budget_check=check)
    with pytest.raises(PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        services.return_budget_check_to_reviewer(actor=both, budget_check=check, reason="？")
    # The step pages refuse: taking the task, and opening or posting its form.
    assert client.post(support.assign_url(approval)).status_code == 403
    assert client.get(support.execute_url(approval)).status_code == 403
    assert (
        client.post(support.execute_url(approval), budget_forms.approval_data()).status_code == 403
    )
    # The queues never offer it: the kernel's, the home page's and the flow's own queue page.
    assert approval not in selectors.queue_tasks(both)
    home = client.get("/home/")
    assert approval.pk not in [
        task.pk for task in home.context["queue"].rows + home.context["inbox"].rows
    ]
    task_link = f'href="/budgetcheck/{approval.process_id}/approve/{approval.pk}/"'
    assert task_link not in client.get("/budgetcheck/queue/").content.decode()
    check.refresh_from_db()
    assert (check.status, check.approver) == (CaseStatus.AWAITING_APPROVAL, None)

    # An approver who took no part is offered the task and approves.
    approver = login(cast["approver"])
    assert approval in selectors.queue_tasks(cast["approver"])
    assert task_link in approver.get("/budgetcheck/queue/").content.decode()
    check = support.step(
        check, BudgetCheckFlow.approve, cast["approver"], budget_forms.approval_data()
    )
    assert (check.status, check.approver) == (
        CaseStatus.AWAITING_ACKNOWLEDGEMENT,
        cast["approver"],
    )


def test_a_role_granted_today_does_not_let_a_reviewer_approve_a_case_they_reviewed(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    check = _sent_back_by(check, cast["reviewer"], cast["staff_a"])
    _give_back(login(cast["reviewer"]), support.open_task(check, BudgetCheckFlow.review))
    check = support.drive_to_approval(check, cast["reviewer2"])
    approval = support.open_task(check, BudgetCheckFlow.approve)
    # The reviewer of the first round is made an approver after the fact.
    cast["reviewer"].groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    granted = type(cast["reviewer"]).objects.get(pk=cast["reviewer"].pk)  # fresh role cache
    with pytest.raises(PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        services.approve_budget_check(actor=granted, budget_check=check)
    assert login(granted).post(support.assign_url(approval)).status_code == 403
    assert approval not in selectors.queue_tasks(granted)


def test_a_liaison_who_gave_the_review_back_untouched_may_still_approve(
    cast: Any, login: Any, system: Any, both: Any
) -> None:
    """Taking and giving back a task is not reviewing: the rule names reviewing acts, so an
    approver who was routed the review and passed it on is not shut out."""
    check = support.start(cast["staff_a"], system)
    review = support.open_task(check, BudgetCheckFlow.review)
    assert review.owner == both
    _give_back(login(both), review)
    check = support.drive_to_approval(check, cast["reviewer"])
    approval = support.open_task(check, BudgetCheckFlow.approve)
    assert approval in selectors.queue_tasks(both)
    check = support.step(check, BudgetCheckFlow.approve, both, budget_forms.approval_data())
    assert check.approver == both


def test_whether_someone_reviewed_is_asked_once_per_case_until_a_service_writes(
    cast: Any, both: Any
) -> None:
    """A step's page and its service ask about the same case object: one query. Any audited
    write since (here an answer recorded on that very object) makes it ask again."""
    consultation = open_consultation(actor=cast["staff_a"], title="相談", question="内容")
    with CaptureQueriesContext(connection) as captured:
        assert not permissions.has_reviewed(both, consultation)
        assert not permissions.has_reviewed(both, consultation)
    assert len(captured) == 1
    answer_consultation(actor=both, consultation=consultation, answer="回答")
    assert permissions.has_reviewed(both, consultation)


def test_answering_a_consultation_makes_a_reviewer_of_it_for_every_flow_alike(
    cast: Any, both: Any
) -> None:
    """Consultations have no approval today; the rule is the kernel's, so a flow that gains
    one is already covered."""
    consultation = open_consultation(actor=cast["staff_a"], title="相談", question="内容")
    assert not permissions.has_reviewed(both, consultation)
    answer_consultation(actor=both, consultation=consultation, answer="回答")
    consultation.reviewer = None  # not even the reviewer of record: the trail decides
    assert permissions.has_reviewed(both, consultation)
    assert (
        permissions.segregation_error(both, consultation, Role.GOVERNANCE_APPROVER)
        == permissions.REVIEWER_CANNOT_APPROVE
    )

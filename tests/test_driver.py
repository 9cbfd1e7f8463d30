"""The headless flow driver does a step only as the browser would: same permission checks,
segregation of duties, form, service and audit event, and changes nothing when it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from viewflow.workflow.status import STATUS

from forms import budget as budget_forms
from governance.models import AuditEvent, BudgetCheck, Case, CaseStatus, Consultation, User
from governance.roles import Role
from tests import budget_support as support
from tests.factories import InformationSystemFactory, make_user
from workflows import driver
from workflows.budget_check import BudgetCheckFlow
from workflows.consultation import ConsultationFlow

pytestmark = pytest.mark.django_db

QUESTION = {"title": "クラウド移行の相談", "question": "移行の進め方を教えてください。"}


def test_starting_a_flow_creates_the_case_through_its_service_with_an_audit_event(
    cast: dict[str, User],
) -> None:
    process = driver.start(ConsultationFlow, user=cast["staff_a"], data=QUESTION)
    consultation = Consultation.objects.get(process_id=process.pk)
    assert consultation.requester == cast["staff_a"]
    assert consultation.title == QUESTION["title"]
    assert AuditEvent.objects.filter(case_id=consultation.pk, actor=cast["staff_a"]).exists()
    task = driver.open_task(process, ConsultationFlow.answer)
    assert task.owner == cast["reviewer"]  # the department's liaison, as in the browser


def test_a_user_who_may_not_start_the_flow_is_refused_and_nothing_is_created(
    cast: dict[str, User],
) -> None:
    with pytest.raises(PermissionDenied):
        driver.start(ConsultationFlow, user=cast["reviewer"], data=QUESTION)
    assert not Case.objects.exists()


def test_invalid_data_is_refused_with_the_form_errors_and_nothing_is_created(
    cast: dict[str, User],
) -> None:
    with pytest.raises(driver.StepRefused) as refused:
        driver.start(ConsultationFlow, user=cast["staff_a"], data={"title": "件名だけ"})
    assert any("相談内容" in error for error in refused.value.errors)
    assert isinstance(refused.value, ValueError)
    assert not Case.objects.exists()


def test_completing_a_step_runs_its_service_and_the_flow_moves_on(cast: dict[str, User]) -> None:
    process = driver.start(ConsultationFlow, user=cast["staff_a"], data=QUESTION)
    task = driver.complete(
        process, ConsultationFlow.answer, user=cast["reviewer"], data={"answer": "段階的に。"}
    )
    assert task.status == STATUS.DONE
    consultation = Consultation.objects.get(process_id=process.pk)
    assert consultation.status == CaseStatus.AWAITING_ACKNOWLEDGEMENT
    assert list(consultation.messages.order_by("pk").values_list("body", "author")) == [
        (QUESTION["question"], cast["staff_a"].pk),
        ("段階的に。", cast["reviewer"].pk),
    ]
    assert driver.open_task(process, ConsultationFlow.close).owner == cast["staff_a"]


def test_a_step_assigned_to_someone_else_is_refused_to_another_user(
    cast: dict[str, User],
) -> None:
    process = driver.start(ConsultationFlow, user=cast["staff_a"], data=QUESTION)
    with pytest.raises(PermissionDenied):
        driver.complete(
            process, ConsultationFlow.answer, user=cast["reviewer2"], data={"answer": "x"}
        )
    with pytest.raises(PermissionDenied):
        driver.complete(process, ConsultationFlow.answer, user=cast["auditor"], data={})
    task = driver.open_task(process, ConsultationFlow.answer)
    assert (task.status, task.owner) == (STATUS.ASSIGNED, cast["reviewer"])
    assert Consultation.objects.get(process_id=process.pk).messages.count() == 1


def test_a_task_in_a_queue_is_picked_up_first_and_segregation_of_duties_holds(
    cast: dict[str, User], dept_a: Any
) -> None:
    both = make_user("both", Role.GOVERNANCE_REVIEWER)
    both.groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    dept_a.liaison = both
    dept_a.save()
    system = InformationSystemFactory.create(department=dept_a)
    check = support.drive_to_approval(support.start(cast["staff_a"], system), both)
    with pytest.raises(PermissionDenied):
        driver.complete(
            check.process, BudgetCheckFlow.approve, user=both, data=budget_forms.approval_data()
        )
    assert BudgetCheck.objects.get(pk=check.pk).status == CaseStatus.AWAITING_APPROVAL
    task = driver.complete(
        check.process,
        BudgetCheckFlow.approve,
        user=cast["approver"],
        data=budget_forms.approval_data(),
    )
    assert task.owner == cast["approver"]
    assert BudgetCheck.objects.get(pk=check.pk).approver == cast["approver"]


def test_a_refusal_by_the_service_is_raised_with_its_message_and_rolled_back(
    cast: dict[str, User], dept_a: Any
) -> None:
    system = InformationSystemFactory.create(department=dept_a)
    check = support.start(cast["staff_a"], system)
    events = AuditEvent.objects.count()
    # The form accepts a record without guidance items; the service refuses it.
    data = budget_forms.review_data(
        checklist=support.CHECKLIST_OK, result=BudgetCheck.Result.CONFIRMED_WITH_GUIDANCE
    )
    with pytest.raises(driver.StepRefused) as refused:
        driver.complete(check.process, BudgetCheckFlow.review, user=cast["reviewer"], data=data)
    assert str(refused.value)
    assert AuditEvent.objects.count() == events
    assert BudgetCheck.objects.get(pk=check.pk).status == check.status

"""A budget check's step reads its case once, under the case's row lock, and its service takes
that read instead of locking and reading it again, only while the lock's transaction stands
and no service has written since."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from forms import budget as budget_forms
from governance import writes
from governance.cases.services import locked
from governance.models import BudgetCheck
from tests import budget_support as support
from tests.factories import InformationSystemFactory
from workflows import driver
from workflows.base import case_of
from workflows.budget_check import BudgetCheckFlow
from workflows.models import CaseProcess

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(cast: dict[str, Any], dept_a: Any) -> BudgetCheck:
    return support.start(cast["staff_a"], InformationSystemFactory.create(department=dept_a))


def _fresh_process(check: BudgetCheck) -> CaseProcess:
    return CaseProcess.objects.get(pk=check.process_id)


def test_the_service_takes_a_copy_of_the_case_read_under_lock_without_reading_it(
    check: BudgetCheck, django_assert_num_queries: Any
) -> None:
    with transaction.atomic():
        case = case_of(_fresh_process(check), lock=True)
        assert isinstance(case, BudgetCheck)
        with django_assert_num_queries(0):
            taken = locked(case, BudgetCheck)
        assert taken is not case and taken.pk == case.pk and taken.status == case.status
        taken.review_notes = "書きかけ"
        assert case.review_notes != "書きかけ"  # a refused service leaves the page's case as read


def test_after_a_service_wrote_the_case_is_read_again_under_lock(
    check: BudgetCheck, django_assert_num_queries: Any
) -> None:
    with transaction.atomic():
        case = case_of(_fresh_process(check), lock=True)
        assert case is not None
        writes.count_appended()  # what every audited write does
        with django_assert_num_queries(1):
            locked(case, BudgetCheck)


def test_a_case_read_in_an_atomic_block_already_left_is_read_again(
    check: BudgetCheck, django_assert_num_queries: Any
) -> None:
    with transaction.atomic():
        case = case_of(_fresh_process(check), lock=True)
        assert case is not None
    with transaction.atomic(), django_assert_num_queries(1):
        locked(case, BudgetCheck)


def test_another_copy_of_the_case_is_read_again(
    check: BudgetCheck, django_assert_num_queries: Any
) -> None:
    with transaction.atomic():
        case_of(_fresh_process(check), lock=True)
        other = BudgetCheck.objects.get(pk=check.pk)
        with django_assert_num_queries(1):
            locked(other, BudgetCheck)


def test_the_review_step_reads_its_case_once_and_under_lock_on_postgresql(
    cast: dict[str, Any], check: BudgetCheck
) -> None:
    data = budget_forms.review_data(
        checklist=support.CHECKLIST_OK,
        result="confirmed_with_guidance",
        guidance=[support.GuidanceDraft(text="見積を比較すること", due_date=support.in_days(90))],
    )
    with CaptureQueriesContext(connection) as captured:
        driver.complete(check.process, BudgetCheckFlow.review, user=cast["reviewer"], data=data)
    case_reads = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "governance_case"."id"') and "FROM" in q["sql"]
    ]
    assert len(case_reads) == 1, case_reads
    if connection.vendor == "postgresql":
        assert 'FOR UPDATE OF "governance_budgetcheck", "governance_case"' in case_reads[0]


def test_a_gateway_that_fails_leaves_the_whole_step_undone(
    cast: dict[str, Any], check: BudgetCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The gateway opens no savepoint of its own (CaseIf): its failure rolls the step back.
    def broken(activation: Any) -> bool:
        raise RuntimeError("gateway failed")

    monkeypatch.setattr(BudgetCheckFlow.review_decision, "_condition", broken)
    data = budget_forms.review_data(
        checklist=support.CHECKLIST_OK,
        result="confirmed_with_guidance",
        guidance=[support.GuidanceDraft(text="見積を比較すること", due_date=support.in_days(90))],
    )
    with pytest.raises(RuntimeError, match="gateway failed"):
        driver.complete(check.process, BudgetCheckFlow.review, user=cast["reviewer"], data=data)
    check.refresh_from_db()
    assert check.status == "submitted"
    assert not check.guidanceitems.exists()
    assert driver.open_task(check.process, BudgetCheckFlow.review).status in ("NEW", "ASSIGNED")

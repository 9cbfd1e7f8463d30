"""The audit chain's lock and last event are taken once per atomic block that records several
events (``governance.writes``), and never outlive the block: a rolled-back savepoint, a released
one and a committed transaction each make the next event read the chain's tail again."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from governance.audit.services import record_event, verify_chain
from governance.models import AuditEvent, Department

pytestmark = pytest.mark.django_db


def _event(obj: Any, index: int) -> AuditEvent:
    return record_event(actor=None, action="test.change", obj=obj, changes={"n": [index, index]})


def _tail_reads(captured: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in captured.captured_queries
        if 'FROM "governance_auditevent"' in query["sql"] and "DESC" in query["sql"]
    )


@pytest.fixture
def department() -> Department:
    return Department.objects.create(code="notes", name="記録部")


def test_a_second_event_in_the_same_block_uses_the_first_one_as_its_tail(
    department: Department,
) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        first = _event(department, 1)
        second = _event(department, 2)
    assert _tail_reads(captured) == 1
    assert (second.sequence, second.prev_hash) == (first.sequence + 1, first.hash)
    assert verify_chain().ok


def test_an_event_rolled_back_with_its_savepoint_is_not_the_next_ones_tail(
    department: Department,
) -> None:
    with transaction.atomic():
        first = _event(department, 1)
        with pytest.raises(RuntimeError), transaction.atomic():
            _event(department, 2)
            raise RuntimeError("the step failed")
        with CaptureQueriesContext(connection) as captured:
            third = _event(department, 3)
    assert _tail_reads(captured) == 1
    assert (third.sequence, third.prev_hash) == (first.sequence + 1, first.hash)
    assert verify_chain().ok


def test_a_released_savepoint_or_a_new_transaction_reads_the_tail_again(
    department: Department,
) -> None:
    with transaction.atomic():
        _event(department, 1)  # noted inside this savepoint
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        second = _event(department, 2)
    assert _tail_reads(captured) == 1
    assert AuditEvent.objects.order_by("-sequence").first() == second
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_committed_transaction_leaves_no_tail_behind(department: Department) -> None:
    with transaction.atomic():
        _event(department, 1)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        _event(department, 2)
    assert _tail_reads(captured) == 1
    assert verify_chain().ok

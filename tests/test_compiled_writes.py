"""Rows written with kept SQL (``compiled_writes``) are the rows ``save()`` and ``bulk_create()``
write: every column, ids read back, ``auto_now`` stamped; a write that cannot be kept goes
through Django; an UPDATE of a missing row fails instead of writing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.db.models import F, Value
from django.db.models.functions import Upper
from django.utils import timezone

from governance import compiled, compiled_writes
from governance.models import BudgetCheck, CaseStatus, Job, Notification
from tests.factories import InformationSystemFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_compiled")]


def _notice(cast: dict[str, Any], n: int, **values: Any) -> Notification:
    return Notification(
        recipient=cast["reviewer"], subject=f"件名{n}", body="本文", dedupe_key=f"k{n}", **values
    )


FIELDS = ("recipient_id", "case_id", "subject", "body", "url", "dedupe_key", "in_digest")


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_several_new_rows_are_written_as_bulk_create_writes_them(
    cast: dict[str, Any], rows: int
) -> None:
    for round_ in range(2):  # the first compiles and keeps the INSERT, the second runs it kept
        made = compiled_writes.create_many(
            Notification,
            [_notice(cast, 10 * round_ + n, in_digest=n % 2 == 0) for n in range(rows)],
        )
        assert len({notice.pk for notice in made}) == rows
        for notice in made:
            assert not notice._state.adding
            read = Notification.objects.get(pk=notice.pk)
            assert [getattr(read, f) for f in FIELDS] == [getattr(notice, f) for f in FIELDS]
            assert read.created_at == notice.created_at is not None
    key = compiled.query_key("insert", "governance.Notification", rows)
    assert compiled._get(key) is not None


def test_rows_with_their_own_ids_and_json_are_written_with_them(cast: dict[str, Any]) -> None:
    now = timezone.now()
    jobs = [
        Job(kind="send_email", payload={"notification_id": n, "名前": "値"}, available_at=now)
        for n in range(3)
    ]
    made = compiled_writes.create_many(Job, jobs)
    assert made == jobs
    read = {job.pk: job for job in Job.objects.filter(pk__in=[job.pk for job in jobs])}
    assert [read[job.pk].payload for job in jobs] == [job.payload for job in jobs]
    assert all(read[job.pk].available_at == now for job in jobs)


def test_a_value_that_is_an_expression_is_written_through_django(cast: dict[str, Any]) -> None:
    first = compiled_writes.create_many(Notification, [_notice(cast, 1)])[0]
    second = _notice(cast, 2)
    second.subject = Upper(Value("abc"))  # an expression: the kept INSERT cannot take it
    assert compiled_writes.insert_many([second]) is False
    assert second.pk is None
    compiled_writes.insert(second)  # falls back to save()
    assert Notification.objects.get(pk=second.pk).subject == "ABC"
    assert first.pk != second.pk


def _budget_check(cast: dict[str, Any]) -> BudgetCheck:
    system = InformationSystemFactory.create(department=cast["staff_a"].department)
    return BudgetCheck.objects.create(
        kind="budget_check",
        fiscal_year=2027,
        sequence=1,
        number="BC-2027-0001",
        title="予算確認",
        department=system.department,
        system=system,
        requester=cast["staff_a"],
        status=CaseStatus.SUBMITTED,
        initial_cost=1,
        running_cost=2,
    )


def test_an_update_writes_the_named_columns_of_both_tables(cast: dict[str, Any]) -> None:
    check = _budget_check(cast)
    before = BudgetCheck.objects.get(pk=check.pk)
    check.status = CaseStatus.AWAITING_APPROVAL  # governance_case
    check.approver = cast["approver"]  # governance_case
    check.approved_at = timezone.now()  # governance_budgetcheck
    check.initial_cost = 999  # not named: stays as stored
    compiled_writes.update(check, ["status", "approver", "approved_at", "updated_at"])
    read = BudgetCheck.objects.get(pk=check.pk)
    assert read.status == CaseStatus.AWAITING_APPROVAL
    assert read.approver_id == cast["approver"].pk
    assert read.approved_at == check.approved_at
    assert read.initial_cost == 1
    assert read.updated_at > before.updated_at  # auto_now stamped, as save() does


def test_an_update_of_every_column_is_a_save(cast: dict[str, Any]) -> None:
    check = _budget_check(cast)
    check.initial_cost = 5_000_000
    check.review_notes = "所見"
    check.reviewer = cast["reviewer"]
    compiled_writes.update(check)
    read = BudgetCheck.objects.get(pk=check.pk)
    assert (read.initial_cost, read.review_notes, read.reviewer_id) == (
        5_000_000,
        "所見",
        cast["reviewer"].pk,
    )


def test_an_update_with_an_expression_is_saved_through_django(cast: dict[str, Any]) -> None:
    check = _budget_check(cast)
    check.initial_cost = F("initial_cost") + 10
    compiled_writes.update(check, ["initial_cost"])
    assert BudgetCheck.objects.get(pk=check.pk).initial_cost == 11


def test_a_wrong_column_name_is_refused_as_save_refuses_it(cast: dict[str, Any]) -> None:
    check = _budget_check(cast)
    with pytest.raises(ValueError):
        compiled_writes.update(check, ["status", "no_such_column"])


def test_an_update_of_a_row_that_is_gone_fails_and_marks_the_transaction(
    cast: dict[str, Any],
) -> None:
    check = _budget_check(cast)
    BudgetCheck.objects.filter(pk=check.pk).delete()
    check.status = CaseStatus.CLOSED
    with pytest.raises(DatabaseError), transaction.atomic():
        compiled_writes.update(check, ["status"])


def test_an_unsaved_related_object_is_refused_as_bulk_create_refuses_it(
    cast: dict[str, Any],
) -> None:
    from governance.models import User

    unsaved = User(username="not-saved")
    notice = Notification(recipient=unsaved, subject="件名")
    with pytest.raises(ValueError, match="unsaved related object"):
        compiled_writes.create_many(Notification, [notice])
    assert not Notification.objects.filter(subject="件名").exists()

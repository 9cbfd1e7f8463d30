"""Queries kept with their ids bound (``compiled.bound_values``, ``bound_models``) read what
the queryset itself would, for every id put in, and are kept only where the ids are all the
SQL takes from them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q

from governance import compiled, compiled_writes
from governance.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_compiled")]


def _people(first_pk: int, second_pk: int) -> Any:
    # The same id twice and a constant beside them: each put back where it belongs.
    return (
        User.objects.filter(Q(pk=first_pk) | Q(pk=second_pk) | Q(username="nobody"))
        .select_related("department")
        .order_by("username")
    )


def test_kept_models_read_the_rows_of_the_ids_put_in(cast: dict[str, Any]) -> None:
    key = compiled.query_key("test_people")
    for first, second in (("reviewer", "approver"), ("staff_a", "auditor"), ("staff_b", "staff_b")):
        found = compiled.bound_models(key, _people, (cast[first].pk, cast[second].pk))
        assert found == list(_people(cast[first].pk, cast[second].pk))
        assert all("department" in user._state.fields_cache for user in found)
        assert compiled._get(key) is not None
    assert compiled.bound_models(key, _people, (-1, -2)) == []


def test_kept_values_read_the_rows_of_the_ids_put_in(cast: dict[str, Any]) -> None:
    key = compiled.query_key("test_usernames")

    def names(pk: int) -> Any:
        return User.objects.filter(pk=pk).values_list("username", "is_active")

    for name in ("reviewer", "approver", "auditor"):
        assert compiled.bound_values(key, names, (cast[name].pk,)) == [(name, True)]
    assert compiled._get(key) is not None


def test_a_query_whose_sql_depends_on_more_than_the_ids_is_not_kept(
    cast: dict[str, Any],
) -> None:
    key = compiled.query_key("test_shape")

    def shaped(pk: int) -> Any:  # takes more than the id as it is: never kept
        return User.objects.filter(Q(pk=pk) | Q(pk=pk + 1)).values_list("pk")

    compiled.bound_values(key, shaped, (cast["reviewer"].pk,))
    assert compiled._get(key) is None
    # Not an int id (None): run as it is, nothing kept.
    assert compiled.bound_models(key, lambda pk: User.objects.filter(pk=pk), (None,)) == []
    assert compiled._get(key) is None


def test_a_kept_locking_query_reads_in_its_transaction(cast: dict[str, Any]) -> None:
    key = compiled.query_key("test_lock")

    def locked(pk: int) -> Any:
        return User.objects.select_for_update().filter(pk=pk)

    with transaction.atomic():
        assert (
            compiled.bound_models(key, locked, (cast["reviewer"].pk,))[0].pk == cast["reviewer"].pk
        )
    assert compiled._get(key) is not None
    with transaction.atomic():
        assert compiled.bound_models(key, locked, (cast["staff_a"].pk,))[0].pk == cast["staff_a"].pk


def test_a_positive_int_column_compared_with_a_bound_value_is_kept() -> None:
    from governance.rules.models import DocumentSettings

    key = compiled.query_key("test_positive")

    def since(year: int) -> Any:  # effective_from is a PositiveIntegerField
        return DocumentSettings.objects.filter(effective_from__lte=year).order_by("-effective_from")

    compiled.bound_models(key, since, (2026,))
    assert compiled._get(key) is not None


def test_a_kept_insert_writes_the_row_save_writes(cast: dict[str, Any]) -> None:
    from governance.models import Notification

    def notice(n: int) -> Any:
        return Notification(recipient=cast["reviewer"], subject=f"件名{n}", dedupe_key=f"k{n}")

    saved = notice(0)
    saved.save(force_insert=True)
    for n in (1, 2):  # the first compiles and keeps the INSERT, the second runs it as kept
        made = notice(n)
        compiled_writes.insert(made)
        assert made.pk is not None and made.pk != saved.pk
        assert not made._state.adding
        assert made.created_at is not None  # auto_now_add stamped by pre_save
        read = Notification.objects.get(pk=made.pk)
        fields = ("recipient_id", "case_id", "subject", "body", "dedupe_key", "in_digest")
        assert [getattr(read, f) for f in fields] == [getattr(made, f) for f in fields]
        assert read.created_at == made.created_at
    assert compiled._get(compiled.query_key("insert", "governance.Notification", 1)) is not None

"""The audit chain detects every modification, deletion, reordering, forged insertion and
emptying, and on PostgreSQL the database itself refuses UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from governance.audit.services import GENESIS_HASH, compute_hash, record_event, verify_chain
from governance.models import AuditEvent, Department

pytestmark = pytest.mark.django_db


def write_events(count: int, actor: Any = None) -> list[AuditEvent]:
    department = Department.objects.create(code="audit-test", name="監査試験部")
    events = []
    for index in range(count):
        with transaction.atomic():
            events.append(
                record_event(
                    actor=actor,
                    action="test.change",
                    obj=department,
                    changes={"value": [index, index + 1], "名前": ["旧", "新"]},
                    reason=f"理由 {index}",
                )
            )
    return events


@contextmanager
def as_attacker() -> Iterator[Any]:
    """Someone with raw write access to the table (on PostgreSQL, a superuser who switches the
    guard triggers off for their session)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")


def test_an_untouched_chain_verifies() -> None:
    write_events(5)
    report = verify_chain()
    assert report.ok
    assert report.verified == 5
    assert report.head_sequence == 5
    assert report.head_hash == AuditEvent.objects.get(sequence=5).hash


def test_events_are_chained_to_their_predecessor() -> None:
    events = write_events(3)
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert [e.sequence for e in events] == [1, 2, 3]


def test_recording_outside_a_transaction_is_refused() -> None:
    department = Department.objects.create(code="x", name="x")
    # pytest-django wraps each test in a transaction; pretend it does not, to prove the guard.
    from unittest import mock

    with (
        mock.patch("governance.audit.services.connection") as outside,
        pytest.raises(RuntimeError),
    ):
        outside.in_atomic_block = False
        record_event(actor=None, action="x", obj=department)
    assert not AuditEvent.objects.exists()


def test_a_modified_event_is_detected() -> None:
    write_events(5)
    with as_attacker() as cursor:
        cursor.execute(
            "UPDATE governance_auditevent SET reason = %s WHERE sequence = 3", ["書き換え"]
        )
    report = verify_chain()
    assert not report.ok
    assert report.broken_sequence == 3
    assert report.verified == 2


def test_a_modified_change_value_is_detected() -> None:
    write_events(4)
    event = AuditEvent.objects.get(sequence=2)
    tampered = dict(event.changes)
    tampered["value"] = [0, 999]
    import json

    with as_attacker() as cursor:
        cursor.execute(
            "UPDATE governance_auditevent SET changes = %s WHERE sequence = 2",
            [json.dumps(tampered)],
        )
    report = verify_chain()
    assert not report.ok
    assert report.broken_sequence == 2


def test_a_deleted_event_is_detected() -> None:
    write_events(5)
    with as_attacker() as cursor:
        cursor.execute("DELETE FROM governance_auditevent WHERE sequence = 3")
    report = verify_chain()
    assert not report.ok
    assert report.broken_sequence == 3


def test_a_deleted_event_with_renumbered_successors_is_detected() -> None:
    write_events(5)
    with as_attacker() as cursor:
        cursor.execute("DELETE FROM governance_auditevent WHERE sequence = 3")
        cursor.execute(
            "UPDATE governance_auditevent SET sequence = sequence - 1 WHERE sequence > 3"
        )
    report = verify_chain()
    assert not report.ok
    assert report.broken_sequence == 3


def test_reordered_events_are_detected() -> None:
    write_events(5)
    with as_attacker() as cursor:
        cursor.execute("UPDATE governance_auditevent SET sequence = 1000 WHERE sequence = 2")
        cursor.execute("UPDATE governance_auditevent SET sequence = 2 WHERE sequence = 4")
        cursor.execute("UPDATE governance_auditevent SET sequence = 4 WHERE sequence = 1000")
    report = verify_chain()
    assert not report.ok
    assert report.broken_sequence == 2


def test_a_forged_event_appended_without_the_key_is_detected() -> None:
    events = write_events(3)
    last = events[-1]
    forged = AuditEvent(
        sequence=4,
        occurred_at=last.occurred_at,
        actor_id=None,
        actor_name="システム",
        action="budget_check.approve",
        object_type=last.object_type,
        object_id=last.object_id,
        object_repr=last.object_repr,
        changes={"status": ["x", "approved"]},
        reason="",
        prev_hash=last.hash,
    )
    # The forger knows the format but not AUDIT_CHAIN_KEY.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "AUDIT_CHAIN_KEY", "guessed-key")
        forged.hash = compute_hash(
            sequence=4,
            occurred_at=forged.occurred_at,
            actor_id=None,
            actor_name=forged.actor_name,
            action=forged.action,
            object_type=forged.object_type,
            object_id=forged.object_id,
            object_repr=forged.object_repr,
            case_id=None,
            changes=forged.changes,
            reason="",
            prev_hash=last.hash,
        )
    forged.save(force_insert=True)
    report = verify_chain()
    assert not report.ok
    assert report.broken_sequence == 4


def test_a_forged_event_inserted_in_the_middle_is_detected() -> None:
    events = write_events(4)
    with as_attacker() as cursor:
        cursor.execute(
            "UPDATE governance_auditevent SET sequence = sequence + 100 WHERE sequence >= 3"
        )
        cursor.execute(
            "UPDATE governance_auditevent SET sequence = sequence - 99 WHERE sequence >= 103"
        )
    AuditEvent.objects.create(
        sequence=3,
        occurred_at=events[1].occurred_at,
        actor_name="偽造者",
        action="test.forged",
        object_type="governance.department",
        object_id="1",
        object_repr="x",
        changes={},
        prev_hash=events[1].hash,
        hash="f" * 64,
    )
    report = verify_chain()
    assert not report.ok
    assert report.broken_sequence == 3


def test_verify_audit_prints_ok_with_the_number_of_events() -> None:
    from io import StringIO

    write_events(4)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().startswith("OK: 4 events verified.")


def test_verify_audit_names_the_first_broken_link_and_fails() -> None:
    write_events(4)
    with as_attacker() as cursor:
        cursor.execute("UPDATE governance_auditevent SET actor_name = 'x' WHERE sequence = 2")
    with pytest.raises(CommandError, match="BROKEN at event #2"):
        call_command("verify_audit")


def test_verify_audit_detects_a_truncated_tail_against_a_recorded_head() -> None:
    from io import StringIO

    events = write_events(4)
    head = f"{events[-1].sequence}:{events[-1].hash}"
    with as_attacker() as cursor:
        cursor.execute("DELETE FROM governance_auditevent WHERE sequence = 4")
    out = StringIO()
    call_command("verify_audit", stdout=out)  # the shortened chain is itself consistent
    with pytest.raises(CommandError, match="recorded head #4"):
        call_command("verify_audit", expect_head=head)


ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").split(":")[0] in ("postgres", "postgresql")
postgresql_only = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="the database-level guard is a PostgreSQL trigger"
)


def test_an_emptied_chain_beside_cases_is_a_failure_not_ok(cast: dict[str, Any]) -> None:
    from governance.consultation.services import open_consultation

    open_consultation(actor=cast["staff_a"], title="相談", question="内容", system=None)
    assert verify_chain().ok
    with as_attacker() as cursor:
        cursor.execute("DELETE FROM governance_auditevent")
    report = verify_chain()
    assert not report.ok
    assert report.verified == 0
    assert "案件" in report.problem
    with pytest.raises(CommandError, match="監査記録が1件もありません"):
        call_command("verify_audit")


def test_an_empty_chain_on_a_database_with_no_business_rows_is_ok(cast: dict[str, Any]) -> None:
    # Departments and users are set up without events (createsuperuser, the admin).
    report = verify_chain()
    assert report.ok
    assert report.verified == 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_truncate_of_the_audit_table_even_for_a_superuser() -> None:
    # Committed rows: a TRUNCATE in the transaction that inserted them fails for another reason.
    # The flush after this test (a TRUNCATE too) shows the suite's own way past the guard.
    write_events(2)
    for statement in (
        "TRUNCATE governance_auditevent",
        "TRUNCATE governance_case CASCADE",  # empties the audit table through its foreign key
        "TRUNCATE governance_auditanchor",
    ):
        # A bare TRUNCATE of the audit table is refused before its trigger runs once decision
        # records reference it (0018); either refusal keeps the chain.
        with (
            pytest.raises(
                DatabaseError,
                match=r"append-only: TRUNCATE refused|referenced in a foreign key constraint",
            ),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 2
    assert verify_chain().ok


@postgresql_only
def test_postgresql_refuses_update_and_delete_on_the_anchor_table() -> None:
    from governance.models import AuditAnchor

    write_events(1)
    event = AuditEvent.objects.get()
    AuditAnchor.objects.create(
        period="2026-10",
        issued_at=event.occurred_at,
        sequence=1,
        hash=event.hash,
        signature="0" * 64,
    )
    for statement in (
        "UPDATE governance_auditanchor SET sequence = 0",
        "DELETE FROM governance_auditanchor",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditAnchor.objects.get().sequence == 1


@postgresql_only
def test_postgresql_refuses_update_and_delete_on_the_audit_table() -> None:
    write_events(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=1).update(reason="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=1).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE governance_auditevent SET reason = 'x'")
    assert AuditEvent.objects.get(sequence=1).reason == "理由 0"
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    department = Department.objects.create(code="concurrent", name="並行部")
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for index in range(10):
                with transaction.atomic():
                    record_event(
                        actor=None,
                        action="test.concurrent",
                        obj=department,
                        changes={"n": [worker, index]},
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain()
    assert report.ok
    assert report.verified == 40


@pytest.mark.django_db(transaction=True)
def test_manage_py_verify_audit_exits_non_zero_on_a_broken_chain(tmp_path: Any) -> None:
    write_events(3)
    env = dict(os.environ)
    env["SHINSA_VAR_DIR"] = str(tmp_path)  # no anchor file from a demo in the checkout
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    command = [sys.executable, "manage.py", "verify_audit"]
    ok = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "OK: 3 events verified" in ok.stdout
    with as_attacker() as cursor:
        cursor.execute("UPDATE governance_auditevent SET action = 'x' WHERE sequence = 2")
    broken = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert broken.returncode != 0
    assert "BROKEN at event #2" in broken.stderr

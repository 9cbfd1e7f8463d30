"""The application's database role owns nothing: connected as it, the audit chain can only be
appended to and read, while the business tables stay writable."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from governance.app_role import APPEND_ONLY_TABLES, grant_statements
from governance.audit.services import record_event, verify_chain
from governance.models import AuditEvent, Department
from tests.test_audit import ON_POSTGRESQL, write_events

postgresql_only = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="database roles and privileges are PostgreSQL's"
)

#: What someone holding the application's credentials might try on the audit table.
ATTACKS = {
    "update": "UPDATE governance_auditevent SET reason = 'x' WHERE sequence = 1",
    "delete": "DELETE FROM governance_auditevent WHERE sequence = 2",
    "truncate": "TRUNCATE governance_auditevent",
    "truncate through a foreign key": "TRUNCATE governance_case CASCADE",
    "disable a trigger": (
        "ALTER TABLE governance_auditevent DISABLE TRIGGER governance_auditevent_no_delete"
    ),
    "disable every trigger": "ALTER TABLE governance_auditevent DISABLE TRIGGER ALL",
    "drop a trigger": "DROP TRIGGER governance_auditevent_no_update ON governance_auditevent",
    "drop the table": "DROP TABLE governance_auditevent CASCADE",
    "switch the triggers off for the session": "SET session_replication_role = replica",
    "delete an anchor": "DELETE FROM governance_auditanchor",
    "create a table": "CREATE TABLE audit_copy (id int)",
}


def test_the_grants_give_the_audit_tables_insert_and_select_only() -> None:
    statements = grant_statements(role="shinsa_app", schema="public", database="shinsa")
    tables = ", ".join(f'"public"."{table}"' for table in APPEND_ONLY_TABLES)
    assert f'GRANT SELECT, INSERT ON {tables} TO "shinsa_app"' in statements
    assert (
        f'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {tables} FROM "shinsa_app"'
        in statements
    )
    # Nothing grants ownership-like powers.
    assert not any("TRUNCATE" in s and s.startswith("GRANT") for s in statements)
    assert not any("ALL PRIVILEGES" in s or " OWNER " in s for s in statements)


@pytest.mark.django_db
def test_create_app_role_is_refused_outside_postgresql() -> None:
    if ON_POSTGRESQL:
        pytest.skip("this is the SQLite refusal")
    with pytest.raises(CommandError, match="PostgreSQL でのみ"):
        call_command("create_app_role", role="shinsa_app")


def _role_name(suffix: str) -> str:
    # Roles are cluster-wide: name them after this test database so parallel runs never meet.
    return f"{connection.settings_dict['NAME']}_{suffix}"[:63].lower()


@pytest.fixture
def app_role(transactional_db: None) -> Iterator[str]:
    role = _role_name("app")
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def connect_as(role: str) -> Any:
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=role,
        autocommit=True,
    )


@postgresql_only
def test_connected_as_the_app_role_the_audit_chain_can_only_be_appended_to_and_read(
    app_role: str,
) -> None:
    import psycopg

    out = StringIO()
    call_command("create_app_role", role=app_role, apply=True, stdout=out)
    assert out.getvalue().startswith(f"OK: {app_role} ")
    write_events(3)

    with connect_as(app_role) as app:
        assert app.execute("SELECT current_user").fetchone() == (app_role,)
        accepted = []
        for name, statement in ATTACKS.items():
            try:
                app.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                continue
            accepted.append(name)
        assert accepted == []
        assert app.execute("SELECT count(*) FROM governance_auditevent").fetchone() == (3,)
        assert app.execute("UPDATE governance_department SET name = name").rowcount == 1

    # The application itself, with this role's privileges: records an event (the advisory
    # lock, SELECT and INSERT) beside normal writes, and verifies the chain.
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{app_role}"')
    try:
        department = Department.objects.get()
        with transaction.atomic():
            department.name = "改称後の部"
            department.save()
            record_event(actor=None, action="test.as_app", obj=department)
        assert verify_chain().ok
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert AuditEvent.objects.count() == 4


@postgresql_only
def test_a_role_that_can_act_as_the_owner_is_refused_and_nothing_is_granted(
    app_role: str,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        cursor.execute(f'GRANT "{owner}" TO "{app_role}"')
    with pytest.raises(CommandError, match="メンバー"):
        call_command("create_app_role", role=app_role, apply=True)
    with connection.cursor() as cursor:
        cursor.execute(f'REVOKE "{owner}" FROM "{app_role}"')
        cursor.execute(
            "SELECT has_table_privilege(%s, 'governance_auditevent', 'INSERT')", [app_role]
        )
        assert cursor.fetchone() == (False,)


@postgresql_only
def test_a_role_with_powers_of_its_own_is_refused(app_role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER ROLE "{app_role}" CREATEDB CREATEROLE')
    with pytest.raises(CommandError, match="CREATEROLE, CREATEDB"):
        call_command("create_app_role", role=app_role, apply=True)


@postgresql_only
@pytest.mark.django_db
def test_a_missing_role_is_named_with_how_to_create_it() -> None:
    with pytest.raises(CommandError, match="createuser --pwprompt"):
        call_command("create_app_role", role=_role_name("nobody"), apply=True)

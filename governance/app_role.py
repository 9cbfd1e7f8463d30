"""The PostgreSQL role the web and worker processes use in production.

Two roles: an *owner* that owns every table and runs ``migrate``, and an *application role*
that owns nothing. The application role may read and write the business tables, but on the
audit chain (``governance_auditevent``) and its monthly anchors (``governance_auditanchor``)
only INSERT and SELECT. A table's triggers can be disabled or dropped only by its owner (or a
superuser), so with the application's credentials the database refuses UPDATE, DELETE and
TRUNCATE of the audit table twice (no privilege, and the append-only triggers), and refuses
``ALTER TABLE … DISABLE TRIGGER``, ``DROP TRIGGER`` and ``DROP TABLE`` outright.

``manage.py create_app_role --role NAME`` prints the statements below; with ``--apply`` it
first checks that the role is harmless (no superuser or role-making powers, owns nothing,
cannot act as the owner) and then runs them. Run it as the owner after every ``migrate``:
the default privileges cover tables later migrations create, and running it again is harmless.
"""

from __future__ import annotations

import re
from typing import Any

#: Tables the application role may only append to and read.
APPEND_ONLY_TABLES = ("governance_auditevent", "governance_auditanchor")

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_statements(*, role: str, schema: str, database: str) -> list[str]:
    """The statements that give ``role`` what the application needs, and nothing more."""
    r, s = _quote(role), _quote(schema)
    append_only = ", ".join(f"{s}.{_quote(table)}" for table in APPEND_ONLY_TABLES)
    return [
        f"GRANT CONNECT ON DATABASE {_quote(database)} TO {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        # PostgreSQL before 15 lets everyone create objects in public; nobody but the owner may.
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC, {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {append_only} FROM {r}",
        f"GRANT SELECT, INSERT ON {append_only} TO {r}",
        # Tables that later migrations create (as this owner) are readable and writable.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE"
        f" ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]


def role_problems(cursor: Any, role: str) -> list[str]:
    """Why ``role`` is not fit to be the application role (empty if it is)."""
    cursor.execute(
        "SELECT oid, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication"
        " FROM pg_roles WHERE rolname = %s",
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        return [
            f"ロール {role} がありません。PostgreSQL の管理者で作成してください"
            f"（createuser --pwprompt {role}）。"
        ]
    oid, superuser, createrole, createdb, bypassrls, replication = row
    problems = []
    powers = {
        "SUPERUSER": superuser,
        "CREATEROLE": createrole,
        "CREATEDB": createdb,
        "BYPASSRLS": bypassrls,
        "REPLICATION": replication,
    }
    held = [name for name, value in powers.items() if value]
    if held:
        problems.append(f"ロール {role} に {', '.join(held)} 権限があります。")
    cursor.execute("SELECT current_user")
    if cursor.fetchone()[0] == role:
        problems.append(f"ロール {role} はマイグレーションを実行しているロール（所有者）です。")
    cursor.execute(
        "SELECT count(*) FROM pg_class WHERE relowner = %s"
        " UNION ALL SELECT count(*) FROM pg_proc WHERE proowner = %s"
        " UNION ALL SELECT count(*) FROM pg_namespace WHERE nspowner = %s"
        " UNION ALL SELECT count(*) FROM pg_database"
        " WHERE datname = current_database() AND datdba = %s",
        [oid, oid, oid, oid],
    )
    if sum(count for (count,) in cursor.fetchall()):
        problems.append(f"ロール {role} はこのデータベースのオブジェクトを所有しています。")
    cursor.execute(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class"
        " WHERE relnamespace = current_schema()::regnamespace AND relowner <> %s"
        " AND pg_has_role(%s, relowner, 'MEMBER')",
        [oid, oid],
    )
    owners = [name for (name,) in cursor.fetchall()]
    if owners:
        problems.append(
            f"ロール {role} はテーブルの所有者 {', '.join(owners)} のメンバーで、"
            "その権限（トリガーの無効化など）を使えます。"
        )
    return problems

"""Build a PostgreSQL database with years of history for the benchmarks: N cases of every kind.

    .venv/bin/python bench/generate.py --database perf_100k --cases 100000

The database is dropped and created again, migrated, and given an office (``bench/footprints.py``):
the fifteen departments with four staff each, five liaison reviewers, three approvers, the
office-wide security reviewer, network administrator, CSIRT member and lead and CISO, an auditor,
an administrator and 240 systems. Then:

1. **Footprints.** One case of each kind in each state the history holds (a budget check waiting
   for review, sent back, waiting for approval, waiting for acknowledgement, closed after a
   send-back with its document; a consultation open, answered, closed, closed and shared with
   another department; a spec review under review, approved after a return; a network
   connection under security review, approved and awaiting connection, connected and
   acknowledged; an incident promoted from a department's report and in analysis, handled and
   closed after the lead's review) is driven through the real flows (``workflows.driver``: the
   step views, services, audit events, jobs run inline). Every row each one wrote, in every
   table, is its footprint.
2. **Clones.** Each of the N cases is a copy of one footprint, written with COPY: new ids
   throughout (foreign keys among the footprint's rows follow), its own department, requester,
   liaison, approver and system (the office-wide roles stay the same people), its own number in
   its fiscal year (the documents' 文書番号 and the security events' 受付番号 too, wherever they
   appear in text), every time shifted to its own moment in the last ten years (open cases in
   the last three months: 5 % of them). The mix: budget checks 55 %, consultations 22 %, spec
   reviews 13 %, network connections 6 %, incidents 4 % (``KINDS_MIX``).
3. **The audit chain** is recomputed over the copied events in order (``compute_hash``, the
   product's own), so ``manage.py verify_audit`` passes; numbering counters and id sequences are
   moved past the copies; the tables are analysed.

It is not part of ``make test`` or ``make bench``: run it once, then point the benchmarks at the
database (``bench/bench_ratios.py --database perf_100k``). 100,000 cases take a few minutes and
about 2.5 GB; a million take about half an hour of a quiet machine and 30 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.footprints import FOOTPRINTS, Office, build_office  # noqa: E402

KINDS_MIX = {
    "budget_check": 0.55,
    "consultation": 0.22,
    "spec_review": 0.13,
    "network_connection": 0.06,
    "incident": 0.04,
}
OPEN_SHARE = 0.05
SHARED_SHARE = 0.02
# Which footprint an open case of each kind copies, and how often.
OPEN_STATES = {
    "budget_check": {
        "bc_submitted": 0.40,
        "bc_returned": 0.15,
        "bc_awaiting_approval": 0.20,
        "bc_awaiting_ack": 0.25,
    },
    "consultation": {"cs_submitted": 0.6, "cs_answered": 0.4},
    "spec_review": {"sr_under_review": 1.0},
    "network_connection": {"nc_under_review": 0.6, "nc_awaiting_connection": 0.4},
    "incident": {"in_analysis": 1.0},
}
CLOSED_STATE = {
    "budget_check": "bc_closed",
    "consultation": "cs_closed",
    "spec_review": "sr_closed",
    "network_connection": "nc_closed",
    "incident": "in_closed",
}
# Tables whose new rows are not part of a case (numbering, sessions, the registry).
NOT_CLONED = {
    "governance_counter",
    "django_session",
    "governance_vendor",
    "governance_informationsystem",
    "governance_contract",
    "governance_costrecord",
    "governance_monitoringenrolment",
    "auth_group",
    "governance_department",
}
CHUNK = 2000
# Ids an audit event's changes carry (``[before, after]``), by key: the copy's own.
CHANGES_IDS = {"approval": "governance_connectionapproval"}
URL_IDS = {"cases": "governance_case", "incidents/events": "governance_securityevent"}


def _setup(database: str) -> None:
    os.environ["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
    os.environ["JOBS_RUNNER"] = "inline"
    var = Path(tempfile.mkdtemp(prefix="shinsa-generate-"))
    os.environ["SHINSA_VAR_DIR"] = str(var)
    os.environ.setdefault("MEDIA_ROOT", str(ROOT / "var" / "bench-media"))
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def recreate_database(database: str) -> None:
    import psycopg

    if not re.fullmatch(r"perf_\w+", database):
        raise SystemExit("the database is dropped first: its name must start with perf_")

    with psycopg.connect("postgresql://root@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


@dataclass
class Footprint:
    name: str
    case_id: int
    number: str
    kind: str
    fiscal_year: int
    created_at: dt.datetime
    department_id: int
    other_department_id: int
    system_id: int | None
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]  # table -> (columns, rows)


def _tables() -> list[tuple[str, str]]:
    from django.apps import apps

    return sorted(
        {
            (m._meta.db_table, str(m._meta.pk.column))
            for m in apps.get_models(include_auto_created=True)
            if m._meta.pk is not None
        }
    )


def _snapshot(cursor: Any, tables: list[tuple[str, str]]) -> dict[str, set[Any]]:
    result = {}
    for table, pk in tables:
        cursor.execute(f'SELECT "{pk}" FROM "{table}"')
        result[table] = {row[0] for row in cursor.fetchall()}
    return result


def capture(office: Office, name: str) -> Footprint:
    """Drive one footprint and read back every row it added, table by table."""
    from django.db import connection

    tables = _tables()
    raw = connection.cursor().cursor
    before = _snapshot(raw, tables)
    system = office.systems[office.departments[0].pk][list(FOOTPRINTS).index(name)]
    case = FOOTPRINTS[name](office, name, system)
    after = _snapshot(raw, tables)
    rows = {}
    for table, pk in tables:
        new = after[table] - before[table]
        if not new or table in NOT_CLONED:
            continue
        raw.execute(f'SELECT * FROM "{table}" WHERE "{pk}" = ANY(%s) ORDER BY 1', [list(new)])
        columns = [column.name for column in raw.description]
        rows[table] = (columns, [tuple(row) for row in raw.fetchall()])
    return Footprint(
        name=name,
        case_id=case.pk,
        number=case.number,
        kind=case.kind,
        fiscal_year=case.fiscal_year,
        created_at=case.created_at,
        department_id=case.department_id,
        other_department_id=office.departments[1].pk,
        system_id=case.system_id,
        rows=rows,
    )


# --- Cloning ------------------------------------------------------------------------------------


@dataclass
class Schema:
    """What the cloner needs to know of each table: its primary key and where its foreign keys
    point."""

    pk: dict[str, str]
    int_pk: set[str]  # tables whose key is a sequence (not a UUID, not a parent link)
    fks: dict[tuple[str, str], str]  # (table, column) -> referenced table
    json: set[tuple[str, str]]  # JSON columns (Django reads them from PostgreSQL as text)
    model_tables: dict[str, str]  # "governance.case" -> table
    content_type_tables: dict[int, str]


def schema() -> Schema:
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    pk: dict[str, str] = {}
    fks: dict[tuple[str, str], str] = {}
    model_tables: dict[str, str] = {}
    int_pk: set[str] = set()
    json_columns: set[tuple[str, str]] = set()
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        pk[table] = str(model._meta.pk.column)
        if model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
            int_pk.add(table)
        model_tables[f"{model._meta.app_label}.{model._meta.model_name}"] = table
        for fld in model._meta.concrete_fields:
            if fld.get_internal_type() == "JSONField":
                json_columns.add((table, str(fld.column)))
            if fld.is_relation and fld.related_model is not None:
                fks[(fld.model._meta.db_table, str(fld.column))] = fld.related_model._meta.db_table
    content_types = {}
    for ct in ContentType.objects.all():
        model_class = ct.model_class()
        if model_class is not None:
            content_types[ct.pk] = model_class._meta.db_table
    return Schema(pk, int_pk, fks, json_columns, model_tables, content_types)


@dataclass
class Clone:
    footprint: Footprint
    moment: dt.datetime
    department: Any
    staff: Any
    liaison: Any
    approver: Any
    system: Any
    other_department: Any


class Cloner:
    """Writes copies of footprints with COPY, one chunk of clones at a time."""

    def __init__(self, office: Office, footprints: dict[str, Footprint]) -> None:
        from django.db import connection

        from governance.models import AuditEvent, Counter

        self.office = office
        self.footprints = footprints
        self.schema = schema()
        self.raw = connection.cursor().cursor
        self.next_id: dict[str, int] = {}
        for table in {t for fp in footprints.values() for t in fp.rows}:
            if table in self.schema.int_pk:
                pk = self.schema.pk[table]
                self.raw.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
                self.next_id[table] = self.raw.fetchone()[0] + 1
        last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
        self.sequence = last["sequence"] if last else 0
        self.prev_hash = last["hash"] if last else "0" * 64
        self.counters: dict[tuple[str, int], int] = defaultdict(int)
        for counter in Counter.objects.all():
            self.counters[(counter.series, counter.fiscal_year)] = counter.last
        self.names = {u.pk: u.display_name for u in _all_users()}
        self.groups = {d.pk: d.group_id for d in office.departments}
        self.event_columns: list[str] = []
        self.dropped: list[tuple[str, str]] = []
        self.seals: dict[Any, str] = {}  # a sealing audit event's new id -> the record's hash

    def write(self, clones: list[Clone]) -> int:
        out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        columns: dict[str, list[str]] = {}
        for clone in clones:
            for table, (cols, rows) in self._rows_of(clone).items():
                columns[table] = cols
                out[table].extend(rows)
        written = 0
        for table in _copy_order(out, self.schema):
            written += self._copy(table, columns[table], out[table])
        return written

    def _rows_of(self, clone: Clone) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
        from psycopg.types.json import Jsonb

        from governance.japanese import fiscal_year_of

        fp = clone.footprint
        shift = clone.moment - fp.created_at
        year = fiscal_year_of(clone.moment.date()) + (
            fp.fiscal_year - fiscal_year_of(fp.created_at.date())
        )
        years = year - fp.fiscal_year
        # New ids of the footprint's rows, table by table.
        ids: dict[str, dict[Any, Any]] = {}
        linked = []  # a kind's table, whose key is its parent case's key
        for table, (cols, rows) in fp.rows.items():
            at = cols.index(self.schema.pk[table])
            if table in self.next_id:
                start = self.next_id[table]
                ids[table] = {row[at]: start + n for n, row in enumerate(rows)}
                self.next_id[table] = start + len(rows)
            elif (table, self.schema.pk[table]) in self.schema.fks:
                linked.append((table, at, self.schema.fks[(table, self.schema.pk[table])]))
            else:
                ids[table] = {row[at]: uuid.uuid4() for row in rows}
        for table, at, parent in linked:
            ids[table] = {row[at]: ids[parent][row[at]] for row in fp.rows[table][1]}
        series = f"case:{fp.kind}"
        self.counters[(series, year)] += 1
        sequence = self.counters[(series, year)]
        prefix = fp.number.split("-")[0]
        number = f"{prefix}-{year}-{sequence:04d}"
        # The copy's numbers, wherever the footprint's appear in text (object names, JSON).
        renames = {fp.number: number, **self._renumber(fp, clone)}
        people = {
            self.office.staff[fp.department_id][0].pk: clone.staff.pk,
            self.office.liaison[fp.department_id].pk: clone.liaison.pk,
            self.office.approvers[0].pk: clone.approver.pk,
        }
        substitute = {
            "governance_user": people,
            "governance_department": {
                fp.department_id: clone.department.pk,
                fp.other_department_id: clone.other_department.pk,
            },
            "auth_group": {
                self.groups[fp.other_department_id]: self.groups[clone.other_department.pk]
            },
            "governance_informationsystem": {fp.system_id: clone.system.pk},
        }
        result = {}
        # A decision record comes before the audit events: the event that seals it carries the
        # hash of the record's copy (``_seal``).
        tables = sorted(fp.rows, key=lambda table: table != "governance_decisionrecord")
        for table in tables:
            cols, rows = fp.rows[table]
            new_rows = []
            pk_column = self.schema.pk[table]
            for row in rows:
                values = list(row)
                for index, column in enumerate(cols):
                    value = values[index]
                    if value is None:
                        continue
                    target = self.schema.fks.get((table, column))
                    if column == pk_column:
                        values[index] = ids[table][value]
                    elif target is not None:
                        if target in ids and value in ids[target]:
                            values[index] = ids[target][value]
                        elif target in substitute:
                            values[index] = substitute[target].get(value, value)
                    elif isinstance(value, dt.datetime):
                        values[index] = value + shift
                    elif isinstance(value, dt.date):
                        values[index] = value + dt.timedelta(days=shift.days)
                    elif column == "fiscal_year" and isinstance(value, int):
                        values[index] = value + years
                    elif isinstance(value, str):
                        for old, new in renames.items():
                            if old in value:
                                value = values[index] = value.replace(old, new)
                        if table == "governance_job" and column == "payload":
                            values[index] = json.dumps(
                                self._json(table, column, json.loads(value), ids)
                            )
                    elif isinstance(value, dict | list):
                        values[index] = Jsonb(self._json(table, column, value, ids))
                self._fix(table, cols, values, ids, number, sequence, year, clone)
                new_rows.append(tuple(values))
            result[table] = (cols, new_rows)
        return result

    def _json(self, table: str, column: str, value: Any, ids: dict[str, dict[Any, Any]]) -> Any:
        if table == "governance_job" and isinstance(value, dict):
            refs = {
                "document_id": "governance_advisorydocument",
                "notification_id": "governance_notification",
            }
            value = dict(value)
            for key, target in refs.items():
                if key in value and target in ids:
                    value[key] = ids[target].get(value[key], value[key])
            if "notification_ids" in value and "governance_notification" in ids:
                mapping = ids["governance_notification"]
                value["notification_ids"] = [mapping.get(v, v) for v in value["notification_ids"]]
        return value

    def _fix(
        self,
        table: str,
        cols: list[str],
        values: list[Any],
        ids: dict[str, dict[Any, Any]],
        number: str,
        sequence: int,
        year: int,
        clone: Clone,
    ) -> None:
        """What the generic pass cannot know: numbers, references held as text, the chain."""
        col = {name: n for n, name in enumerate(cols)}
        if table == "governance_case":
            values[col["sequence"]] = sequence
            values[col["number"]] = number
        elif table == "governance_networkasset":
            # Active hostnames are unique per system, and the copy's system is drawn at random.
            values[col["hostname"]] = f"{values[col['hostname']]}-{values[col['id']]}"
        elif table == "governance_notification":
            if values[col["dedupe_key"]]:
                values[col["dedupe_key"]] = f"{values[col['dedupe_key']]}#{values[0]}"
            url = values[col["url"]]
            if url:
                values[col["url"]] = _remap_url(url, ids)
        elif table == "governance_deadline":
            target = self.schema.content_type_tables.get(values[col["subject_type_id"]])
            subject = values[col["subject_id"]]
            if target in ids and subject.isdigit() and int(subject) in ids[target]:
                values[col["subject_id"]] = str(ids[target][int(subject)])
        elif table == "governance_decisionrecord":
            self._seal(col, values, ids)
        elif table == "governance_auditevent":
            self._chain(col, values, ids)

    def _renumber(self, fp: Footprint, clone: Clone) -> dict[str, str]:
        """New numbers for the footprint's documents (文書番号) and security events (受付番号),
        each its own series per fiscal year, taken in the copy's year."""
        from governance.japanese import fiscal_year_of, fiscal_year_short

        year = fiscal_year_of(clone.moment.date())
        shapes: dict[str, tuple[str, Callable[[int], str]]] = {
            "governance_advisorydocument": (
                "document",
                lambda serial: f"{fiscal_year_short(year)}行DX第{serial}号",
            ),
            "governance_securityevent": ("event", lambda serial: f"EV-{year}-{serial:05d}"),
        }
        result = {}
        for table, (series, shape) in shapes.items():
            if table not in fp.rows:
                continue
            cols, rows = fp.rows[table]
            at = cols.index("number")
            for row in rows:
                self.counters[(series, year)] += 1
                result[row[at]] = shape(self.counters[(series, year)])
        return result

    def _seal(self, col: dict[str, int], values: list[Any], ids: dict[str, dict[Any, Any]]) -> None:
        """The copy's decider's name and task, and the hash of the copy's snapshot, which the
        audit event sealing it will carry (``verify_audit`` checks both)."""
        from types import SimpleNamespace

        from governance.decisions.services import snapshot_hash

        task = values[col["task_id"]]
        if task is not None and task in ids.get("viewflow_task", {}):
            values[col["task_id"]] = ids["viewflow_task"][task]
        decider = values[col["decided_by_id"]]
        if decider in self.names:
            values[col["decided_by_name"]] = self.names[decider][:200]

        def plain(name: str, value: Any) -> Any:
            if hasattr(value, "obj"):
                return value.obj
            if isinstance(value, str) and ("governance_decisionrecord", name) in self.schema.json:
                return json.loads(value)  # JSON is read back as text
            return value

        record = SimpleNamespace(
            **{name: plain(name, value) for name, value in zip(col, values, strict=True)}
        )
        digest = snapshot_hash(record)  # type: ignore[arg-type]
        values[col["snapshot_sha256"]] = digest
        self.seals[values[col["audit_event_id"]]] = digest

    def _chain(
        self, col: dict[str, int], values: list[Any], ids: dict[str, dict[Any, Any]]
    ) -> None:
        from psycopg.types.json import Jsonb

        from governance.audit.services import compute_hash

        target = self.schema.model_tables.get(values[col["object_type"]])
        object_id = values[col["object_id"]]
        if target in ids and object_id.isdigit() and int(object_id) in ids[target]:
            values[col["object_id"]] = str(ids[target][int(object_id)])
        actor = values[col["actor_id"]]
        if actor is not None and actor in self.names:
            values[col["actor_name"]] = self.names[actor][:200]
        self.sequence += 1
        values[col["sequence"]] = self.sequence
        values[col["prev_hash"]] = self.prev_hash
        changes = values[col["changes"]]
        changes = dict(json.loads(changes) if isinstance(changes, str) else changes.obj)
        seal = self.seals.pop(values[col["id"]], None)
        if seal is not None:
            changes["decision_snapshot"] = [None, seal]
        for key, table in CHANGES_IDS.items():
            value = changes.get(key)
            if table in ids and isinstance(value, list):
                changes[key] = [ids[table].get(v, v) if isinstance(v, int) else v for v in value]
        task = changes.get("task")
        if isinstance(task, list) and isinstance(task[-1], str) and "viewflow_task" in ids:
            changes["task"] = [_remap_task(v, ids) for v in task]
        values[col["changes"]] = Jsonb(changes)
        digest = compute_hash(
            sequence=self.sequence,
            occurred_at=values[col["occurred_at"]],
            actor_id=actor,
            actor_name=values[col["actor_name"]],
            action=values[col["action"]],
            object_type=values[col["object_type"]],
            object_id=values[col["object_id"]],
            object_repr=values[col["object_repr"]],
            case_id=values[col["case_id"]],
            changes=changes,
            reason=values[col["reason"]],
            prev_hash=self.prev_hash,
        )
        values[col["hash"]] = digest
        self.prev_hash = digest

    def _copy(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> int:
        if table == "governance_auditevent":
            rows.sort(key=lambda row: row[columns.index("sequence")])
        names = ", ".join(f'"{c}"' for c in columns)
        with self.raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)

    def suspend_checks(self) -> None:
        """For the bulk of the copies: no foreign-key triggers (the cloner maps every key; a
        100,000-case run with the checks on passed them) and no secondary indexes, which are
        built again once at the end (``restore_checks``) — maintained row by row they made the
        copies slower with every million rows. Unique indexes are checked when built again."""
        tables = sorted({t for fp in self.footprints.values() for t in fp.rows})
        self.raw.execute(
            """
            SELECT c.relname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
             WHERE c.relname = ANY(%s)
               AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint k
                    WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                      AND k.contype IN ('p', 'u', 'x'))
             ORDER BY 1, 2
            """,
            [tables],
        )
        self.dropped = [(name, definition) for _table, name, definition in self.raw.fetchall()]
        for name, _definition in self.dropped:
            self.raw.execute(f"DROP INDEX {name}")
        self.raw.execute("SET session_replication_role = replica")

    def restore_checks(self) -> None:
        self.raw.execute("SET session_replication_role = DEFAULT")
        self.raw.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in self.dropped:
            self.raw.execute(definition)

    def finish(self) -> None:
        from governance.models import Counter

        for (series, year), last in self.counters.items():
            Counter.objects.update_or_create(
                series=series, fiscal_year=year, defaults={"last": last}
            )
        for table, next_id in self.next_id.items():
            pk = self.schema.pk[table]
            self.raw.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), %s)", [next_id - 1]
            )


def _remap_url(url: str, ids: dict[str, dict[Any, Any]]) -> str:
    """A notification's link to the copy's case, event, process and task."""

    def new(table: str, old: str) -> str:
        return str(ids.get(table, {}).get(int(old), old))

    url = re.sub(
        r"/(cases|incidents/events)/(\d+)/",
        lambda m: f"/{m[1]}/{new(URL_IDS[m[1]], m[2])}/",
        url,
    )
    return re.sub(
        r"^/(\w+)/(\d+)/(\w+)/(\d+)/$",
        lambda m: f"/{m[1]}/{new('viewflow_process', m[2])}/{m[3]}/{new('viewflow_task', m[4])}/",
        url,
    )


def _remap_task(value: Any, ids: dict[str, dict[Any, Any]]) -> Any:
    """An audit event's task, named "承認の決裁 #68": the copy's task number."""
    if not isinstance(value, str):
        return value
    return re.sub(r"#(\d+)$", lambda m: f"#{ids['viewflow_task'].get(int(m[1]), m[1])}", value)


def orphan_keys(schema: Schema) -> list[str]:
    """Foreign keys of the copies that point at no row (``--check-keys``: the copies are written
    with the key triggers off, so a cloner that mapped a key wrongly would go unnoticed)."""
    from django.db import connection

    problems = []
    with connection.cursor() as cursor:
        for (table, column), target in sorted(schema.fks.items()):
            cursor.execute(
                f'SELECT count(*) FROM "{table}" t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{target}" r WHERE r."{schema.pk[target]}" = t."{column}")'
            )
            missing = cursor.fetchone()[0]
            if missing:
                problems.append(f"{table}.{column} → {target}: {missing} rows point at nothing")
    return problems


def _all_users() -> list[Any]:
    from governance.models import User

    return list(User.objects.all())


def _copy_order(out: dict[str, Any], schema: Schema) -> list[str]:
    """Tables in an order where every referenced table comes first (COPY checks keys)."""
    order: list[str] = []
    pending = set(out)

    def visit(table: str, path: set[str]) -> None:
        if table not in pending or table in path:
            return
        path = path | {table}
        for (source, _column), target in schema.fks.items():
            if source == table and target != table:
                visit(target, path)
        if table in pending:
            pending.discard(table)
            order.append(table)

    for table in sorted(out):
        visit(table, set())
    return order


# --- The plan -----------------------------------------------------------------------------------


def plan(
    office: Office, footprints: dict[str, Footprint], count: int, seed: int
) -> Iterator[Clone]:
    """``count`` clones in the order of their moments (so the chain runs forward in time)."""
    from django.utils import timezone

    rng = random.Random(seed)
    now = timezone.now()
    ten_years = dt.timedelta(days=3650)
    picks = []
    kinds = list(KINDS_MIX)
    weights = [KINDS_MIX[k] for k in kinds]
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        if rng.random() < OPEN_SHARE:
            states = OPEN_STATES[kind]
            state = rng.choices(list(states), list(states.values()))[0]
            moment = now - dt.timedelta(seconds=rng.uniform(3600, 90 * 86400))
        else:
            state = CLOSED_STATE[kind]
            if kind == "consultation" and rng.random() < SHARED_SHARE / KINDS_MIX[kind]:
                state = "cs_shared"
            moment = now - dt.timedelta(seconds=rng.uniform(30 * 86400, ten_years.total_seconds()))
        picks.append((moment, state))
    picks.sort()
    from governance.japanese import fiscal_year_of
    from governance.models import Case, CaseKind

    departments = office.departments
    # (system, fiscal year) pairs that already have a budget check: a system has one a year.
    taken = set(
        Case.objects.filter(kind=CaseKind.BUDGET_CHECK).values_list("system_id", "fiscal_year")
    )
    # The systems of a department still without a budget check in a fiscal year, made when the
    # pair is first asked for and drawn from without replacement (a scan of every system per
    # clone cost minutes at a million cases).
    free: dict[tuple[int, int], list[Any]] = {}

    def free_systems(department: Any, year: int) -> list[Any]:
        key = (department.pk, year)
        if key not in free:
            free[key] = [s for s in office.systems[department.pk] if (s.pk, year) not in taken]
        return free[key]

    for moment, state in picks:
        fp = footprints[state]
        department = rng.choice(departments)
        system = rng.choice(office.systems[department.pk])
        if fp.kind == "budget_check":
            year = fiscal_year_of(moment.date()) + (
                fp.fiscal_year - fiscal_year_of(fp.created_at.date())
            )
            left = free_systems(department, year)
            while not left:
                department = rng.choice(departments)
                left = free_systems(department, year)
            at = rng.randrange(len(left))
            system = left[at]
            left[at] = left[-1]
            left.pop()
        other = rng.choice([d for d in departments if d.pk != department.pk])
        yield Clone(
            footprint=footprints[state],
            moment=moment,
            department=department,
            staff=rng.choice(office.staff[department.pk]),
            liaison=office.liaison[department.pk],
            approver=rng.choice(office.approvers),
            system=system,
            other_department=other,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="perf_100k")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--check-keys",
        action="store_true",
        help="look for foreign keys pointing at nothing once the copies are written (slow at 1M)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    recreate_database(args.database)
    _setup(args.database)
    from django.core.management import call_command
    from django.db import connection, transaction

    import governance.urls  # noqa: F401  (flow nodes reverse their URLs)

    call_command("migrate", verbosity=0)
    office = build_office(args.cases)
    footprints = {}
    for name in FOOTPRINTS:
        footprints[name] = capture(office, name)
        sizes = ", ".join(
            f"{t.removeprefix('governance_')} {len(r[1])}" for t, r in footprints[name].rows.items()
        )
        print(f"footprint {name}: {sizes}", flush=True)
    print(f"office and footprints: {time.perf_counter() - started:.1f} s", flush=True)
    cloner = Cloner(office, footprints)
    clones = plan(office, footprints, args.cases - len(footprints), args.seed)
    done = rows = 0
    with transaction.atomic():
        cloner.suspend_checks()
    while True:
        chunk = [clone for _, clone in zip(range(CHUNK), clones, strict=False)]
        if not chunk:
            break
        with transaction.atomic():
            rows += cloner.write(chunk)
        done += len(chunk)
        print(f"  {done:,} cases, {rows:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
    with transaction.atomic():
        cloner.finish()
    step = time.perf_counter()
    cloner.restore_checks()
    print(f"indexes built again: {time.perf_counter() - step:.0f} s", flush=True)
    if args.check_keys:
        problems = orphan_keys(cloner.schema)
        print("\n".join(problems) or "every foreign key points at a row", flush=True)
        if problems:
            return 1
    connection.cursor().execute("ANALYZE")
    connection.close()
    import psycopg

    with psycopg.connect(
        f"postgresql://root@127.0.0.1:5432/{args.database}", autocommit=True
    ) as conn:
        conn.execute("VACUUM ANALYZE")
        size = conn.execute(
            f"SELECT pg_size_pretty(pg_database_size('{args.database}'))"
        ).fetchone()
    print(
        f"{args.cases:,} cases in {args.database} ({size[0] if size else '?'}), "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

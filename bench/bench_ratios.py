"""Shinsa against its floors on years of data: ours, the floor, their ratio and the queries.

    .venv/bin/python bench/bench_ratios.py [--database perf_100k] [--rounds 15]
    .venv/bin/python bench/bench_ratios.py --code /tmp/shinsa-main --json before.json
    .venv/bin/python bench/bench_ratios.py --compare before.json after.json

Runs on PostgreSQL against a database made by ``bench/generate.py`` (``perf_100k`` if it
exists; else a ``perf_bench`` of 3,000 cases is generated, which takes a couple of minutes).
Every measure is taken ``--rounds`` times, ours and its floor interleaved, and the median is
printed (milliseconds of wall time in this process; the machine is shared, so compare ratios).
The floors (``bench/floors``) are bare implementations of the same work:

- home page: the busiest reviewer's inbox and queue, and a user with no tasks, against a bare
  view with the minimal SQL for the same rows (25 a page, the totals, ordered by due date);
- case list: the first, a middle and the last page for a reviewer, an auditor and department
  staff, against a bare view with the minimal SQL (the total, 50 rows from a keyset);
- flow: a budget check start → review → approve → acknowledge through the headless driver,
  with its jobs run inline and with them left out, against a bare viewflow flow with the same
  nodes driven the same way;
- document: the advisory document rendered by ``render_docx`` against bare docxtpl;
- hand-off: from the COMMIT of the transaction that enqueued an outbox job to the worker's start
  of its task, and to the start of the job's handler (after the claim that counts the attempt),
  against Celery's ``.delay()`` of a bare task, p50 (needs ``redis-server``; it starts its own,
  and its own worker). Each measure waits for the worker to finish the last task first.

Where valgrind is installed, the pages, the flow and the document are run once more under callgrind
(``bench/instructions.py``, 3 rounds) and the instructions of the web process are printed beside
the times: unlike times, they do not move with the machine's load (``--no-instructions`` skips
this, which takes a few minutes).

``--code DIR`` measures another checkout's Shinsa (e.g. ``git archive main`` unpacked) with
this checkout's floors; ``--json`` keeps the figures and ``--compare`` prints two runs side by
side. The peak resident memory of this process (it serves every page) is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _early_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--code", default="", help="another checkout's Shinsa to measure")
    parser.add_argument("--json", default="", help="write the figures to this file")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    parser.add_argument(
        "--only", default="", help="comma-separated: home,cases,flow,document,handoff"
    )
    parser.add_argument(
        "--instructions",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="count the instructions of the pages, the flow and the document under valgrind "
        "where it is installed (a few minutes more; --no-instructions to skip)",
    )
    parser.add_argument(
        "--drop-new-indexes",
        action="store_true",
        help="measure without the indexes of migration 0015 (as before it), then restore them",
    )
    return parser.parse_args()


ARGS = _early_args()
if ARGS.code:
    import importlib.util

    CODE = Path(ARGS.code).resolve()
    ARGS.json = str(Path(ARGS.json).resolve()) if ARGS.json else ""
    # Celery's Django fix-up puts the working directory first on the path when the app is made,
    # which put this checkout's ``workflows``, ``forms`` and ``tests`` before the other one's.
    os.chdir(CODE)
    sys.path.insert(0, str(CODE))
    # The floors stay this checkout's: its ``bench`` package is loaded before the other's.
    _spec = importlib.util.spec_from_file_location(
        "bench", ROOT / "bench" / "__init__.py", submodule_search_locations=[str(ROOT / "bench")]
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules["bench"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["bench"])
else:
    CODE = ROOT
sys.path.insert(1 if ARGS.code else 0, str(ROOT))

# After the paths above:
from bench import instructions, ratio_tables  # noqa: E402
from bench.ratio_measures import Figure, Pair, interleaved  # noqa: E402
from bench.ratio_tables import compare, print_table  # noqa: E402


def _database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect("postgresql://root@127.0.0.1:5432/postgres", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _setup(database: str) -> None:
    os.environ["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floors.settings"
    os.environ["JOBS_RUNNER"] = "inline"
    os.environ["CONN_MAX_AGE"] = "600"
    var = tempfile.mkdtemp(prefix="shinsa-ratios-")
    os.environ["SHINSA_VAR_DIR"] = var
    os.environ.setdefault("MEDIA_ROOT", str(ROOT / "var" / "bench-media"))
    # Measured as production runs: DEBUG off (no debug cursor keeping every query's SQL, no
    # template debugging), with the keys and hosts production must bring (made up for this run,
    # and handed to the run under callgrind) and the hashed static files, collected once.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-chain-" + secrets.token_urlsafe(40))
    os.environ["ALLOWED_HOSTS"] = "*"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["LOG_LEVEL"] = "WARNING"  # production's INFO would print every bench sign-in
    static = Path(os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="shinsa-static-")))
    if not (static / "staticfiles.json").exists():  # in a process of its own: not in the peak
        import subprocess

        collect = "import django; django.setup(); from django.core.management import call_command"
        collect += "; call_command('collectstatic', interactive=False, verbosity=0)"
        subprocess.run(
            [sys.executable, "-c", collect],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "LOG_LEVEL": "ERROR"},
            check=True,
        )
    import django

    django.setup()
    import bench.floors
    import forms
    import governance
    import tests
    import workflows

    for package, home in [
        (governance, CODE),
        (workflows, CODE),
        (forms, CODE),
        (tests, CODE),
        (bench.floors, ROOT),
    ]:
        found = Path(str(package.__file__)).resolve()
        if not found.is_relative_to(home):
            raise SystemExit(f"{package.__name__} was imported from {found}, not from {home}")


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    from governance import permissions

    if permissions.requires_second_factor(user):
        # Pages ask these roles for their TOTP code first: mark the session as
        # ``django_otp.login`` does after a correct code.
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _get(client: Any, url: str) -> Callable[[], Any]:
    def get() -> Any:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return get


# --- Pages --------------------------------------------------------------------------------------


def _people() -> dict[str, Any]:
    from django.db.models import Count, Q

    from governance.models import User

    busiest = (
        User.objects.filter(groups__name="governance_reviewer")
        .annotate(n=Count("task", filter=Q(task__status="ASSIGNED")))
        .order_by("-n")
        .first()
    )
    staff = User.objects.filter(groups__name="department_staff").order_by("pk").first()
    return {
        "reviewer": busiest,
        "auditor": User.objects.get(username="auditor"),
        "staff": staff,
        "approver": User.objects.filter(groups__name="governance_approver").order_by("pk").first(),
    }


def home_figures(people: dict[str, Any], rounds: int) -> list[Figure]:
    pairs: list[Pair] = []
    for who in ("reviewer", "approver", "auditor"):
        client = _client(people[who])
        label = {
            "reviewer": "busiest reviewer",
            "approver": "approver (queue)",
            "auditor": "no tasks (auditor)",
        }[who]
        pairs.append((label, _get(client, "/home/"), _get(client, "/floor/inbox/")))
    return interleaved("home page", pairs, rounds)


def _page_cursors(user: Any) -> tuple[int, int, int]:
    """(pages, middle page number, the case the middle page starts after) for ``user``."""
    from governance.cases.selectors import visible_cases

    cases = visible_cases(user).order_by("-created_at", "-pk")
    count = cases.count()
    pages = max(1, -(-count // 50))
    middle = max(1, pages // 2)
    after = cases.values_list("pk", flat=True)[(middle - 1) * 50 - 1] if middle > 1 else 0
    return pages, middle, int(after)


def case_list_figures(people: dict[str, Any], rounds: int) -> list[Figure]:
    pairs: list[Pair] = []
    for who in ("reviewer", "auditor", "staff"):
        client = _client(people[who])
        pages, middle, after = _page_cursors(people[who])
        # ?page= is the old list's address, after=/last= the keyset one: each ignores the other.
        pairs += [
            (f"{who}, first page", _get(client, "/home/cases/"), _get(client, "/floor/cases/")),
            (
                f"{who}, middle page",
                _get(client, f"/home/cases/?page={middle}&after={after}"),
                _get(client, f"/floor/cases/?after={after}"),
            ),
            (
                f"{who}, last page",
                _get(client, f"/home/cases/?page={pages}&last=1"),
                _get(client, "/floor/cases/?last=1"),
            ),
        ]
    return interleaved("case list", pairs, rounds)


# --- The flow -----------------------------------------------------------------------------------


@contextmanager
def _jobs_left_pending() -> Any:
    """Leave the jobs a flow enqueues pending (not run inline): the flow without them."""
    from governance.jobs import outbox

    original = outbox.dispatch

    def left(job_id: Any, relaying: bool = False) -> bool:
        return False

    outbox.dispatch = left  # bench only: the flow without its jobs
    try:
        yield
    finally:
        outbox.dispatch = original


def flow_figures(people: dict[str, Any], rounds: int) -> list[Figure]:
    from bench.floors.flows import PEOPLE, BareBudgetFlow
    from forms import budget as budget_forms
    from governance.models import InformationSystem
    from tests import budget_support as support
    from workflows import driver
    from workflows.budget_check import BudgetCheckFlow

    staff = people["staff"]
    reviewer = staff.department.liaison
    approver = people["approver"]
    PEOPLE.update(staff=staff, reviewer=reviewer)
    count = 4 * max(5, rounds // 2) + 8
    tag = uuid.uuid4().hex[:6]
    systems = iter(
        InformationSystem.objects.bulk_create(
            InformationSystem(
                code=f"BENCH-{tag}-{n}",
                name=f"計測{tag}{n}",
                department=staff.department,
                kind="scratch",
            )
            for n in range(count)
        )
    )
    review = budget_forms.review_data(
        checklist=support.CHECKLIST_OK,
        result="confirmed_with_guidance",
        guidance=[support.GuidanceDraft(text="見積を比較すること", due_date=support.in_days(120))],
    )

    def ours() -> None:
        data = budget_forms.request_data(
            fiscal_year=support.next_fiscal_year(),
            facts=support.default_facts(),
            system=next(systems),
        )
        process = driver.start(BudgetCheckFlow, user=staff, data=data)
        driver.complete(process, BudgetCheckFlow.review, user=reviewer, data=review)
        driver.complete(
            process, BudgetCheckFlow.approve, user=approver, data=budget_forms.approval_data()
        )
        driver.complete(
            process, BudgetCheckFlow.acknowledge, user=staff, data=budget_forms.acknowledge_data()
        )

    def ours_without_jobs() -> None:
        with _jobs_left_pending():
            ours()

    def bare() -> None:
        process = driver.start(BareBudgetFlow, user=staff, data={"decision": "submitted"})
        driver.complete(
            process, BareBudgetFlow.review, user=reviewer, data={"decision": "awaiting_approval"}
        )
        driver.complete(
            process,
            BareBudgetFlow.approve,
            user=approver,
            data={"decision": "awaiting_acknowledgement"},
        )
        driver.complete(
            process, BareBudgetFlow.acknowledge, user=staff, data={"decision": "closed"}
        )

    pairs: list[Pair] = [
        ("budget check, jobs inline", ours, bare),
        ("budget check, jobs left out", ours_without_jobs, bare),
    ]
    return interleaved("flow", pairs, max(5, rounds // 2))


# --- The document -------------------------------------------------------------------------------


def document_figures(rounds: int) -> list[Figure]:
    import io

    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    from governance import japanese
    from governance.budget.services import RESULT_TEMPLATE, build_result_document
    from governance.documents import master_path, render_docx
    from governance.models import AdvisoryDocument

    document = AdvisoryDocument.objects.filter(template=RESULT_TEMPLATE).order_by("-pk").first()
    assert document is not None, "no budget-check document in this database"
    context = build_result_document(document.case).context
    path = str(master_path(RESULT_TEMPLATE))

    def bare() -> bytes:
        env = SandboxedEnvironment(autoescape=True)
        env.filters.update(
            era_date=japanese.era_date,
            yen=japanese.yen,
            thousand_yen=japanese.thousand_yen,
            fiscal_year=japanese.fiscal_year_label,
        )
        template = DocxTemplate(path)
        template.render(context, jinja_env=env, autoescape=True)
        buffer = io.BytesIO()
        template.save(buffer)
        return buffer.getvalue()

    pairs: list[Pair] = [
        ("advisory .docx render", lambda: render_docx(RESULT_TEMPLATE, context), bare)
    ]
    return interleaved("document", pairs, rounds * 2)


# --- The hand-off -------------------------------------------------------------------------------


def _stamp(into: list[float]) -> None:
    into.append(time.time())


def handoff_figures(rounds: int) -> list[Figure]:
    import redis
    from django.db import transaction

    from bench.floors import handoff
    from governance.jobs import outbox
    from tests.celery_worker import CeleryWorker, RedisServer, celery_pointed_at

    if not RedisServer.available():
        print("hand-off skipped: redis-server is not installed")
        return []
    workdir = Path(tempfile.mkdtemp(prefix="shinsa-handoff-"))
    server = RedisServer(workdir)
    server.start()
    os.environ["HANDOFF_REDIS_URL"] = server.url
    queue = "shinsa-bench-handoff"

    class Worker(CeleryWorker):
        def environment(self) -> dict[str, str]:
            env = super().environment()
            env.update(
                SHINSA_EXTRA_JOB_MODULES="bench.floors.handoff",
                HANDOFF_REDIS_URL=server.url,
                PYTHONPATH=os.pathsep.join(sys.path),
            )
            return env

    worker = Worker(
        redis_url=server.url, queue=queue, log_path=workdir / "worker.log", concurrency=1
    )
    client = redis.Redis.from_url(server.url)
    # commit → the worker starts the task; commit → the work starts (ours: after the claim).
    samples: dict[str, list[float]] = {"ours": [], "floor": [], "ours_work": [], "floor_work": []}

    def wait(name: str, started: float) -> float:
        deadline = time.time() + 30
        while time.time() < deadline:
            value = client.get(name)
            if value is not None:
                return (float(value) - started) * 1000
            time.sleep(0.0005)
        raise SystemExit(f"the worker did not run {name}:\n{worker.log()[-3000:]}")

    try:
        with celery_pointed_at(server.url, queue):
            from django.conf import settings

            settings.JOBS_RUNNER = "celery"
            worker.start()
            outbox.reset_broker_backoff()
            for n in range(rounds * 4 + 10):
                key = uuid.uuid4().hex
                committed: list[float] = []
                with transaction.atomic():
                    # The click's own INSERT and COMMIT are not the hand-off: the clock starts
                    # when the COMMIT returns (callbacks run in the order they were registered).
                    transaction.on_commit(partial(_stamp, committed))
                    job = outbox.enqueue(handoff.KIND, {"key": key})
                started = committed[0]
                ours = wait(f"handoff-start:{job.pk}", started)
                ours_work = wait(f"handoff:{key}", started)
                wait(f"handoff-end:{job.pk}", started)
                key = uuid.uuid4().hex
                started = time.time()
                handoff.bare.delay(key)
                floor = wait(f"handoff-start:{key}", started)
                floor_work = wait(f"handoff:{key}", started)
                wait(f"handoff-end:{key}", started)
                if n >= 10:  # the first ones warm the worker's connections
                    samples["ours"].append(ours)
                    samples["floor"].append(floor)
                    samples["ours_work"].append(ours_work)
                    samples["floor_work"].append(floor_work)
            settings.JOBS_RUNNER = "inline"
    finally:
        worker.stop()
        server.stop()
    return [
        Figure(
            group="hand-off",
            label="commit → worker start, p50",
            ours_ms=statistics.median(samples["ours"]),
            floor_ms=statistics.median(samples["floor"]),
            ours_queries=None,
            floor_queries=None,
        ),
        Figure(
            group="hand-off",
            label="commit → job's work starts, p50",
            ours_ms=statistics.median(samples["ours_work"]),
            floor_ms=statistics.median(samples["floor_work"]),
            ours_queries=None,
            floor_queries=None,
        ),
    ]


def main() -> int:
    if ARGS.compare:
        compare(*ARGS.compare)
        return 0
    if ARGS.instructions and not instructions.available():
        print("valgrind is not installed here: instructions are not counted")
    try:
        found = _database_exists("perf_100k")
    except Exception as exc:  # no PostgreSQL here: the ratios need it
        print(f"skipped: PostgreSQL at 127.0.0.1:5432 is not reachable ({exc.__class__.__name__})")
        return 0
    database = ARGS.database or ("perf_100k" if found else "perf_bench")
    if not _database_exists(database):
        import subprocess

        print(f"generating {database} (3,000 cases) …", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "generate.py"),
                "--database",
                database,
                "--cases",
                "3000",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    _setup(database)
    from django.db import connection
    from django.test.utils import setup_test_environment

    import governance.urls  # noqa: F401  (flow nodes reverse their URLs)
    from governance.models import Case

    setup_test_environment()
    only = (
        set(ARGS.only.split(",")) if ARGS.only else {"home", "cases", "flow", "document", "handoff"}
    )
    indexes = {
        "case_list_order_idx": "ON governance_case (created_at, id)",
        "shinsa_task_owner_status_idx": "ON viewflow_task (owner_id, status)",
    }
    if ARGS.drop_new_indexes:
        with connection.cursor() as cursor:
            for name in indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    cases = Case.objects.count()
    people = _people()
    figures: list[Figure] = []
    try:
        if "home" in only:
            figures += home_figures(people, ARGS.rounds)
        if "cases" in only:
            figures += case_list_figures(people, ARGS.rounds)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if "flow" in only:
            figures += flow_figures(people, ARGS.rounds)
        if "document" in only:
            figures += document_figures(ARGS.rounds)
        if "handoff" in only:
            figures += handoff_figures(ARGS.rounds)
    finally:
        if ARGS.drop_new_indexes:
            with connection.cursor() as cursor:
                for name, target in indexes.items():
                    cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {target}")
    code = str(CODE)
    counted = {"home", "cases", "document", "flow"} & only
    if ARGS.instructions and instructions.available() and counted and not instructions.active():
        _count_instructions(figures, database, sorted(counted))
    print_table(
        figures, f"{database}: {cases:,} cases; code: {code}; median of {ARGS.rounds} rounds"
    )
    print(f"  peak resident memory of this process after the pages: {peak:.0f} MB")
    run = json.dumps(
        {
            "database": database,
            "cases": cases,
            "code": code,
            "peak_rss_mb": round(peak),
            "figures": [asdict(f) for f in figures],
        },
        ensure_ascii=False,
        indent=1,
    )
    kept = Path(ARGS.json) if ARGS.json else Path(tempfile.mkdtemp()) / "run.json"
    kept.write_text(run)
    baseline = ratio_tables.baseline_for(cases)
    if baseline is not None and not instructions.active():
        print(f"\nbefore (issue 11's measurement, {baseline.name}) → this run:")
        compare(str(baseline), str(kept))
    return 0


def _count_instructions(figures: list[Figure], database: str, measures: list[str]) -> None:
    """Run this bench once more under callgrind for ``measures`` (3 rounds) and put its
    instruction counts beside the times."""
    folder = Path(tempfile.mkdtemp(prefix="shinsa-callgrind-"))
    inner = folder / "inner.json"
    argv = [str(Path(__file__).resolve()), "--database", database, "--only", ",".join(measures)]
    argv += ["--rounds", "3", "--json", str(inner)]
    if ARGS.code:
        argv += ["--code", str(CODE)]
    print(f"counting instructions under callgrind ({', '.join(measures)}) …", flush=True)
    status = instructions.run_under_callgrind(argv, folder)
    if status != 0 or not inner.exists():
        raise SystemExit(f"the run under callgrind failed (exit {status}; log in {folder})")
    counts = {(f["group"], f["label"]): f for f in json.loads(inner.read_text())["figures"]}
    for figure in figures:
        found = counts.get((figure.group, figure.label))
        if found:
            figure.ours_instructions = found["ours_instructions"]
            figure.floor_instructions = found["floor_instructions"]


if __name__ == "__main__":
    sys.exit(main())

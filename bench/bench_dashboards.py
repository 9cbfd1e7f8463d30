"""How long each role's dashboard takes, and how many queries, with many cases; and the
ratio to a bare Django view over the same tables.

    .venv/bin/python bench/bench_dashboards.py [--cases 100000] [--repeat 5]

Runs on a throw-away test database: SQLite by default, PostgreSQL when DATABASE_URL is set
(the test database ``test_<name>`` is created and dropped). The data is
``tests/dashboard_world.py``'s: a few cases through the real flows, then copied with COPY to
``--cases`` (by default a third incidents, each with an open legal clock, a sixth network
connections with their approvals, the rest budget checks, plus as many security events as
incidents: a stress mix; ``--incident-share 0.03 --network-share 0.07`` is closer to the
office's), and seed 001's registry of 245 systems.

For each dashboard it prints the median time of the page (GET through the test client, with
the middleware, session, permission scoping, charts and template) and its query count, then
the median time of the **bare view**: a plain Django view, called without middleware, that
runs the same aggregates over the same tables, unscoped, and answers their numbers as JSON
(no permission filter, no chart, no template). ``ratio`` is page / bare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = tempfile.mkdtemp(prefix="shinsa-bench-dashboards-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ["SHINSA_VAR_DIR"] = _TMP
os.environ["JOBS_RUNNER"] = "inline"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

ROLE_OF = {
    "department": "staff_a",
    "reviewer": "reviewer",
    "approver": "approver",
    "security": "security",
    "csirt": "csirt",
    "ciso": "ciso",
    "auditor": "auditor",
}


def _bare_views() -> dict[str, Callable[[Any], Any]]:
    """Per dashboard, a plain view: the same aggregates, unscoped, answered as JSON."""
    from django.db.models import Count, Q
    from django.http import JsonResponse
    from django.utils import timezone

    from governance.karte.rules import with_coverage
    from governance.models import (
        BudgetCheck,
        Case,
        ConnectionApproval,
        Deadline,
        DecisionRecord,
        Incident,
        InformationSystem,
        SecurityEvent,
    )

    def answer(*querysets: Any) -> Any:
        return JsonResponse({"rows": [list(map(str, qs)) for qs in querysets]})

    now = timezone.now()
    month = now - dt.timedelta(days=30)

    def department(request: Any) -> Any:
        dept = request.user.department_id
        return answer(
            Case.objects.filter(department_id=dept)
            .values_list("kind", "status")
            .annotate(n=Count("pk")),
            ConnectionApproval.objects.filter(case__department_id=dept).values_list("pk")[:20],
            SecurityEvent.objects.filter(reports__user=request.user.pk)
            .values_list("status")
            .annotate(n=Count("pk")),
        )

    def reviewer(request: Any) -> Any:
        return answer(
            BudgetCheck.objects.values_list("reviewer_id", "created_at__date").annotate(
                n=Count("pk")
            ),
            [Case.objects.filter(status__in=("submitted", "under_review")).count()],
        )

    def approver(request: Any) -> Any:
        return answer(
            Case.objects.filter(status="awaiting_approval").values_list("pk", "number")[:20],
            DecisionRecord.objects.filter(decided_at__gte=month)
            .values_list("decision_label")
            .annotate(n=Count("pk")),
            [DecisionRecord.objects.filter(sod__ok=False).count()],
        )

    def security(request: Any) -> Any:
        return answer(
            Case.objects.filter(kind="network_connection")
            .values_list("status")
            .annotate(n=Count("pk")),
            ConnectionApproval.objects.values_list("segment", "status").annotate(n=Count("pk")),
            with_coverage(InformationSystem.objects.all())
            .values_list("coverage")
            .annotate(n=Count("pk")),
        )

    def csirt(request: Any) -> Any:
        return answer(
            Incident.objects.values_list("severity", "phase").annotate(n=Count("pk")),
            Deadline.objects.filter(status__in=("running", "missed"))
            .order_by("due_at")
            .values_list("case_id", "kind", "due_at")[:30],
            SecurityEvent.objects.filter(received_at__gte=now - dt.timedelta(days=14))
            .values_list("source_id")
            .annotate(n=Count("pk")),
        )

    def ciso(request: Any) -> Any:
        return answer(
            Incident.objects.filter(severity__in=("L3", "L4")).values_list("pk")[:20],
            Incident.objects.values_list("category").annotate(n=Count("pk")),
            with_coverage(InformationSystem.objects.all())
            .values_list("coverage")
            .annotate(n=Count("pk")),
        )

    def auditor(request: Any) -> Any:
        return answer(
            DecisionRecord.objects.values_list("decision_label").annotate(
                n=Count("pk"), bad=Count("pk", filter=Q(sod__ok=False))
            ),
            Deadline.objects.filter(status="missed").values_list("kind").annotate(n=Count("pk")),
        )

    return {
        "department": department,
        "reviewer": reviewer,
        "approver": approver,
        "security": security,
        "csirt": csirt,
        "ciso": ciso,
        "auditor": auditor,
    }


def _median(func: Callable[[], Any], repeat: int) -> float:
    func()  # warm caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def build(cases: int, incident_share: float, network_share: float) -> dict[str, Any]:
    from governance.models import Case, ConnectionApproval, Deadline, SecurityEvent
    from governance.roles import Role
    from tests.dashboard_world import (
        build_world,
        coverage_registry,
        dashboard_cast,
        grow,
        reset_sequences,
    )
    from tests.factories import DepartmentFactory, make_user

    dept_a = DepartmentFactory.create(code="dept-a", name="総務部")
    dept_b = DepartmentFactory.create(code="dept-b", name="財務部")
    cast = {
        "staff_a": make_user("staff_a", Role.DEPARTMENT_STAFF, dept_a),
        "reviewer": make_user("reviewer", Role.GOVERNANCE_REVIEWER),
        "approver": make_user("approver", Role.GOVERNANCE_APPROVER),
        "csirt": make_user("csirt", Role.CSIRT_MEMBER),
        "auditor": make_user("auditor", Role.AUDITOR),
    }
    dept_a.liaison = cast["reviewer"]
    dept_a.save()
    people = dashboard_cast(cast)
    world = build_world(people, dept_a)
    started = time.perf_counter()
    grow(world, cases, dept_b, incident_share=incident_share, network_share=network_share)
    coverage_registry(dept_a)
    reset_sequences(Case, ConnectionApproval, Deadline, SecurityEvent)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{Case.objects.count():,} cases written in {time.perf_counter() - started:.1f} s "
        f"({connection.vendor})"
    )
    return people


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--incident-share",
        type=float,
        default=1 / 3,
        help="share of incidents (each with an open legal clock); 0.03 is closer to an office",
    )
    parser.add_argument("--network-share", type=float, default=1 / 6)
    parser.add_argument(
        "--keep", action="store_true", help="keep the test database and reuse its data next time"
    )
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keep)
    try:
        from django.test import RequestFactory

        from bench.common import signed_in_client
        from governance.models import Case, User

        if args.keep and Case.objects.exists():
            people = {user.username: user for user in User.objects.all()}
            print(f"{Case.objects.count():,} cases kept from the last run ({connection.vendor})")
        else:
            people = build(args.cases, args.incident_share, args.network_share)
        bare = _bare_views()
        factory = RequestFactory()
        print(
            f"{'dashboard':<12} {'queries':>7} {'page ms':>9} {'bare ms':>9} {'ratio':>6}"
            f" {'bare q':>6}"
        )
        for role, name in ROLE_OF.items():
            client = signed_in_client(people[name])
            url = f"/home/dashboards/{role}/"
            assert client.get(url).status_code == 200, role
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            page = _median(partial(client.get, url), args.repeat)
            request = factory.get("/bare/")
            request.user = people[name]
            with CaptureQueriesContext(connection) as bare_queries:
                bare[role](request)
            floor = _median(partial(bare[role], request), args.repeat)
            print(
                f"{role:<12} {len(queries):>7} {page:>9.1f} {floor:>9.1f} {page / floor:>6.1f}"
                f" {len(bare_queries):>6}"
            )
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The CSIRT's pages at 10,000 events and 1,000 incidents, against bare views over the same
tables (``bench/floors/incidents.py``).

    .venv/bin/python bench/bench_incidents.py [--events 10000] [--incidents 1000] [--runs 15]

Runs on a throw-away test database: SQLite by default, PostgreSQL when DATABASE_URL is set
(the test database ``test_<name>`` is created and dropped).

Prints, for the event queue (新着の通報), my incidents (担当のインシデント) and the incident page
(with 40 timeline entries, 15 tasks and 20 observables): the median and p95 time of a GET as a
CSIRT member through the whole site (middleware, session, second-factor check, menus), its
number of queries, the bare view's median and queries, and their ratio. The incident rows are
made directly (bulk); the one whose page is timed is opened through the real flow.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = tempfile.mkdtemp(prefix="shinsa-bench-incidents-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ["SHINSA_VAR_DIR"] = _TMP
os.environ["JOBS_RUNNER"] = "inline"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
)

from bench.common import signed_in_client, timed  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _world(events: int, incidents: int) -> tuple[object, object, int]:
    """The CSIRT member who handles a third of the incidents, and the incident to open."""
    from django.utils import timezone

    from governance.models import (
        Department,
        EventReport,
        Incident,
        IncidentTask,
        IntakeSource,
        Observable,
        SecurityEvent,
        TimelineEntry,
    )
    from governance.roles import Role
    from tests.factories import make_user
    from tests.incidents_support import promote, report

    department = Department.objects.create(code="bench", name="総務部")
    staff = make_user("staff", Role.DEPARTMENT_STAFF, department)
    csirt = make_user("csirt", Role.CSIRT_MEMBER)
    now = timezone.now()
    # The incident whose page is timed: reported, then promoted through the real flow.
    first = report(staff, "ランサムウェアの脅迫画面が表示された")
    incident = promote(csirt, [first], department=department, title="ランサムウェア感染")
    Incident.objects.filter(pk=incident.pk).update(handler=csirt)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(incident=incident, at=now, kind="note", text=f"記録{n}", actor=csirt)
        for n in range(40)
    )
    IncidentTask.objects.bulk_create(
        IncidentTask(incident=incident, title=f"作業{n}", phase="analysis", assignee=csirt)
        for n in range(15)
    )
    Observable.objects.bulk_create(
        Observable(incident=incident, type="ip", value=f"192.0.2.{n}", created_by=csirt)
        for n in range(20)
    )
    phases = ["triage", "analysis", "containment", "recovery", "closed"]
    for n in range(2, incidents + 1):
        Incident(
            kind="incident",
            fiscal_year=2026,
            sequence=n,
            number=f"IN-2026-{n:04d}",
            title=f"事案{n}",
            department=department,
            requester=csirt,
            aware_at=now - dt.timedelta(hours=n),
            reported_to_csirt_at=now - dt.timedelta(hours=n),
            phase=phases[n % len(phases)],
            handler=csirt if n % 3 == 0 else None,
        ).save()
    sources = list(IntakeSource.objects.all())
    statuses = ["new", "triaging", "dismissed", "promoted", "duplicate"] * 2
    made = SecurityEvent.objects.bulk_create(
        SecurityEvent(
            number=f"EV-2026-{n:05d}",
            fiscal_year=2026,
            source=sources[n % len(sources)],
            source_ref=f"bench-{n}",
            channel="api",
            received_at=now - dt.timedelta(minutes=n),
            aware_at=now - dt.timedelta(minutes=n),
            title=f"検知{n}",
            status=statuses[n % len(statuses)],
        )
        for n in range(2, events + 1)
    )
    EventReport.objects.bulk_create(
        EventReport(event=e, user=staff, reported_at=now) for e in made[::2]
    )
    return csirt, incident, SecurityEvent.objects.count()


def _measure(client: object, url: str, runs: int) -> tuple[list[float], int, int]:
    response = client.get(url)  # type: ignore[attr-defined]  # a test client
    assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)  # type: ignore[attr-defined]
    # Counted now: the captured list is a view of the log the next request clears.
    count = len(queries)
    samples = [timed(lambda: client.get(url)) for _ in range(runs)]  # type: ignore[attr-defined]
    return samples, count, len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    setup_test_environment(debug=False)  # production-like; the query log kept only when captured
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from governance.models import Incident

        csirt, incident, event_count = _world(args.events, args.incidents)
        client = signed_in_client(csirt)
        pk = incident.pk  # type: ignore[attr-defined]
        print(
            f"database: {connection.vendor}  events: {event_count:,}  "
            f"incidents: {Incident.objects.count():,}  runs: {args.runs}"
        )
        print(
            f"{'page':<22}{'median':>10}{'p95':>10}{'queries':>9}"
            f"{'bare median':>13}{'bare q':>8}{'ratio':>8}"
        )
        with override_settings(ROOT_URLCONF="bench.floors.incidents"):
            for label, ours, bare in (
                ("event queue", "/incidents/", "/floor/incidents/queue/"),
                ("my incidents", "/incidents/mine/", "/floor/incidents/mine/"),
                ("incident page", f"/incidents/{pk}/", f"/floor/incidents/{pk}/"),
            ):
                samples, queries, _size = _measure(client, ours, args.runs)
                floor, floor_queries, _ = _measure(client, bare, args.runs)
                ordered = sorted(samples)
                p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
                median = statistics.median(samples)
                print(
                    f"{label:<22}{median:>8.1f}ms{p95:>8.1f}ms{queries:>9}"
                    f"{statistics.median(floor):>11.1f}ms{floor_queries:>8}"
                    f"{median / statistics.median(floor):>8.1f}"
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How long the clock runner takes: one pass over many clocks that all reached a stage.

    .venv/bin/python bench/bench_clocks.py [--clocks 500]

Runs on a throw-away test database: SQLite by default, PostgreSQL when DATABASE_URL is set
(the test database ``test_<name>`` is created and dropped).

Prints the time and the number of queries of:
- a pass with nothing to do (every clock's next notice is later): the cost every minute;
- a pass where every clock reaches its half-time reminder (one notice each);
- a pass where every clock is breached (missed, escalated to two roles: three notices each,
  one audit event each);
and the time of ``legal_due`` and of starting one clock through its service. Jobs run inline
(the embedded default), so a pass includes sending its e-mails (to a memory backend).
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
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = tempfile.mkdtemp(prefix="shinsa-bench-clocks-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ["SHINSA_VAR_DIR"] = _TMP
os.environ["JOBS_RUNNER"] = "inline"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
JST = ZoneInfo("Asia/Tokyo")


def _timed_pass(label: str, now: dt.datetime) -> None:
    from governance.clocks.runner import run_deadlines

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        sent = run_deadlines(now=now)
    elapsed = (time.perf_counter() - started) * 1000
    print(f"{label:<36} {elapsed:9.1f} ms  {len(queries):>3} queries  {sent:>6} notices")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=500)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from governance.clocks import runner
        from governance.clocks.models import Deadline, DeadlineKind
        from governance.clocks.services import start_deadline
        from governance.japanese import legal_due
        from governance.models import Case, CaseKind, Department, User
        from governance.roles import Role

        department = Department.objects.create(code="bench", name="総務部")
        csirt = User.objects.create(username="csirt", email="csirt@example.jp")
        csirt.groups.add(Group.objects.get(name=Role.CSIRT_MEMBER))
        for role in (Role.CSIRT_LEAD, Role.CISO):
            user = User.objects.create(username=role, email=f"{role}@example.jp")
            user.groups.add(Group.objects.get(name=role))
        starts_at = dt.datetime(2026, 12, 1, 9, tzinfo=JST)
        cases = Case.objects.bulk_create(
            Case(
                kind=CaseKind.INCIDENT,
                fiscal_year=2026,
                sequence=n,
                number=f"IN-2026-{n:05d}",
                title=f"漏えい{n}",
                department=department,
                requester=csirt,
            )
            for n in range(1, args.clocks + 1)
        )
        start_times = []
        for case in cases:
            began = time.perf_counter()
            start_deadline(
                actor=csirt,
                kind=DeadlineKind.PPC_FINAL,
                case=case,
                starts_at=starts_at,
                holder=csirt,
            )
            start_times.append((time.perf_counter() - began) * 1000)
        samples = []
        for _ in range(2000):
            began = time.perf_counter()
            legal_due(dt.date(2026, 12, 1), 30)
            samples.append((time.perf_counter() - began) * 1_000_000)

        print(f"database: {connection.vendor}  clocks: {Deadline.objects.count()}")
        print(
            f"start_deadline (service, audited)    median {statistics.median(start_times):.2f} ms"
        )
        print(f"legal_due                            median {statistics.median(samples):.1f} µs")
        print(f"runner batch: {runner.BATCH} clocks per pass")
        _timed_pass("pass with nothing due", dt.datetime(2026, 12, 2, 9, tzinfo=JST))
        _timed_pass("pass: every clock at half time", dt.datetime(2026, 12, 19, 9, tzinfo=JST))
        _timed_pass("pass: every clock breached", dt.datetime(2027, 1, 5, 9, tzinfo=JST))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

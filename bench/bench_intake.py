"""Monitoring intake throughput over the API: events per second posted one by one and in
batches of 100, through the whole site (key authentication, throttle, serializer, service,
audit chain, CSIRT notices), and the same alert posted again (the idempotent 200).

    .venv/bin/python bench/bench_intake.py [--events 300]

Runs on a throw-away test database: SQLite by default, PostgreSQL when DATABASE_URL is set.
The per-key limit (60 a minute) is lifted for the measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = tempfile.mkdtemp(prefix="shinsa-bench-intake-")
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


def _alert(ref: str) -> dict[str, object]:
    return {
        "source_ref": ref,
        "title": "改ざんを検知しました",
        "detected_at": "2026-11-30T10:00:00+09:00",
        "target": "https://www.example.lg.jp/",
        "observables": [{"type": "url", "value": "hxxp://evil[.]example/x"}],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()

    setup_test_environment(debug=False)
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from django.test import Client

        from governance.api.access import PerKeyIntakeThrottle
        from governance.models import SecurityEvent
        from governance.roles import Role
        from tests.api_support import issue_key
        from tests.factories import make_user

        PerKeyIntakeThrottle.THROTTLE_RATES = {"intake": "1000000/min", "read": "600/min"}
        make_user("csirt", Role.CSIRT_MEMBER)  # hears of every new event
        cast = {"admin": make_user("admin", Role.ADMIN)}
        _key, secret = issue_key(cast, scopes=("events:create",))
        client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")

        def post(url: str, body: object) -> int:
            response = client.post(url, data=json.dumps(body), content_type="application/json")
            return int(response.status_code)

        assert post("/api/v1/security-events/", _alert("warm")) == 201
        started = time.perf_counter()
        for n in range(args.events):
            assert post("/api/v1/security-events/", _alert(f"one-{n}")) == 201
        single = args.events / (time.perf_counter() - started)
        started = time.perf_counter()
        for n in range(args.events):
            assert post("/api/v1/security-events/", _alert(f"one-{n}")) == 200
        again = args.events / (time.perf_counter() - started)
        batches = max(1, args.events // 100)
        started = time.perf_counter()
        for b in range(batches):
            items = [_alert(f"batch-{b}-{n}") for n in range(100)]
            assert post("/api/v1/security-events/batch/", {"items": items}) == 200
        batch = batches * 100 / (time.perf_counter() - started)
        with CaptureQueriesContext(connection) as one:
            post("/api/v1/security-events/", _alert("counted"))
        one_count = len(one)
        with CaptureQueriesContext(connection) as many:
            post(
                "/api/v1/security-events/batch/", {"items": [_alert(f"q-{n}") for n in range(100)]}
            )
        batch_count = len(many)
        print(f"database: {connection.vendor}  events recorded: {SecurityEvent.objects.count():,}")
        print(f"one by one (201)          {single:8.1f} events/s  {one_count:>5} queries each")
        print(f"the same alert again (200){again:8.1f} events/s")
        print(f"batches of 100            {batch:8.1f} events/s  {batch_count:>5} queries a batch")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

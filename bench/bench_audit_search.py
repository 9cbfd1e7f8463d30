"""Benchmark of the audit search (監査証跡) and of the audit package (監査パッケージ).

- The search page at 1,000 and at 100,000 events: its number of queries (must not grow) and
  its time, against a bare Django view over the same table (the newest 100 events, no labels,
  no filters) — the ratio is what the labels, filters and verification links cost.
- The package of a spec review with 20 attachments: the time to build the ZIP.

Runs against a throw-away database: SQLite in a temporary directory by default, or a
``bench_<name>`` database next to ``DATABASE_URL`` when it is set. Prints numbers; asserts
only that the query count is constant.

    .venv/bin/python bench/bench_audit_search.py [--events 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ.setdefault("SHINSA_VAR_DIR", tempfile.mkdtemp(prefix="shinsa-bench-"))
os.environ.setdefault("JOBS_RUNNER", "inline")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

BARE = Template(
    "<table>{% for e in events %}<tr><td>{{ e.sequence }}</td><td>{{ e.occurred_at }}</td>"
    "<td>{{ e.actor_name }}</td><td>{{ e.action }}</td><td>{{ e.object_repr }}</td>"
    "<td>{{ e.changes }}</td><td>{{ e.reason }}</td></tr>{% endfor %}</table>"
)


def bare_view(request: object) -> str:
    """What a plain Django list of the same table costs: one query, no labels."""
    from governance.models import AuditEvent

    events = list(AuditEvent.objects.order_by("-sequence")[:100])
    return BARE.render(Context({"events": events}))


def add_events(case: Any, actor: Any, count: int) -> None:
    from governance.audit.services import PendingEvent, record_events

    batch = 5000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        with transaction.atomic():
            record_events(
                actor=actor,
                events=[
                    PendingEvent(
                        action="spec_review.finding.add",
                        obj=case,
                        changes={"reviewer": [None, actor.pk], "round": [i, i + 1]},
                        reason=f"確認 {start + i}",
                    )
                    for i in range(size)
                ],
            )


def measure(label: str, auditor: Any, repeat: int, params: dict[str, str]) -> tuple[float, int]:
    from governance.decisions.views import AuditSearchView
    from governance.models import AuditEvent

    factory = RequestFactory()
    view = AuditSearchView.as_view()

    def search() -> None:
        request = factory.get("/audit/", params)
        request.user = auditor
        response = view(request)
        response.render()  # type: ignore[attr-defined]

    def bare() -> None:
        bare_view(factory.get("/bare/"))

    search()
    bare()
    with CaptureQueriesContext(connection) as queries:
        search()
    ours = []
    plain = []
    for _ in range(repeat):
        start = time.perf_counter()
        search()
        ours.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        bare()
        plain.append((time.perf_counter() - start) * 1000)
    median, base = statistics.median(ours), statistics.median(plain)
    print(
        f"{label:<24} {AuditEvent.objects.count():>7,} events  search {median:7.1f} ms"
        f"  bare view {base:6.1f} ms  ratio {median / base:5.2f}  queries {len(queries)}"
    )
    return median, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    setup_test_environment()
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{settings_dict['NAME']}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.events, args.repeat)
    finally:
        connection.creation.destroy_test_db(settings_dict["NAME"], verbosity=0)


def run(count: int, repeat: int) -> None:
    from django.core.files.base import ContentFile

    from governance.decisions import package
    from governance.models import Attachment, User
    from governance.org import demo as org
    from governance.spec_review import services
    from tests.spec_docs import clean_spec, docx_upload

    org.load(io.StringIO())
    staff = User.objects.get(username="staff_somu")
    reviewer = User.objects.get(username="reviewer")
    auditor = User.objects.get(username="auditor")
    review = services.register_spec_review(
        actor=staff,
        title="ベンチマーク用の仕様書確認",
        fiscal_year=2025,
        procurement_type="service",
        estimated_price=48_500_000,
        contract_board_date=dt.date(2025, 10, 1),
        spec_file=docx_upload(clean_spec()),
    )
    print(f"== Audit search ({connection.vendor})")
    add_events(review, reviewer, 1000)
    filters = {"kind": "spec_review", "action": "spec_review."}
    measure("newest 100, no filter", auditor, repeat, {})
    _small, few = measure("kind + action filter", auditor, repeat, filters)
    start = time.perf_counter()
    add_events(review, reviewer, count - 1000)
    print(f"(added {count - 1000:,} events in {time.perf_counter() - start:.1f} s)")
    measure("newest 100, no filter", auditor, repeat, {})
    _large, many = measure("kind + action filter", auditor, repeat, filters)
    assert few == many, (few, many)
    print(f"query count constant: {few} with 1,000 and {many} with {count:,} events")

    print("\n== Audit package of a case with 20 attachments")
    packaged = services.register_spec_review(
        actor=staff,
        title="添付20件の仕様書確認",
        fiscal_year=2025,
        procurement_type="service",
        estimated_price=48_500_000,
        contract_board_date=dt.date(2025, 10, 1),
        spec_file=docx_upload(clean_spec()),
    )
    for number in range(19):
        content = os.urandom(200_000)
        Attachment.objects.create(
            case=packaged,
            purpose="reference",
            file=ContentFile(content, name=f"bench-{number}.bin"),
            original_name=f"添付{number + 1}.bin",
            content_type="application/octet-stream",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=staff,
        )
    print(f"attachments: {Attachment.objects.filter(case=packaged).count()}")
    times = []
    size = 0
    for _ in range(3):
        start = time.perf_counter()
        with transaction.atomic():
            size = len(package.build(packaged, auditor))
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"package build (ZIP {size / 1e6:.1f} MB, chain of {count:,} events verified inside):"
        f" median {statistics.median(times):.0f} ms over {len(times)}"
    )
    from governance.audit.services import verify_chain

    start = time.perf_counter()
    verify_chain()
    print(f"of which verify_chain alone: {(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

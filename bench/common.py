"""What the benchmarks share: timing and its summary line, signed-in clients (past the second
factor where the role needs it), and the flow-and-document measurement of the flow benchmarks.

Approvers, the CISO, CSIRT leads, auditors and administrators are asked for their TOTP code
before any page; a client that only logged in would be redirected there, and a benchmark that
posts a step as them would time the redirect instead of the step. (``bench_ratios`` keeps its
own copy, so that it can still run against older checkouts that lack this module.)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any


def signed_in_client(user: Any) -> Any:
    """A test client logged in as ``user``, with the session marked as ``django_otp.login``
    marks it after a correct code when the user's roles require one."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from governance import permissions

    client = Client()
    client.force_login(user)
    if permissions.requires_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def timed(func: Callable[[], Any]) -> float:
    """Milliseconds one call of ``func`` takes."""
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000


def summary(label: str, samples: list[float]) -> str:
    """One line: count, median, mean and 95th percentile in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{label:<36} n={len(samples):>3}  median {statistics.median(samples):8.1f} ms"
        f"  mean {statistics.fmean(samples):8.1f} ms  p95 {p95:8.1f} ms"
    )


def report_flow_and_document(
    *,
    flows: int,
    documents: int,
    driver_flow: Callable[[int], Any],
    http_flow: Callable[[int], Any],
    template: str,
    build_context: Callable[[Any], Any],
    document_name: str,
    driver_label: str,
    http_label: str,
) -> None:
    """The common half of the flow benchmarks: warm up, time the flow through the driver and
    through HTTP, then the document's render alone and its whole job; print the lines."""
    from django.db import connection

    from governance.documents import render_docx
    from governance.jobs.outbox import run
    from governance.models import AdvisoryDocument, DocumentVersion, Job

    driver_flow(0)  # warm-up: imports, template compilation, URL resolvers
    http_flow(0)
    driven = [timed(partial(driver_flow, i)) for i in range(1, flows + 1)]
    web = [timed(partial(http_flow, i)) for i in range(1, flows + 1)]

    document = AdvisoryDocument.objects.filter(template=template).first()
    assert document is not None
    context = build_context(document.case)
    render = [timed(lambda: render_docx(template, context)) for _ in range(documents)]
    jobs = []
    for _ in range(documents):
        job = Job.objects.create(
            kind="render_document",
            payload={"document_id": document.pk},
            case=document.case,
            available_at=document.created_at,
        )
        jobs.append(timed(partial(run, job.pk)))
    versions = DocumentVersion.objects.filter(document=document).count()
    last = DocumentVersion.objects.filter(document=document).last()

    print(f"database: {connection.vendor}  (jobs inline; {versions} versions of {document_name})")
    if last is not None:
        print(f"document size: {last.file.size:,} bytes")
    print(summary("render (docxtpl only)", render))
    print(summary("document job (render+store+audit)", jobs))
    print(summary(driver_label, driven))
    print(summary(http_label, web))
    print(
        "ratios: document job / driver flow = "
        f"{statistics.median(jobs) / statistics.median(driven):.2f}; "
        f"HTTP flow / driver flow = {statistics.median(web) / statistics.median(driven):.2f}"
    )

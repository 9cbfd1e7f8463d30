"""The auditor's verification journey in a real browser: from the home page to 監査記録の照合,
the verification run against a chain changed before the anchored sequence shows the anchor
不一致, and nothing on the page is wider than a 1,366 px window (the hashes wrap)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from governance.audit.anchors import chain_head, issue_monthly_anchor
from governance.models import AuditEvent
from tests.browser import sign_in, wait_for_page
from tests.test_audit_chain_anchor import tamper_reason, write_events
from tests.test_journeys_audit import TOO_WIDE_JS, WIDE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_auditor_runs_the_verification_and_sees_the_anchor_not_held(
    live_server: Any, page: Any, cast: Any, tmp_path: Path
) -> None:
    write_events(3)
    head = chain_head()
    assert head is not None
    with transaction.atomic():
        issue_monthly_anchor(period="2026-11", now=timezone.now(), head=head)
    tamper_reason(2)
    base = live_server.url
    page.set_viewport_size({"width": WIDE, "height": 900})
    sign_in(page, base, "auditor")
    page.click("#anchor-verify-link")
    wait_for_page(page, re.compile(r"/audit/verify/"))
    assert "一致" in page.locator("#anchor-2026-11").inner_text()
    page.click("#verify-form button[type=submit]")
    wait_for_page(page, re.compile(r"/audit/verify/"))
    page.wait_for_selector("#verify-result", state="attached")
    row = page.locator("#anchor-2026-11").inner_text()
    assert "不一致" in row and "通番 2 の記録が改ざんされている" in row
    assert AuditEvent.objects.filter(action="audit.verify").count() == 1
    found = page.evaluate(TOO_WIDE_JS, WIDE)
    page.screenshot(path=str(tmp_path / "verify.png"), full_page=True)
    assert found == [], found

"""The auditor's journey in a real browser (issue 15): from the home page to a spec review's
決定の経緯, the approval expanded with its evidence hash verified and the documents the approver
opened, the audit package exported and its manifest checked; and no element of the trace or
of the audit search is wider than a 1,366 px window."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from governance.models import DecisionRecord
from tests.browser import sign_in, wait_for_page
from tests.spec_cases import approved_review

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDE = 1366
#: Elements whose right edge lies past the window (a scrolling table is an overflow too).
TOO_WIDE_JS = """(width) => {
  const found = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 1 || box.width > width + 1) {
      const name = `${element.tagName.toLowerCase()}#${element.id}.${element.className}`;
      found.push(`${name} ${Math.round(box.right)}`);
    }
  }
  return found.concat(document.documentElement.scrollWidth > width
    ? [`document ${document.documentElement.scrollWidth}`] : []);
}"""


def _opened_by_the_approver(login: Any, cast: Any) -> Any:
    def open_v2(review: Any) -> None:
        version = review.versions.order_by("-number").first()
        client = login(cast["approver"])
        url = f"/home/attachments/{version.attachment.pk}/download/"
        assert client.get(url).status_code == 200

    return open_v2


def test_the_auditor_follows_an_approval_to_its_evidence_and_exports_the_package(
    live_server: Any, page: Any, cast: Any, login: Any, run_jobs: Any, tmp_path: Path
) -> None:
    review = approved_review(cast, before_approval=_opened_by_the_approver(login, cast))
    approval = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    base = live_server.url
    page.set_viewport_size({"width": WIDE, "height": 900})
    sign_in(page, base, "auditor")
    page.locator("#recent-decisions a", has_text=review.number).first.click()
    wait_for_page(page, re.compile(rf"/home/cases/{review.pk}/trace/"))
    decision = page.locator(f"#decision-{approval.pk}")
    decision.locator("summary").click()
    assert decision.locator(".shinsa-check--match").count() >= 1
    assert decision.locator(".shinsa-check--mismatch").count() == 0
    assert "一致" in decision.inner_text()
    opened = decision.inner_text()
    assert "判断前に閲覧した資料" in opened and "第2版" in opened
    page.click("#package-link")
    wait_for_page(page, re.compile(rf"/home/cases/{review.pk}/audit-package/"))
    page.click("#package-request")
    wait_for_page(page, re.compile(rf"/home/cases/{review.pk}/audit-package/"))
    for _visit in range(10):  # the worker builds the package; the page shows it when done
        run_jobs()
        page.goto(f"{base}/home/cases/{review.pk}/audit-package/")
        page.wait_for_selector("html:not([aria-busy])", state="attached")
        if page.locator(".shinsa-package-download").count():
            break
        page.wait_for_timeout(500)
    with page.expect_download() as download_info:
        page.locator(".shinsa-package-download").first.click()
    path = tmp_path / "package.zip"
    download_info.value.save_as(path)
    archive = zipfile.ZipFile(path)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case"] == review.number
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    assert json.loads(archive.read("chain.json"))["verify_chain"]["ok"] is True


def test_no_element_of_the_trace_or_the_search_is_wider_than_1366_pixels(
    live_server: Any, page: Any, cast: Any, login: Any, tmp_path: Path
) -> None:
    review = approved_review(
        cast,
        before_approval=_opened_by_the_approver(login, cast),
        title="基幹業務システム再構築に係る仕様書確認（長い件名の折り返しを確かめるための件名）",
    )
    base = live_server.url
    page.set_viewport_size({"width": WIDE, "height": 900})
    sign_in(page, base, "auditor")
    too_wide = {}
    for path in (
        f"/home/cases/{review.pk}/trace/",
        "/audit/",
        f"/audit/?case={review.number}",
        "/audit/extractions/spec-reviews/?fiscal_year=2025",
        f"/home/cases/{review.pk}/audit-package/",
        f"/home/cases/{review.pk}/as-of/",
    ):
        page.goto(f"{base}{path}")
        page.wait_for_selector("html:not([aria-busy])", state="attached")
        for summary in page.locator("details > summary").all():
            summary.click()
        found = page.evaluate(TOO_WIDE_JS, WIDE)
        shot = tmp_path / (re.sub(r"\W+", "_", path) + ".png")
        page.screenshot(path=str(shot), full_page=True)
        if found:
            too_wide[path] = (found[:10], str(shot))
    assert too_wide == {}

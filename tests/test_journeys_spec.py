"""A mandatory spec review can be driven end to end in a real browser, from the department's
upload through the scan's drafts and a resubmission to the approved document, and a file that
is not a Word document is refused on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from governance.models import (
    AdvisoryDocument,
    CaseStatus,
    Finding,
    InformationSystem,
    LedgerStatus,
    Perspective,
    SpecReview,
    SpecScanResult,
    User,
)
from governance.uploads import UPLOAD_NOT_DOCX, UPLOAD_WRONG_TYPE
from tests.browser import open_task_from_inbox, sign_in, sign_out, submit, wait_for_page
from tests.document_samples import MAX_PAGES, pdf_pages
from tests.spec_cases import locked_in_system
from tests.spec_docs import CLAUSE_PARAGRAPHS, DOCX_TYPE, docx_text, make_spec
from workflows.models import CaseProcess

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

START_PAGE = re.compile(r"/spec_review/start/$")
CASE_PAGE = re.compile(r"/spec_review/\d+/$")
TASK_PAGE = re.compile(r"/spec_review/\d+/\w+/\d+/(execute|assign)/$")

LOCK_IN_PHRASE = "同等品不可"
EXIT_CLAUSE = "契約終了時のデータ移行・提供"


def first_spec() -> bytes:
    """Refuses equivalents and has every exit clause but the one on data at contract end."""
    return make_spec(
        paragraphs=[
            "データベースは、現行と同一の製品とすること。同等品不可とする。",
            *CLAUSE_PARAGRAPHS[1:],
        ],
        with_clauses=False,
    )


def revised_spec() -> bytes:
    """The department's revision: equivalents allowed; still no data-exit clause."""
    return make_spec(
        paragraphs=[
            "データベースは、リレーショナルデータベースとすること。",
            "操作ログを1年以上保存すること。",
            *CLAUSE_PARAGRAPHS[1:],
        ],
        with_clauses=False,
    )


@pytest.fixture
def system(dept_a: Any) -> InformationSystem:
    return locked_in_system(dept_a)


def stay_on_page(page: Any, button: Any) -> None:
    """Press ``button`` (a locator), which posts to the page itself, and wait until the page
    is shown again."""
    with page.expect_navigation():
        button.click()
    page.wait_for_selector("html:not([aria-busy])", state="attached")


def assert_in_view(page: Any, selector: str) -> None:
    """The element's top is on the screen, below the page's top (the position was kept)."""
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and 0 <= box["y"] < height, (selector, box)
    # The window or the shell's scrolling box moved away from the top.
    scrolled = page.evaluate(
        "() => Math.max(window.scrollY,"
        " ...Array.from(document.querySelectorAll('*'), e => e.scrollTop))"
    )
    assert scrolled > 0


def draft_of(review: SpecReview, phrase: str) -> SpecScanResult:
    return SpecScanResult.objects.get(
        version__review=review, phrase=phrase, status=SpecScanResult.Status.PENDING
    )


def fill_checklist(page: Any, issues: tuple[str, ...] = ()) -> None:
    for perspective in Perspective:
        result = "issue" if perspective.value in issues else "ok"
        page.select_option(f"select[name=result_{perspective.value}]", result)


def test_a_mandatory_spec_review_goes_from_upload_through_revision_to_an_approved_document(
    frozen_now: Any,
    live_server: Any,
    page: Any,
    cast: dict[str, User],
    system: InformationSystem,
    tmp_path: Any,
) -> None:
    # The clock stands at 1 October 2026: fiscal year 2026 (令和8年度).
    base = live_server.url

    # Department staff register a procurement at the threshold with a locked-in spec.
    sign_in(page, base, "staff_a")
    page.click("a[href$='/spec_review/start/']")
    wait_for_page(page, START_PAGE)
    assert page.input_value("input[name=fiscal_year]") == "2026"
    page.fill("input[name=title]", "税務システム再構築")
    page.select_option("select[name=system]", str(system.pk))
    page.check("input[name=procurement_type][value=service]")
    page.fill("input[name=estimated_price]", "３６，０００，０００円")
    page.fill("input[name=contract_board_date]", "令和８年１１月３０日")
    page.set_input_files(
        "input[name=spec_file]",
        files=[{"name": "仕様書.docx", "mimeType": DOCX_TYPE, "buffer": first_spec()}],
    )
    submit(page, CASE_PAGE)
    review = SpecReview.objects.get()
    assert review.estimated_price == 36_000_000

    # The case page says the review is mandatory, and why.
    assert "必須" in page.inner_text("#spec-category")
    assert "予定価格 36,000,000円 ≥ 基準額 36,000,000円" in page.inner_text("#spec-routing")
    assert "ロックインの可能性あり" in page.inner_text("#spec-lock-in")
    assert LOCK_IN_PHRASE in page.inner_text("#spec-scan")
    assert EXIT_CLAUSE in page.inner_text("#spec-scan")
    sign_out(page)

    # The liaison accepts the lock-in draft, dismisses the exit-clause one, adds a finding.
    sign_in(page, base, "reviewer")
    open_task_from_inbox(page, review.number, TASK_PAGE)
    review_url = page.url
    accepted = draft_of(review, LOCK_IN_PHRASE)
    stay_on_page(page, page.locator(f"#draft-{accepted.pk} .shinsa-draft__form button"))
    assert "自動検出結果を指摘事項に採用しました。" in page.inner_text("main")
    # The page comes back at the new finding's row, not at its top.
    finding = Finding.objects.get(case=review)
    assert page.url.endswith(f"#finding-{finding.pk}")
    assert_in_view(page, f"#finding-{finding.pk}")
    dismissed = draft_of(review, EXIT_CLAUSE)
    page.fill(f"#dismiss-{dismissed.pk}", "契約書案第12条でデータの提供を定めています。")
    stay_on_page(page, page.locator(f"#draft-{dismissed.pk} .shinsa-inline-form button"))
    assert "自動検出結果を不採用にしました。" in page.inner_text("main")
    assert page.url.endswith("#spec-findings")  # no draft left: back at the findings
    assert_in_view(page, "#spec-findings")
    assert not SpecScanResult.objects.filter(
        version__review=review, status=SpecScanResult.Status.PENDING
    ).exists()
    page.select_option("#add-finding select[name=perspective]", Perspective.SECURITY)
    page.fill("#add-finding textarea[name=text]", "ログの保存期間が定められていません。")
    page.fill(
        "#add-finding textarea[name=requested_revision]",
        "操作ログを1年以上保存することを明記してください。",
    )
    stay_on_page(page, page.locator("#add-finding button[type=submit]"))
    assert "ログの保存期間が定められていません。" in page.inner_text("#spec-findings")
    added = Finding.objects.filter(case=review).order_by("number").last()
    assert added is not None
    assert page.url == f"{review_url}#finding-{added.pk}"
    fill_checklist(page, issues=("neutrality", "security"))
    page.check("input[name=decision][value=returned]")
    submit(page, CASE_PAGE)
    assert "差戻し" in page.inner_text("#case-status")
    sign_out(page)

    # Staff upload a revised specification and answer both findings.
    sign_in(page, base, "staff_a")
    open_task_from_inbox(page, review.number, TASK_PAGE)
    findings = list(Finding.objects.filter(case=review).order_by("number"))
    assert len(findings) == 2
    page.set_input_files(
        "input[name=spec_file]",
        files=[{"name": "仕様書v2.docx", "mimeType": DOCX_TYPE, "buffer": revised_spec()}],
    )
    page.fill("textarea[name=note]", "同等品の条件と操作ログの保存期間を追記しました。")
    for finding in findings:
        page.fill(
            f"textarea[name=answer_{finding.pk}]", f"指摘{finding.number}のとおり修正しました。"
        )
    submit(page, CASE_PAGE)
    assert "仕様書v2.docx" in page.inner_text("#spec-versions")
    sign_out(page)

    # The reviewer settles both findings and sends the case to approval.
    sign_in(page, base, "reviewer")
    open_task_from_inbox(page, review.number, TASK_PAGE)
    # The exit clause is still missing, but it was decided before: no new draft to decide.
    assert "未判断の自動検出結果はありません。" in page.inner_text("main")
    # What the department changed: the new specification replaces the first.
    rounds = page.inner_text("#desk-rounds")
    assert "仕様書v2.docx" in rounds and "第2回の提出" in rounds
    for finding in findings:
        row = page.locator(f"#spec-findings tr:has(input[name=finding][value='{finding.pk}'])")
        row.locator("select[name=status]").select_option(LedgerStatus.RESOLVED)
        row.locator("textarea[name=resolution]").fill("第2版で修正を確認")
        stay_on_page(page, row.locator("button[type=submit]"))
    assert not Finding.objects.filter(case=review, status=LedgerStatus.OPEN).exists()
    fill_checklist(page)
    page.check("input[name=decision][value=to_approval]")
    submit(page, CASE_PAGE)
    review.refresh_from_db()
    assert review.status == CaseStatus.AWAITING_APPROVAL
    sign_out(page)

    # An approver who neither requested nor reviewed the case opens it from the queue, takes
    # the approval step on the case page and approves.
    sign_in(page, base, "approver")
    page.locator("tr", has_text=review.number).locator(f"a[href$='/cases/{review.pk}/']").click()
    wait_for_page(page, CASE_PAGE)
    page.click("a.shinsa-task-action")
    wait_for_page(page, TASK_PAGE)
    assert review.number in page.inner_text("#case-number")
    page.click("#claim-button")
    wait_for_page(page, re.compile(r"/execute/$"))
    # The approval page shows every file of the case and the draft (案) of the result.
    attachments = page.inner_text("#desk-attachments")
    assert "仕様書v2.docx" in attachments and "仕様書.docx" in attachments
    preview = page.inner_text("#desk-preview")
    assert "【案】" in preview and "仕様書確認結果" in preview
    assert "ログの保存期間が定められていません。" in preview
    page.check("input[name=decision][value=approve]")
    submit(page, CASE_PAGE)
    review.refresh_from_db()
    assert review.status == CaseStatus.APPROVED
    assert review.approver == cast["approver"]

    # The result document is downloaded from the case page and read.
    with page.expect_download() as download_info:
        page.click("a.shinsa-document-link")
    download = download_info.value
    document = AdvisoryDocument.objects.get(case=review)
    assert download.suggested_filename == f"{document.number}_仕様書確認結果_v1.docx"
    text = docx_text(download.path().read_bytes())
    assert review.number in text
    assert "総務部長" in text
    assert "36,000,000円" in text
    assert "令和8年度" in text
    assert "令和8年11月30日" in text  # the contract board date typed above
    assert "ログの保存期間が定められていません。" in text
    assert "指摘2のとおり修正しました。" in text
    assert "第2版（仕様書v2.docx" in text
    # Printed by LibreOffice, the letter keeps within its page count.
    pages = pdf_pages(download.path().read_bytes(), tmp_path)
    assert pages <= MAX_PAGES["spec_review_result"]


@pytest.mark.parametrize(
    ("name", "mime", "data", "message"),
    [
        (
            "仕様書.txt",
            "text/plain",
            "同等品不可".encode(),
            UPLOAD_WRONG_TYPE.format(allowed=".docx"),
        ),
        ("仕様書.docx", DOCX_TYPE, "同等品不可".encode(), UPLOAD_NOT_DOCX),
    ],
    ids=["text-file", "not-a-word-document"],
)
def test_a_specification_that_is_not_a_word_document_is_refused_and_nothing_is_registered(
    live_server: Any,
    page: Any,
    cast: dict[str, User],
    system: InformationSystem,
    name: str,
    mime: str,
    data: bytes,
    message: str,
) -> None:
    sign_in(page, live_server.url, "staff_a")
    page.click("a[href$='/spec_review/start/']")
    wait_for_page(page, START_PAGE)
    start_url = page.url
    page.fill("input[name=title]", "税務システム再構築")
    page.check("input[name=procurement_type][value=service]")
    page.fill("input[name=estimated_price]", "36,000,000")
    page.fill("input[name=contract_board_date]", "2099-11-30")
    page.set_input_files(
        "input[name=spec_file]", files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    page.click("button[name=_submit]")
    page.wait_for_selector(".shinsa-field--error")
    assert page.url == start_url
    assert page.inner_text(".shinsa-field--error .shinsa-field__error") == message
    assert not SpecReview.objects.exists()
    assert not CaseProcess.objects.exists()

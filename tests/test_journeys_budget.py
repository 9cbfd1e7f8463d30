"""A budget check can be driven end to end in a real browser, by each role in turn, and a bad
amount is refused on the page without creating anything."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import pytest
from django.core import mail

from governance.japanese import INVALID_NUMBER, NEGATIVE_NUMBER
from governance.models import (
    AdvisoryDocument,
    BudgetCheck,
    CaseStatus,
    GuidanceItem,
    InformationSystem,
    LedgerStatus,
    User,
)
from tests import budget_support as support
from tests.browser import open_task_from_inbox, sign_in, sign_out, submit, wait_for_page
from tests.document_samples import MAX_PAGES, pdf_pages
from tests.factories import InformationSystemFactory
from workflows.models import CaseProcess

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

CASE_PAGE = re.compile(r"/budgetcheck/\d+/$")
START_PAGE = re.compile(r"/budgetcheck/start/$")
TASK_PAGE = re.compile(r"/budgetcheck/\d+/\w+/\d+/(execute|assign)/$")
# The smallest file the upload check reads as a PDF.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def system(dept_a: Any) -> InformationSystem:
    return InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )


def _mailed(person: User, number: str, word: str) -> bool:
    """Whether an e-mail to ``person`` names the case ``number`` and ``word`` (the step)."""
    return any(
        message.to == [person.email] and number in message.subject and word in message.subject
        for message in mail.outbox
    )


def fill_facts(page: Any, *, initial: str, running: str) -> None:
    page.fill("input[name=initial_cost]", initial)
    page.fill("input[name=running_cost]", running)
    page.fill("textarea[name=purpose]", "人事給与事務の効率化")
    page.fill("textarea[name=configuration]", "庁内サーバ2台（AP/DB）、端末50台")
    page.fill("textarea[name=continuity]", "日次バックアップ、障害時は紙運用で継続")
    page.fill("textarea[name=operating_structure]", "職員3名（うち情報系1名）")
    page.fill("textarea[name=network_security]", "庁内LANのみ")


def test_a_budget_check_goes_from_request_through_questions_to_an_acknowledged_document(
    frozen_now: Any,
    live_server: Any,
    page: Any,
    cast: dict[str, User],
    system: InformationSystem,
    tmp_path: Any,
) -> None:
    # The clock stands at 1 October 2026 (令和8年度): the request is for 令和9年度.
    base = live_server.url

    # Department staff request a check with full-width amounts and an estimate in PDF.
    sign_in(page, base, "staff_a")
    page.click("a[href$='/budgetcheck/start/']")
    wait_for_page(page, START_PAGE)
    page.select_option("select[name=system]", str(system.pk))
    fill_facts(page, initial="１２，０００，０００", running="３，４００，０００円")
    page.set_input_files(
        "input[name=attachments]",
        files=[
            {"name": "見積書.pdf", "mimeType": "application/pdf", "buffer": PDF},
            {"name": "構成図.pdf", "mimeType": "application/pdf", "buffer": PDF},
        ],
    )
    submit(page, CASE_PAGE)
    check = BudgetCheck.objects.get()
    assert (check.initial_cost, check.running_cost) == (12_000_000, 3_400_000)
    assert "12,000,000円" in page.inner_text("#budget-initial")
    assert sorted(check.attachments.values_list("original_name", flat=True)) == [
        "構成図.pdf",
        "見積書.pdf",
    ]
    assert "見積書.pdf" in page.inner_text("main")
    sign_out(page)

    # The liaison was told of the new request on their home page and by e-mail.
    sign_in(page, base, "reviewer")
    assert check.number in page.inner_text(".shinsa-notices")
    assert _mailed(cast["reviewer"], check.number, "審査")

    # The liaison finds it in the inbox and sends it back with a question.
    assert check.number in page.inner_text("main")
    open_task_from_inbox(page, check.number, TASK_PAGE)
    page.check("input[name=decision][value=send_back]")
    page.fill("textarea[name=questions]", "ランニングコストの内訳を示してください。")
    submit(page, CASE_PAGE)
    assert "差戻し" in page.inner_text("#case-status")
    sign_out(page)

    # Staff follow the notice to the case, answer the question and resubmit with a revised
    # running cost.
    sign_in(page, base, "staff_a")
    page.locator(".shinsa-notices button", has_text=check.number).filter(has_text="差戻し").click()
    wait_for_page(page, CASE_PAGE)
    page.click("a.shinsa-task-action")
    wait_for_page(page, TASK_PAGE)
    assert "ランニングコストの内訳を示してください。" in page.inner_text("main")
    page.fill("textarea[name=answer]", "保守費 2,400,000円、クラウド利用料 600,000円です。")
    page.fill("input[name=running_cost]", "３，０００，０００")
    submit(page, CASE_PAGE)
    check.refresh_from_db()
    assert check.status == CaseStatus.UNDER_REVIEW
    assert check.running_cost == 3_000_000
    sign_out(page)

    # The reviewer works the checklist and records the result with one guidance item.
    sign_in(page, base, "reviewer")
    open_task_from_inbox(page, check.number, TASK_PAGE)
    # What the department changed on resubmission is shown beside the form.
    rounds = page.inner_text("#desk-rounds")
    assert "3,400,000" in rounds and "3,000,000" in rounds
    page.check("input[name=decision][value=record]")
    for field, outcome in support.CHECKLIST_OK.items():
        page.select_option(f"select[name=check_{field}]", outcome)
    page.select_option("select[name=result]", BudgetCheck.Result.CONFIRMED_WITH_GUIDANCE)
    page.fill("textarea[name=guidance-0-text]", "複数事業者から見積を取得すること")
    page.select_option("select[name=guidance-0-perspective]", "cost")
    page.fill("input[name=guidance-0-due_date]", "令和８年１２月２８日")
    submit(page, CASE_PAGE)
    check.refresh_from_db()
    assert check.status == CaseStatus.AWAITING_APPROVAL
    assert "複数事業者から見積を取得すること" in page.inner_text("#guidance-items")
    sign_out(page)

    # Every approver who may take it was told it awaits approval, on the home page and by
    # e-mail; the approver's home lists the notice.
    sign_in(page, base, "approver")
    approver_notices = page.inner_text(".shinsa-notices")
    assert check.number in approver_notices and "決裁" in approver_notices
    assert _mailed(cast["approver"], check.number, "決裁")

    # An approver (not the reviewer) picks it up from the queue and approves it.
    open_task_from_inbox(page, check.number, TASK_PAGE)
    assert page.url.endswith("/assign/")
    # The claim page shows what is being taken, and says 引き受ける like the home page.
    assert check.number in page.inner_text("#case-number")
    assert "引き受ける" in page.inner_text("#claim-button")
    page.click("#claim-button")
    wait_for_page(page, re.compile(r"/execute/$"))
    # The approval page lists the case's files and shows the draft (案) of the result.
    attachments = page.inner_text("#desk-attachments")
    assert "見積書.pdf" in attachments and "構成図.pdf" in attachments
    preview = page.inner_text("#desk-preview")
    assert "【案】" in preview
    assert "複数事業者から見積を取得すること" in preview
    page.check("input[name=decision][value=approve]")
    submit(page, CASE_PAGE)
    check.refresh_from_db()
    assert check.status == CaseStatus.AWAITING_ACKNOWLEDGEMENT
    sign_out(page)

    # Staff see the advisory document on the case page and download it.
    sign_in(page, base, "staff_a")
    page.goto(f"{base}/home/cases/{check.pk}/")
    with page.expect_download() as download_info:
        page.click("a.shinsa-document-link")
    download = download_info.value
    document = AdvisoryDocument.objects.get(case=check)
    assert download.suggested_filename == f"{document.number}_{document.title}_v1.docx"
    word = docx.Document(io.BytesIO(download.path().read_bytes()))
    text = "\n".join(paragraph.text for paragraph in word.paragraphs)
    cells = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]
    check.refresh_from_db()
    assert check.approved_at is not None
    assert "令和8年10月1日" in text
    assert "総務部長　様" in text
    assert "令和9年度予算要求" in text
    assert ["要求額（イニシャルコスト）", "12,000,000円"] in cells
    assert ["要求額（ランニングコスト）", "3,000,000円"] in cells
    assert ["1", "経費の妥当性", "複数事業者から見積を取得すること", "令和8年12月28日"] in cells
    # Printed by LibreOffice, the letter keeps within its page count.
    pages = pdf_pages(download.path().read_bytes(), tmp_path)
    assert pages <= MAX_PAGES["budget_check_result"]

    # They acknowledge the result and the case is closed.
    page.click("a.shinsa-task-action")
    wait_for_page(page, TASK_PAGE)
    # The acknowledgement page links the issued document.
    assert document.number in page.inner_text("#desk-documents")
    page.check("input[name=confirmed]")
    submit(page, CASE_PAGE)
    assert "完了" in page.inner_text("#case-status")
    check.refresh_from_db()
    assert check.status == CaseStatus.CLOSED

    # The open guidance item is shown when they start next year's request.
    page.goto(f"{base}/home/")
    page.click("a[href$='/budgetcheck/start/']")
    wait_for_page(page, START_PAGE)
    assert "複数事業者から見積を取得すること" in page.inner_text("#open-guidance")

    # They respond to the item from the case page, with the comparison as evidence.
    item = GuidanceItem.objects.get(case=check)
    page.goto(f"{base}/home/cases/{check.pk}/")
    page.click(f"#guidance-item-{item.pk}")
    wait_for_page(page, re.compile(rf"/budget/guidance/{item.pk}/$"))
    page.fill("textarea[name=evidence]", "3社から見積を取得し比較しました。")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "見積比較.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("form:has(input[name=action][value=resolve]) button[type=submit]")
    page.wait_for_selector("#item-facts a[href*='/attachments/']")
    # The department's word is a report (対応報告) until the governance office confirms it.
    assert "対応報告" in page.inner_text("#item-status")
    item.refresh_from_db()
    assert item.status == LedgerStatus.REPORTED
    sign_out(page)

    sign_in(page, base, "reviewer")
    page.goto(f"{base}/budget/guidance/{item.pk}/")
    with page.expect_navigation():
        page.click("form:has(input[name=action][value=confirm]) button[type=submit]")
    page.wait_for_selector("#item-status")
    assert "対応済" in page.inner_text("#item-status")
    item.refresh_from_db()
    assert item.status == LedgerStatus.RESOLVED


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", NEGATIVE_NUMBER), ("ａｂｃ", INVALID_NUMBER)],
    ids=["negative", "not-a-number"],
)
def test_a_bad_amount_is_refused_in_japanese_and_creates_nothing(
    live_server: Any,
    page: Any,
    cast: dict[str, User],
    system: InformationSystem,
    amount: str,
    message: str,
) -> None:
    sign_in(page, live_server.url, "staff_a")
    page.click("a[href$='/budgetcheck/start/']")
    wait_for_page(page, START_PAGE)
    start_url = page.url
    page.select_option("select[name=system]", str(system.pk))
    fill_facts(page, initial=amount, running="0")
    page.click("button[name=_submit]")
    page.wait_for_selector(".shinsa-field--error")
    assert page.url == start_url
    assert page.inner_text(".shinsa-field--error .shinsa-field__error") == message
    assert page.input_value("input[name=initial_cost]") == amount
    assert not BudgetCheck.objects.exists()
    assert not CaseProcess.objects.exists()

"""The advisory document (予算確認結果通知) is generated in the background on approval from the
committed Word master, says what was decided in Japanese conventions, and every generation is
kept as a version with its hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import io
from pathlib import Path
from typing import Any

import docx
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from forms import budget as budget_forms
from governance.budget.services import GuidanceDraft
from governance.cases.services.documents import REASON_REQUIRED, regenerate_document
from governance.models import AdvisoryDocument, AuditEvent, DocumentVersion, Job
from tests import budget_support as support
from tests.factories import InformationSystemFactory, SectionFactory
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db

MASTER = Path(settings.BASE_DIR) / "templates" / "documents" / "budget_check_result.docx"


@pytest.fixture
def approved(frozen_now: Any, cast: Any, dept_a: Any, run_jobs: Any) -> Any:
    """A check for fiscal year 2027 approved on 1 October 2026 (令和8年度, clock frozen)."""
    section = SectionFactory.create(department=dept_a, name="人事課")
    staff = cast["staff_a"]
    staff.section = section
    staff.save()
    system = InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )
    check = support.start(staff, system)
    check = support.drive_to_approval(
        check,
        cast["reviewer"],
        guidance=[
            GuidanceDraft(
                text="複数事業者から見積を取得し比較すること（A&B <比較>）",
                due_date=dt.date(2026, 11, 30),
                perspective="cost",
            ),
            GuidanceDraft(text="障害時の連絡体制を文書化すること", due_date=dt.date(2027, 4, 19)),
        ],
    )
    check = support.step(
        check,
        BudgetCheckFlow.approve,
        cast["approver"],
        budget_forms.approval_data(),
    )
    assert run_jobs() >= 1
    return check


def _open(version: DocumentVersion) -> Any:
    with version.file.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == version.sha256
    return docx.Document(io.BytesIO(data))


def test_approval_generates_the_document_with_the_decision_in_japanese_conventions(
    cast: Any, approved: Any
) -> None:
    document = AdvisoryDocument.objects.get(case=approved)
    version = document.versions.get()
    assert version.version == 1
    word = _open(version)
    text = "\n".join(paragraph.text for paragraph in word.paragraphs)
    cells = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]

    assert document.number in text
    # Numbered in the year it is issued (令和8年度), not the budget year it concerns (9).
    assert approved.fiscal_year == 2027
    assert document.number == "R8行DX第1号"
    assert document.title == "予算確認結果通知（技術的助言）"
    assert "令和8年10月1日" in text
    assert "総務部長　様" in text
    assert "予算確認結果通知（技術的助言）" in text
    assert "令和9年度予算要求" in text
    assert "確認結果　確認済（指導事項あり）" in text
    assert cast["reviewer"].display_name in text and cast["approver"].display_name in text
    assert "指導事項はありません。" not in text

    assert ["案件番号", approved.number] in cells
    assert ["部局・所属", "総務部　人事課"] in cells
    assert ["情報システム", "総務事務システム（SOMU-001）"] in cells
    assert ["予算年度", "令和9年度"] in cells
    assert ["要求額（イニシャルコスト）", "1,200,000円"] in cells
    assert ["要求額（ランニングコスト）", "3,400,000円"] in cells
    assert ["要求額（合計）", "4,600,000円"] in cells
    assert ["経費の妥当性", "指導事項あり"] in cells
    assert [
        "1",
        "経費の妥当性",
        "複数事業者から見積を取得し比較すること（A&B <比較>）",
        "令和8年11月30日",
    ] in cells
    assert ["2", "", "障害時の連絡体制を文書化すること", "令和9年4月19日"] in cells
    # The template's own loop tags never reach the document.
    assert not any("{%" in cell for row in cells for cell in row)
    assert version.case_state["number"] == document.number


def test_regeneration_adds_a_new_version_and_keeps_the_first(
    cast: Any, approved: Any, run_jobs: Any
) -> None:
    document = AdvisoryDocument.objects.get(case=approved)
    regenerate_document(
        actor=cast["approver"], document=document, reason="誤字の修正", request_token="t1"
    )
    run_jobs()
    versions = list(document.versions.order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    for version in versions:
        _open(version)  # each file matches its own recorded hash


def _versions(document: AdvisoryDocument) -> list[int]:
    return list(document.versions.order_by("version").values_list("version", flat=True))


def test_the_approver_reissues_the_document_from_the_case_page_with_a_reason(
    cast: Any, approved: Any, login: Any, run_jobs: Any
) -> None:
    document = AdvisoryDocument.objects.get(case=approved)
    client = login(cast["approver"])
    url = reverse("home:document_regenerate", args=[document.pk])
    page = client.get(reverse("home:case", args=[approved.pk]), follow=True)
    assert url in page.content.decode()
    token = page.context["request_token"]
    assert f'name="request_token" value="{token}"' in page.content.decode()
    response = client.post(url, {"reason": "部局名の誤記を訂正", "request_token": token})
    assert response.status_code == 302
    run_jobs()
    assert _versions(document) == [1, 2]
    event = AuditEvent.objects.get(action="document.regenerate")
    assert (event.actor, event.reason) == (cast["approver"], "部局名の誤記を訂正")


def test_the_reviewer_alone_cannot_reissue_an_approved_document(
    cast: Any, approved: Any, login: Any
) -> None:
    # Issue 17 item 9: a new version of an issued result needs the approver.
    document = AdvisoryDocument.objects.get(case=approved)
    url = reverse("home:document_regenerate", args=[document.pk])
    client = login(cast["reviewer"])
    page = client.get(reverse("home:case", args=[approved.pk]), follow=True).content.decode()
    assert url not in page
    assert client.post(url, {"reason": "誤記の訂正", "request_token": "t"}).status_code == 403
    with pytest.raises(PermissionDenied):
        regenerate_document(
            actor=cast["reviewer"], document=document, reason="誤記", request_token="t"
        )
    assert _versions(document) == [1]
    assert not AuditEvent.objects.filter(action="document.regenerate").exists()


def test_a_regeneration_without_a_reason_is_refused_in_japanese_and_changes_nothing(
    cast: Any, approved: Any, login: Any
) -> None:
    document = AdvisoryDocument.objects.get(case=approved)
    jobs_before = Job.objects.count()
    response = login(cast["approver"]).post(
        reverse("home:document_regenerate", args=[document.pk]), {"reason": "　 "}, follow=True
    )
    assert REASON_REQUIRED in response.content.decode()
    assert Job.objects.count() == jobs_before
    assert not AuditEvent.objects.filter(action="document.regenerate").exists()


def test_the_department_the_auditor_and_other_departments_are_refused_regeneration(
    cast: Any, approved: Any, login: Any
) -> None:
    document = AdvisoryDocument.objects.get(case=approved)
    url = reverse("home:document_regenerate", args=[document.pk])
    jobs_before = Job.objects.count()
    for name in ("staff_a", "auditor"):
        client = login(cast[name])
        page = client.get(reverse("home:case", args=[approved.pk]), follow=True).content.decode()
        assert url not in page
        assert client.post(url, {"reason": "試行"}).status_code == 403
    assert login(cast["staff_b"]).post(url, {"reason": "試行"}).status_code == 404
    assert Job.objects.count() == jobs_before
    assert _versions(document) == [1]


def test_department_downloads_the_document_and_another_department_cannot(
    cast: Any, approved: Any, login: Any
) -> None:
    version = DocumentVersion.objects.get(document__case=approved)
    url = f"/home/documents/{version.pk}/download/"
    response = login(cast["staff_a"]).get(url)
    assert response.status_code == 200
    word = docx.Document(io.BytesIO(b"".join(response.streaming_content)))
    assert any(approved.number in row.cells[1].text for row in word.tables[0].rows)
    assert login(cast["staff_b"]).get(url).status_code == 404


def test_the_committed_master_is_what_the_build_script_makes() -> None:
    path = Path(settings.BASE_DIR) / "docs" / "masters" / "build_budget_master.py"
    spec = importlib.util.spec_from_file_location("build_budget_master", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == MASTER.read_bytes()

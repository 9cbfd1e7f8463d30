"""The 仕様書確認結果 lists every finding with the department's answer and its resolution, with
era dates and amounts, and its Word master is exactly what the build script makes."""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from governance.models import AdvisoryDocument, DocumentVersion, SpecReviewRound
from governance.spec_review import services
from tests.spec_cases import ALL_OK, approved_review, decide_all_drafts, register
from tests.spec_docs import docx_text

pytestmark = pytest.mark.django_db

MASTER = Path(settings.BASE_DIR) / "templates" / "documents" / "spec_review_result.docx"


def document_text(version: DocumentVersion) -> str:
    with version.file.open("rb") as handle:
        return docx_text(handle.read())


def test_the_document_lists_each_finding_with_answer_and_resolution(
    frozen_now: Any, cast: Any, run_jobs: Any
) -> None:
    review = approved_review(cast, estimated_price=48_500_000)
    run_jobs()
    document = AdvisoryDocument.objects.get(case=review)
    assert document.title == "仕様書確認結果"
    version = document.versions.get()
    text = document_text(version)

    assert document.number == "R8行DX第1号"  # issued in 令和8年度, the clock's year
    assert "R8行DX第1号\n令和8年10月1日\n" in text  # number and date of issue
    assert "仕様書確認結果" in text
    assert "総務部長　様" in text
    assert review.number in text
    assert "予定価格 | 48,500,000円" in text
    assert "契約局審査会の予定日 | 令和7年10月1日" in text  # 2025-10-01
    assert "年度 | 令和7年度" in text
    assert "予定価格 48,500,000円 が 基準額 36,000,000円 以上（契約局審査会案件）" in text
    # A letter: no comparison signs, no hash values, no western years.
    assert "≥" not in text and "SHA-256" not in text
    assert not re.search(r"(19|20)\d\d年", text)
    assert "（公印省略）" in text and "担当・連絡先" in text
    assert "必須（契約局審査会案件）" in text
    assert "判定の根拠 | 契約局の審査会に付議される案件" in text
    assert "第2版（仕様書v2.docx" in text
    assert "確認回数 | 2回" in text
    assert "調達種別 | 委託役務" in text
    assert "対象システムはシステムカルテに登録されていません。" in text

    assert "特定の製品名・型番「Oracle」が指定されています（1箇所）。" in text
    assert "ログの保存期間が定められていません。" in text
    assert "操作ログを1年以上保存することを明記してください。" in text
    for number in (1, 2, 3):
        assert f"指摘{number}のとおり修正しました。" in text
    assert text.count("対応済：第2版で修正を確認") == 3
    assert "ログ保存期間を確認" in text
    assert "指摘事項はありません。" not in text

    assert f"決裁　{cast['approver'].display_name}（令和8年10月1日）" in text  # the clock's day
    assert f"審査担当　{cast['reviewer'].display_name}" in text
    assert "{{" not in text and "{%" not in text
    assert version.case_state["estimated_price"] == 48_500_000


def test_a_review_without_findings_says_so(cast: Any, run_jobs: Any) -> None:
    review = register(cast["staff_a"])
    decide_all_drafts(cast["reviewer"], review)
    services.complete_review(
        actor=cast["reviewer"],
        review=review,
        checklist=ALL_OK,
        decision=SpecReviewRound.Decision.TO_APPROVAL,
    )
    services.approve_spec_review(actor=cast["approver"], review=review)
    run_jobs()
    text = document_text(DocumentVersion.objects.get(document__case=review))
    assert "指摘事項はありません。" in text
    assert "確認回数 | 1回" in text


def _build_script() -> Any:
    path = Path(settings.BASE_DIR) / "docs" / "masters" / "build_spec_master.py"
    spec = importlib.util.spec_from_file_location("build_spec_master", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_master_is_what_the_build_script_makes() -> None:
    built = zipfile.ZipFile(io.BytesIO(_build_script().build()))
    committed = zipfile.ZipFile(MASTER)
    assert built.namelist() == committed.namelist()
    for name in built.namelist():
        assert built.read(name) == committed.read(name), name

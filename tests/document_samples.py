"""Contexts that fill the result masters as a busy case would (long guidance, nine findings),
and LibreOffice's page count of a document, for ``tests/test_document_pdf.py`` and the
browser journeys."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

OFFICE: dict[str, Any] = {
    "issuer_title": "スマートシティ戦略部 行政DX推進課長",
    "office_name": "スマートシティ戦略部 行政DX推進課",
    "omit_seal": True,
    "contact_section": "行政DX推進課 DX推進グループ",
    "contact_name": "高橋 健太",
    "contact_extension": "2345",
    "contact_email": "dx-suishin@example.lg.jp",
}
LONG = (
    "複数の事業者から見積を取得し、経費の積算根拠を明らかにしたうえで、"
    "予算要求額の妥当性を説明できるようにすること。"
)


def budget_context() -> dict[str, Any]:
    return {
        **OFFICE,
        "number": "R8行DX第123号",
        "issued_on": dt.date(2026, 10, 1),
        "case_number": "BC-2027-0001",
        "title": "総務事務システム 令和9年度予算要求",
        "department": "総務部",
        "section": "人事課",
        "system_code": "SOMU-001",
        "system_name": "総務事務システム",
        "fiscal_year": 2027,
        "initial_cost": 12_000_000,
        "running_cost": 3_400_000,
        "total_cost": 15_400_000,
        "result": "確認済（指導事項あり）",
        "checklist": [
            {"perspective": name, "outcome": "適切"}
            for name in (
                "システム構成",
                "業務継続性",
                "経費の妥当性",
                "運用体制",
                "ネットワーク・セキュリティ要件",
            )
        ],
        "review_notes": "構成は妥当。経費の積算根拠について下記の指導事項を付す。" * 2,
        "guidance_items": [
            {
                "sequence": n,
                "perspective": "経費の妥当性",
                "text": LONG,
                "due_date": dt.date(2026, 12, 28),
            }
            for n in range(1, 6)
        ],
        "reviewer": "高橋 健太",
        "approver": "佐藤 花子",
    }


def spec_context() -> dict[str, Any]:
    finding = {
        "perspective": "ベンダー中立性",
        "text": "特定製品の名称が指定されており、同等品を認めていません。",
        "requested_revision": "「同等品以上」を認める記載とし、求める性能を明記してください。",
        "raised_on": "第1版",
        "answer": "指摘のとおり修正し、性能要件を別紙に記載しました。",
        "status": "対応済",
        "resolution": "第2版で修正を確認",
    }
    return {
        **OFFICE,
        "document_number": "R8行DX第124号",
        "issued_on": dt.date(2026, 10, 1),
        "fiscal_year": 2026,
        "department": "総務部",
        "section": "人事課",
        "case_number": "SR-2026-0001",
        "title": "税務システム再構築",
        "system": "SOMU-001 総務事務システム",
        "procurement_type": "委託役務",
        "estimated_price": 48_500_000,
        "contract_board_date": dt.date(2026, 11, 30),
        "category": "必須（契約局審査会案件）",
        "routing_reason": "予定価格 48,500,000円 が 基準額 36,000,000円 以上（契約局審査会案件）",
        "rule_basis": "契約局の審査会に付議される案件は仕様書確認が必須。",
        "spec_version": "第2版",
        "spec_file": "仕様書v2.docx",
        "rounds": 2,
        "checklist": [
            {"perspective": name, "result": "適切", "note": "記載を確認した。"}
            for name in (
                "機能要件",
                "運用・保守要件",
                "スケジュール",
                "セキュリティ要件",
                "運用体制",
                "ベンダー中立性",
            )
        ],
        "findings": [{"number": n, **finding} for n in range(1, 10)],
        "lock_in": "総務事務システム: 大阪情報サービス株式会社 が 12 年継続して運用。",
        "reviewer": "高橋 健太",
        "approver": "佐藤 花子",
        "approved_on": dt.date(2026, 10, 1),
    }


CONTEXTS = {"budget_check_result": budget_context, "spec_review_result": spec_context}


# Before the widths were set: 2 and 3 pages (LibreOffice shared the width equally).
MAX_PAGES = {"budget_check_result": 2, "spec_review_result": 2}
#: A page object of a PDF (not the /Pages tree node).
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def _soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        message = "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
        if os.environ.get("SHINSA_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def pdf_pages(data: bytes, workdir: Path) -> int:
    """Render .docx ``data`` to PDF with LibreOffice and count its pages."""
    source = workdir / "document.docx"
    source.write_bytes(data)
    # A profile of its own: two conversions at once (another test run) would share one.
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={(workdir / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return len(_PAGE.findall((workdir / "document.pdf").read_bytes()))

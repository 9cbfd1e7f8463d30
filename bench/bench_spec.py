"""Time the spec review's heavy steps: scanning a realistic specification and rendering the
仕様書確認結果. Prints numbers; nothing is asserted.

    .venv/bin/python bench/bench_spec.py [--runs N]

The specification is made here with python-docx: an 80-page-like document of 1,500 body
paragraphs under 60 headings, 20 tables of 15 rows × 4 columns, a header and a footer, a few
lock-in phrases scattered through it and the exit clauses present, scanned with the seeded
term list (the migration's). The document is rendered with 20 findings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django

django.setup()

from docx import Document  # noqa: E402

from governance.documents import render_docx  # noqa: E402
from governance.spec_review.scan import Term, read_units, scan_docx  # noqa: E402

SENTENCES = [
    "受注者は、本業務の実施にあたり、発注者と協議のうえ詳細な作業計画を策定すること。",
    "システムは、利用者が標準的なブラウザから操作できるウェブアプリケーションとすること。",
    "障害発生時には、検知から30分以内に発注者へ第一報を行い、復旧見込みを報告すること。",
    "操作ログ及びアクセスログを取得し、1年以上保存するとともに、発注者の求めに応じて提出すること。",
]
SCATTERED = [
    "帳票出力には Oracle Reports を用いること。",
    "ジョブ管理は JP1/AJS3 と同等品不可とする。",
    "データは現行システムの独自形式で保管すること。",
]
CLAUSES = [
    "契約終了時には、保有する全てのデータを CSV 形式で抽出し、次期事業者へ提供すること。",
    "設計書及び運用手順書等の引継ぎ資料を作成し、次期事業者へ引き継ぐこと。",
    "成果物の著作権は発注者に帰属する。",
]


def seeded_terms() -> list[Term]:
    seed = importlib.import_module("governance.migrations.0009_seed_lock_in_terms")
    terms = [Term(f"term:{n}", "brand", phrase) for n, phrase in enumerate(seed.BRANDS)]
    terms += [Term(f"term:n{n}", "no_equivalent", p) for n, p in enumerate(seed.NO_EQUIVALENT)]
    terms += [
        Term(f"term:p{n}", "proprietary_format", p) for n, p in enumerate(seed.PROPRIETARY_FORMATS)
    ]
    terms += [
        Term(f"clause:{n}", "required_clause", pattern, label)
        for n, (label, pattern, _text) in enumerate(seed.REQUIRED_CLAUSES)
    ]
    return terms


def realistic_spec() -> bytes:
    document = Document()
    document.sections[0].header.paragraphs[0].text = "大阪府 税務総合システム再構築業務 仕様書"
    document.sections[0].footer.paragraphs[0].text = "行政DX推進課 確認用"
    paragraph = 0
    for chapter in range(60):
        document.add_heading(f"{chapter + 1} 要件 {chapter + 1}", level=1)
        for _ in range(25):
            text = SENTENCES[paragraph % len(SENTENCES)]
            if paragraph % 500 == 250:
                text += SCATTERED[(paragraph // 500) % len(SCATTERED)]
            document.add_paragraph(text)
            paragraph += 1
        if chapter % 3 == 0:
            table = document.add_table(rows=15, cols=4)
            for r, row in enumerate(table.rows):
                for c, cell in enumerate(row.cells):
                    cell.text = f"項目{r}-{c} 性能要件を満たすこと"
    document.add_heading("契約終了時の対応", level=1)
    for text in CLAUSES:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def document_context(findings: int) -> dict[str, object]:
    return {
        "document_number": "R7行DX第123号",
        "issued_on": dt.date(2025, 10, 1),
        "fiscal_year": 2025,
        "department": "財務部",
        "section": "税務局税政課",
        "case_number": "SR-2025-0001",
        "title": "税務総合システム再構築",
        "system": "SYS0001 税務総合システム",
        "procurement_type": "委託役務",
        "estimated_price": 186_000_000,
        "contract_board_date": dt.date(2025, 11, 12),
        "category": "必須（契約局審査会案件）",
        "routing_reason": "予定価格 186,000,000円 ≥ 基準額 36,000,000円（契約局審査会案件）",
        "rule_basis": "",
        "spec_version": "第2版",
        "spec_file": "仕様書.docx",
        "spec_sha256": "0123456789abcdef",
        "rounds": 2,
        "checklist": [{"perspective": f"観点{n}", "result": "適", "note": ""} for n in range(6)],
        "findings": [
            {
                "number": n + 1,
                "perspective": "ベンダー中立性（ロックイン回避）",
                "text": "特定の製品名が指定されています。" * 3,
                "requested_revision": "機能要件で記述してください。" * 3,
                "raised_on": "第1版",
                "answer": "修正しました。" * 3,
                "status": "対応済",
                "resolution": "第2版で確認",
            }
            for n in range(findings)
        ],
        "lock_in": "税務総合システム: 関西システム開発株式会社 が 15 年継続して運用。",
        "reviewer": "高橋 健太",
        "approver": "伊藤 誠",
        "approved_on": dt.date(2025, 10, 1),
    }


def timed(func: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(label: str, times: list[float]) -> str:
    return (
        f"{label:<46} median {statistics.median(times):8.1f} ms"
        f"   min {min(times):8.1f} ms   max {max(times):8.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    data = realistic_spec()
    terms = seeded_terms()
    report = scan_docx(data, terms)
    sys.stdout.write(
        f"specification: {len(data) / 1024:.0f} KB, {report.units_scanned} paragraphs and cells, "
        f"{len(terms)} terms, {len(report.hits)} hits "
        f"({', '.join(hit.term.phrase for hit in report.hits)})\n"
    )
    read = timed(lambda: read_units(data), runs)
    scan = timed(lambda: scan_docx(data, terms), runs)
    sys.stdout.write(line("read the .docx (python-docx + walk)", read) + "\n")
    sys.stdout.write(line("scan (read + match every term)", scan) + "\n")
    per_thousand = statistics.median(scan) / report.units_scanned * 1000
    sys.stdout.write(f"{'scan per 1,000 paragraphs and cells':<46} {per_thousand:8.1f} ms\n")

    for findings in (5, 20, 100):
        times = timed(partial(render_docx, "spec_review_result", document_context(findings)), runs)
        sys.stdout.write(line(f"render 仕様書確認結果 with {findings} findings", times) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

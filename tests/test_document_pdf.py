"""The budget and spec results print as an official signs them: rendered to PDF by
LibreOffice (with a Japanese font), a busy case fits its page count, and no table column of a
master is narrower than a readable minimum."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.shared import Mm

from governance.documents import MASTERS_DIR, render_docx
from tests.document_samples import CONTEXTS, MAX_PAGES, budget_context, pdf_pages, spec_context

MIN_COLUMN = Mm(10)


@pytest.mark.parametrize("template", sorted(MAX_PAGES))
def test_a_busy_result_renders_to_pdf_within_its_page_count(template: str, tmp_path: Path) -> None:
    data = render_docx(template, CONTEXTS[template]())
    pages = pdf_pages(data, tmp_path)
    assert 1 <= pages <= MAX_PAGES[template], f"{template}: {pages} pages"


@pytest.mark.parametrize("template", sorted(MAX_PAGES))
def test_no_table_column_of_a_master_is_narrower_than_the_minimum(template: str) -> None:
    master = docx.Document(str(MASTERS_DIR / f"{template}.docx"))
    assert master.tables
    for index, table in enumerate(master.tables):
        widths = [column.w for column in table._tbl.tblGrid.gridCol_lst]
        assert all(width is not None and width >= MIN_COLUMN for width in widths), (
            f"{template} table {index}: {[w and round(w.mm) for w in widths]}"
        )
        # The widths are meant for content, not shared equally.
        if len(widths) > 2:
            assert len(set(widths)) > 1


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([*(paragraph.text for paragraph in document.paragraphs), *cells])


@pytest.mark.parametrize(
    ("template", "context"),
    [("budget_check_result", budget_context), ("spec_review_result", spec_context)],
)
def test_the_letter_carries_the_letterhead_contact_block_and_seal_note(
    template: str, context: Any
) -> None:
    values = context()
    text = _text(render_docx(template, values))
    assert "スマートシティ戦略部 行政DX推進課長" in text
    assert "（公印省略）" in text
    assert "担当・連絡先" in text
    assert "行政DX推進課 DX推進グループ　高橋 健太" in text
    assert "内線 2345" in text and "dx-suishin@example.lg.jp" in text
    assert "【案】" not in text
    without_seal = _text(render_docx(template, {**values, "omit_seal": False}))
    assert "公印省略" not in without_seal
    draft = _text(render_docx(template, {**values, "draft": True}))
    assert draft.startswith("【案】")

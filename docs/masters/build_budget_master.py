"""Build the Word master of the budget-check advisory document (予算確認結果通知 / 技術的助言).

    .venv/bin/python docs/masters/build_budget_master.py [output.docx]

writes ``templates/documents/budget_check_result.docx`` (or the path given). The master holds
docxtpl tags (Jinja syntax; ``{%tr %}`` repeats a table row, ``{%p %}`` a paragraph) and is
rendered by ``governance.documents.render_docx`` with the context built in
``governance.budget.services.build_result_document``. The output is byte-for-byte
reproducible (fixed document properties and zip timestamps), so the committed master can be
checked against this script.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / "templates" / "documents" / "budget_check_result.docx"
FIXED_TIME = dt.datetime(2025, 4, 1, 0, 0, 0, tzinfo=dt.UTC)
ZIP_TIME = (2025, 4, 1, 0, 0, 0)
FONT_LATIN = "Century"
FONT_JAPANESE = "ＭＳ 明朝"


def _font(style: object) -> None:
    font = style.font  # type: ignore[attr-defined]
    font.name = FONT_LATIN
    font.size = Pt(10.5)
    rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT_JAPANESE)


def _paragraph(
    document: object,
    text: str,
    *,
    align: object = None,
    bold: bool = False,
    size: float | None = None,
    space_after: float = 4,
) -> object:
    paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def _cell(cell: object, text: str, *, bold: bool = False) -> None:
    cell.text = ""  # type: ignore[attr-defined]
    run = cell.paragraphs[0].add_run(text)  # type: ignore[attr-defined]
    run.bold = bold


def _table(document: object, columns: int, header: list[str] | None = None) -> object:
    table = document.add_table(rows=0, cols=columns)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            _cell(cell, text, bold=True)
    return table


def _fix_widths(table: object, widths: list[float]) -> None:
    """Column widths for content, written where every reader looks: the table grid (which
    LibreOffice follows; without it every column gets the same width), each cell, and a
    fixed layout so that Word does not autofit them away."""
    table.autofit = False  # type: ignore[attr-defined]
    tbl = table._tbl  # type: ignore[attr-defined]
    layout = tbl.tblPr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl.tblPr.append(layout)
    layout.set(qn("w:type"), "fixed")
    for column, width in zip(tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = Mm(width)
    for row in table.rows:  # type: ignore[attr-defined]
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


def _loop_rows(table: object, loop: str, cells: list[str]) -> None:
    """A docxtpl row loop: the opening tag row, the repeated row, the closing tag row."""
    opening = table.add_row().cells  # type: ignore[attr-defined]
    _cell(opening[0], f"{{%tr for {loop} %}}")
    repeated = table.add_row().cells  # type: ignore[attr-defined]
    for cell, text in zip(repeated, cells, strict=True):
        _cell(cell, text)
    closing = table.add_row().cells  # type: ignore[attr-defined]
    _cell(closing[0], "{%tr endfor %}")


def _contact_block(document: object) -> None:
    """担当・連絡先: the office's section, the person in charge, extension and e-mail."""
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(document, "")
    _paragraph(document, "担当・連絡先", align=right, space_after=0)
    _paragraph(document, "{{ contact_section }}　{{ contact_name }}", align=right, space_after=0)
    _paragraph(document, "{%p if contact_extension %}")
    _paragraph(document, "内線 {{ contact_extension }}", align=right, space_after=0)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{%p if contact_email %}")
    _paragraph(document, "電子メール {{ contact_email }}", align=right, space_after=0)
    _paragraph(document, "{%p endif %}")


def build() -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(25)
    _font(document.styles["Normal"])

    right = WD_ALIGN_PARAGRAPH.RIGHT
    center = WD_ALIGN_PARAGRAPH.CENTER
    # A preview before approval (``draft``) is marked 案 above everything else.
    _paragraph(document, "{%p if draft %}")
    _paragraph(document, "【案】", align=center, bold=True, size=16)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{{ number }}", align=right, space_after=0)
    _paragraph(document, "{{ issued_on|era_date }}", align=right)
    _paragraph(document, "{{ department }}長　様")
    _paragraph(document, "{{ issuer_title }}", align=right, space_after=0)
    _paragraph(document, "{%p if omit_seal %}")
    _paragraph(document, "（公印省略）", align=right, space_after=0)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "", space_after=8)
    _paragraph(
        document, "予算確認結果通知（技術的助言）", align=center, bold=True, size=14, space_after=12
    )
    _paragraph(
        document,
        "{{ fiscal_year|fiscal_year }}予算要求に係る情報システムについて、システム構成、"
        "業務継続性、経費の妥当性、運用体制及びネットワーク・セキュリティ要件の観点から"
        "確認しましたので、下記のとおり通知します。"
        "指導事項については、対応期限までに予算及び事業の実施に反映し、その状況を報告してください。",
    )
    _paragraph(document, "記", align=center)

    _paragraph(document, "1　確認の対象", bold=True)
    facts = _table(document, 2)
    for label, value in (
        ("案件番号", "{{ case_number }}"),
        ("部局・所属", "{{ department }}　{{ section }}"),
        ("情報システム", "{{ system_name }}（{{ system_code }}）"),
        ("予算年度", "{{ fiscal_year|fiscal_year }}"),
        ("要求額（イニシャルコスト）", "{{ initial_cost|yen }}"),
        ("要求額（ランニングコスト）", "{{ running_cost|yen }}"),
        ("要求額（合計）", "{{ total_cost|yen }}"),
    ):
        cells = facts.add_row().cells  # type: ignore[attr-defined]
        _cell(cells[0], label, bold=True)
        _cell(cells[1], value)
    _fix_widths(facts, [50, 110])

    _paragraph(document, "")
    _paragraph(document, "2　確認結果　{{ result }}", bold=True)
    checklist = _table(document, 2, header=["確認の観点", "結果"])
    _loop_rows(checklist, "row in checklist", ["{{ row.perspective }}", "{{ row.outcome }}"])
    _fix_widths(checklist, [70, 90])
    _paragraph(document, "{%p if review_notes %}")
    _paragraph(document, "所見: {{ review_notes }}")
    _paragraph(document, "{%p endif %}")

    _paragraph(document, "")
    _paragraph(document, "3　指導事項", bold=True)
    guidance = _table(document, 4, header=["番号", "観点", "指導事項", "対応期限"])
    _loop_rows(
        guidance,
        "item in guidance_items",
        [
            "{{ item.sequence }}",
            "{{ item.perspective }}",
            "{{ item.text }}",
            "{{ item.due_date|era_date }}",
        ],
    )
    _fix_widths(guidance, [12, 30, 86, 32])
    _paragraph(document, "{%p if not guidance_items %}")
    _paragraph(document, "指導事項はありません。")
    _paragraph(document, "{%p endif %}")

    _paragraph(document, "")
    _paragraph(document, "審査担当　{{ reviewer }}　　決裁　{{ approver }}", align=right)
    _paragraph(document, "以上", align=right)
    _contact_block(document)

    properties = document.core_properties
    properties.author = "審査 Shinsa"
    properties.last_modified_by = "審査 Shinsa"
    properties.title = "予算確認結果通知（技術的助言）"
    properties.created = properties.modified = properties.last_printed = FIXED_TIME
    properties.revision = 1

    buffer = io.BytesIO()
    document.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the archive with fixed timestamps and order, so every build is identical."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return output.getvalue()


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(build())
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

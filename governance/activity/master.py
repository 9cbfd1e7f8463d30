"""Builds the Word master templates/documents/annual_report.docx (run once; the office may then
restyle the file in Word, keeping the tags).

``python -m governance.activity.master`` writes it again from this description.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

FONT = "ＭＳ 明朝"


def _font(style: object, size: float, bold: bool = False) -> None:
    font = style.font  # type: ignore[attr-defined]
    font.name = FONT
    font.size = Pt(size)
    font.bold = bold
    rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _table(document: object, header: list[str], cells: list[str], loop: str) -> None:
    table = document.add_table(rows=4, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = f"{{%tr for r in {loop} %}}"
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"


def build(path: Path) -> None:
    document = Document()
    _font(document.styles["Normal"], 10.5)
    for name, size in (("Title", 16), ("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 11)):
        _font(document.styles[name], size, bold=True)
    title = document.add_paragraph("{{ fiscal_year_label }}　事務事業実績", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("{{ issue_line }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    add = document.add_paragraph
    add("{%p for p in body %}")
    add("{%p if p.kind == 'group' %}")
    add("{{ p.text }}", style="Heading 1")
    add("{%p elif p.kind == 'chapter' %}")
    add("{{ p.text }}", style="Heading 2")
    add("{%p elif p.kind == 'section' %}")
    add("{{ p.text }}", style="Heading 3")
    add("{%p else %}")
    add("{{ p.text }}")
    add("{%p endif %}")
    add("{%p endfor %}")
    add("{%p if tables.settlement %}")
    add("決算額", style="Heading 2")
    _table(
        document,
        ["", "{{ table_years[0] }}", "{{ table_years[1] }}", "{{ table_years[2] }}"],
        ["{{ r.label }}", "{{ r.amounts[0] }}", "{{ r.amounts[1] }}", "{{ r.amounts[2] }}"],
        "tables.settlement",
    )
    add("{%p endif %}")
    add("{%p if tables.contract %}")
    add("契約", style="Heading 2")
    _table(
        document,
        ["名称", "委託先", "契約期間", "契約金額"],
        ["{{ r.label }}", "{{ r.vendor }}", "{{ r.period }}", "{{ r.text }}"],
        "tables.contract",
    )
    add("{%p endif %}")
    add("{%p if tables.thousand_yen %}")
    add("金額（千円）", style="Heading 2")
    _table(
        document,
        ["名称", "事業名称", "金額（千円）", "総事業費（千円）"],
        [
            "{{ r.label }}",
            "{{ r.title }}",
            "{{ r.amount }}",
            "{{ r.total }}",
        ],
        "tables.thousand_yen",
    )
    add("{%p endif %}")
    add("別紙　集計基準（第{{ counting_version }}版）", style="Heading 1")
    add("{%p for rule in counting_rules %}")
    add("{{ loop.index }}　{{ rule }}")
    add("{%p endfor %}")
    add("根拠：{{ counting_basis }}")
    document.save(str(path))


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path("templates/documents/annual_report.docx")
    )
    build(target)

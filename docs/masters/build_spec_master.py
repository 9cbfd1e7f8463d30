"""Build the Word master of 仕様書確認結果: templates/documents/spec_review_result.docx.

    .venv/bin/python docs/masters/build_spec_master.py

The master is made by this script, not edited by hand, so a change to its wording is a
reviewed change to this file. The output is byte-for-byte reproducible (fixed dates inside
the document and in the zip), and a test checks that the committed master is what this
script makes. Tags are docxtpl/Jinja: ``{{ value|filter }}``, ``{%tr for %}`` repeats a
table row, ``{%p if %}`` keeps or drops a paragraph. Each tag sits in a single run, since
Jinja cannot read a tag Word has split across runs.
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

OUTPUT = Path(__file__).resolve().parents[2] / "templates" / "documents" / "spec_review_result.docx"
FIXED_MOMENT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
FONT = "ＭＳ 明朝"

OVERVIEW_ROWS = [
    ("案件番号", "{{ case_number }}"),
    ("件名", "{{ title }}"),
    ("年度", "{{ fiscal_year|fiscal_year }}"),
    ("対象システム", "{{ system }}"),
    ("調達種別", "{{ procurement_type }}"),
    ("予定価格", "{{ estimated_price|yen }}"),
    (
        "契約局審査会の予定日",
        "{% if contract_board_date %}{{ contract_board_date|era_date }}{% else %}―{% endif %}",
    ),
    ("確認区分", "{{ category }}"),
    ("判定理由", "{{ routing_reason }}"),
    ("判定の根拠", "{{ rule_basis }}"),
    ("確認した仕様書", "{{ spec_version }}（{{ spec_file }}）"),
    ("確認回数", "{{ rounds }}回"),
]
OVERVIEW_WIDTHS = [40, 126]
CHECKLIST_COLUMNS = [
    ("観点", "{{ c.perspective }}", 40),
    ("結果", "{{ c.result }}", 20),
    ("所見", "{{ c.note }}", 106),
]
# Widths (mm, 166 in all) for content: the texts get the room, the number and the status
# what they need; table text is set a little smaller than the letter's.
FINDING_COLUMNS = [
    ("No.", "{{ f.number }}", 10),
    ("観点", "{{ f.perspective }}", 20),
    ("指摘事項", "{{ f.text }}（{{ f.raised_on }}）", 38),
    ("修正依頼内容", "{{ f.requested_revision }}", 38),
    ("部局の回答", "{{ f.answer }}", 36),
    ("対応状況", "{{ f.status }}{% if f.resolution %}：{{ f.resolution }}{% endif %}", 24),
]
TABLE_TEXT = Pt(9.5)


def _paragraph(document, text="", *, align=None, bold=False, size=None):
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if text:
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    return paragraph


def _cell(cell, text, *, bold=False):
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    run.font.size = TABLE_TEXT


def _fix_widths(table, widths):
    """Column widths for content, written where every reader looks: the table grid (which
    LibreOffice follows; without it every column gets the same width), each cell, and a
    fixed layout so that Word does not autofit them away."""
    table.autofit = False
    tbl = table._tbl
    layout = tbl.tblPr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl.tblPr.append(layout)
    layout.set(qn("w:type"), "fixed")
    for column, width in zip(tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


def _repeating_table(document, columns, loop):
    """A header row, then one row repeated by docxtpl for each item of ``loop``."""
    table = document.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, (title, tag, _width) in enumerate(columns):
        _cell(table.rows[0].cells[index], title, bold=True)
        _cell(table.rows[2].cells[index], tag)
    _fix_widths(table, [width for _title, _tag, width in columns])
    _cell(table.rows[1].cells[0], "{%tr for " + loop + " %}")
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    return table


def build() -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin = section.bottom_margin = Mm(20)

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)

    right = WD_ALIGN_PARAGRAPH.RIGHT
    # A preview before approval (``draft``) is marked 案 above everything else.
    _paragraph(document, "{%p if draft %}")
    _paragraph(document, "【案】", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{{ document_number }}", align=right)
    _paragraph(document, "{{ issued_on|era_date }}", align=right)
    _paragraph(document)
    _paragraph(document, "{{ department }}長　様")
    _paragraph(document, "{{ issuer_title }}", align=right)
    _paragraph(document, "{%p if omit_seal %}")
    _paragraph(document, "（公印省略）", align=right)
    _paragraph(document, "{%p endif %}")
    _paragraph(document)
    _paragraph(document, "仕様書確認結果", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=14)
    _paragraph(document)
    _paragraph(
        document,
        "{{ department }}{% if section %} {{ section }}{% endif %}から提出のあった下記の調達案件の"
        "仕様書について確認した結果を、次のとおり通知します。指摘事項については、回答及び"
        "対応状況を踏まえて仕様書を確定し、調達手続を進めてください。",
    )
    _paragraph(document, "記", align=WD_ALIGN_PARAGRAPH.CENTER)

    _paragraph(document, "1　案件の概要", bold=True)
    overview = document.add_table(rows=len(OVERVIEW_ROWS), cols=2)
    overview.style = "Table Grid"
    overview.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, tag) in zip(overview.rows, OVERVIEW_ROWS, strict=True):
        _cell(row.cells[0], label, bold=True)
        _cell(row.cells[1], tag)
    _fix_widths(overview, OVERVIEW_WIDTHS)

    _paragraph(document)
    _paragraph(document, "2　確認観点ごとの結果", bold=True)
    _repeating_table(document, CHECKLIST_COLUMNS, "c in checklist")

    _paragraph(document)
    _paragraph(document, "3　指摘事項及び対応状況", bold=True)
    _repeating_table(document, FINDING_COLUMNS, "f in findings")
    _paragraph(document, "{%p if not findings %}")
    _paragraph(document, "指摘事項はありません。")
    _paragraph(document, "{%p endif %}")

    _paragraph(document)
    _paragraph(document, "4　ベンダーロックインの状況（システムカルテ）", bold=True)
    _paragraph(document, "{{ lock_in }}")

    _paragraph(document)
    _paragraph(document, "5　確認の観点", bold=True)
    _paragraph(
        document,
        "機能要件、運用・保守要件、スケジュールの妥当性、セキュリティ要件、運用体制及び"
        "ベンダー中立性（ロックインの回避）の観点から、技術的な見地で確認しました。",
    )
    _paragraph(document)
    _paragraph(document, "審査担当　{{ reviewer }}", align=right)
    _paragraph(document, "決裁　{{ approver }}（{{ approved_on|era_date }}）", align=right)
    _paragraph(document, "以上", align=right)
    _paragraph(document)
    _paragraph(document, "担当・連絡先", align=right)
    _paragraph(document, "{{ contact_section }}　{{ contact_name }}", align=right)
    _paragraph(document, "{%p if contact_extension %}")
    _paragraph(document, "内線 {{ contact_extension }}", align=right)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{%p if contact_email %}")
    _paragraph(document, "電子メール {{ contact_email }}", align=right)
    _paragraph(document, "{%p endif %}")

    properties = document.core_properties
    properties.title = "仕様書確認結果"
    properties.author = "Shinsa"
    properties.last_modified_by = "Shinsa"
    properties.revision = 1
    properties.created = properties.modified = FIXED_MOMENT.replace(tzinfo=None)

    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry dated 1980-01-01, so two builds are identical."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return output.getvalue()


def main() -> int:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(build())
    sys.stdout.write(f"wrote {OUTPUT}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build the Word masters of the network connection approval (templates/documents/):

- network_connection_approval.docx  ネットワーク接続承認書 / 条件付承認書 (with the
  communication matrix as an annex);
- network_connection_rejection.docx ネットワーク接続不承認通知;
- network_connection_revocation.docx ネットワーク接続承認取消通知書.

    .venv/bin/python docs/masters/build_network_masters.py

The masters are made by this script, not edited by hand, so a change to their wording is a
reviewed change to this file. The output is byte-for-byte reproducible (fixed dates inside the
documents and in the zip), and a test checks that the committed masters are what this script
makes. Tags are docxtpl/Jinja: ``{%tr for %}`` repeats a table row, ``{%p if %}`` keeps or drops
a paragraph. Each tag sits in a single run, since Jinja cannot read a tag Word split.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

DOCUMENTS = Path(__file__).resolve().parents[2] / "templates" / "documents"
FIXED_MOMENT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
FONT = "ＭＳ 明朝"
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
CENTER = WD_ALIGN_PARAGRAPH.CENTER

OVERVIEW_ROWS = [
    ("案件番号", "{{ case_number }}"),
    ("件名", "{{ title }}"),
    ("情報システム", "{{ system }}"),
    ("接続するもの", "{{ target_kind }}"),
    ("接続先セグメント", "{{ segment }}"),
    ("接続の目的", "{{ purpose }}"),
    ("有効期間", "{{ valid_from|era_date }}から{{ validity }}"),
    ("割当 VLAN・アドレス", "{{ vlan }} / {{ addresses }}"),
    ("承認の経路", "{{ routing_reason }}"),
]
ASSET_COLUMNS = [
    ("ホスト名", "{{ a.hostname }}", 30),
    ("種類", "{{ a.kind }}", 30),
    ("IP アドレス", "{{ a.ip }}", 30),
    ("OS", "{{ a.os }}", 35),
    ("サポート終了日", "{{ a.eol }}", 35),
]
CONDITION_COLUMNS = [
    ("No.", "{{ c.number }}", 12),
    ("条件", "{{ c.text }}", 90),
    ("履行期限", "{{ c.due }}", 30),
    ("求める証跡", "{{ c.evidence }}", 28),
]
FLOW_COLUMNS = [
    ("No.", "{{ f.number }}", 12),
    ("通信元", "{{ f.source }}", 40),
    ("通信先", "{{ f.destination }}", 45),
    ("プロトコル", "{{ f.protocol }}", 22),
    ("ポート", "{{ f.ports }}", 30),
    ("方向", "{{ f.direction }}", 28),
    ("用途", "{{ f.purpose }}", 55),
]


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


def _table(document, rows):
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, tag) in zip(table.rows, rows, strict=True):
        _cell(row.cells[0], label, bold=True)
        _cell(row.cells[1], tag)
        row.cells[0].width, row.cells[1].width = Mm(45), Mm(120)
    return table


def _repeating_table(document, columns, loop):
    """A header row, then one row repeated by docxtpl for each item of ``loop``."""
    table = document.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, (title, tag, width) in enumerate(columns):
        _cell(table.rows[0].cells[index], title, bold=True)
        _cell(table.rows[2].cells[index], tag)
        for row in table.rows:
            row.cells[index].width = Mm(width)
    _cell(table.rows[1].cells[0], "{%tr for " + loop + " %}")
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    return table


def _document(title):
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin = section.bottom_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    properties = document.core_properties
    properties.title = title
    properties.author = "Shinsa"
    properties.last_modified_by = "Shinsa"
    properties.revision = 1
    properties.created = properties.modified = FIXED_MOMENT.replace(tzinfo=None)
    return document


def _letterhead(document, heading):
    _paragraph(document, "{{ document_number }}", align=RIGHT)
    _paragraph(document, "{{ issued_on|era_date }}", align=RIGHT)
    _paragraph(document)
    _paragraph(document, "{{ department }}長　様")
    _paragraph(document, "{{ office }}", align=RIGHT)
    _paragraph(document)
    _paragraph(document, heading, align=CENTER, bold=True, size=14)
    _paragraph(document)


def build_approval() -> bytes:
    document = _document("ネットワーク接続承認書")
    _letterhead(document, "{{ heading }}")
    _paragraph(
        document,
        "{{ department }}{% if section %} {{ section }}{% endif %}から申請のあった下記の"
        "ネットワーク接続について、ネットワーク構成、通信内容及び機器構成を確認した結果、"
        "{% if conditional %}次の条件を付して{% endif %}承認します。",
    )
    _paragraph(document, "記", align=CENTER)
    _paragraph(document, "1　接続の概要", bold=True)
    _table(document, OVERVIEW_ROWS)
    _paragraph(document)
    _paragraph(document, "2　接続する機器", bold=True)
    _repeating_table(document, ASSET_COLUMNS, "a in assets")
    _paragraph(document, "{%p if not assets %}")
    _paragraph(document, "機器の登録はありません（クラウドサービス・回線等）。")
    _paragraph(document, "{%p endif %}")
    _paragraph(document)
    _paragraph(document, "3　承認の条件", bold=True)
    _paragraph(document, "{%p if conditions %}")
    _repeating_table(document, CONDITION_COLUMNS, "c in conditions")
    _paragraph(
        document,
        "条件への対応は、履行期限までに証跡を添えて報告してください。期限を過ぎて未対応の"
        "場合は、承認の取消を検討することがあります。",
    )
    _paragraph(document, "{%p else %}")
    _paragraph(document, "条件はありません。")
    _paragraph(document, "{%p endif %}")
    _paragraph(document)
    _paragraph(document, "4　留意事項", bold=True)
    _paragraph(
        document,
        "承認の範囲を超える接続・通信の変更には、改めて申請が必要です。有効期限後も接続を"
        "続ける場合は、期限の60日前までに更新を申請してください。記憶媒体を持つ機器を廃棄"
        "する際は、廃棄証明書を提出してください。",
    )
    _paragraph(document)
    _paragraph(document, "統括情報セキュリティ責任者　{{ approver }}", align=RIGHT)
    _paragraph(document, "{%p if ciso %}")
    _paragraph(document, "最高情報セキュリティ責任者（CISO）　{{ ciso }}", align=RIGHT)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "以上", align=RIGHT)
    annex = document.add_section()
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Mm(297), Mm(210)
    _paragraph(document, "別紙　通信マトリクス（{{ case_number }}）", bold=True)
    _repeating_table(document, FLOW_COLUMNS, "f in flows")
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def build_rejection() -> bytes:
    document = _document("ネットワーク接続不承認通知")
    _letterhead(document, "ネットワーク接続不承認通知")
    _paragraph(
        document,
        "{{ department }}{% if section %} {{ section }}{% endif %}から申請のあった下記の"
        "ネットワーク接続については、次の理由により承認しないこととしたので通知します。",
    )
    _paragraph(document, "記", align=CENTER)
    _paragraph(document, "1　申請の概要", bold=True)
    _table(
        document,
        [
            ("案件番号", "{{ case_number }}"),
            ("件名", "{{ title }}"),
            ("情報システム", "{{ system }}"),
            ("接続するもの", "{{ target_kind }}"),
            ("接続先セグメント", "{{ segment }}"),
        ],
    )
    _paragraph(document)
    _paragraph(document, "2　理由", bold=True)
    _paragraph(document, "{{ reason }}")
    _paragraph(document)
    _paragraph(
        document,
        "内容を見直したうえで、改めて申請することができます。",
    )
    _paragraph(document, "決裁　{{ decider }}", align=RIGHT)
    _paragraph(document, "以上", align=RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def build_revocation() -> bytes:
    document = _document("ネットワーク接続承認取消通知書")
    _letterhead(document, "ネットワーク接続承認取消通知書")
    _paragraph(
        document,
        "{{ approval_number }}で承認したネットワーク接続について、次の理由により承認を"
        "取り消したので通知します。期日までに接続を解除し、その旨を報告してください。",
    )
    _paragraph(document, "記", align=CENTER)
    _table(
        document,
        [
            ("取り消す承認", "{{ approval_number }}（{{ case_number }}）"),
            ("情報システム", "{{ system }}"),
            ("接続先セグメント", "{{ segment }}"),
            ("承認の有効期間", "{{ approved_validity }}"),
            ("取消の理由", "{{ reason }}"),
            ("接続の解除の期日", "{{ disconnect_by }}"),
        ],
    )
    _paragraph(document)
    _paragraph(document, "取消　{{ revoked_by }}", align=RIGHT)
    _paragraph(document, "以上", align=RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


MASTERS = {
    "network_connection_approval": build_approval,
    "network_connection_rejection": build_rejection,
    "network_connection_revocation": build_revocation,
}


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
    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    for name, build in MASTERS.items():
        path = DOCUMENTS / f"{name}.docx"
        path.write_bytes(build())
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

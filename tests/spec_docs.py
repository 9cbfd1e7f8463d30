"""Real .docx specifications for the spec review tests, made with python-docx."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

CLAUSE_PARAGRAPHS = [
    "契約終了時には、本システムで保有する全てのデータを CSV 形式で抽出し、"
    "次期事業者へ提供すること。",
    "受注者は、設計書及び運用手順書等の引継ぎ資料を作成し、発注者の指定する者へ引き継ぐこと。",
    "本業務の成果物に関する著作権は、発注者に帰属するものとする。",
]


def make_spec(
    *,
    paragraphs: list[str] | tuple[str, ...] = (),
    table: list[list[str]] | None = None,
    with_clauses: bool = True,
    heading: str = "第1章 調達の概要",
    header: str = "",
) -> bytes:
    """A specification: a heading, the given paragraphs, optionally a table, the clauses."""
    document = Document()
    document.add_heading(heading, level=1)
    document.add_paragraph("本仕様書は、情報システムの再構築に係る調達について定めるものである。")
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    if with_clauses:
        document.add_heading("第9章 契約終了時の対応", level=1)
        for text in CLAUSE_PARAGRAPHS:
            document.add_paragraph(text)
    if header:
        document.sections[0].header.paragraphs[0].text = header
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def locked_in_spec() -> bytes:
    """A specification naming a product, refusing equivalents, with no exit clauses."""
    return make_spec(
        paragraphs=[
            "データベースは Oracle Database 19c を使用すること。同等品不可とする。",
            "帳票データは現行システムの独自形式で保存すること。",
        ],
        with_clauses=False,
    )


def clean_spec() -> bytes:
    return make_spec(paragraphs=["データベースは、リレーショナルデータベースとすること。"])


def docx_upload(data: bytes, name: str = "仕様書.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=DOCX_TYPE)


def pdf_upload(name: str = "参考図面.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n")


def zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_text(data: bytes) -> str:
    """Everything a reader sees in a Word file: paragraphs, then each table row as
    ``cell | cell``, one per line (how the tests read generated documents back)."""
    word = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)

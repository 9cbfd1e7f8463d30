"""The report's files: ``annual_report.docx`` from the Word master and ``annual_report.xlsx``
(every figure with its source and basis, a 根拠一覧 sheet, the yen tables, the 集計基準)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from governance.activity import catalog, compose, typography
from governance.documents import render_docx
from governance.spreadsheet_safety import xlsx_row

TEMPLATE = "annual_report"


def _table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        details = row.get("details") or {}
        total = details.get("total")
        out.append(
            {
                **row,
                "vendor": details.get("vendor", ""),
                "period": details.get("period", ""),
                "title": details.get("title", ""),
                "amount": typography.number(Decimal(row["value"])),
                "total": typography.number(Decimal(total)) if total not in (None, "") else "",
            }
        )
    return out


def docx_context(snapshot: dict[str, Any], issue_line: str = "") -> dict[str, Any]:
    tables = snapshot["tables"]
    return {
        **snapshot,
        "body": compose.paragraphs(snapshot),
        "issue_line": issue_line,
        "tables": {
            "settlement": tables["settlement"],
            "contract": _table_rows(tables["contract"]),
            "thousand_yen": _table_rows(tables["thousand_yen"]),
        },
    }


def docx_bytes(snapshot: dict[str, Any], issue_line: str = "") -> bytes:
    return render_docx(TEMPLATE, docx_context(snapshot, issue_line))


SOURCE_LABELS = {"auto": "自動集計", "manual": "手入力"}
QUALIFIER_LABELS = {"": "", "about": "約", "or_more": "以上"}


def xlsx_bytes(snapshot: dict[str, Any], issue_line: str = "") -> bytes:
    workbook = Workbook(write_only=True)
    figures = workbook.create_sheet("実績値")
    figures.append(
        xlsx_row(figures, [f"{snapshot['fiscal_year_label']}　事務事業実績", issue_line])
    )
    figures.append(
        xlsx_row(
            figures,
            [
                "グループ",
                "項番",
                "項目キー",
                "項目",
                "値",
                "単位",
                "修飾",
                "表記",
                "出典",
                "根拠",
                "入力者",
            ],
        )
    )
    for figure in snapshot["figures"].values():
        value = Decimal(figure["value"]) if figure["value"] is not None else None
        figures.append(
            xlsx_row(
                figures,
                [
                    figure["group"],
                    figure["section_no"],
                    figure["key"],
                    figure["label"],
                    int(value) if value is not None and value == int(value) else value,
                    figure["unit"],
                    QUALIFIER_LABELS.get(figure["qualifier"], ""),
                    figure["text"],
                    SOURCE_LABELS[figure["source"]],
                    figure["basis"],
                    figure["entered_by"],
                ],
                {4: "#,##0.###"},
            )
        )
    basis = workbook.create_sheet("根拠一覧")
    basis.append(xlsx_row(basis, ["項目キー", "項目", "種類", "番号・対象"]))
    for figure in snapshot["figures"].values():
        for member in figure["members"] or []:
            basis.append(
                xlsx_row(basis, [figure["key"], figure["label"], figure["member_kind"], member])
            )
    tables = snapshot["tables"]
    if tables["settlement"]:
        sheet = workbook.create_sheet("決算額")
        sheet.append(xlsx_row(sheet, ["", *snapshot["table_years"]]))
        for row in tables["settlement"]:
            sheet.append(xlsx_row(sheet, [row["label"], *row["amounts"]]))
    if tables["contract"]:
        sheet = workbook.create_sheet("契約")
        sheet.append(xlsx_row(sheet, ["名称", "委託先", "契約期間", "契約金額（円）"]))
        for row in _table_rows(tables["contract"]):
            sheet.append(
                xlsx_row(
                    sheet,
                    [row["label"], row["vendor"], row["period"], int(Decimal(row["value"]))],
                    {3: "#,##0"},
                )
            )
    if tables["thousand_yen"]:
        sheet = workbook.create_sheet("千円表")
        sheet.append(xlsx_row(sheet, ["名称", "事業名称", "金額（千円）", "総事業費（千円）"]))
        for row in _table_rows(tables["thousand_yen"]):
            total = (row.get("details") or {}).get("total")
            sheet.append(
                xlsx_row(
                    sheet,
                    [
                        row["label"],
                        row["title"],
                        int(Decimal(row["value"])),
                        int(total) if total not in (None, "") else None,
                    ],
                    {2: "#,##0", 3: "#,##0"},
                )
            )
    topics = workbook.create_sheet("相談の分類")
    topics.append(xlsx_row(topics, ["分類", "件数"]))
    for topic, count in (snapshot.get("consultation_topics") or {}).items():
        topics.append(xlsx_row(topics, [topic, count]))
    texts = workbook.create_sheet("本文")
    texts.append(xlsx_row(texts, ["項目", "見出し", "本文（［ ］は実績値）"]))
    for section in catalog.SECTIONS:
        texts.append(
            xlsx_row(texts, [section.key, section.heading, snapshot["narratives"][section.key]])
        )
    rules = workbook.create_sheet("集計基準")
    rules.append(xlsx_row(rules, [f"集計基準（第{snapshot['counting_version']}版）"]))
    for index, rule in enumerate(snapshot["counting_rules"], start=1):
        rules.append(xlsx_row(rules, [index, rule]))
    rules.append(xlsx_row(rules, ["根拠", snapshot["counting_basis"]]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

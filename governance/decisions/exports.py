"""Exports of the audit search and of the saved extractions (監査用抽出): CSV and .xlsx with the
page's columns, every text cell formula-safe (``governance.spreadsheet_safety``). An export is
itself an audit event (``audit.export``, with its parameters and the number of rows)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from governance import permissions
from governance.audit.services import record_event
from governance.spreadsheet_safety import csv_row, xlsx_row

EXPORT_ACTION = "audit.export"
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def record_export(
    *, actor: Any, target: str, file_format: str, filters: dict[str, str], rows: int
) -> None:
    """The export as an audit event, in its own transaction, before the file is handed out.
    Auditors only (NEXT_WAVE §C.5b: administrators keep the trail but export no population)."""
    permissions.require(permissions.is_auditor(actor))
    with transaction.atomic():
        record_event(
            actor=actor,
            action=EXPORT_ACTION,
            obj=None,
            changes={
                "export": [
                    None,
                    {"target": target, "format": file_format, "filters": filters, "rows": rows},
                ]
            },
        )


def csv_bytes(columns: Any, rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Japanese text as it is."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([str(column) for column in columns])
    for row in rows:
        writer.writerow(csv_row(row))
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, columns: Any, rows: list[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(xlsx_row(sheet, [str(column) for column in columns]))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_name(stem: str, file_format: str) -> str:
    return f"{stem}_{timezone.localtime():%Y%m%d_%H%M}.{file_format}"

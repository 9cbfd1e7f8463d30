"""The registry import reads cells with python-calamine and hands on the rows openpyxl gave:
empty cells None, whole numbers int, dates as midnight datetimes, rows and columns counted
from A1 whatever the sheet's first used cell, and an unreadable file refused in Japanese."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from governance.karte.io.calamine_reading import workbook_sheets
from governance.karte.io.layout import SHEET_SYSTEMS, KarteImportError


def _workbook(*, write_only: bool) -> bytes:
    workbook = Workbook(write_only=write_only)
    if write_only:
        sheet = workbook.create_sheet(SHEET_SYSTEMS)
        sheet.append([])
        sheet.append([None, "コード", 2021, 1.5, dt.date(2024, 4, 1), None, "末尾"])
    else:
        sheet = workbook.active
        assert sheet is not None
        sheet.title = SHEET_SYSTEMS
        sheet["B2"] = "コード"
        sheet["C2"] = 2021
        sheet["D2"] = 1.5
        sheet["E2"] = dt.date(2024, 4, 1)
        sheet["G2"] = "末尾"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("write_only", [True, False])
def test_cells_read_as_openpyxl_gave_them_counted_from_a1(write_only: bool) -> None:
    rows = list(workbook_sheets(_workbook(write_only=write_only))[SHEET_SYSTEMS])
    assert len(rows) == 2 and all(value is None for value in rows[0])
    assert rows[1][:7] == (None, "コード", 2021, 1.5, dt.datetime(2024, 4, 1), None, "末尾")
    assert isinstance(rows[1][2], int)


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(KarteImportError):
        workbook_sheets(b"PK\x03\x04 not really a zip")

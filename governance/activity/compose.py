"""What a report prints, as one JSON-able snapshot: every figure with its source, basis and the
identifiers behind it, each section's text, the yen tables and the counting rules.

A draft is composed from the live data each time; an issued version keeps its snapshot, so the
Word and Excel files can always be made again exactly as issued, whatever changed since.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from governance.activity import catalog, counting, typography
from governance.japanese import fiscal_year_label, yen
from governance.models import ActivityFigure, AnnualReport, FigureSource, RuleKey
from governance.rules.services import rule_in_force

#: Seed 003's table shapes for figures in yen.
TABLES = ("settlement", "contract", "thousand_yen")


def _figure(
    *,
    key: str,
    group: str,
    section_no: str,
    label: str,
    value: Decimal | int | None,
    unit: str,
    qualifier: str,
    source: str,
    basis: str,
    entered_by: str = "",
    members: list[str] | None = None,
    member_kind: str = "",
    printed: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "key": key,
        "group": group,
        "section_no": section_no,
        "label": label,
        "value": None if value is None else str(value),
        "unit": unit,
        "qualifier": qualifier,
        "text": "" if value is None else typography.figure(Decimal(value), unit, qualifier),
        "source": source,
        "basis": basis,
        "entered_by": entered_by,
        "members": members,
        "member_kind": member_kind,
        "printed": printed,
        **extra,
    }


def _group_of(key: str) -> tuple[str, str]:
    for section in catalog.SECTIONS:
        if f"［{key}］" in section.text:
            return section.group, section.heading.split("\u3000")[0]
    return "", ""


def compose(fiscal_year: int, report: AnnualReport | None = None) -> dict[str, Any]:
    """The snapshot of ``fiscal_year`` as the data stands now."""
    version, basis = counting.counting_version(fiscal_year)
    threshold = rule_in_force(RuleKey.SPEC_REVIEW_THRESHOLD, fiscal_year)
    rule_basis = f"集計基準 第{version}版（{basis}）"
    figures: dict[str, dict[str, Any]] = {}
    for item, members in zip(
        counting.AUTO_ITEMS, counting.count_all(fiscal_year).values(), strict=True
    ):
        group, section_no = _group_of(item.key)
        figures[item.key] = _figure(
            key=item.key,
            group=group,
            section_no=section_no,
            label=item.label,
            value=len(members),
            unit=item.unit,
            qualifier="",
            source=FigureSource.AUTO,
            basis=rule_basis,
            members=members,
            member_kind=item.member_kind,
            printed=item.printed,
        )
    stored = ActivityFigure.objects.filter(fiscal_year__in=range(fiscal_year - 2, fiscal_year + 1))
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    settlement: dict[str, dict[int, str]] = {}
    for row in stored.filter(source=FigureSource.MANUAL).select_related("entered_by"):
        who = row.entered_by.get_full_name() or row.entered_by.username if row.entered_by else ""
        if row.table == "settlement":
            settlement.setdefault(row.label, {})[row.fiscal_year] = yen(int(row.value))
        if row.fiscal_year != fiscal_year:
            continue
        entry = _figure(
            key=row.item_key,
            group=row.group,
            section_no=row.section_no,
            label=row.label,
            value=row.value,
            unit=row.unit,
            qualifier=row.qualifier,
            source=FigureSource.MANUAL,
            basis=row.basis,
            entered_by=who,
            table=row.table,
            details=row.details,
            note=row.note,
        )
        figures[row.item_key] = entry
        if row.table in ("contract", "thousand_yen"):
            tables[row.table].append(entry)
    years = [fiscal_year - 2, fiscal_year - 1, fiscal_year]
    tables["settlement"] = [
        {"label": label, "amounts": [values.get(year, "") for year in years]}
        for label, values in sorted(settlement.items())
        if fiscal_year in values
    ]
    narratives = dict(report.narratives) if report is not None else {}
    return {
        "fiscal_year": fiscal_year,
        "fiscal_year_label": typography.zenkaku_era(fiscal_year_label(fiscal_year)),
        "table_years": [typography.zenkaku_era(fiscal_year_label(y)) for y in years],
        "counting_version": version,
        "counting_basis": basis,
        "counting_rules": list(counting.COUNTING_RULES[version]),
        "spec_threshold": threshold.value,
        "figures": figures,
        "narratives": {
            section.key: narratives.get(section.key, section.text) for section in catalog.SECTIONS
        },
        "tables": tables,
        "consultation_topics": counting.consultations_by_topic(fiscal_year),
    }


def fill(text: str, snapshot: dict[str, Any]) -> str:
    """A section's text with its placeholders replaced by the figures. A figure not entered yet
    prints 「（未入力）」, so a gap is seen, never a blank."""

    def value(match: Any) -> str:
        key = match.group(1)
        if key == catalog.FISCAL_YEAR_WORD:
            return str(snapshot["fiscal_year_label"])
        if key == catalog.THRESHOLD_WORD:
            return typography.kanji_money(int(snapshot["spec_threshold"]))
        figure = snapshot["figures"].get(key)
        if figure is None or not figure["text"]:
            return "（未入力）"
        return str(figure["text"])

    return catalog.PLACEHOLDER.sub(value, text)


def paragraphs(snapshot: dict[str, Any]) -> list[dict[str, str]]:
    """The body in seed 000's order: group, chapter and section headings, then the text."""
    body: list[dict[str, str]] = []
    group = chapter = ""
    for section in catalog.SECTIONS:
        if section.group != group:
            group, chapter = section.group, ""
            body.append({"kind": "group", "text": group})
        if section.chapter != chapter:
            chapter = section.chapter
            body.append({"kind": "chapter", "text": chapter})
        body.append({"kind": "section", "text": section.heading})
        text = fill(snapshot["narratives"][section.key], snapshot)
        body.extend(
            {"kind": "body", "text": line.strip()} for line in text.splitlines() if line.strip()
        )
    return body

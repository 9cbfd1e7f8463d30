"""The 措置状況報告 (``audit_measures.docx``) in seed 001's shape: 監査実施年月日 → 監査の結果 →
措置の内容, numbered per finding, era dates written as the seed writes them, figures exactly as
the measures froze them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import translation

from governance.documents import render_docx
from governance.japanese import era_date, era_of, in_japanese
from governance.models import AuditEngagement, MeasureStatus

TEMPLATE = "audit_measures"
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_LONE_DIGIT = re.compile(r"(?<![0-9])([0-9])(?![0-9])")


def seed_digits(text: str) -> str:
    """One-digit numbers in full-width, longer ones in ASCII, as seed 001 writes its dates:
    令和5年5月31日 → 令和５年５月31日, 令和4年8月1日 → 令和４年８月１日."""
    return _LONE_DIGIT.sub(lambda match: match.group(1).translate(_FULL_WIDTH), text)


def seed_date(day: dt.date | str | None) -> str:
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return seed_digits(era_date(day))


def period(start: dt.date | None, end: dt.date | None) -> str:
    """「令和４年６月１日から同年８月31日まで」."""
    if start is None or end is None:
        return seed_date(start or end)
    if era_of(start) == era_of(end):
        tail = seed_digits(f"同年{end.month}月{end.day}日")
    else:
        tail = seed_date(end)
    return f"{seed_date(start)}から{tail}まで"


def circled(number: int) -> str:
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"({number})"


def figure_text(value: Any, unit: str) -> str:
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def audit_dates(engagement: AuditEngagement) -> str:
    parts = []
    if engagement.member_audit_on:
        parts.append(f"委員：{seed_date(engagement.member_audit_on)}")
    if engagement.secretariat_from or engagement.secretariat_to:
        parts.append(f"事務局：{period(engagement.secretariat_from, engagement.secretariat_to)}")
    return "、".join(parts)


def measure_context(measure: Any) -> dict[str, Any]:
    figures = measure.figures or {}
    as_of = figures.get("as_of")
    with in_japanese():
        lines = [
            {
                "label": translation.gettext(line["label"]),
                "value": figure_text(line["value"], line["unit"]),
            }
            for line in figures.get("lines", [])
        ]
    return {
        "text": measure.text,
        "taken_on": seed_date(measure.taken_on),
        "reported_on": seed_date(measure.reported_on),
        "as_of": f"{seed_date(as_of)}時点" if as_of else "",
        "query": figures.get("query_label", ""),
        "sha256": figures.get("sha256", ""),
        "lines": lines,
    }


def context(engagement: AuditEngagement, *, number: str, issued_on: dt.date) -> dict[str, Any]:
    """The values the report prints (stored with its version)."""
    findings = []
    for finding in engagement.findings.select_related("owner_department").order_by("number"):
        measures = finding.measures.filter(
            status__in=(MeasureStatus.APPROVED, MeasureStatus.REPORTED)
        ).order_by("pk")
        findings.append(
            {
                "mark": circled(finding.number),
                "number": finding.number,
                "kind": str(finding.get_kind_display()),
                "facts": finding.facts,
                "text": finding.text,
                "department": finding.owner_department.name,
                "status": str(finding.get_status_display()),
                "measures": [measure_context(m) for m in measures],
            }
        )
    return {
        "number": number,
        "issued_on": seed_date(issued_on),
        "title": engagement.title,
        "kind": str(engagement.get_kind_display()),
        "fiscal_year": engagement.fiscal_year,
        "audit_dates": audit_dates(engagement),
        "findings": findings,
    }


def docx_bytes(values: dict[str, Any]) -> bytes:
    return render_docx(TEMPLATE, values)

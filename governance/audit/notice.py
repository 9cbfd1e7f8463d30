"""The 監査記録ハッシュ通知: the Word document of a month's anchor, and when it is due.

The notice is issued on the first business day (開庁日: not a Saturday, Sunday, national
holiday or 12/29–1/3) of the month after the one it closes, the day the office is first open to
receive it (NEXT_WAVE §C.5b, an assumption). Its master is
``templates/documents/audit_anchor_notice.docx`` (built by docs/masters/build_audit_masters.py).
A record, so Japanese whatever the reader's language, like the other Word documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from governance.cases.services.documents import office_context
from governance.documents import render_docx
from governance.japanese import era_date, is_business_day

TEMPLATE = "audit_anchor_notice"
ADDRESSEE = "監査委員事務局長"
#: The basis printed on the missed-anchor clock (NEXT_WAVE §C.5b).
DEADLINE_BASIS = (
    "監査記録ハッシュ通知は、毎月の第1開庁日に前月末の監査記録の先頭を発行する"
    "（NEXT_WAVE §C.5b、事務局の想定）"
)


def first_business_day(year: int, month: int) -> dt.date:
    """The month's first 開庁日 (2027-01-04 for January 2027, after 年末年始)."""
    day = dt.date(year, month, 1)
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def month_after(period: str) -> tuple[int, int]:
    year, month = (int(part) for part in period.split("-"))
    return (year + 1, 1) if month == 12 else (year, month + 1)


def next_period(period: str) -> str:
    year, month = month_after(period)
    return f"{year:04d}-{month:02d}"


def issue_day(period: str) -> dt.date:
    """The day the anchor of ``period`` ("2026-12") is due: 2027-01-04."""
    return first_business_day(*month_after(period))


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_label(period: str) -> str:
    """令和8年10月: the era date of the month's first day, without the day."""
    year, month = (int(part) for part in period.split("-"))
    return era_date(dt.date(year, month, 1)).rsplit("月", 1)[0] + "月"


def grouped_lines(text: str, *, group: int = 8, per_line: int = 4) -> list[str]:
    """A long hex string as lines of space-separated groups, to be read aloud and compared:
    64 characters make two lines of four groups of eight."""
    groups = [text[start : start + group] for start in range(0, len(text), group)]
    lines = [
        " ".join(groups[start : start + per_line]) for start in range(0, len(groups), per_line)
    ]
    while len(lines) < 2:
        lines.append("")
    return lines


def verify_command(sequence: int, digest: str) -> str:
    return f"python manage.py verify_audit --expect-head {sequence}:{digest}"


def notice_context(
    *,
    period: str,
    issued_at: dt.datetime,
    sequence: int,
    digest: str,
    signature: str,
    document_number: str,
) -> dict[str, Any]:
    """What the master prints: every value a reader compares, and the office's contact."""
    issued = timezone.localtime(issued_at)
    return {
        **office_context(issued.date()),
        "document_number": document_number,
        "issued_on": issued.date(),
        "issued_at_label": f"{era_date(issued.date())} {issued:%H:%M:%S}",
        "addressee": ADDRESSEE,
        "period": period,
        "period_label": period_label(period),
        "sequence": sequence,
        "hash": digest,
        "hash_lines": grouped_lines(digest),
        "signature": signature,
        "signature_lines": grouped_lines(signature),
        "command": verify_command(sequence, digest),
        "verify_url": settings.SITE_URL + reverse("audit:verify"),
    }


def render_notice(context: dict[str, Any]) -> bytes:
    return render_docx(TEMPLATE, context)

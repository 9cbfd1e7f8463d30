"""Helpers for the clock tests: Japanese times, a frozen ``now``, and cases to hang clocks on."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from governance.consultation.services import open_consultation
from governance.models import Case, CaseKind, Department, User

JST = ZoneInfo("Asia/Tokyo")
_numbers = itertools.count(1)


def jst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """An aware time in Japan: ``jst(2026, 12, 1, 9)``."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=JST)


class FrozenNow:
    """``django.utils.timezone.now`` fixed at a moment the test moves by hand (services,
    selectors and ``auto_now`` fields all read it)."""

    def __init__(self, monkeypatch: Any, at: dt.datetime) -> None:
        self.at = at
        monkeypatch.setattr(timezone, "now", lambda: self.at)

    def set(self, at: dt.datetime) -> dt.datetime:
        self.at = at
        return at


def review_case(staff: User, title: str = "ネットワーク接続の相談") -> Case:
    """A case of the staff member's department (a consultation: a review kind, with no flow)."""
    return open_consultation(actor=staff, title=title, question="接続の可否を確認したい")


def incident_case(department: Department, requester: User, title: str = "個人情報の漏えい") -> Case:
    """A bare incident case (the incident workflow is not built yet)."""
    sequence = next(_numbers)
    return Case.objects.create(
        kind=CaseKind.INCIDENT,
        fiscal_year=2026,
        sequence=sequence,
        number=f"IN-2026-{sequence:04d}",
        title=title,
        department=department,
        requester=requester,
    )

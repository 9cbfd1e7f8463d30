"""Pure clock arithmetic: when a clock is due, when its reminders fall, how much time is left.

No database here: services compute a row's schedule with these functions, the runner decides
with them which notice is due, and the selectors word the time left with them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.clocks.models import DATE_COUNTINGS, Counting, DeadlineStatus
from governance.japanese import add_business_days, era_date, legal_due, next_open_day

#: The stage the runner announces once the due time has passed.
MISSED = "missed"
#: Reminders of clocks counted in days: half and three quarters of the time, and the
#: business day before (ServiceNow's 50/75/100 % pattern, NEXT_WAVE §2.1).
DAY_REMINDERS = ("pct50", "pct75", "bd1")
#: Reminders of clocks counted in hours or minutes (a business day before means nothing there).
TIME_REMINDERS = ("pct50", "pct75")

_STAGE = re.compile(r"^(?:pct(?P<pct>\d{1,2})|bd(?P<bd>\d{1,3})|d(?P<d>\d{1,3}))$")


def is_valid_stage(code: str) -> bool:
    return bool(_STAGE.match(code))


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 JST of ``day``: the hard due time of a date-based clock."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_default_timezone())


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=timezone.get_default_timezone())


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def format_due(moment: dt.datetime) -> str:
    """令和9年1月4日 23:59 (era dates stay Japanese in English pages, as everywhere)."""
    local = timezone.localtime(moment)
    return f"{era_date(local)} {local:%H:%M}"


@dataclass(frozen=True)
class Due:
    """A computed due time, with the day it was before a holiday roll and why it moved."""

    due_at: dt.datetime
    unrolled_due_on: dt.date | None = None
    roll_basis: str = ""


def compute_due(*, counting: str, starts_at: dt.datetime, length: int, roll: bool) -> Due:
    """When a clock of ``length`` ``counting`` units started at ``starts_at`` is due.

    Calendar days follow ``legal_due`` (first day not counted; rolled past 行政機関の休日 when
    ``roll``); business days count 開庁日 after the start day; hours and minutes are elapsed time.
    """
    if counting == Counting.CALENDAR_DAYS:
        due = legal_due(local_date(starts_at), length, roll=roll)
        return Due(
            due_at=end_of_day(due.due),
            unrolled_due_on=due.unrolled if due.rolled else None,
            roll_basis=due.reason,
        )
    if counting == Counting.BUSINESS_DAYS:
        return Due(due_at=end_of_day(add_business_days(local_date(starts_at), length)))
    if counting == Counting.HOURS:
        return Due(due_at=starts_at + dt.timedelta(hours=length))
    if counting == Counting.MINUTES:
        return Due(due_at=starts_at + dt.timedelta(minutes=length))
    raise ValueError(f"unknown counting {counting!r}")


def stage_time(*, code: str, starts_at: dt.datetime, due_at: dt.datetime) -> dt.datetime | None:
    """When reminder ``code`` falls for a clock from ``starts_at`` to ``due_at``; None if it
    falls outside the clock's time (a 10-business-day reminder of a 3-day clock)."""
    match = _STAGE.match(code)
    if match is None:
        return None
    if match["pct"] is not None:
        at = starts_at + (due_at - starts_at) * int(match["pct"]) / 100
    elif match["bd"] is not None:
        at = start_of_day(add_business_days(local_date(due_at), -int(match["bd"])))
    else:
        # n calendar days before, sent on the next business day if that day is closed.
        day = local_date(due_at) - dt.timedelta(days=int(match["d"]))
        at = start_of_day(next_open_day(day))
    if not starts_at < at < due_at:
        return None
    return at


def planned_stages(
    *, reminders: list[str], starts_at: dt.datetime, due_at: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    """Every stage of a clock's schedule with its time, in time order; the breach comes last."""
    stages = []
    for code in reminders:
        at = stage_time(code=code, starts_at=starts_at, due_at=due_at)
        if at is not None:
            stages.append((code, at))
    stages.sort(key=lambda stage: stage[1])
    stages.append((MISSED, due_at + dt.timedelta(seconds=1)))
    return stages


def next_notice_at(deadline: Any) -> dt.datetime | None:
    """The first stage of ``deadline``'s schedule not yet announced (None: nothing left)."""
    if deadline.status != DeadlineStatus.RUNNING or deadline.paused_at is not None:
        return None
    for code, at in planned_stages(
        reminders=deadline.reminders, starts_at=deadline.starts_at, due_at=deadline.due_at
    ):
        if code not in deadline.notices_sent:
            return at
    return None


def stages_past(deadline: Any, now: dt.datetime) -> list[str]:
    """The reminder stages of ``deadline``'s schedule whose time has come by ``now``."""
    return [
        code
        for code, at in planned_stages(
            reminders=deadline.reminders, starts_at=deadline.starts_at, due_at=deadline.due_at
        )
        if code != MISSED and at <= now
    ]


@dataclass(frozen=True)
class TimeLeft:
    """How far a due time is, worded for a page or a notice: 残り3日, 期限超過（3日）."""

    text: str
    overdue: bool


def time_left(due_at: dt.datetime, now: dt.datetime, *, counting: str) -> TimeLeft:
    """Days of a date-based clock are calendar days between today and the due day (due today:
    the hours left); clocks counted in hours or minutes show hours or minutes."""
    if now > due_at:
        late = now - due_at
        if counting in DATE_COUNTINGS:
            days = max(1, (local_date(now) - local_date(due_at)).days)
            return TimeLeft(_("期限超過（{n}日）").format(n=days), overdue=True)
        if late >= dt.timedelta(days=1):
            return TimeLeft(_("期限超過（{n}日）").format(n=late.days), overdue=True)
        if late >= dt.timedelta(hours=1):
            hours = late // dt.timedelta(hours=1)
            return TimeLeft(_("期限超過（{n}時間）").format(n=hours), overdue=True)
        minutes = max(1, late // dt.timedelta(minutes=1))
        return TimeLeft(_("期限超過（{n}分）").format(n=minutes), overdue=True)
    left = due_at - now
    days = (local_date(due_at) - local_date(now)).days
    if counting in DATE_COUNTINGS and days >= 1:
        return TimeLeft(_("残り{n}日").format(n=days), overdue=False)
    if left >= dt.timedelta(days=1):
        return TimeLeft(_("残り{n}日").format(n=left.days), overdue=False)
    if left >= dt.timedelta(hours=1):
        return TimeLeft(_("残り{n}時間").format(n=left // dt.timedelta(hours=1)), overdue=False)
    return TimeLeft(_("残り{n}分").format(n=left // dt.timedelta(minutes=1)), overdue=False)

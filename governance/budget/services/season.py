"""The budget season: one per fiscal year's budget, with the finance deadline; and the
reminders to whoever holds a budget-check task before that deadline and once it has passed.

Reminders go out on business days only (weekends, national holidays and 12/29–1/3 are not),
through ``notify`` (in-app notice plus an e-mail job in the outbox). Each reminder has a
``dedupe_key`` naming the task and the kind of reminder, so however often the periodic runner
calls ``send_budget_reminders``, a holder receives each reminder once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance import permissions
from governance.audit.services import changes_between, record_event, snapshot
from governance.budget.services import PENDING
from governance.cases.services.assignments import task_holders
from governance.cases.services.notifications import notify
from governance.japanese import (
    add_business_days,
    business_days_until,
    era_date,
    fiscal_year_label,
    is_business_day,
)
from governance.jobs.periodic import periodic
from governance.models import BudgetCheck, BudgetSeason, CaseKind, User

SEASON_EXISTS = gettext_noop("{year}の予算確認シーズンはすでに登録されています。")
DEADLINE_BEFORE_OPENING = gettext_noop("締切日は受付開始日以降の日付にしてください。")
LEAD_DAYS_OUT_OF_RANGE = gettext_noop("督促の営業日数は 0 から 30 の間で指定してください。")
FISCAL_YEAR_INVALID = gettext_noop("予算年度が正しくありません。")

SEASON_FIELDS = ["fiscal_year", "opens_on", "deadline", "reminder_lead_days", "notes"]


def _check_dates(opens_on: dt.date, deadline: dt.date, reminder_lead_days: int) -> None:
    if deadline < opens_on:
        raise ValueError(_(DEADLINE_BEFORE_OPENING))
    if not 0 <= reminder_lead_days <= 30:
        raise ValueError(_(LEAD_DAYS_OUT_OF_RANGE))


def create_budget_season(
    *,
    actor: User,
    fiscal_year: int,
    opens_on: dt.date,
    deadline: dt.date,
    reminder_lead_days: int = 3,
    notes: str = "",
) -> BudgetSeason:
    """Open the budget season for one fiscal year's budget; requests already made for that
    year are attached to it."""
    permissions.require(permissions.can_manage_budget_seasons(actor))
    if not 1900 <= fiscal_year <= 2200:
        raise ValueError(_(FISCAL_YEAR_INVALID))
    _check_dates(opens_on, deadline, reminder_lead_days)
    with transaction.atomic():
        if BudgetSeason.objects.filter(fiscal_year=fiscal_year).exists():
            raise ValueError(_(SEASON_EXISTS).format(year=fiscal_year_label(fiscal_year)))
        season = BudgetSeason.objects.create(
            fiscal_year=fiscal_year,
            opens_on=opens_on,
            deadline=deadline,
            reminder_lead_days=reminder_lead_days,
            notes=notes.strip(),
            created_by=actor,
        )
        attached = BudgetCheck.objects.filter(fiscal_year=fiscal_year, season__isnull=True).update(
            season=season
        )
        record_event(
            actor=actor,
            action="budget_season.create",
            obj=season,
            changes={
                **changes_between({}, snapshot(season, SEASON_FIELDS)),
                "attached_cases": [None, attached],
            },
        )
    return season


def update_budget_season(
    *,
    actor: User,
    season: BudgetSeason,
    opens_on: dt.date,
    deadline: dt.date,
    reminder_lead_days: int,
    notes: str = "",
    reason: str = "",
) -> BudgetSeason:
    """Change a season's dates (e.g. the finance bureau moved the deadline)."""
    permissions.require(permissions.can_manage_budget_seasons(actor))
    _check_dates(opens_on, deadline, reminder_lead_days)
    with transaction.atomic():
        season = BudgetSeason.objects.select_for_update().get(pk=season.pk)
        old = snapshot(season, SEASON_FIELDS)
        season.opens_on = opens_on
        season.deadline = deadline
        season.reminder_lead_days = reminder_lead_days
        season.notes = notes.strip()
        season.save()
        changes = changes_between(old, snapshot(season, SEASON_FIELDS))
        if changes:
            record_event(
                actor=actor,
                action="budget_season.update",
                obj=season,
                changes=changes,
                reason=reason,
            )
    return season


# --- Reminders ------------------------------------------------------------------------------


def reminder_start(season: BudgetSeason) -> dt.date:
    """The first day reminders go out: ``reminder_lead_days`` business days before the deadline."""
    return add_business_days(season.deadline, -season.reminder_lead_days)


def _open_tasks(fiscal_year: int) -> Any:
    """Open human tasks of undecided budget checks of one fiscal year, with their cases."""
    return (
        Task.objects.filter(
            process__case__kind=CaseKind.BUDGET_CHECK,
            process__case__fiscal_year=fiscal_year,
            process__case__status__in=PENDING,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        )
        .select_related("owner", "process__case")
        .order_by("pk")
    )


def send_budget_reminders(*, today: dt.date | None = None) -> int:
    """Remind task holders of undecided checks before the deadline and once it has passed.

    Returns how many notices were created (0 on a day that is not a business day).
    """
    today = today or timezone.localdate()
    if not is_business_day(today):
        return 0
    sent = 0
    for season in BudgetSeason.objects.order_by("fiscal_year"):
        if today < reminder_start(season):
            continue
        overdue = today > season.deadline
        left = business_days_until(today, season.deadline)
        with transaction.atomic():
            for task in _open_tasks(season.fiscal_year):
                case = task.process.case
                if overdue:
                    subject = _("【予算確認】締切（{deadline}）を過ぎています: {number}").format(
                        deadline=era_date(season.deadline), number=case.number
                    )
                    key = f"budget-reminder:{task.pk}:overdue"
                else:
                    subject = _(
                        "【予算確認】締切（{deadline}）まであと{days}営業日です: {number}"
                    ).format(deadline=era_date(season.deadline), days=left, number=case.number)
                    key = f"budget-reminder:{task.pk}:before"
                body = _("「{task}」が未完了です。{title}").format(
                    task=task.flow_task.task_title, title=case.title
                )
                sent += len(
                    notify(
                        recipients=task_holders(task),
                        subject=subject,
                        body=body,
                        url=reverse("home:case", args=[case.pk]),
                        case=case,
                        dedupe_key=key,
                    )
                )
    return sent


@periodic("budget_check_reminders")
def budget_check_reminders() -> int:
    return send_budget_reminders()

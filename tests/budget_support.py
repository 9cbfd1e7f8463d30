"""Helpers for the budget-check tests: request data, task lookup, and driving the flow headlessly
through its step pages (``workflows.driver``) for tests that need many cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from viewflow.workflow.status import STATUS

from forms import budget as budget_forms
from governance.budget.services import BudgetRequestFacts, GuidanceDraft
from governance.japanese import fiscal_year_of
from governance.models import BudgetCheck, InformationSystem, User
from workflows import driver
from workflows.budget_check import BudgetCheckFlow

CHECKLIST_OK = {
    "configuration": "adequate",
    "continuity": "adequate",
    "cost": "guidance",
    "operation": "adequate",
    "network_security": "not_applicable",
}


def next_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate()) + 1


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def request_post(system: InformationSystem | None, **overrides: Any) -> dict[str, Any]:
    """What a department's staff member types into the request form (full-width amounts)."""
    data: dict[str, Any] = {
        "system": system.pk if system else "",
        "new_system_name": "",
        "new_system_kind": "",
        "fiscal_year": f"令和{next_fiscal_year() - 2018}年度",
        "initial_cost": "１，２００，０００円",
        "running_cost": "3,400,000",
        "purpose": "人事給与事務の効率化",
        "configuration": "庁内サーバ2台（AP/DB）、端末50台",
        "continuity": "日次バックアップ、障害時は紙運用で継続",
        "operating_structure": "職員3名（うち情報系1名）、委託事業者常駐1名",
        "network_security": "庁内LANのみ。インターネット接続なし",
    }
    data.update(overrides)
    return data


def facts(**overrides: Any) -> BudgetRequestFacts:
    values: dict[str, Any] = {
        "initial_cost": 1_200_000,
        "running_cost": 3_400_000,
        "purpose": "人事給与事務の効率化",
        "configuration": "庁内サーバ2台",
        "continuity": "日次バックアップ",
        "operating_structure": "職員3名",
        "network_security": "庁内LANのみ",
    }
    values.update(overrides)
    return BudgetRequestFacts(**values)


default_facts = facts


def open_task(check: BudgetCheck, node: Any) -> Any:
    """The open (new or assigned) task of ``node`` on the check's process."""
    assert check.process is not None
    return check.process.task_set.get(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def execute_url(task: Any) -> str:
    return str(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


def assign_url(task: Any) -> str:
    return str(task.flow_task.reverse("assign", args=[task.process_id, task.pk]))


def start(
    actor: User,
    system: InformationSystem | None,
    fiscal_year: int | None = None,
    *,
    facts: BudgetRequestFacts | None = None,
    **kwargs: Any,
) -> BudgetCheck:
    """Request a check through the flow's start page (``workflows.driver``)."""
    data = budget_forms.request_data(
        fiscal_year=fiscal_year or next_fiscal_year(),
        facts=facts if facts is not None else default_facts(),
        system=system,
        **kwargs,
    )
    process = driver.start(BudgetCheckFlow, user=actor, data=data)
    return BudgetCheck.objects.get(process_id=process.pk)


def step(check: BudgetCheck, node: Any, actor: User, data: dict[str, Any]) -> BudgetCheck:
    """Do one human step as ``actor`` with the form ``data`` (``forms.budget.*_data``),
    picking it up first if it waits in a queue, as its page would."""
    assert check.process is not None
    driver.complete(check.process, node, user=actor, data=data)
    return BudgetCheck.objects.get(pk=check.pk)


def drive_to_approval(
    check: BudgetCheck, reviewer: User, guidance: list[GuidanceDraft] | None = None
) -> BudgetCheck:
    """The reviewer records a result with guidance items; the case waits for approval."""
    items = guidance or [
        GuidanceDraft(text="複数事業者から見積を取得すること", due_date=in_days(120))
    ]
    data = budget_forms.review_data(
        checklist=CHECKLIST_OK,
        result=BudgetCheck.Result.CONFIRMED_WITH_GUIDANCE,
        guidance=items,
    )
    return step(check, BudgetCheckFlow.review, reviewer, data)


def drive_to_closed(
    check: BudgetCheck,
    requester: User,
    reviewer: User,
    approver: User,
    guidance: list[GuidanceDraft] | None = None,
) -> BudgetCheck:
    check = drive_to_approval(check, reviewer, guidance)
    check = step(check, BudgetCheckFlow.approve, approver, budget_forms.approval_data())
    return step(check, BudgetCheckFlow.acknowledge, requester, budget_forms.acknowledge_data())

"""Helpers for the budget-check tests: request data, task lookup, and driving the flow through
viewflow activations and services (without HTTP) for tests that need many cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS

from governance.japanese import fiscal_year_of
from governance.models import BudgetCheck, InformationSystem, User
from governance.services import budget as services
from governance.services.budget import BudgetRequestFacts, GuidanceDraft
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


def open_task(check: BudgetCheck, node: Any) -> Any:
    """The open (new or assigned) task of ``node`` on the check's process."""
    assert check.process is not None
    return check.process.task_set.get(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def execute_url(task: Any) -> str:
    return str(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


def assign_url(task: Any) -> str:
    return str(task.flow_task.reverse("assign", args=[task.process_id, task.pk]))


class _Request:
    def __init__(self, user: User) -> None:
        self.user = user


def start(
    actor: User,
    system: InformationSystem | None,
    fiscal_year: int | None = None,
    **kwargs: Any,
) -> BudgetCheck:
    """Request a check through the flow's start activation and the service."""
    node = BudgetCheckFlow.start
    activation = node.activation_class.create(node, None, None)
    assert node.can_execute(actor, activation.task)
    with transaction.atomic():
        activation.start(_Request(actor))
        activation.process.save()
        check = services.request_budget_check(
            actor=actor,
            fiscal_year=fiscal_year or next_fiscal_year(),
            facts=kwargs.pop("facts", None) or facts(),
            system=system,
            process=activation.process,
            **kwargs,
        )
        activation.execute()
    return BudgetCheck.objects.get(pk=check.pk)


def step(
    check: BudgetCheck, node: Any, actor: User, action: Callable[[BudgetCheck], Any]
) -> BudgetCheck:
    """Do one human step as ``actor``: pick it up if it is in a queue, call the service
    (``action``), and complete the task, as the step's view would."""
    task = open_task(check, node)
    activation = node.activation_class(task)
    with transaction.atomic():
        if task.status == STATUS.NEW:
            assert node.can_assign(actor, task), f"{actor} may not pick up {node.name}"
            activation.assign(actor)
        assert node.can_execute(actor, task), f"{actor} may not execute {node.name}"
        activation.start(_Request(actor))
        action(BudgetCheck.objects.get(pk=check.pk))
        activation.execute()
    return BudgetCheck.objects.get(pk=check.pk)


def drive_to_approval(
    check: BudgetCheck, reviewer: User, guidance: list[GuidanceDraft] | None = None
) -> BudgetCheck:
    """The reviewer records a result with guidance items; the case waits for approval."""
    items = guidance or [
        GuidanceDraft(text="複数事業者から見積を取得すること", due_date=in_days(120))
    ]
    return step(
        check,
        BudgetCheckFlow.review,
        reviewer,
        lambda c: services.record_budget_result(
            actor=reviewer,
            budget_check=c,
            checklist=CHECKLIST_OK,
            result=BudgetCheck.Result.CONFIRMED_WITH_GUIDANCE,
            guidance_items=items,
        ),
    )


def drive_to_closed(
    check: BudgetCheck,
    requester: User,
    reviewer: User,
    approver: User,
    guidance: list[GuidanceDraft] | None = None,
) -> BudgetCheck:
    check = drive_to_approval(check, reviewer, guidance)
    check = step(
        check,
        BudgetCheckFlow.approve,
        approver,
        lambda c: services.approve_budget_check(actor=approver, budget_check=c),
    )
    return step(
        check,
        BudgetCheckFlow.acknowledge,
        requester,
        lambda c: services.acknowledge_budget_check(actor=requester, budget_check=c),
    )

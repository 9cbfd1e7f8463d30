"""Reads that carry a rule. Each ``access_*`` fetches and checks permission in one step."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from viewflow.workflow.status import STATUS

from governance import flows, permissions
from governance.cases.processes import case_tasks
from governance.models import (
    BudgetCheck,
    Case,
    CaseKind,
    Consultation,
    NetworkConnection,
    Notification,
    SpecReview,
)

#: The model holding each kind's own columns (a subclass of ``Case``).
CASE_MODELS: dict[str, type[Case]] = {
    CaseKind.CONSULTATION: Consultation,
    CaseKind.BUDGET_CHECK: BudgetCheck,
    CaseKind.SPEC_REVIEW: SpecReview,
    CaseKind.NETWORK_CONNECTION: NetworkConnection,
}


def concrete_case(case: Case) -> Case:
    """The case as an instance of its kind's model (``BudgetCheck``, ``Consultation``, …)."""
    model = CASE_MODELS.get(case.kind)
    if model is None or isinstance(case, model):
        return case
    return model.objects.get(pk=case.pk)


def visible_cases(user: Any) -> QuerySet[Case]:
    return permissions.scope_cases(user, Case.objects.all())


def access_case(user: Any, pk: int) -> Case:
    """The case ``pk`` if the user may see it; 404 otherwise (existence is not revealed)."""
    case = visible_cases(user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return concrete_case(case)


def inbox_tasks(user: Any) -> QuerySet[Any]:
    """Tasks assigned to the user, across every case flow, with their case in one query."""
    queryset = case_tasks().filter(owner=user, status=STATUS.ASSIGNED, flow_task_type="HUMAN")
    return (
        permissions.scope_tasks(user, queryset)
        .select_related(
            "process",
            "process__case",
            "process__case__department",
            "process__case__system",
            "process__case__requester",
        )
        .order_by("created")
    )


def queue_tasks(user: Any) -> QuerySet[Any]:
    """Unassigned tasks the user could pick up, across every case flow."""
    queryset = case_tasks().filter(status=STATUS.NEW).user_queue(user)
    return queryset.select_related(
        "process",
        "process__case",
        "process__case__department",
        "process__case__system",
        "process__case__requester",
    ).order_by("created")


def unread_notifications(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).select_related("case")


def start_links(user: Any) -> list[tuple[str, str]]:
    """(title, url) of every case flow the user may start."""
    links = []
    for entry in flows.flows():
        for node in entry.flow_class.get_start_nodes(user):
            links.append((str(entry.flow_class.process_title), node.reverse("execute")))
    return links


def case_documents(user: Any, case: Case) -> list[Any]:
    """The case's advisory documents with their versions (two queries)."""
    from governance.models import AdvisoryDocument

    if not permissions.can_view_case(user, case):
        return []
    return list(AdvisoryDocument.objects.filter(case=case).prefetch_related("versions__created_by"))


def case_shared_departments(user: Any, case: Case) -> list[Any]:
    """The other departments the case is shared with, for those who may share it (one query)."""
    from governance.models import CaseGroupObjectPermission, Department

    if not permissions.can_share_case(user, case):
        return []
    granted = CaseGroupObjectPermission.objects.filter(
        content_object_id=case.pk, permission__codename=permissions.VIEW_CASE
    ).values("group_id")
    return list(Department.objects.filter(group__in=granted).order_by("code"))


def actionable_tasks(user: Any, process: Any) -> list[tuple[Any, str, str]]:
    """(task, label, url) for each open step of the process the user can take or do now."""
    result = []
    for task in process.task_set.filter(
        status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    ):
        node = task.flow_task
        if task.status == STATUS.ASSIGNED and node.can_execute(user, task):
            result.append(
                (task, str(node.task_title), node.reverse("execute", args=[process.pk, task.pk]))
            )
        elif task.status == STATUS.NEW and node.can_assign(user, task):
            result.append(
                (task, str(node.task_title), node.reverse("assign", args=[process.pk, task.pk]))
            )
    return result

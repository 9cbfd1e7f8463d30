"""The base every case flow uses, so that nothing of a case leaks to someone who may not see it.

- ``CaseFlow``: a viewflow ``Flow`` whose process belongs to a ``governance.Case``; who may
  view it is decided by ``governance.permissions`` (viewflow alone shows every process of a
  flow to anyone holding ``view_process``).
- ``CaseView``: a human step that only people holding its role, on a case in their reach,
  may pick up or execute; auditors never.
- ``CaseFlowAppViewset``: the flow's pages (dashboard, process list, task list, detail,
  chart, inbox, queue, archive) with every queryset scoped to the request user.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from viewflow.utils import viewprop
from viewflow.workflow import flow, lock
from viewflow.workflow.flow import views
from viewflow.workflow.flow.viewset import FlowAppViewset
from viewflow.workflow.status import STATUS

from forms.cases import ShareCaseForm
from governance import permissions, selectors
from governance.models import Case
from workflows.models import CaseProcess, CaseTask


def case_of(process: Any) -> Case | None:
    """The case a process moves along, or None while it is being started."""
    if process is None or process.pk is None:
        return None
    try:
        return process.case
    except Case.DoesNotExist:
        return None


class CaseFlow(flow.Flow):
    """Base for the flows of review cases (and incidents)."""

    process_class = CaseProcess
    task_class = CaseTask
    # Row lock on the process on PostgreSQL; on SQLite the IMMEDIATE transaction serialises.
    lock_impl = lock.select_for_update_lock

    #: The ``CaseKind`` of the cases this flow moves.
    case_kind: ClassVar[str] = ""
    #: A template showing the kind's own facts on the case page (optional).
    case_panel_template: ClassVar[str] = ""

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        if obj is None:
            return permissions.can_view_flow(user, self.case_kind)
        case = case_of(obj)
        if case is None:
            return False
        return permissions.can_view_case(user, case)

    def has_manage_permission(self, user: Any, obj: Any = None) -> bool:
        # Cancelling, undoing and reviving steps bypass the services: administrators only.
        return permissions.is_admin(user) and permissions.may_act(user)


class CaseView(flow.View):
    """A human step of a case flow, guarded by role, department and segregation of duties."""

    def can_assign(self, user: Any, task: Any) -> bool:
        return bool(super().can_assign(user, task)) and permissions.can_work_task(user, task)

    def can_execute(self, user: Any, task: Any) -> bool:
        return bool(super().can_execute(user, task)) and permissions.can_work_task(user, task)

    def can_unassign(self, user: Any, task: Any) -> bool:
        return (
            bool(super().can_unassign(user, task))
            and permissions.may_act(user)
            and self.can_view(user, task)
        )


# --- Scoped views ---------------------------------------------------------------------------


class ScopedDashboardProcessListView(views.DashboardProcessListView):
    def get_queryset(self) -> Any:
        queryset = CaseProcess.objects.filter(flow_class=self.flow_class)
        queryset = permissions.scope_processes(self.request.user, queryset)
        return (
            queryset.select_related("case")
            .annotate(active_tasks_count=Count("task", filter=Q(task__finished__isnull=True)))
            .order_by("-created")
        )


class ScopedDashboardTaskListView(views.DashboardTaskListView):
    @viewprop
    def queryset(self) -> Any:
        queryset = CaseTask.objects.filter(process__flow_class=self.flow_class)
        return permissions.scope_tasks(self.request.user, queryset).select_related(
            "process__case", "owner"
        )


class ScopedDetailProcessView(views.DetailProcessView):
    """The case page: the case's facts, conversation, documents, jobs, steps and audit trail."""

    template_name = "workflows/case_detail.html"

    def get_queryset(self) -> Any:
        queryset = CaseProcess.objects.filter(flow_class=self.flow_class)
        return permissions.scope_processes(self.request.user, queryset)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        process = context["process"]
        case = selectors.concrete_case(process.case)
        user = self.request.user
        context.update(
            case=case,
            case_panel_template=self.flow_class.case_panel_template,
            case_messages=case.messages.select_related("author"),
            documents=selectors.case_documents(user, case),
            attachments=case.attachments.select_related("uploaded_by"),
            jobs=selectors.case_jobs(user, case),
            audit_events=selectors.case_audit_events(user, case),
            task_list=context["task_list"].select_related("owner"),
            my_tasks=selectors.actionable_tasks(user, process),
            # The same check the retry service makes for each of this case's jobs.
            can_retry_jobs=permissions.can_retry_case_jobs(user, case),
            can_regenerate_documents=permissions.can_regenerate_documents(user, case),
            can_share=permissions.can_share_case(user, case),
            shared_departments=selectors.case_shared_departments(user, case),
            share_form=ShareCaseForm(case=case),
        )
        return context


class ScopedFlowChartView(views.FlowChartView):
    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            queryset = permissions.scope_processes(
                request.user, CaseProcess.objects.filter(flow_class=self.flow_class)
            )
            if not queryset.filter(pk=process_pk).exists():
                raise Http404
        return super().dispatch(request, *args, **kwargs)


class ScopedCancelProcessView(views.CancelProcessView):
    def get_queryset(self) -> Any:
        queryset = CaseProcess.objects.filter(flow_class=self.flow_class)
        return permissions.scope_processes(self.request.user, queryset)


class ScopedFlowInboxListView(views.FlowInboxListView):
    @viewprop
    def queryset(self) -> Any:
        return (
            CaseTask.objects.inbox([self.flow_class], self.request.user)
            .select_related("process__case")
            .order_by("-created")
        )


class ScopedFlowQueueListView(views.FlowQueueListView):
    @viewprop
    def queryset(self) -> Any:
        return (
            CaseTask.objects.queue([self.flow_class], self.request.user)
            .select_related("process__case")
            .order_by("-created")
        )


class ScopedFlowArchiveListView(views.FlowArchiveListView):
    @viewprop
    def queryset(self) -> Any:
        return (
            CaseTask.objects.archive([self.flow_class], self.request.user)
            .select_related("process__case")
            .order_by("-created")
        )


class ScopedBulkAssignTasksView(views.BulkAssignTasksActionView):
    """Bulk "assign to me": only tasks in the user's own queue can even be selected."""

    def get_queryset(self) -> Any:
        self.queryset = CaseTask.objects.queue([self.flow_class], self.request.user)
        return super().get_queryset()

    flow_class: Any = None


class ScopedBulkUnassignTasksView(views.BulkUnassignTasksActionView):
    """Bulk "give back": only tasks assigned to the user can be selected."""

    def get_queryset(self) -> Any:
        self.queryset = CaseTask.objects.inbox([self.flow_class], self.request.user)
        return super().get_queryset()

    flow_class: Any = None


class CaseFlowAppViewset(FlowAppViewset):
    """One application in the Site per case flow, with every page scoped to the user."""

    process_list_view_class = ScopedDashboardProcessListView
    task_list_view_class = ScopedDashboardTaskListView
    process_detail_view_class = ScopedDetailProcessView
    chart_view_class = ScopedFlowChartView
    process_cancel_view_class = ScopedCancelProcessView
    inbox_view_class = ScopedFlowInboxListView
    queue_view_class = ScopedFlowQueueListView
    archive_view_class = ScopedFlowArchiveListView
    tasks_assign_view_class = ScopedBulkAssignTasksView
    tasks_unassign_view_class = ScopedBulkUnassignTasksView

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return bool(self._flow_class.instance.has_view_permission(user, obj))


def require_case_permission(request: Any, case: Case, role: str) -> None:
    """For flow views: refuse with the Japanese reason unless the user may act in ``role``."""
    error = permissions.acting_error(request.user, case, role)
    if error is not None:
        raise PermissionDenied(_(error))


__all__ = [
    "STATUS",
    "CaseFlow",
    "CaseFlowAppViewset",
    "CaseView",
    "case_of",
    "require_case_permission",
]

"""The base every case flow uses, so that nothing of a case leaks to someone who may not see it.

- ``CaseFlow``: a viewflow ``Flow`` whose process belongs to a ``governance.Case``; who may
  view it is decided by ``governance.permissions`` (viewflow alone shows every process of a
  flow to anyone holding ``view_process``).
- ``CaseView``: a human step that only people holding its role, on a case in their reach,
  may pick up or execute; auditors never.
- ``CaseFlowAppViewset``: the flow's pages (dashboard, process list, task list, detail,
  chart, inbox, queue, archive) with every queryset scoped to the request user.

Viewflow's own actions (taking a task, giving it back, cancelling a task or a process) go
through ``governance.cases.services.flow_actions``, which records them in the audit chain.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any, ClassVar, TypeVar, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from viewflow.utils import viewprop
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.context import context
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.flow import views
from viewflow.workflow.flow.viewset import FlowAppViewset
from viewflow.workflow.nodes.if_gate import IfActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import PROCESS, STATUS

from forms.cases import ShareCaseForm
from governance import compiled, permissions, permissions_tasks
from governance.audit import selectors as audit_reads
from governance.cases import selectors
from governance.cases.services import assignments, flow_actions, note_locked, written_by_step
from governance.clocks import selectors as clock_selectors
from governance.conflicts import retry_once_on_conflict
from governance.jobs import selectors as job_reads
from governance.models import Case
from workflows import pages
from workflows.models import CaseProcess, CaseTask

CaseT = TypeVar("CaseT", bound=Case)


#: What a step's checks and routing read of a case with it (one query for all of them).
CASE_RELATIONS = ("requester__department", "reviewer__department", "department__liaison", "system")


def remember_case(process: Any, case: Case | None) -> None:
    """Keep ``case`` as ``process.case`` (Django's cache of the reverse one-to-one)."""
    process._state.fields_cache["case"] = case


def _case_query(model: type[Case], lock: bool, process_pk: int) -> Any:
    cases = model.objects.select_related(*CASE_RELATIONS)
    if lock:
        own = ("self", *(ptr.name for ptr in model._meta.parents.values() if ptr is not None))
        cases = cases.select_for_update(of=own)
    cases = cases.filter(process_id=process_pk)
    return (cases if cases.ordered else cases.order_by("pk"))[:1]  # as ``first()``


def case_of(process: Any, *, new_step: bool = True, lock: bool = False) -> Case | None:
    """The case a process moves along, as its kind's model (``BudgetCheck``, …) with the
    people its steps check, read once per process object; None while it is being started.
    ``new_step=False`` (routing, after a step's service) keeps what that service wrote for
    ``current_case`` to use instead of reading the case again. ``lock`` reads it under its
    row lock (its own tables only), which the step's service then holds (``note_locked``)."""
    if process is None or process.pk is None:
        return None
    cached = process._state.fields_cache.get("case", False)
    if cached is not False:
        if cached is not None and new_step:
            written_by_step(cached, forget=True)  # a new step: routing reads its own writes
        return cached  # Django's cache holds the case or None
    model = selectors.CASE_MODELS.get(getattr(process.flow_class, "case_kind", ""), Case)
    # Its SQL is compiled once per kind and lock (four joins and the parents' lock are most
    # of a step's compiling), the row read every time.
    found = compiled.bound_models(
        compiled.query_key("case_of", model._meta.label, lock),
        partial(_case_query, model, lock),
        (process.pk,),
    )
    case = cast(Case | None, found[0] if found else None)
    if lock and case is not None:
        note_locked(case)
    remember_case(process, case)
    return case


def current_case(activation: Any, model: type[CaseT]) -> CaseT:
    """The case as the step's service left it, for routing: the instance the step worked on
    (services write their changes back into it, ``refresh_from``), read again only if the
    step's service did not write into that very instance (a start makes a new one; code that
    drives a service with another copy of the case leaves the cached one behind)."""
    case = activation.process._state.fields_cache.get("case")
    if (
        isinstance(case, model)
        and "department" in case._state.fields_cache
        and written_by_step(case)
    ):
        return case
    case = model.objects.select_related(*CASE_RELATIONS).get(process_id=activation.process.pk)
    remember_case(activation.process, case)
    return case


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
    #: Whether a step's post reads its case under the case's row lock, for the step's service
    #: to take instead of locking and reading it again (a flow whose step services lock the
    #: case before anything else, so the order of locks stays theirs).
    step_locks_case: ClassVar[bool] = False

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


# --- Viewflow's own actions, audited ------------------------------------------------------
# Each view calls the service instead of the activation, then continues as viewflow's own view
# does after its call (the message and the redirect). The task views already run in the
# flow's lock and one transaction (viewflow's ``wrap_task_view``).


class AuditedAssignTaskView(views.AssignTaskView):
    """Taking a task, from the queue or its page."""

    def form_valid(self, form: Any) -> HttpResponse:
        flow_actions.assign_task(actor=self.request.user, activation=self.request.activation)
        return super(views.AssignTaskView, self).form_valid(form)  # skips viewflow's own call


class AuditedUnassignTaskView(views.UnassignTaskView):
    """Giving a task back (or, for an administrator, taking it away from its holder)."""

    def form_valid(self, form: Any) -> HttpResponse:
        flow_actions.unassign_task(actor=self.request.user, activation=self.request.activation)
        return super(views.UnassignTaskView, self).form_valid(form)  # skips viewflow's own call


class AuditedCancelTaskView(views.CancelTaskView):
    """An administrator cancelling one open step."""

    def form_valid(self, form: Any) -> HttpResponse:
        flow_actions.cancel_task(actor=self.request.user, activation=self.request.activation)
        return super(views.CancelTaskView, self).form_valid(form)  # skips viewflow's own call


class ClaimTaskView(pages.ClaimTaskView, AuditedAssignTaskView):
    """「引き受ける」 with the case's summary, audited."""


class GiveBackTaskView(pages.GiveBackTaskView, AuditedUnassignTaskView):
    """「担当を外す」, audited."""


# --- Steps that were done meanwhile (double submit) ---------------------------------------
# Two posts of one step (a double click, a second tab) both pass the page's checks; viewflow
# lets the first do the step and refuses the second once it gets the process's lock, with an
# English `Start :: no transition from "DONE"` (a 403). The loser is shown a Japanese page
# that says the step was done, linking to the case; nothing else changes.

ALREADY_HANDLED = gettext_noop(
    "この手続は既に処理されています。現在の状況は案件のページで確認してください。"
)
OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def handled_meanwhile(user: Any, task: Any, action: str) -> bool:
    """Whether refusing ``action`` on ``task`` is because the step moved on meanwhile (done,
    cancelled; or, for taking and giving back, already in the state asked for) rather than
    because ``user`` may not act."""
    if task.status not in OPEN_STATUSES:
        return True
    if action == "assign":
        return bool(task.owner_id is not None and task.owner_id == getattr(user, "pk", None))
    if action == "unassign":
        return task.status == STATUS.NEW
    return False


def _already_handled_page(request: Any, node: Any, kwargs: dict[str, Any], action: str) -> Any:
    """The Japanese page for a step done meanwhile, or None when the refusal stands as it is."""
    task = (
        CaseTask.objects.filter(pk=kwargs.get("task_pk"), process_id=kwargs.get("process_pk"))
        .select_related("process")
        .first()
    )
    if task is None or not handled_meanwhile(request.user, task, action):
        return None
    case = case_of(task.process)
    if case is None or not permissions.can_view_case(request.user, case):
        return None  # says nothing about a case the user may not see
    context = {
        "case": case,
        "task": task,
        "task_title": node.task_title,
        "refusal": gettext(ALREADY_HANDLED),
    }
    return TemplateResponse(request, "workflows/already_handled.html", context, status=409)


def guarded_step_view(node: Any, view: Any, action: str) -> Any:
    """Viewflow's wrapped step ``view`` (execute, assign or unassign): a refusal because the
    step was done meanwhile shows ``ALREADY_HANDLED``; a deadlock is retried once."""

    @retry_once_on_conflict
    def step(request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except (PermissionDenied, FlowRuntimeError):
            # Viewflow's transaction is over: read the task as the other request left it.
            page = _already_handled_page(request, node, kwargs, action)
            if page is None:
                raise
            return page

    return step


def _guarded(url: URLPattern, view: Any) -> URLPattern:
    return URLPattern(url.pattern, view, url.default_args, url.name)


class CaseStart(flow.Start):
    """The first step of a case flow: a deadlock (two requests numbering cases and writing
    the audit chain at once) is retried once, then answered in Japanese."""

    @property
    def start_view_path(self) -> URLPattern:
        url = super().start_view_path
        return _guarded(url, retry_once_on_conflict(url.callback))


class CaseViewActivation(ViewActivation):
    """A human step's activation: the new task's holder (or the queue's members) is notified
    in the transaction that created it (``assignments.task_created``)."""

    @classmethod
    def create(
        cls, flow_task: Any, prev_activation: Any, token: Any, data: Any = None, seed: Any = None
    ) -> Any:
        activation = super().create(flow_task, prev_activation, token, data=data, seed=seed)
        assignments.task_created(task=activation.task)
        return activation


class CaseIfActivation(IfActivation):
    """A gateway's activation: its condition runs without a savepoint of its own while a
    failure propagates (a step's post: it rolls the step's whole transaction back, savepoint
    or not); viewflow's savepoint stays where a failure is kept as the task's error instead."""

    @Activation.status.super()
    def activate(self) -> None:
        if not context.propagate_exception:
            with self.exception_guard(), transaction.atomic(savepoint=True):
                self._condition_result = self.flow_task._condition(self)
            return
        with self.exception_guard():
            self._condition_result = self.flow_task._condition(self)


class CaseIf(flow.If):
    """An exclusive gateway of a case flow (``CaseIfActivation``: two queries less a pass)."""

    activation_class = CaseIfActivation


class CaseView(flow.View):
    """A human step of a case flow, guarded by role, department and segregation of duties;
    a step done meanwhile answers ``ALREADY_HANDLED`` instead of viewflow's English 403.
    A task the flow assigns to someone on leave goes to their delegate (代理)."""

    activation_class = CaseViewActivation
    assign_view_class = ClaimTaskView
    unassign_view_class = GiveBackTaskView
    cancel_view_class = AuditedCancelTaskView

    @property
    def view_path(self) -> URLPattern:
        url = super().view_path
        return _guarded(url, guarded_step_view(self, url.callback, "execute"))

    @property
    def assign_path(self) -> URLPattern:
        url = super().assign_path
        return _guarded(url, guarded_step_view(self, url.callback, "assign"))

    @property
    def unassign_path(self) -> URLPattern:
        url = super().unassign_path
        return _guarded(url, guarded_step_view(self, url.callback, "unassign"))

    def calc_owner(self, activation: Any) -> Any:
        # Routing after the step's service: the case it wrote stays trusted (one read less).
        case_of(activation.process, new_step=False)
        return assignments.route_owner(super().calc_owner(activation), activation.task)

    def can_assign(self, user: Any, task: Any) -> bool:
        case_of(task.process)  # the kind's model with its people, once, for the step too
        return bool(super().can_assign(user, task)) and permissions.can_work_task(user, task)

    def can_execute(self, user: Any, task: Any) -> bool:
        # viewflow's own check (the task's owner is the user) by id: loading the owner to
        # compare it would cost a query on every step.
        if user is None or not user.is_authenticated or task.owner_id != user.pk:
            return False
        # A post runs in the flow's lock and transaction (viewflow's ``wrap_view``).
        case_of(
            task.process,
            lock=getattr(self.flow_class, "step_locks_case", False) and connection.in_atomic_block,
        )
        return permissions.can_work_task(user, task)

    def can_unassign(self, user: Any, task: Any) -> bool:
        return (
            bool(super().can_unassign(user, task))
            and permissions.may_act(user)
            and self.can_view(user, task)
        )


# --- Scoped views ---------------------------------------------------------------------------


class ScopedDashboardProcessListView(pages.ProcessColumns, views.DashboardProcessListView):
    title = _("案件一覧")
    columns = ("case", "case_status", "started", "done", "active_tasks")

    def get_queryset(self) -> Any:
        queryset = CaseProcess.objects.filter(flow_class=self.flow_class)
        queryset = permissions.scope_processes(self.request.user, queryset)
        return (
            queryset.select_related("case")
            .annotate(active_tasks_count=Count("task", filter=Q(task__finished__isnull=True)))
            .order_by("-created")
        )


class ScopedDashboardTaskListView(pages.TaskColumns, views.DashboardTaskListView):
    title = _("タスク一覧")
    columns = ("task_id", "task_title", "case", "received", "holder", "state")

    @viewprop
    def queryset(self) -> Any:
        queryset = CaseTask.objects.filter(process__flow_class=self.flow_class)
        return permissions.scope_tasks(self.request.user, queryset).select_related(
            "process__case", "owner__department"
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
            case_messages=case.messages.select_related("author__department"),
            documents=selectors.case_documents(user, case),
            attachments=case.attachments.select_related("uploaded_by__department"),
            jobs=job_reads.case_jobs(user, case),
            audit_events=audit_reads.case_audit_events(user, case),
            clocks=clock_selectors.case_clocks(user, case),
            task_list=context["task_list"].select_related("owner__department"),
            my_tasks=selectors.actionable_tasks(user, process),
            # The same check the retry service makes for each of this case's jobs.
            can_retry_jobs=permissions.can_retry_case_jobs(user, case),
            can_regenerate_documents=permissions.can_regenerate_documents(user, case),
            # One per page shown: the same form posted twice (a double click) acts once.
            request_token=uuid.uuid4().hex,
            can_share=permissions.can_share_case(user, case),
            can_reassign=permissions_tasks.can_reassign_on_case(user, case),
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
    """An administrator cancels a case's process: audited, and the case is withdrawn."""

    def get_queryset(self) -> Any:
        queryset = CaseProcess.objects.filter(flow_class=self.flow_class)
        return permissions.scope_processes(self.request.user, queryset)

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        if (
            self.object.status in (PROCESS.DONE, PROCESS.CANCELED)
            or "_cancel_process" not in request.POST
        ):
            return super().post(request, *args, **kwargs)
        if not self.can_cancel:
            return self._cannot_cancel()
        try:
            case = flow_actions.cancel_process(actor=request.user, process=self.object)
        except FlowRuntimeError:
            # A step was picked up between the check and the locked cancel.
            return self._cannot_cancel()
        messages.success(
            request,
            gettext("案件 {number} のプロセスを中止し、取下げとしました。").format(
                number=case.number
            ),
            fail_silently=True,
        )
        return HttpResponseRedirect("../")


class ScopedFlowInboxListView(pages.TaskColumns, views.FlowInboxListView):
    columns = ("task_id", "task_title", "case", "received")

    @viewprop
    def queryset(self) -> Any:
        return (
            CaseTask.objects.inbox([self.flow_class], self.request.user)
            .select_related("process__case")
            .order_by("-created")
        )


class ScopedFlowQueueListView(pages.TaskColumns, views.FlowQueueListView):
    columns = ("task_id", "task_title", "case", "received")

    @viewprop
    def queryset(self) -> Any:
        return (
            CaseTask.objects.queue([self.flow_class], self.request.user)
            .select_related("process__case")
            .order_by("-created")
        )


class ScopedFlowArchiveListView(pages.TaskColumns, views.FlowArchiveListView):
    columns = ("task_id", "task_title", "case", "received", "done")

    @viewprop
    def queryset(self) -> Any:
        return (
            CaseTask.objects.archive([self.flow_class], self.request.user)
            .select_related("process__case")
            .order_by("-created")
        )


class AuditedBulkAction(pages.BulkMessages):
    """Viewflow's bulk take/give-back, each task through its audited flow action in one
    transaction; ``tasks`` picks what the user may select at all."""

    flow_class: Any = None
    request: Any

    def tasks(self) -> Any:
        raise NotImplementedError

    def act(self, *, actor: Any, activation: Any) -> None:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        self.queryset = self.tasks()
        return super().get_queryset()  # type: ignore[misc]  # viewflow's bulk view

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            for task in self.get_queryset():
                with task.activation() as activation:
                    self.act(actor=self.request.user, activation=activation)
        self.message_user()
        return HttpResponseRedirect(self.get_success_url())  # type: ignore[attr-defined]  # viewflow's bulk view


class ScopedBulkAssignTasksView(AuditedBulkAction, views.BulkAssignTasksActionView):
    """Bulk "assign to me": only tasks in the user's own queue can even be selected."""

    done_message = pages.BULK_CLAIMED

    def tasks(self) -> Any:
        return CaseTask.objects.queue([self.flow_class], self.request.user)

    def act(self, *, actor: Any, activation: Any) -> None:
        flow_actions.assign_task(actor=actor, activation=activation)


class ScopedBulkUnassignTasksView(AuditedBulkAction, views.BulkUnassignTasksActionView):
    """Bulk "give back": only tasks assigned to the user can be selected."""

    done_message = pages.BULK_GIVEN_BACK

    def tasks(self) -> Any:
        return CaseTask.objects.inbox([self.flow_class], self.request.user)

    def act(self, *, actor: Any, activation: Any) -> None:
        flow_actions.unassign_task(actor=actor, activation=activation)


class CaseFlowAppViewset(FlowAppViewset):
    """One application in the Site per case flow, with every page scoped to the user."""

    base_template_name = "governance/base.html"

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


__all__ = [
    "STATUS",
    "CaseFlow",
    "CaseFlowAppViewset",
    "CaseStart",
    "CaseView",
    "case_of",
    "current_case",
    "remember_case",
]

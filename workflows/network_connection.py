"""ネットワーク接続承認: a department applies to connect equipment, a cloud service, a line or
remote access; the automatic checks against the registry pre-fill findings and decide whether
the CISO approves too; the security reviewer reviews (and may send it back, as often as
needed); the network admin confirms the technical plan; the 統括情報セキュリティ責任者 approves
(with conditions), sends back or rejects; the CISO approves when routed; the approval is issued
with its 承認書; the network admin records the connection; the department acknowledges.

Node names are stored in viewflow's tables for years (NEXT_WAVE §A.5): ``start``,
``precheck``, ``security_review``, ``revise``, ``network_review``, ``approve``,
``ciso_approve``, ``issue_document``, ``connect``, ``acknowledge``, ``end``. There are no other
nodes: a step that leads to one of several next steps chooses it itself (``RoutedView``), from
the status its service left the case in. Views parse input and call
``governance.network.services``; they decide nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Edge
from viewflow.workflow.nodes.view import ViewActivation

from forms import network as network_forms
from governance import permissions
from governance.japanese import legal_due
from governance.models import (
    CaseKind,
    CaseStatus,
    ConnectionApproval,
    ConnectionFinding,
    InformationSystem,
    NetworkConnection,
    User,
)
from governance.network import selectors as nc_reads
from governance.network import services
from governance.roles import ACT_PERMISSION, Role
from workflows.base import CaseFlow, CaseFlowAppViewset, CaseView, ScopedDetailProcessView
from workflows.views import CaseStartView, CaseTaskView

# --- Routing without gateway nodes ---------------------------------------------------------


class RoutedViewActivation(ViewActivation):
    """Creates the one next step its node chooses, instead of a fixed next step."""

    @Activation.status.super()
    def create_next(self) -> Any:
        node = self.flow_task.route(self)
        yield node._create(self, self.task.token)


class RoutedView(CaseView):
    """A human step whose next step depends on what its service decided: ``Routes(choose,
    this.a, this.b)``, where ``choose(activation)`` returns the name of one of them."""

    activation_class = RoutedViewActivation

    def __init__(self, view: Any, **kwargs: Any) -> None:
        super().__init__(view, **kwargs)
        self._routes: tuple[Any, ...] = ()
        self._choose: Callable[[Any], str] | None = None

    def Routes(self, choose: Callable[[Any], str], *nodes: Any) -> RoutedView:
        self._choose = choose
        self._routes = nodes
        return self

    def _resolve(self, instance: Any) -> None:
        super()._resolve(instance)
        self._routes = tuple(this.resolve(instance, node) for node in self._routes)

    def _outgoing(self) -> Any:
        for node in self._routes:
            yield Edge(src=self, dst=node, edge_class="next")

    def route(self, activation: Any) -> Any:
        assert self._choose is not None
        name = self._choose(activation)
        return next(node for node in self._routes if node.name == name)


def _fresh(activation: Any) -> NetworkConnection:
    """The case as its step's service committed it (the process may cache an older copy)."""
    return NetworkConnection.objects.select_related("reviewer", "requester", "network_admin").get(
        pk=activation.process.case.pk
    )


def _after_security_review(activation: Any) -> str:
    return "revise" if _fresh(activation).status == CaseStatus.RETURNED else "network_review"


def _after_network_review(activation: Any) -> str:
    return "revise" if _fresh(activation).status == CaseStatus.RETURNED else "approve"


def _after_revise(activation: Any) -> str:
    return "end" if _fresh(activation).status == CaseStatus.WITHDRAWN else "security_review"


def _after_approve(activation: Any) -> str:
    connection = _fresh(activation)
    if connection.status == CaseStatus.CLOSED:
        return "end"
    if connection.status == CaseStatus.UNDER_REVIEW:
        return "security_review"
    return "ciso_approve" if connection.requires_ciso else "issue_document"


def _after_ciso(activation: Any) -> str:
    return "end" if _fresh(activation).status == CaseStatus.CLOSED else "issue_document"


def _active_with(user: User | None, role: str) -> User | None:
    if user is None or not user.is_active or not permissions.has_role(user, role):
        return None
    return user


def _security_reviewer(activation: Any) -> User | None:
    """The security reviewer of the earlier round keeps the case; otherwise the queue."""
    return _active_with(_fresh(activation).reviewer, Role.SECURITY_REVIEWER)


def _network_admin(activation: Any) -> User | None:
    return _active_with(_fresh(activation).network_admin, Role.NETWORK_ADMIN)


def _requester(activation: Any) -> User | None:
    requester = _fresh(activation).requester
    return requester if requester.is_active else None


# --- Step views ------------------------------------------------------------------------------


class _ApplicationMixin:
    """The application form with its equipment and communication formsets."""

    request: Any

    def formsets(self) -> tuple[Any, Any]:
        if not hasattr(self, "_formsets"):
            data = self.request.POST if self.request.method == "POST" else None
            # A posted row is compared with nothing: a row left as it was is still a row.
            assets, flows = self.formset_initial() if data is None else (None, None)
            self._formsets = (
                network_forms.AssetFormSet(data, prefix="assets", initial=assets),
                network_forms.FlowFormSet(data, prefix="flows", initial=flows),
            )
        return self._formsets

    def formset_initial(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return [], []

    def application(self, form: Any) -> services.Application:
        assets, flows = self.formsets()
        data = dict(form.cleaned_data)
        renews = data.pop("renews", None)
        data["renews"] = (
            ConnectionApproval.objects.filter(
                pk=renews, case__department_id=self.request.user.department_id
            ).first()
            if renews
            else None
        )
        data["assets"] = [row.facts() for row in assets.filled()]
        data["flows"] = [services.FlowInput(**row.cleaned_data) for row in flows.filled()]
        return services.Application.from_data(data)

    def formset_errors(self, form: Any) -> bool:
        """Copy the rows' errors onto the form (the page and the driver show them); True if any."""
        found = False
        for formset, label in zip(self.formsets(), (_("機器"), _("通信")), strict=True):
            for index, row in enumerate(formset.forms, start=1):
                if not row.has_changed():
                    continue
                for name, errors in row.errors.items():
                    field = str(row.fields[name].label) if name in row.fields else ""
                    for error in errors:
                        # Address readers already name the field in their message.
                        named = str(error).startswith(f"{field}:")
                        form.add_error(
                            None, f"{label}{index} {'' if named else field + ': '}{error}"
                        )
                        found = True
        return found


def _extra_context(view: Any, context: dict[str, Any]) -> dict[str, Any]:
    assets, flows = view.formsets()
    context.update(asset_formset=assets, flow_formset=flows)
    return context


class ApplyView(_ApplicationMixin, CaseStartView):
    form_class = network_forms.ApplicationForm
    template_name = "network/apply.html"

    def extra_form_kwargs(self) -> dict[str, Any]:
        user = self.request.user
        return {
            "systems": InformationSystem.objects.filter(permissions.selectable_systems_q(user)),
            "renewable": nc_reads.renewable_approvals(user),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return _extra_context(self, super().get_context_data(**kwargs))

    def form_valid(self, form: Any) -> HttpResponse:
        if self.formset_errors(form):
            return self.form_invalid(form)
        return super().form_valid(form)

    def start_case(self, form: Any, process: Any) -> NetworkConnection:
        return services.submit_application(
            actor=self.request.user,
            application=self.application(form),
            diagram=form.cleaned_data.get("network_diagram"),
            process=process,
        )


class NetworkTaskView(CaseTaskView):
    """A step of the network connection: its page shows the application as it stands."""

    template_name = "network/task.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["nc"] = nc_reads.connection_overview(self.request.user, self.case)
        return context


def _require_valid(form: Any) -> None:
    if not form.is_valid():
        raise ValueError(
            " ".join(str(error) for errors in form.errors.values() for error in errors)
        )


class SecurityReviewView(NetworkTaskView):
    """The security reviewer's desk: decide the pre-filled findings, write and settle findings,
    then complete the round with the checklist (or send it back)."""

    form_class = network_forms.SecurityReviewForm
    template_name = "network/review_task.html"
    ACTIONS = ("accept", "dismiss", "add_finding", "settle")

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for entry in self.case.checklist.all():
            initial[f"result_{entry.perspective}"] = entry.result
            initial[f"note_{entry.perspective}"] = entry.note
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["finding_form"] = network_forms.FindingForm()
        return context

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        if action not in self.ACTIONS:
            return super().post(request, *args, **kwargs)
        try:
            self._act(action, request.POST)
        except ValueError as exc:
            transaction.set_rollback(True)
            messages.error(request, str(exc))
        return HttpResponseRedirect(request.get_full_path())

    def _act(self, action: str, data: Any) -> None:
        user, connection = self.request.user, self.case
        if action == "add_finding":
            form: Any = network_forms.FindingForm(data)
            _require_valid(form)
            services.add_finding(actor=user, connection=connection, **form.cleaned_data)
            messages.success(self.request, _("指摘事項を追加しました。"))
            return
        form = (
            network_forms.SettleFindingForm(data)
            if action == "settle"
            else network_forms.ProposalForm(data)
        )
        _require_valid(form)
        finding = get_object_or_404(
            ConnectionFinding, pk=form.cleaned_data["finding"], case=connection
        )
        if action == "accept":
            services.accept_proposal(
                actor=user, connection=connection, finding=finding, text=form.cleaned_data["text"]
            )
            messages.success(self.request, _("自動確認結果を指摘事項に採用しました。"))
        elif action == "dismiss":
            services.dismiss_proposal(
                actor=user,
                connection=connection,
                finding=finding,
                reason=form.cleaned_data["reason"],
            )
            messages.success(self.request, _("自動確認結果を不採用にしました。"))
        else:
            services.settle_finding(
                actor=user,
                connection=connection,
                finding=finding,
                status=form.cleaned_data["status"],
                resolution=form.cleaned_data["resolution"],
            )
            messages.success(self.request, _("指摘事項の対応状況を更新しました。"))

    def perform(self, form: Any, case: Any) -> None:
        services.complete_security_review(
            actor=self.request.user,
            connection=case,
            checklist=form.checklist(),
            send_back=form.cleaned_data["decision"] == "send_back",
            message=form.cleaned_data["message"],
        )


class ReviseView(_ApplicationMixin, NetworkTaskView):
    form_class = network_forms.ReviseForm
    template_name = "network/revise_task.html"

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"systems": InformationSystem.objects.filter(pk=self.case.system_id)}

    def get_initial(self) -> dict[str, Any]:
        return nc_reads.application_initial(self.case)

    def formset_initial(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return nc_reads.formset_initial(self.case)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return _extra_context(self, super().get_context_data(**kwargs))

    def form_valid(self, form: Any) -> Any:
        if not form.cleaned_data.get("withdraw") and self.formset_errors(form):
            return self.form_invalid(form)
        return super().form_valid(form)

    def perform(self, form: Any, case: Any) -> None:
        if form.cleaned_data.get("withdraw"):
            services.withdraw_application(
                actor=self.request.user, connection=case, reason=form.cleaned_data["answer"]
            )
            return
        services.revise_application(
            actor=self.request.user,
            connection=case,
            application=self.application(form),
            message=form.cleaned_data["answer"],
            diagram=form.cleaned_data.get("network_diagram"),
        )


class NetworkReviewView(NetworkTaskView):
    form_class = network_forms.NetworkReviewForm

    def get_initial(self) -> dict[str, Any]:
        case = self.case
        return {
            "assigned_vlan": case.assigned_vlan,
            "assigned_addresses": case.assigned_addresses,
            "fw_change_ref": case.fw_change_ref,
        }

    def perform(self, form: Any, case: Any) -> None:
        data = form.cleaned_data
        services.complete_network_review(
            actor=self.request.user,
            connection=case,
            send_back=data["decision"] == "send_back",
            assigned_vlan=data["assigned_vlan"],
            assigned_addresses=data["assigned_addresses"],
            fw_change_ref=data["fw_change_ref"],
            message=data["message"],
        )


class ApproveView(NetworkTaskView):
    form_class = network_forms.ApproveForm
    template_name = "network/approve_task.html"

    @property
    def formset(self) -> Any:
        if not hasattr(self, "_formset"):
            if self.request.method == "POST":
                self._formset = network_forms.ConditionFormSet(
                    self.request.POST, prefix="conditions"
                )
            else:
                today = timezone.localdate()
                initial = [
                    {
                        "text": finding.proposed_condition,
                        "due_date": legal_due(today, finding.condition_due_days).due
                        if finding.condition_due_days
                        else services.default_condition_due(today),
                        "finding": finding.pk,
                    }
                    for finding in services.proposed_condition_findings(self.case)
                ]
                self._formset = network_forms.ConditionFormSet(prefix="conditions", initial=initial)
        return self._formset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["formset"] = self.formset
        return context

    def form_valid(self, form: Any) -> Any:
        if not self.formset.is_valid():
            return self.form_invalid(form)
        return super().form_valid(form)

    def perform(self, form: Any, case: Any) -> None:
        findings = {f.pk: f for f in ConnectionFinding.objects.filter(case=case)}
        drafts = [
            services.ConditionDraft(
                text=row.cleaned_data.get("text", ""),
                due_date=row.cleaned_data.get("due_date"),
                evidence_required=row.cleaned_data.get("evidence_required", ""),
                finding=findings.get(row.cleaned_data.get("finding") or 0),
            )
            for row in self.formset.filled()
        ]
        services.approve_connection(
            actor=self.request.user,
            connection=case,
            decision=form.cleaned_data["decision"],
            conditions=drafts,
            comment=form.cleaned_data["comment"],
        )


class CisoView(NetworkTaskView):
    form_class = network_forms.CisoForm

    def perform(self, form: Any, case: Any) -> None:
        services.ciso_decide(
            actor=self.request.user,
            connection=case,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )


class ConnectView(NetworkTaskView):
    form_class = network_forms.ConnectForm

    def perform(self, form: Any, case: Any) -> None:
        services.record_connection(
            actor=self.request.user, connection=case, note=form.cleaned_data["note"]
        )


class AcknowledgeView(NetworkTaskView):
    form_class = network_forms.AcknowledgeForm

    def perform(self, form: Any, case: Any) -> None:
        services.acknowledge_connection(
            actor=self.request.user, connection=case, comment=form.cleaned_data["comment"]
        )


class NetworkConnectionDetailView(ScopedDetailProcessView):
    """The case page, with the application, its findings, conditions and approval."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["nc"] = nc_reads.connection_overview(self.request.user, context["case"])
        return context


# --- The flow ------------------------------------------------------------------------------


def _case_of(activation: Any) -> NetworkConnection:
    return NetworkConnection.objects.get(pk=activation.process.case.pk)


class NetworkConnectionFlow(CaseFlow):
    """ネットワーク接続承認

    部局が調達した機器・クラウドサービス・外部回線・リモートアクセスを庁内ネットワークに
    接続する前に、ネットワーク構成・通信内容・機器構成を確認し、期限と条件を付して承認します。
    """

    case_kind = CaseKind.NETWORK_CONNECTION
    case_panel_template = "network/panel.html"
    process_title = _("ネットワーク接続")
    process_description = _(
        "庁内ネットワークへの接続の前に、ネットワーク構成・通信内容・機器構成を確認し、"
        "期限と条件を付して承認します。"
    )
    process_summary_template = "{{ process.case.number }} {{ process.case.title }}"

    start = (
        flow.Start(ApplyView.as_view())
        .Annotation(title=_("接続の申請"))
        .Available(lambda user: permissions.is_department_staff(user) and permissions.may_act(user))
        .Next(this.precheck)
    )

    precheck = (
        flow.Function(this.run_precheck)
        .Annotation(title=_("カルテとの自動確認"))
        .Next(this.security_review)
    )

    security_review = (
        RoutedView(SecurityReviewView.as_view())
        .Annotation(title=_("セキュリティ審査"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.SECURITY_REVIEWER])
        .Assign(_security_reviewer)
        .Routes(_after_security_review, this.network_review, this.revise)
    )

    revise = (
        RoutedView(ReviseView.as_view())
        .Annotation(title=_("申請の修正と回答"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.DEPARTMENT_STAFF])
        .Assign(_requester)
        .Routes(_after_revise, this.security_review, this.end)
    )

    network_review = (
        RoutedView(NetworkReviewView.as_view())
        .Annotation(title=_("技術確認"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.NETWORK_ADMIN])
        .Assign(_network_admin)
        .Routes(_after_network_review, this.approve, this.revise)
    )

    approve = (
        RoutedView(ApproveView.as_view())
        .Annotation(title=_("承認の決裁"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.GOVERNANCE_APPROVER])
        .Routes(
            _after_approve, this.ciso_approve, this.issue_document, this.security_review, this.end
        )
    )

    ciso_approve = (
        RoutedView(CisoView.as_view())
        .Annotation(title=_("CISO の承認"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.CISO])
        .Routes(_after_ciso, this.issue_document, this.end)
    )

    issue_document = (
        flow.Function(this.issue_approval).Annotation(title=_("承認書の発行")).Next(this.connect)
    )

    connect = (
        CaseView(ConnectView.as_view())
        .Annotation(title=_("接続の登録"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.NETWORK_ADMIN])
        .Assign(_network_admin)
        .Next(this.acknowledge)
    )

    acknowledge = (
        CaseView(AcknowledgeView.as_view())
        .Annotation(title=_("承認内容と条件の確認"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.DEPARTMENT_STAFF])
        .Assign(_requester)
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("終了"))

    def run_precheck(self, activation: Any) -> None:
        services.run_precheck(connection=_case_of(activation))

    def issue_approval(self, activation: Any) -> None:
        services.issue_approval(connection=_case_of(activation))


# Viewflow names a flow's URLs after its class ("networkconnection"); the project's one name
# for the concept is network_connection (DOMAIN.md), so its pages live under
# /network_connection/.
NetworkConnectionFlow.app_name = "network_connection"


class NetworkConnectionAppViewset(CaseFlowAppViewset):
    process_detail_view_class = NetworkConnectionDetailView

"""予算確認: a department requests a technical check of one system's budget; its liaison
reviews it (and may send it back with questions, as often as needed), records the result with
guidance items; an approver approves (the advisory document is generated) or returns it to the
reviewer; the department acknowledges the result and the case ends.

Node names are stored in viewflow's tables (``workflows/budget_check.BudgetCheckFlow.review``):
renaming one needs a data migration.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from forms.budget import (
    AcknowledgeBudgetCheckForm,
    ApprovalForm,
    GuidanceItemFormSet,
    RequestBudgetCheckForm,
    ResubmitBudgetCheckForm,
    ReviewBudgetCheckForm,
)
from governance import permissions
from governance.budget import selectors as budget_reads
from governance.budget import services
from governance.budget.services import BudgetRequestFacts, GuidanceDraft
from governance.budget.services.review import RESULT_TEMPLATE
from governance.japanese import fiscal_year_label, fiscal_year_of
from governance.models import (
    CHECKLIST_FIELDS,
    BudgetCheck,
    CaseKind,
    CaseStatus,
    InformationSystem,
    LedgerStatus,
)
from governance.roles import ACT_PERMISSION, Role
from workflows.base import (
    CaseFlow,
    CaseFlowAppViewset,
    CaseIf,
    CaseStart,
    CaseView,
    ScopedDetailProcessView,
    current_case,
)
from workflows.views import CaseStartView, CaseTaskView

PANEL_TEMPLATE = "workflows/budget_check/_panel.html"


class BudgetTaskView(CaseTaskView):
    """A step of the budget check: its page shows the request, the karte's cost history and
    the guidance items still open from earlier years."""

    template_name = "workflows/budget_check/task.html"
    desk = True
    desk_template = RESULT_TEMPLATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(budget_reads.budget_panel_context(self.request.user, self.case))
        return context


class RequestBudgetCheckView(CaseStartView):
    form_class = RequestBudgetCheckForm
    template_name = "workflows/budget_check/start.html"

    def extra_form_kwargs(self) -> dict[str, Any]:
        user = self.request.user
        systems = InformationSystem.objects.filter(permissions.selectable_systems_q(user))
        if self.request.method == "POST":
            # The chosen system is read with its department and liaison (the case's
            # department, whose liaison the routing to the review reads: no read of the new
            # case again), by a query compiled once (``selectable_system``).
            return {
                "systems": systems,
                "system_lookup": partial(permissions.selectable_system, user),
            }
        return {"systems": systems}

    def get_initial(self) -> dict[str, Any]:
        return {"fiscal_year": fiscal_year_label(fiscal_year_of(timezone.localdate()) + 1)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # A queryset, evaluated while rendering: see ``budget_panel_context``.
        context["open_items"] = (
            budget_reads.visible_guidance_items(self.request.user)
            .filter(status=LedgerStatus.OPEN, department_id=self.request.user.department_id)
            .order_by("system__code", "case__fiscal_year", "sequence")
        )
        return context

    def start_case(self, form: Any, process: Any) -> BudgetCheck:
        data = form.cleaned_data
        return services.request_budget_check(
            actor=self.request.user,
            fiscal_year=data["fiscal_year"],
            facts=BudgetRequestFacts.from_data(data),
            system=data.get("system"),
            new_system_name=data.get("new_system_name", ""),
            new_system_kind=data.get("new_system_kind", ""),
            uploads=data.get("attachments") or [],
            process=process,
        )


class ReviewBudgetCheckView(BudgetTaskView):
    form_class = ReviewBudgetCheckForm
    template_name = "workflows/budget_check/review.html"

    def get_initial(self) -> dict[str, Any]:
        case = self.case
        initial = {field: getattr(case, field) for field in CHECKLIST_FIELDS.values()}
        initial.update(result=case.result, review_notes=case.review_notes)
        return initial

    @property
    def formset(self) -> Any:
        if not hasattr(self, "_formset"):
            if self.request.method == "POST":
                self._formset = GuidanceItemFormSet(self.request.POST, prefix="guidance")
            else:
                initial = [
                    {
                        "text": item.text,
                        "perspective": item.perspective,
                        "due_date": item.due_date,
                    }
                    for item in self.case.guidanceitems.order_by("sequence")
                ]
                self._formset = GuidanceItemFormSet(initial=initial, prefix="guidance")
        return self._formset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["formset"] = self.formset
        return context

    def form_valid(self, form: Any) -> Any:
        if form.cleaned_data["decision"] == form.RECORD and not self.formset.is_valid():
            return self.form_invalid(form)
        return super().form_valid(form)

    def perform(self, form: Any, case: Any) -> None:
        data = form.cleaned_data
        if data["decision"] == form.SEND_BACK:
            services.send_back_budget_check(
                actor=self.request.user,
                budget_check=case,
                questions=data["questions"],
                checklist=form.checklist(),
                review_notes=data.get("review_notes", ""),
            )
            return
        drafts = [
            GuidanceDraft(
                text=row.cleaned_data.get("text", ""),
                due_date=row.cleaned_data.get("due_date"),
                perspective=row.cleaned_data.get("perspective", ""),
            )
            for row in self.formset.forms
            if not row.is_blank
        ]
        services.record_budget_result(
            actor=self.request.user,
            budget_check=case,
            checklist=form.checklist(),
            result=data["result"],
            guidance_items=drafts,
            review_notes=data.get("review_notes", ""),
        )


class AnswerQuestionsView(BudgetTaskView):
    form_class = ResubmitBudgetCheckForm

    def get_initial(self) -> dict[str, Any]:
        return asdict(BudgetRequestFacts.of(self.case))

    def perform(self, form: Any, case: Any) -> None:
        data = form.cleaned_data
        services.resubmit_budget_check(
            actor=self.request.user,
            budget_check=case,
            answer=data["answer"],
            facts=BudgetRequestFacts.from_data(data),
            uploads=data.get("attachments") or [],
        )


class ApproveBudgetCheckView(BudgetTaskView):
    form_class = ApprovalForm
    desk_preview = True

    def perform(self, form: Any, case: Any) -> None:
        data = form.cleaned_data
        if data["decision"] == form.APPROVE:
            services.approve_budget_check(
                actor=self.request.user, budget_check=case, comment=data.get("comment", "")
            )
        else:
            services.return_budget_check_to_reviewer(
                actor=self.request.user, budget_check=case, reason=data["comment"]
            )


class AcknowledgeBudgetCheckView(BudgetTaskView):
    form_class = AcknowledgeBudgetCheckForm

    def perform(self, form: Any, case: Any) -> None:
        services.acknowledge_budget_check(
            actor=self.request.user,
            budget_check=case,
            comment=form.cleaned_data.get("comment", ""),
        )


class BudgetCheckDetailView(ScopedDetailProcessView):
    """The case page, with the budget facts, guidance items and the karte's cost history."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(budget_reads.budget_panel_context(self.request.user, context["case"]))
        return context


class BudgetCheckAppViewset(CaseFlowAppViewset):
    process_detail_view_class = BudgetCheckDetailView


# --- Routing --------------------------------------------------------------------------------


def _case(activation: Any) -> BudgetCheck:
    """The budget check as the step's service left it (no re-read: ``current_case``)."""
    return current_case(activation, BudgetCheck)


def _reviewer(activation: Any) -> Any:
    return services.review_assignee(_case(activation))


def _department(activation: Any) -> Any:
    return services.department_assignee(_case(activation))


def _status(activation: Any) -> str:
    return str(_case(activation).status)


class BudgetCheckFlow(CaseFlow):
    """予算確認

    部局の情報システム関連予算要求を技術的観点から確認し、結果と指導事項を通知します。
    """

    case_kind = CaseKind.BUDGET_CHECK
    step_locks_case = True  # every step's service locks the budget check first (``_locked``)
    case_panel_template = PANEL_TEMPLATE
    process_title = _("予算確認")
    process_description = _(
        "部局の情報システム関連予算要求を技術的観点から確認し、結果と指導事項を通知します。"
    )
    process_summary_template = "{{ process.case.number }} {{ process.case.title }}"

    start = (
        CaseStart(RequestBudgetCheckView.as_view())
        .Annotation(title=_("予算確認の申請"))
        .Available(lambda user: permissions.is_department_staff(user) and permissions.may_act(user))
        .Next(this.review)
    )

    review = (
        CaseView(ReviewBudgetCheckView.as_view())
        .Annotation(title=_("審査"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.GOVERNANCE_REVIEWER])
        .Assign(_reviewer)
        .Next(this.review_decision)
    )

    review_decision = (
        CaseIf(lambda activation: _status(activation) == CaseStatus.RETURNED)
        .Annotation(title=_("差戻しか"))
        .Then(this.answer_questions)
        .Else(this.approve)
    )

    answer_questions = (
        CaseView(AnswerQuestionsView.as_view())
        .Annotation(title=_("質問への回答"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.DEPARTMENT_STAFF])
        .Assign(_department)
        .Next(this.review)
    )

    approve = (
        CaseView(ApproveBudgetCheckView.as_view())
        .Annotation(title=_("決裁"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.GOVERNANCE_APPROVER])
        .Next(this.approval_decision)
    )

    approval_decision = (
        CaseIf(lambda activation: _status(activation) == CaseStatus.AWAITING_ACKNOWLEDGEMENT)
        .Annotation(title=_("承認されたか"))
        .Then(this.acknowledge)
        .Else(this.review)
    )

    acknowledge = (
        CaseView(AcknowledgeBudgetCheckView.as_view())
        .Annotation(title=_("結果の確認"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.DEPARTMENT_STAFF])
        .Assign(_department)
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("終了"))

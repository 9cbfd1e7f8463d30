"""仕様書確認: a department registers a procurement with its specification; the threshold rule
decides whether the review is mandatory; the liaison reviews (checklist, findings, the lock-in
scan's draft findings); the department revises and answers as often as needed; an approver
who neither requested nor reviewed the case approves, and the 仕様書確認結果 is issued.

Views parse input and call ``governance.spec_review.services``; they decide nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.http import require_POST
from viewflow import this
from viewflow.workflow import flow

from forms.spec_review import (
    AcceptScanResultForm,
    ApproveSpecReviewForm,
    CompleteReviewForm,
    DismissScanResultForm,
    FindingForm,
    LockInTermForm,
    LockInTermStateForm,
    RegisterSpecReviewForm,
    ResubmitSpecForm,
    SettleFindingForm,
)
from governance import permissions
from governance.cases import selectors
from governance.cases.services import reviewer_for
from governance.models import (
    Case,
    CaseKind,
    CaseStatus,
    Finding,
    InformationSystem,
    LedgerStatus,
    LockInTerm,
    Perspective,
    SpecReview,
    SpecScanResult,
    User,
)
from governance.roles import ACT_PERMISSION, Role
from governance.rules.services import rule_in_force
from governance.spec_review import selectors as spec_reads
from governance.spec_review import services
from governance.spec_review.services import lock_in_terms
from governance.spec_review.services.review import DOCUMENT_TEMPLATE
from workflows.base import (
    CaseFlow,
    CaseFlowAppViewset,
    CaseStart,
    CaseView,
    ScopedDetailProcessView,
)
from workflows.views import CaseStartView, CaseTaskView, case_url


class RegisterSpecReviewView(CaseStartView):
    form_class = RegisterSpecReviewForm
    template_name = "workflows/spec_review/register.html"

    def extra_form_kwargs(self) -> dict[str, Any]:
        user = self.request.user
        return {"systems": InformationSystem.objects.filter(permissions.selectable_systems_q(user))}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["threshold_rule"] = _current_threshold()
        return context

    def start_case(self, form: Any, process: Any) -> SpecReview:
        data = form.cleaned_data
        return services.register_spec_review(
            actor=self.request.user,
            title=data["title"],
            system=data["system"],
            fiscal_year=data["fiscal_year"],
            procurement_type=data["procurement_type"],
            estimated_price=data["estimated_price"],
            contract_board_date=data["contract_board_date"],
            review_requested=data["review_requested"],
            spec_file=data["spec_file"],
            reference_file=data["reference_file"],
            process=process,
        )


def _current_threshold() -> Any:
    from django.utils import timezone

    from governance.japanese import fiscal_year_of

    try:
        return rule_in_force("spec_review_threshold", fiscal_year_of(timezone.localdate()))
    except LookupError:
        return None


class ReviewSpecView(CaseTaskView):
    """The reviewer's desk: decide the scan's draft findings, write and settle findings, then
    complete the round with the checklist. Every button but the last stays on this page."""

    desk = True
    desk_template = DOCUMENT_TEMPLATE
    form_class = CompleteReviewForm
    template_name = "workflows/spec_review/review_task.html"

    ACTIONS = ("accept", "dismiss", "add_finding", "settle")

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for entry in self.case.checklist.all():
            initial[f"result_{entry.perspective}"] = entry.result
            initial[f"note_{entry.perspective}"] = entry.note
        return initial

    def extra_form_kwargs(self) -> dict[str, Any]:
        # The checklist holds what the last completed round wrote: shown again as drafts.
        return {
            "carried_notes": {entry.perspective: entry.note for entry in self.case.checklist.all()}
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        overview = spec_reads.spec_review_overview(self.request.user, self.case)
        context["spec"] = overview
        context["finding_form"] = FindingForm()
        context["perspectives"] = Perspective.choices
        context["settle_forms"] = {
            finding.pk: SettleFindingForm(
                initial={
                    "finding": finding.pk,
                    "status": finding.status,
                    "resolution": finding.resolution,
                }
            )
            for finding in overview["findings"]
        }
        return context

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        if action not in self.ACTIONS:
            return super().post(request, *args, **kwargs)
        anchor = _anchor_of(action, request.POST)
        try:
            anchor = self._act(action, request.POST) or anchor
        except ValueError as exc:
            transaction.set_rollback(True)
            messages.error(request, str(exc))
        # Back to the row acted on (a fragment, no script: the CSP forbids inline scripts),
        # not to the top of a page several screens long.
        return HttpResponseRedirect(f"{request.get_full_path()}#{anchor}")

    def _act(self, action: str, data: Any) -> str:
        """Do ``action``; return the id of the page element to come back to."""
        review, user = self.case, self.request.user
        form: Any
        if action == "add_finding":
            form = FindingForm(data)
            _require_valid(form)
            added = services.add_finding(actor=user, review=review, **form.cleaned_data)
            messages.success(self.request, _("指摘事項を追加しました。"))
            return f"finding-{added.pk}"
        if action in ("accept", "dismiss"):
            form = AcceptScanResultForm(data) if action == "accept" else DismissScanResultForm(data)
            _require_valid(form)
            result = get_object_or_404(
                SpecScanResult, pk=form.cleaned_data["result"], version__review=review
            )
            if action == "accept":
                accepted = services.accept_scan_result(
                    actor=user,
                    review=review,
                    result=result,
                    perspective=form.cleaned_data["perspective"],
                    text=form.cleaned_data["text"],
                    requested_revision=form.cleaned_data["requested_revision"],
                )
                messages.success(self.request, _("自動検出結果を指摘事項に採用しました。"))
                return f"finding-{accepted.pk}"
            services.dismiss_scan_result(
                actor=user, review=review, result=result, reason=form.cleaned_data["reason"]
            )
            messages.success(self.request, _("自動検出結果を不採用にしました。"))
            return _next_draft(review, result)
        if action == "settle":
            form = SettleFindingForm(data)
            _require_valid(form)
            finding = get_object_or_404(Finding, pk=form.cleaned_data["finding"], case=review)
            services.settle_finding(
                actor=user,
                review=review,
                finding=finding,
                status=form.cleaned_data["status"],
                resolution=form.cleaned_data["resolution"],
            )
            messages.success(self.request, _("指摘事項の対応状況を更新しました。"))
            return f"finding-{finding.pk}"
        return ""

    def perform(self, form: Any, case: Any) -> None:
        services.complete_review(
            actor=self.request.user,
            review=case,
            checklist=form.checklist(),
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )


def _anchor_of(action: str, data: Any) -> str:
    """Where a refused action comes back to: its own draft or finding row, else its form."""
    if action in ("accept", "dismiss") and str(data.get("result", "")).isdigit():
        return f"draft-{data['result']}"
    if action == "settle" and str(data.get("finding", "")).isdigit():
        return f"finding-{data['finding']}"
    return "add-finding" if action == "add_finding" else "spec-findings"


def _next_draft(review: SpecReview, decided: SpecScanResult) -> str:
    """After a draft is dismissed: the next draft still to decide, else the findings table."""
    following = (
        SpecScanResult.objects.filter(
            version__review=review, status=SpecScanResult.Status.PENDING, pk__gt=decided.pk
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"draft-{following}" if following else "spec-findings"


def _require_valid(form: Any) -> None:
    """For the small forms posted from the reviewer's page: a shape error becomes a refusal."""
    if not form.is_valid():
        errors = [
            f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
            for name, field_errors in form.errors.items()
            for error in field_errors
        ]
        raise ValueError(" ".join(errors) or str(_("入力内容を確認してください。")))


class ResubmitSpecView(CaseTaskView):
    desk = True
    desk_template = DOCUMENT_TEMPLATE
    form_class = ResubmitSpecForm
    template_name = "workflows/spec_review/resubmit_task.html"

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {
            "findings": Finding.objects.filter(case=self.case, status=LedgerStatus.OPEN).order_by(
                "number"
            )
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["spec"] = spec_reads.spec_review_overview(self.request.user, self.case)
        return context

    def perform(self, form: Any, case: Any) -> None:
        services.resubmit_spec(
            actor=self.request.user,
            review=case,
            spec_file=form.cleaned_data["spec_file"],
            answers=form.answers(),
            note=form.cleaned_data["note"],
            reference_file=form.cleaned_data["reference_file"],
        )


class ApproveSpecView(CaseTaskView):
    desk = True
    desk_template = DOCUMENT_TEMPLATE
    desk_preview = True
    form_class = ApproveSpecReviewForm
    template_name = "workflows/spec_review/approve_task.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["spec"] = spec_reads.spec_review_overview(self.request.user, self.case)
        return context

    def perform(self, form: Any, case: Any) -> None:
        if form.cleaned_data["decision"] == "approve":
            services.approve_spec_review(
                actor=self.request.user, review=case, comment=form.cleaned_data["comment"]
            )
        else:
            services.return_to_reviewer(
                actor=self.request.user, review=case, reason=form.cleaned_data["comment"]
            )


class SpecReviewDetailView(ScopedDetailProcessView):
    """The case page, with the spec review's own facts for its panel."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["spec"] = spec_reads.spec_review_overview(self.request.user, context["case"])
        return context


@require_POST
def mark_ready_for_board(request: Any, case_pk: int) -> HttpResponse:
    case = selectors.access_case(request.user, case_pk)
    if not isinstance(case, SpecReview):
        raise PermissionDenied
    try:
        with transaction.atomic():
            services.mark_ready_for_contract_board(actor=request.user, review=case)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("契約局審査会への付議準備完了として登録しました。"))
    return HttpResponseRedirect(case_url(case))


class LockInTermsView(generic.TemplateView):
    """The list the specification scan uses; governance staff add and (de)activate entries."""

    template_name = "workflows/spec_review/terms.html"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not permissions.can_view_flow(request.user, CaseKind.SPEC_REVIEW):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["terms"] = LockInTerm.objects.select_related("created_by").order_by(
            "-active", "kind", "phrase"
        )
        context["can_edit"] = permissions.can_edit_lock_in_terms(self.request.user)
        context["form"] = kwargs.get("form") or LockInTermForm()
        return context

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "add")
        try:
            with transaction.atomic():
                if action == "add":
                    form = LockInTermForm(request.POST)
                    if not form.is_valid():
                        return self.render_to_response(self.get_context_data(form=form))
                    lock_in_terms.add_lock_in_term(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("語句を登録しました。"))
                else:
                    state = LockInTermStateForm(request.POST)
                    _require_valid(state)
                    term = get_object_or_404(LockInTerm, pk=state.cleaned_data["term"])
                    lock_in_terms.set_lock_in_term_active(
                        actor=request.user,
                        term=term,
                        active=action == "activate",
                        reason=state.cleaned_data["reason"],
                    )
                    messages.success(request, _("語句の状態を変更しました。"))
        except ValueError as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(request.path)


# --- The flow -------------------------------------------------------------------------------


def _fresh_case(activation: Any) -> Case:
    # The process caches the case it was loaded with; services changed it since.
    return Case.objects.select_related("department__liaison", "reviewer", "requester").get(
        pk=activation.process.case.pk
    )


def _reviewer(activation: Any) -> User | None:
    """The reviewer of the previous round keeps the case; otherwise the department's liaison."""
    case = _fresh_case(activation)
    if case.reviewer is not None and case.reviewer.is_active:
        return case.reviewer
    return reviewer_for(case)


def _requester(activation: Any) -> User | None:
    requester = _fresh_case(activation).requester
    return requester if requester.is_active else None


def _needs_review(activation: Any) -> bool:
    review = SpecReview.objects.only("mandatory", "review_requested").get(
        pk=activation.process.case.pk
    )
    return review.needs_review


def _status_is(status: str) -> Any:
    def check(activation: Any) -> bool:
        return bool(_fresh_case(activation).status == status)

    return check


class SpecReviewFlow(CaseFlow):
    """仕様書確認

    予定価格が基準額以上の調達は、契約局審査会の前に仕様書確認が必須です。
    """

    case_kind = CaseKind.SPEC_REVIEW
    case_panel_template = "workflows/spec_review/panel.html"
    process_title = _("仕様書確認")
    process_description = _(
        "予定価格が基準額以上の調達（契約局審査会案件）は、仕様書確認が必須です。"
        "基準額未満でも確認を依頼できます。"
    )
    process_summary_template = "{{ process.case.number }} {{ process.case.title }}"

    start = (
        CaseStart(RegisterSpecReviewView.as_view())
        .Annotation(title=_("調達案件の登録"))
        .Available(lambda user: permissions.is_department_staff(user) and permissions.may_act(user))
        .Next(this.route)
    )

    route = (
        flow.If(_needs_review)
        .Annotation(title=_("仕様書確認の対象か"))
        .Then(this.review)
        .Else(this.end)
    )

    review = (
        CaseView(ReviewSpecView.as_view())
        .Annotation(title=_("仕様書の確認"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.GOVERNANCE_REVIEWER])
        .Assign(_reviewer)
        .Next(this.after_review)
    )

    after_review = (
        flow.If(_status_is(CaseStatus.AWAITING_APPROVAL))
        .Annotation(title=_("決裁へ回すか"))
        .Then(this.approve)
        .Else(this.resubmit)
    )

    resubmit = (
        CaseView(ResubmitSpecView.as_view())
        .Annotation(title=_("修正版の提出と回答"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.DEPARTMENT_STAFF])
        .Assign(_requester)
        .Next(this.review)
    )

    approve = (
        CaseView(ApproveSpecView.as_view())
        .Annotation(title=_("確認結果の決裁"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.GOVERNANCE_APPROVER])
        .Next(this.after_approval)
    )

    after_approval = (
        flow.If(_status_is(CaseStatus.APPROVED))
        .Annotation(title=_("承認されたか"))
        .Then(this.end)
        .Else(this.review)
    )

    end = flow.End().Annotation(title=_("終了"))


# Viewflow names a flow's URLs after its class ("specreview"); the project's one name for the
# concept is spec_review (DOMAIN.md), so its pages live under /spec_review/.
SpecReviewFlow.app_name = "spec_review"


class SpecReviewAppViewset(CaseFlowAppViewset):
    """The spec review's pages, plus readiness for the contract board and the lock-in list."""

    process_detail_view_class = SpecReviewDetailView

    ready_for_board_path = path(
        "cases/<int:case_pk>/ready-for-board/", mark_ready_for_board, name="ready_for_board"
    )
    terms_path = path("lock-in-terms/", LockInTermsView.as_view(), name="terms")

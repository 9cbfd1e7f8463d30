"""The budget check's nodes as a bare viewflow flow: the same starts, human steps, gateways and
loops, each step a form whose only write is the process's own row (its ``data``) and the
task viewflow records. No case row, audit event, message, notice, job or document."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse, HttpResponseRedirect
from django.views import generic
from viewflow import this
from viewflow.workflow import flow, lock

from governance.roles import ACT_PERMISSION, Role

# Who steps are assigned to: set by the benchmark before it drives the flow.
PEOPLE: dict[str, Any] = {}


class StepForm(forms.Form):
    decision = forms.CharField(required=False)
    text = forms.CharField(required=False)


class BareStep(generic.FormView):
    form_class = StepForm
    template_name = "floors/step.html"
    status = ""

    def form_valid(self, form: Any) -> HttpResponse:
        activation = self.request.activation  # type: ignore[attr-defined]  # set by viewflow
        decision = form.cleaned_data["decision"]
        activation.process.data = {**activation.process.data, "status": decision or self.status}
        if activation.process.pk is None:
            activation.process.save()
        activation.execute()
        return HttpResponseRedirect("/")


class Review(BareStep):
    status = "awaiting_approval"


class Answer(BareStep):
    status = "submitted"


class Approve(BareStep):
    status = "awaiting_acknowledgement"


class Acknowledge(BareStep):
    status = "closed"


def _status(activation: Any) -> str:
    return str(activation.process.data.get("status", ""))


class BareBudgetFlow(flow.Flow):
    """予算確認 (bare)"""

    lock_impl = lock.select_for_update_lock

    start = flow.Start(BareStep.as_view(status="submitted")).Next(this.review)
    review = (
        flow.View(Review.as_view())
        .Permission(ACT_PERMISSION[Role.GOVERNANCE_REVIEWER])
        .Assign(lambda activation: PEOPLE["reviewer"])
        .Next(this.review_decision)
    )
    review_decision = (
        flow.If(lambda activation: _status(activation) == "returned")
        .Then(this.answer_questions)
        .Else(this.approve)
    )
    answer_questions = (
        flow.View(Answer.as_view())
        .Permission(ACT_PERMISSION[Role.DEPARTMENT_STAFF])
        .Assign(lambda activation: PEOPLE["staff"])
        .Next(this.review)
    )
    approve = (
        flow.View(Approve.as_view())
        .Permission(ACT_PERMISSION[Role.GOVERNANCE_APPROVER])
        .Next(this.approval_decision)
    )
    approval_decision = (
        flow.If(lambda activation: _status(activation) == "awaiting_acknowledgement")
        .Then(this.acknowledge)
        .Else(this.review)
    )
    acknowledge = (
        flow.View(Acknowledge.as_view())
        .Permission(ACT_PERMISSION[Role.DEPARTMENT_STAFF])
        .Assign(lambda activation: PEOPLE["staff"])
        .Next(this.end)
    )
    end = flow.End()

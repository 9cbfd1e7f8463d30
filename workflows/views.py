"""Generic views for the steps of case flows: parse the form, call the service, move the flow.

A step view never writes business state itself: ``start_case`` / ``perform`` call a service,
which checks permission and records the audit event. A ``ValueError`` from a service is a
refusal meant for the user (Japanese message): the form is shown again and nothing changes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from governance.cases.selectors import case_page_url, concrete_case
from governance.decisions.desk import decision_desk
from governance.models import Case


def case_url(case: Case) -> str:
    """The case page (a stable address that leads to the flow's process detail page)."""
    return case_page_url(case.pk)  # reverse("home:case", …) from a pattern reversed once


class _StepMixin:
    request: Any

    def refuse(self, form: forms.Form, message: str) -> HttpResponse:
        """Show the form again with the service's reason; roll back anything written.

        The page is rendered before the rollback is requested: once the transaction is marked
        for rollback Django refuses every further query, and the page needs some.
        """
        form.add_error(None, message)
        response: HttpResponse = self.form_invalid(form)  # type: ignore[attr-defined]  # FormView provides it
        if hasattr(response, "render"):
            response.render()
        transaction.set_rollback(True)
        return response


class CaseStartView(_StepMixin, generic.FormView):
    """The first step of a case flow: create the case through a service, then start the flow."""

    template_name = "workflows/start.html"
    success_message = _("案件 {number} を登録しました。")

    def start_case(self, form: Any, process: Any) -> Case:
        raise NotImplementedError

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(self.extra_form_kwargs())
        return kwargs

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["activation"] = self.request.activation
        context["flow_class"] = self.request.activation.flow_class
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        activation = self.request.activation
        # The case points at the process before the first task is created, so that the
        # task's assignment rules can read the case.
        activation.process.save()
        try:
            case = self.start_case(form, activation.process)
        except ValueError as exc:
            return self.refuse(form, str(exc))
        activation.execute()
        messages.success(self.request, str(self.success_message).format(number=case.number))
        return HttpResponseRedirect(case_url(case))


class CaseTaskView(_StepMixin, generic.FormView):
    """A human step on an existing case."""

    template_name = "workflows/task.html"
    success_message = _("{number}: 「{task}」を完了しました。")
    # A decision page shows the case's files, what changed between rounds and the documents
    # issued (``governance.decisions.desk``); with ``desk_preview`` also the draft (案) of the
    # document ``desk_template`` the decision will issue.
    desk = False
    desk_template = ""
    desk_preview = False

    def perform(self, form: Any, case: Any) -> None:
        raise NotImplementedError

    @property
    def case(self) -> Any:
        if not hasattr(self, "_case"):
            self._case = concrete_case(self.request.activation.process.case)
        return self._case

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(self.extra_form_kwargs())
        return kwargs

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["activation"] = self.request.activation
        context["case"] = self.case
        context["case_messages"] = self.case.messages.select_related("author__department")
        context["task_title"] = self.request.activation.flow_task.task_title
        if self.desk:
            context.update(
                decision_desk(
                    self.request.user,
                    self.case,
                    template=self.desk_template,
                    preview=self.desk_preview,
                )
            )
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            self.perform(form, self.case)
        except ValueError as exc:
            return self.refuse(form, str(exc))
        activation = self.request.activation
        activation.execute()
        messages.success(
            self.request,
            str(self.success_message).format(
                number=self.case.number, task=activation.flow_task.task_title
            ),
        )
        return HttpResponseRedirect(case_url(self.case))

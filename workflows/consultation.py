"""相談: a department asks its liaison desk; the liaison answers; the department closes it or
asks again. The smallest case flow, and the reference for how the others are wired."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from forms.consultation import (
    AnswerConsultationForm,
    CloseConsultationForm,
    OpenConsultationForm,
)
from governance import permissions
from governance.cases.services import reviewer_for
from governance.consultation import services
from governance.models import CaseKind, Consultation, ConsultationTopic, InformationSystem
from governance.roles import ACT_PERMISSION, Role
from workflows.base import CaseFlow, CaseStart, CaseView
from workflows.views import CaseStartView, CaseTaskView


class OpenConsultationView(CaseStartView):
    form_class = OpenConsultationForm

    def extra_form_kwargs(self) -> dict[str, Any]:
        user = self.request.user
        return {"systems": InformationSystem.objects.filter(permissions.selectable_systems_q(user))}

    def start_case(self, form: Any, process: Any) -> Consultation:
        return services.open_consultation(
            actor=self.request.user,
            title=form.cleaned_data["title"],
            question=form.cleaned_data["question"],
            system=form.cleaned_data["system"],
            topic=form.cleaned_data.get("topic") or ConsultationTopic.OTHER,
            process=process,
        )


class AnswerConsultationView(CaseTaskView):
    form_class = AnswerConsultationForm

    def perform(self, form: Any, case: Any) -> None:
        services.answer_consultation(
            actor=self.request.user, consultation=case, answer=form.cleaned_data["answer"]
        )


class CloseConsultationView(CaseTaskView):
    form_class = CloseConsultationForm

    def perform(self, form: Any, case: Any) -> None:
        services.close_or_follow_up(
            actor=self.request.user,
            consultation=case,
            resolved=form.cleaned_data["resolved"] == "yes",
            follow_up=form.cleaned_data.get("follow_up", ""),
        )


def _liaison(activation: Any) -> Any:
    return reviewer_for(activation.process.case)


def _requester(activation: Any) -> Any:
    return activation.process.case.requester


class ConsultationFlow(CaseFlow):
    """相談

    部局からの相談に部局担当窓口が回答します。
    """

    case_kind = CaseKind.CONSULTATION
    process_title = _("相談")
    process_description = _("部局からの相談に部局担当窓口が回答します。")
    process_summary_template = "{{ process.case.number }} {{ process.case.title }}"

    start = (
        CaseStart(OpenConsultationView.as_view())
        .Annotation(title=_("相談の登録"))
        .Available(lambda user: permissions.is_department_staff(user) and permissions.may_act(user))
        .Next(this.answer)
    )

    answer = (
        CaseView(AnswerConsultationView.as_view())
        .Annotation(title=_("回答"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.GOVERNANCE_REVIEWER])
        .Assign(_liaison)
        .Next(this.close)
    )

    close = (
        CaseView(CloseConsultationView.as_view())
        .Annotation(title=_("回答の確認"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.DEPARTMENT_STAFF])
        .Assign(_requester)
        .Next(this.check_resolved)
    )

    check_resolved = (
        flow.If(lambda activation: activation.process.case.consultation.resolved)
        .Annotation(title=_("解決したか"))
        .Then(this.end)
        .Else(this.answer)
    )

    end = flow.End().Annotation(title=_("終了"))

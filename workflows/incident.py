"""インシデント対応 (NEXT_WAVE §B.4): only the governance gates are flow nodes — start (promote
events or reopen), triage, confirm_dismissal, handle (long-running: the handler works on the
incident page and asks for closure here), closure_review (a CSIRT lead who did not handle it),
ciso_closure (L3 and above), end. The route_* gateways only branch. Node names are stored by
viewflow as strings: never rename them."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from forms.incidents import DecisionForm, OpenIncidentForm, RequestClosureForm, TriageForm
from governance import permissions
from governance.incidents import permissions as incident_permissions
from governance.incidents import services
from governance.models import CaseKind, Incident, Phase, SecurityEvent
from governance.roles import ACT_PERMISSION, Role
from workflows.base import CaseFlow, CaseView
from workflows.views import CaseStartView, CaseTaskView


def incident_url(incident: Any) -> str:
    return reverse("incidents:incident", args=[incident.pk])


class OpenIncidentView(CaseStartView):
    form_class = OpenIncidentForm
    success_message = _("インシデント {number} を登録しました。")

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        events = self.request.GET.get("events", "")
        initial["events"] = events
        ids = [int(p) for p in events.split(",") if p.isdigit()]
        first = SecurityEvent.objects.filter(pk__in=ids).first()
        if first is not None:
            initial.update(
                title=first.title,
                department=first.reporter_department_id,
                category=first.category_hint or first.source.default_category or "other",
                tlp=first.tlp,
            )
        follow = self.request.GET.get("follow_up_of", "")
        if follow.isdigit():
            original = Incident.objects.filter(pk=int(follow)).first()
            if original is not None:
                initial.update(
                    follow_up_of=original.pk,
                    title=original.title,
                    department=original.department_id,
                    category=original.category,
                )
        return initial

    def start_case(self, form: Any, process: Any) -> Incident:
        data = form.cleaned_data
        visible = SecurityEvent.objects.filter(
            incident_permissions.event_visibility_q(self.request.user)
        )
        follow_up_of = None
        if data.get("follow_up_of"):
            follow_up_of = permissions.scope_cases(
                self.request.user, Incident.objects.filter(pk=data["follow_up_of"])
            ).first()
        return services.open_incident(
            actor=self.request.user,
            title=data["title"],
            department=data["department"],
            events=list(visible.filter(pk__in=form.event_ids())),
            category=data["category"],
            aware_at=data.get("aware_at"),
            description=data.get("description", ""),
            tlp=data.get("tlp", ""),
            follow_up_of=follow_up_of,
            reason=data.get("reason", ""),
            process=process,
        )

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        case = getattr(self.request.activation.process, "case", None)
        if response.status_code == 302 and case is not None:
            return HttpResponseRedirect(incident_url(case))
        return response


class IncidentTaskView(CaseTaskView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if response.status_code == 302:
            return HttpResponseRedirect(incident_url(self.case))
        return response


class TriageView(IncidentTaskView):
    form_class = TriageForm

    def get_initial(self) -> dict[str, Any]:
        case = self.case
        return {
            "category": case.category,
            "tlp": case.tlp,
            **{key: getattr(case, key) for key in ("scope", "functional_impact")},
        }

    def perform(self, form: Any, case: Any) -> None:
        data = form.cleaned_data
        incident = services.triage_incident(
            actor=self.request.user,
            incident=case,
            category=data["category"],
            factors=form.factors(),
            tlp=data["tlp"],
            dismiss_reason=data.get("dismiss_reason", ""),
        )
        if incident.dismiss_reason and incident.pd_involved == "no":
            services.dismiss_incident(actor=self.request.user, incident=incident)


class ConfirmDismissalView(IncidentTaskView):
    form_class = DecisionForm

    def perform(self, form: Any, case: Any) -> None:
        services.dismiss_incident(
            actor=self.request.user,
            incident=case,
            confirm=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )


class HandleView(IncidentTaskView):
    """Completing the handling step is asking for closure (guards in the service)."""

    form_class = RequestClosureForm

    def get_initial(self) -> dict[str, Any]:
        case = self.case
        return {
            key: getattr(case, key)
            for key in ("resolution", "root_cause", "recurrence_prevention", "lessons_learned")
        }

    def perform(self, form: Any, case: Any) -> None:
        services.request_closure(actor=self.request.user, incident=case, **form.cleaned_data)


class ClosureReviewView(IncidentTaskView):
    form_class = DecisionForm

    def perform(self, form: Any, case: Any) -> None:
        services.review_closure(
            actor=self.request.user,
            incident=case,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )


class CisoClosureView(IncidentTaskView):
    form_class = DecisionForm

    def perform(self, form: Any, case: Any) -> None:
        services.ciso_closure(
            actor=self.request.user,
            incident=case,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )


def _incident(activation: Any) -> Incident:
    return Incident.objects.get(pk=activation.process.case.pk)


def _handler(activation: Any) -> Any:
    return _incident(activation).handler


def _requester(activation: Any) -> Any:
    return activation.process.case.requester


class IncidentFlow(CaseFlow):
    """インシデント対応

    通報をインシデントとして登録し、トリアージ・対応・完了の確認（二者）を行います。
    """

    case_kind = CaseKind.INCIDENT
    process_title = _("インシデント対応")
    process_description = _(
        "通報をインシデントとして登録し、トリアージ・対応・完了の確認を行います。"
    )
    process_summary_template = "{{ process.case.number }} {{ process.case.title }}"

    start = (
        flow.Start(OpenIncidentView.as_view())
        .Annotation(title=_("インシデントの登録"))
        .Available(lambda user: incident_permissions.can_triage_events(user))
        .Next(this.triage)
    )

    triage = (
        CaseView(TriageView.as_view())
        .Annotation(title=_("トリアージ"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.CSIRT_MEMBER])
        .Assign(_requester)
        .Next(this.route_triage)
    )

    route_triage = (
        flow.Switch()
        .Annotation(title=_("対象外か"))
        .Case(this.end, lambda a: _incident(a).phase == Phase.DISMISSED)
        .Case(this.confirm_dismissal, lambda a: bool(_incident(a).dismiss_reason))
        .Default(this.handle)
    )

    confirm_dismissal = (
        CaseView(ConfirmDismissalView.as_view())
        .Annotation(title=_("対象外の確認"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.CSIRT_LEAD])
        .Next(this.route_dismissal)
    )

    route_dismissal = (
        flow.If(lambda a: _incident(a).phase == Phase.DISMISSED)
        .Annotation(title=_("対象外と確認されたか"))
        .Then(this.end)
        .Else(this.handle)
    )

    handle = (
        CaseView(HandleView.as_view())
        .Annotation(title=_("対応（完了の申請）"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.CSIRT_MEMBER])
        .Assign(_handler)
        .Next(this.closure_review)
    )

    closure_review = (
        CaseView(ClosureReviewView.as_view())
        .Annotation(
            title=_("完了の確認（CSIRT 責任者）"), summary_template="{{ process.case.title }}"
        )
        .Permission(ACT_PERMISSION[Role.CSIRT_LEAD])
        .Next(this.route_review)
    )

    route_review = (
        flow.Switch()
        .Annotation(title=_("承認されたか"))
        # Closed first: closing clears ``closure_requested`` too.
        .Case(this.end, lambda a: _incident(a).phase == Phase.CLOSED)
        .Case(this.handle, lambda a: not _incident(a).closure_requested)
        .Default(this.ciso_closure)
    )

    ciso_closure = (
        CaseView(CisoClosureView.as_view())
        .Annotation(title=_("完了の承認（CISO）"), summary_template="{{ process.case.title }}")
        .Permission(ACT_PERMISSION[Role.CISO])
        .Next(this.route_ciso)
    )

    route_ciso = (
        flow.If(lambda a: _incident(a).phase == Phase.CLOSED)
        .Annotation(title=_("CISO が承認したか"))
        .Then(this.end)
        .Else(this.handle)
    )

    end = flow.End().Annotation(title=_("終了"))

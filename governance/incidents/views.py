"""The CSIRT's pages (usable at 2 a.m.): the department report (phone-sized), the reporter's
own reports, the queue of new events, an event, manual entry, my incidents, the incident page.
Thin: parse, call a selector or a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST, require_safe

from forms import incidents as f
from governance import permissions
from governance.cases.services.evidence import record_evidence_access
from governance.incidents import documents as incident_documents
from governance.incidents import permissions as incident_permissions
from governance.incidents import selectors as reads
from governance.incidents import services
from governance.incidents.escalation import selectors as escalation_reads
from governance.incidents.escalation import services as escalation_services
from governance.incidents.obligations import publication, submissions
from governance.incidents.obligations import selectors as obligation_reads
from governance.incidents.obligations import services as obligation_services
from governance.models import Incident, IncidentTask, InformationSystem, TimelineEntry
from governance.uploads import check_upload


def _run(request: Any, form: Any, call: Any, done: str) -> bool:
    """Validate, call the service in one transaction; show its refusal on the form."""
    if not form.is_valid():
        return False
    try:
        with transaction.atomic():
            call(form.cleaned_data)
    except ValueError as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, done)
    return True


def report(request: Any) -> HttpResponse:
    """部局からの報告: at most eight fields; the reporter gets the 受付番号."""
    permissions.require(incident_permissions.can_report_event(request.user))
    systems = InformationSystem.objects.filter(permissions.selectable_systems_q(request.user))
    form = f.DepartmentReportForm(request.POST or None, systems=systems)
    if request.method == "POST":
        created: list[Any] = []

        def call(data: dict[str, Any]) -> None:
            created.append(
                services.submit_department_report(
                    actor=request.user,
                    what=data["what"],
                    aware_at=data.get("aware_at"),
                    system=data.get("system"),
                    personal_data=data["personal_data"],
                    persons=data.get("persons", ""),
                    category_hint=data.get("category_hint", ""),
                    contact_phone=data.get("contact_phone", ""),
                )
            )

        if _run(request, form, call, _("報告を受け付けました。")):
            return HttpResponseRedirect(reverse("incidents:my_event", args=[created[0].pk]))
    return render(request, "incidents/report.html", {"form": form})


def my_reports(request: Any) -> HttpResponse:
    return render(request, "incidents/my_reports.html", {"events": reads.my_reports(request.user)})


def my_event(request: Any, pk: int) -> HttpResponse:
    """The reporter's view of their report: its status and the incident's number, phase and
    title only; once it is an incident, the department may ask the CSIRT to escalate it."""
    event = reads.my_reports(request.user)
    found = next((e for e in event if e.pk == pk), None)
    if found is None:
        return event_detail(request, pk)
    incident = found.incident
    form = f.RequestEscalationForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") != "request_escalation" or incident is None:
            raise PermissionDenied
        if _run(
            request,
            form,
            lambda data: escalation_services.request_escalation(
                actor=request.user, incident=incident, reason=data["reason"]
            ),
            _("CSIRT にエスカレーションを依頼しました。"),
        ):
            return HttpResponseRedirect(reverse("incidents:my_event", args=[found.pk]))
    return render(
        request,
        "incidents/my_event.html",
        {
            "event": found,
            "request_form": form,
            **escalation_reads.my_requests(request.user, incident),
        },
    )


def queue(request: Any) -> HttpResponse:
    permissions.require(permissions.is_csirt(request.user) or permissions.is_auditor(request.user))
    return render(
        request,
        "incidents/queue.html",
        {
            "events": reads.event_queue(request.user),
            "can_triage": incident_permissions.can_triage_events(request.user),
        },
    )


def manual(request: Any) -> HttpResponse:
    """A phone call or a notice typed in by a CSIRT member."""
    permissions.require(incident_permissions.can_triage_events(request.user))
    form = f.ManualEventForm(request.POST or None)
    if request.method == "POST":
        created: list[Any] = []

        def call(data: dict[str, Any]) -> None:
            created.append(
                services.record_manual_event(
                    actor=request.user,
                    source=data["source"],
                    channel=data["channel"],
                    title=data["title"],
                    description=data.get("description", ""),
                    source_ref=data.get("source_ref", ""),
                    aware_at=data.get("aware_at"),
                    department=data.get("department"),
                    personal_data=data["personal_data"],
                    persons=data.get("persons", ""),
                    tlp=data.get("tlp", ""),
                    is_exercise=data.get("is_exercise", False),
                )
            )

        if _run(request, form, call, _("通報を登録しました。")):
            return HttpResponseRedirect(reverse("incidents:event", args=[created[0].pk]))
    return render(request, "incidents/manual.html", {"form": form})


def event_detail(request: Any, pk: int) -> HttpResponse:
    if not (permissions.is_csirt(request.user) or permissions.is_auditor(request.user)):
        raise Http404
    event = reads.access_event(request.user, pk)
    forms_: dict[str, Any] = {"dismiss": f.DismissEventForm(), "merge": f.MergeEventForm()}
    if request.method == "POST":
        action = request.POST.get("action")
        done = False
        if action == "take":
            form: Any = f.forms.Form(request.POST)
            done = _run(
                request,
                form,
                lambda d: services.take_event(actor=request.user, event=event),
                _("確認を始めました。"),
            )
            forms_["take"] = form
        elif action == "dismiss":
            form = forms_["dismiss"] = f.DismissEventForm(request.POST)
            done = _run(
                request,
                form,
                lambda d: services.dismiss_event(
                    actor=request.user, event=event, reason=d["reason"]
                ),
                _("対象外にしました。"),
            )
        elif action == "merge":
            form = forms_["merge"] = f.MergeEventForm(request.POST)

            def merge(d: dict[str, Any]) -> None:
                target = permissions.scope_cases(
                    request.user, Incident.objects.filter(number=d["incident"].strip())
                ).first()
                if target is None:
                    raise ValueError(_("指定したインシデントが見つかりません。"))
                services.merge_event(actor=request.user, event=event, incident=target)

            done = _run(request, form, merge, _("インシデントに統合しました。"))
        else:
            raise PermissionDenied
        if done:
            return HttpResponseRedirect(reverse("incidents:event", args=[event.pk]))
        event = reads.access_event(request.user, pk)
    return render(
        request,
        "incidents/event.html",
        {
            "event": event,
            "reports": list(event.reports.select_related("user").order_by("reported_at")),
            "is_open": event.status in reads.OPEN_EVENT_STATUSES,
            "can_triage": incident_permissions.can_triage_events(request.user),
            "start_url": f"{reads.start_url()}?events={event.pk}",
            **{f"{key}_form": value for key, value in forms_.items()},
        },
    )


def mine(request: Any) -> HttpResponse:
    permissions.require(permissions.is_csirt(request.user) or permissions.is_auditor(request.user))
    return render(request, "incidents/mine.html", {"rows": reads.my_incidents(request.user)})


INCIDENT_ACTIONS = {
    "phase": f.PhaseForm,
    "timeline": f.TimelineForm,
    "task": f.TaskForm,
    "task_status": f.TaskStatusForm,
    "observable": f.ObservableForm,
    "severity": f.SeverityForm,
    "tlp": f.TlpForm,
    "facts": f.PersonalDataForm,
    "disconnect": f.DisconnectForm,
    "ack": f.forms.Form,
    "submission": f.SubmissionForm,
    "approve_submission": f.ApproveSubmissionForm,
    "waive_obligation": f.WaiveObligationForm,
    "publication_decision": f.PublicationDecisionForm,
    "notice_decision": f.NoticeDecisionForm,
    "escalate": f.EscalateForm,
    "ack_escalation": f.AckEscalationForm,
}


def _obligation_call(request: Any, incident: Incident, action: str, data: dict[str, Any]) -> None:
    """The obligations panel's buttons: register a submission, approve it, waive one."""
    user = request.user
    if action == "submission":
        receipt = None
        if data.get("receipt"):
            receipt = check_upload(data["receipt"], allowed=("pdf", "png", "jpg", "jpeg"))
        submissions.register_submission(
            actor=user,
            incident=incident,
            obligations=list(data["obligations"]),
            submitted_at=data["submitted_at"],
            method=data["method"],
            reference=data["reference"],
            receipt=receipt,
            note=data["note"],
        )
    elif action == "approve_submission":
        if data["submission"].incident_id != incident.pk:
            raise PermissionDenied
        submissions.approve_submission(
            actor=user, submission=data["submission"], reason=data["reason"]
        )
    elif action == "escalate":
        escalation_services.escalate_incident(
            actor=user, incident=incident, level=data["level"], reason=data["reason"]
        )
    elif action == "ack_escalation":
        if data["escalation"].incident_id != incident.pk:
            raise PermissionDenied
        escalation_services.acknowledge_escalation(actor=user, escalation=data["escalation"])
    elif action == "publication_decision":
        publication.decide_publication(
            actor=user, incident=incident, choice=data["choice"], reason=data["reason"]
        )
    elif action == "notice_decision":
        publication.decide_individual_notice(
            actor=user, incident=incident, choice=data["choice"], reason=data["reason"]
        )
    elif action == "waive_obligation":
        if data["obligation"].incident_id != incident.pk:
            raise PermissionDenied
        obligation_services.waive_obligation(
            actor=user, obligation=data["obligation"], reason=data["reason"]
        )


def _incident_call(request: Any, incident: Incident, action: str, data: dict[str, Any]) -> None:
    user = request.user
    if action == "phase":
        services.move_phase(
            actor=user, incident=incident, phase=data["phase"], reason=data["reason"]
        )
    elif action == "timeline":
        corrects = None
        if data.get("corrects"):
            corrects = TimelineEntry.objects.filter(pk=data["corrects"]).first()
        services.add_timeline_entry(
            actor=user,
            incident=incident,
            kind=data["kind"],
            text=data["text"],
            at=data.get("at"),
            corrects=corrects,
        )
    elif action == "task":
        services.add_task(actor=user, incident=incident, title=data["title"])
    elif action == "task_status":
        task = IncidentTask.objects.filter(pk=request.POST.get("task"), incident=incident).first()
        if task is None:
            raise PermissionDenied
        services.set_task_status(
            actor=user, task=task, status=data["status"], result=data["result"]
        )
    elif action == "observable":
        services.add_observable(
            actor=user, incident=incident, type=data["type"], value=data["value"], note=data["note"]
        )
    elif action == "severity":
        services.set_severity(
            actor=user, incident=incident, level=data["severity"], reason=data["reason"]
        )
    elif action == "tlp":
        services.set_tlp(actor=user, incident=incident, tlp=data["tlp"], reason=data["reason"])
    elif action == "facts":
        services.update_facts(actor=user, incident=incident, **data)
    elif action == "disconnect":
        services.request_emergency_disconnection(
            actor=user, incident=incident, system=data["system"], reason=data["reason"]
        )
    elif action == "ack":
        services.acknowledge(actor=user, incident=incident)
    else:
        _obligation_call(request, incident, action, data)


class IncidentView(generic.TemplateView):
    """The incident page: summary, clocks, timeline, tasks, observables, people."""

    template_name = "incidents/incident.html"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.incident = reads.access_incident(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        services.record_restricted_view(actor=request.user, incident=self.incident)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        incident = self.incident
        can_work = incident_permissions.can_triage_events(user) and incident.phase not in (
            "closed",
            "dismissed",
        )
        forms_ = {
            key: kwargs.get(f"{key}_form") or form_class(initial=self._initial(key))
            for key, form_class in INCIDENT_ACTIONS.items()
        }
        context.update(
            incident=incident,
            can_work=can_work and incident.merged_into_id is None,
            is_ciso=permissions.has_role(user, "ciso"),
            can_reopen=permissions.has_role(user, "csirt_lead") and incident.phase == "closed",
            reopen_url=f"{reads.start_url()}?follow_up_of={incident.pk}",
            **reads.incident_page(user, incident),
            **obligation_reads.obligations_panel(user, incident),
            documents=reads.incident_documents(user, incident),
            document_kinds=incident_documents.KINDS,
            can_generate=incident_permissions.can_triage_events(user)
            or permissions.has_role(user, "ciso"),
            **escalation_reads.escalations_panel(user, incident),
            **{f"{key}_form": form for key, form in forms_.items()},
        )
        return context

    def _initial(self, key: str) -> dict[str, Any]:
        incident = self.incident
        if key == "facts":
            return {name: getattr(incident, name) for name in f.PersonalDataForm.base_fields}
        if key == "severity":
            return {"severity": incident.severity}
        if key == "tlp":
            return {"tlp": incident.tlp}
        if key == "phase":
            return {"phase": incident.phase}
        return {}

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        form_class = INCIDENT_ACTIONS.get(action)
        if form_class is None:
            raise PermissionDenied
        form = form_class(request.POST, request.FILES)
        if _run(
            request,
            form,
            lambda data: _incident_call(request, self.incident, action, data),
            _("{number} を更新しました。").format(number=self.incident.number),
        ):
            return HttpResponseRedirect(reverse("incidents:incident", args=[self.incident.pk]))
        self.incident = reads.access_incident(request.user, self.incident.pk)
        return self.render_to_response(self.get_context_data(**{f"{action}_form": form}))


@require_POST
def generate_document(request: Any, pk: int) -> HttpResponse:
    """The incident page's 文書 card: make a report, a worksheet, a notice… (in the background)."""
    incident = reads.access_incident(request.user, pk)
    try:
        with transaction.atomic():
            document = services.generate_incident_document(
                actor=request.user,
                incident=incident,
                kind=request.POST.get("kind", ""),
                stage=request.POST.get("stage", ""),
            )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("{title}（{number}）を作成しました。").format(
                title=document.title, number=document.number
            ),
        )
    return HttpResponseRedirect(reverse("incidents:incident", args=[incident.pk]) + "#documents")


@require_safe
def download_document(request: Any, pk: int, version: int) -> FileResponse:
    """A stored version, for whoever may read the incident (others get 404); reading only, so
    a POST is refused before the read of a TLP:RED document is put on the record."""
    found = reads.access_incident_version(request.user, pk, version)
    incident = reads.access_incident(request.user, pk)
    services.record_restricted_view(actor=request.user, incident=incident)
    record_evidence_access(user=request.user, case_id=incident.pk, document_version=found)
    suffix = incident_documents.KINDS[found.document.template].suffix
    filename = f"{found.document.number}_{found.document.title}_v{found.version}.{suffix}"
    content_type = (
        incident_documents.XLSX_TYPE if suffix == "xlsx" else incident_documents.DOCX_TYPE
    )
    return FileResponse(
        found.file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )

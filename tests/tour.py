"""A tour of the whole site: real objects at every step of every flow, made through the flows'
own pages (``workflows.driver``), and the address of every URL pattern filled from them.

``build(cast)`` makes the objects; ``addresses(objects)`` lists ``(name, url)`` for every
pattern of the URLconf. A pattern whose arguments cannot be filled raises ``Unfilled``: a new
page must be added to ``_FILLERS`` so that the language and layout tours reach it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from forms import spec_review as spec_forms
from governance.budget.services.season import create_budget_season
from governance.incidents import services as incident_services
from governance.integrations import services as integration_keys
from governance.jobs.models import Job
from governance.models import (
    AdvisoryDocument,
    Attachment,
    Case,
    ConnectionApproval,
    ConnectionCondition,
    Contract,
    DocumentVersion,
    GuidanceItem,
    IntegrationKey,
    IntegrationKeyRequest,
    Notification,
    Perspective,
    SpecReview,
    SpecReviewRound,
    SpecScanResult,
    User,
)
from governance.roles import Role
from tests import budget_support as support
from tests import network_support as nc
from tests.audit_support import monthly_anchor
from tests.factories import make_user
from tests.incidents_support import incident_stages
from tests.spec_cases import locked_in_system
from tests.spec_docs import clean_spec, docx_upload, locked_in_spec
from workflows import driver
from workflows.budget_check import BudgetCheckFlow
from workflows.consultation import ConsultationFlow
from workflows.incident import IncidentFlow
from workflows.models import CaseTask
from workflows.network_connection import NetworkConnectionFlow
from workflows.spec_review import SpecReviewFlow

#: Patterns the tours leave out: Django's admin (its own translated pages, reached only by
#: administrators) and the language switch (a POST-only redirect).
SKIPPED_PREFIXES = ("admin:",)
SKIPPED_NAMES = {"set_language"}


class Unfilled(LookupError):
    """A URL pattern the tour does not know how to fill."""


@dataclass
class Objects:
    """What the tour made, by kind."""

    cases: dict[str, Case] = field(default_factory=dict)
    system: Any = None
    contract: Any = None
    season: Any = None
    guidance_item: Any = None
    notification: Any = None
    document: Any = None
    version: Any = None
    attachment: Any = None
    job: Any = None
    integration_key: Any = None
    key_request: Any = None
    incidents: dict[str, Any] = field(default_factory=dict)
    approval: Any = None
    condition: Any = None
    oversight: dict[str, Any] = field(default_factory=dict)


def _spec_checklist(**issues: str) -> dict[str, tuple[str, str]]:
    checklist = {p.value: ("ok", "") for p in Perspective}
    checklist.update({name: ("issue", note) for name, note in issues.items()})
    return checklist


def _register_spec(staff: Any, system: Any, title: str) -> SpecReview:
    process = driver.start(
        SpecReviewFlow,
        user=staff,
        data=spec_forms.register_data(
            title=title,
            fiscal_year=2025,
            procurement_type="service",
            estimated_price=48_500_000,
            system=system,
            contract_board_date=dt.date(2025, 10, 1),
        ),
        files={"spec_file": docx_upload(locked_in_spec())},
    )
    return SpecReview.objects.get(process_id=process.pk)


def _approved_spec_review(cast: dict[str, Any], system: Any) -> SpecReview:
    """Returned once, resubmitted, returned by the approver, then approved: every node ran."""
    staff, reviewer, approver = cast["staff_a"], cast["reviewer"], cast["approver"]
    review = _register_spec(staff, system, "税務システム再構築")
    for result in SpecScanResult.objects.filter(version__review=review, status="pending"):
        driver.act(
            review.process,
            SpecReviewFlow.review,
            user=reviewer,
            data=(
                spec_forms.accept_data(result)
                if result.phrase == "Oracle"
                else spec_forms.dismiss_data(result, "別紙で規定済み")
            ),
        )
    driver.complete(
        review.process,
        SpecReviewFlow.review,
        user=reviewer,
        data=spec_forms.complete_review_data(
            checklist=_spec_checklist(neutrality="製品指定あり"),
            decision=SpecReviewRound.Decision.RETURNED,
            comment="指摘事項への対応をお願いします。",
        ),
    )
    answers = {f.pk: "修正しました。" for f in review.findings.all()}
    driver.complete(
        review.process,
        SpecReviewFlow.resubmit,
        user=staff,
        data=spec_forms.resubmit_data(answers=answers, note="第2版です。"),
        files={"spec_file": docx_upload(clean_spec(), "仕様書v2.docx")},
    )
    for finding in review.findings.all():
        driver.act(
            review.process,
            SpecReviewFlow.review,
            user=reviewer,
            data=spec_forms.settle_data(finding, status="resolved", resolution="第2版で確認"),
        )
    to_approval = spec_forms.complete_review_data(
        checklist=_spec_checklist(), decision=SpecReviewRound.Decision.TO_APPROVAL
    )
    driver.complete(review.process, SpecReviewFlow.review, user=reviewer, data=to_approval)
    driver.complete(
        review.process,
        SpecReviewFlow.approve,
        user=approver,
        data=spec_forms.approve_data(approve=False, comment="根拠を追記してください。"),
    )
    driver.complete(review.process, SpecReviewFlow.review, user=reviewer, data=to_approval)
    driver.complete(
        review.process, SpecReviewFlow.approve, user=approver, data=spec_forms.approve_data()
    )
    return SpecReview.objects.get(pk=review.pk)


def _consultation(staff: Any, title: str) -> Any:
    process = driver.start(
        ConsultationFlow, user=staff, data={"title": title, "question": "クラウド移行の進め方"}
    )
    return Case.objects.get(process_id=process.pk)


def _incidents(cast: dict[str, Any], staff: Any) -> dict[str, Any]:
    """The CSIRT's pages: an incident at each step, with a CSIRT lead and a CISO of its own."""
    people = {
        role: User.objects.filter(username=f"tour_{role}").first()
        or make_user(f"tour_{role}", role)
        for role in (Role.CSIRT_LEAD, Role.CISO, Role.CSIRT_MEMBER)
    }
    return incident_stages(
        staff=staff,
        csirt=cast["csirt"],
        lead=people[Role.CSIRT_LEAD],
        red_handler=people[Role.CSIRT_MEMBER],
        ciso=people[Role.CISO],
        department=staff.department,
    )


def build(cast: dict[str, Any], run_jobs: Any) -> Objects:
    """Cases at every step of every flow, and one of everything a page is about."""
    staff, reviewer, approver = cast["staff_a"], cast["reviewer"], cast["approver"]
    objects = Objects()
    system = locked_in_system(staff.department)
    objects.system = system
    objects.contract = Contract.objects.filter(system=system).first()

    # Budget checks: one closed after a send-back, one waiting in the approval queue, one
    # being reviewed.
    closed = support.start(staff, system)
    closed = support.step(
        closed,
        BudgetCheckFlow.review,
        reviewer,
        support.budget_forms.review_data(
            checklist=support.CHECKLIST_OK, questions="保守費の内訳は"
        ),
    )
    closed = support.step(
        closed,
        BudgetCheckFlow.answer_questions,
        staff,
        support.budget_forms.resubmit_data(answer="別紙のとおりです。", facts=support.facts()),
    )
    closed = support.drive_to_approval(closed, reviewer)
    closed = support.step(
        closed,
        BudgetCheckFlow.approve,
        approver,
        support.budget_forms.approval_data(approve=False, comment="指導事項の期限を見直すこと"),
    )
    closed = support.drive_to_approval(closed, reviewer)
    closed = support.step(
        closed, BudgetCheckFlow.approve, approver, support.budget_forms.approval_data()
    )
    closed = support.step(
        closed, BudgetCheckFlow.acknowledge, staff, support.budget_forms.acknowledge_data()
    )
    objects.cases["budget_closed"] = closed
    objects.cases["budget_awaiting_approval"] = support.drive_to_approval(
        support.start(staff, system, support.next_fiscal_year() + 1), reviewer
    )
    objects.cases["budget_in_review"] = support.start(
        cast["staff_b"], None, new_system_name="財務会計システム", new_system_kind="scratch"
    )

    objects.cases["spec_approved"] = _approved_spec_review(cast, system)
    objects.cases["spec_in_review"] = _register_spec(staff, system, "庁内LAN更新")

    answered = _consultation(staff, "クラウド移行について")
    driver.complete(
        answered.process,
        ConsultationFlow.answer,
        user=reviewer,
        data={"answer": "段階的に進めてください。"},
    )
    driver.complete(answered.process, ConsultationFlow.close, user=staff, data={"resolved": "yes"})
    objects.cases["consultation_closed"] = answered
    objects.cases["consultation_open"] = _consultation(staff, "テレワーク端末について")

    # Network connections: one through every step (sent back, CISO, connected), one waiting
    # for the approver.
    people = dict(cast)
    for name, role in (
        ("security", Role.SECURITY_REVIEWER),
        ("netadmin", Role.NETWORK_ADMIN),
        ("ciso", Role.CISO),
    ):
        people.setdefault(name, make_user(f"tour_{name}", role))
    network = nc.through_every_step(
        people, staff, system, title="公開サーバの接続", hostname="web01", condition="ログを保存"
    )
    objects.cases["network_closed"] = network
    objects.cases["network_awaiting_approval"] = nc.review_through(
        nc.apply(staff, system, **nc.public_values("公開サーバの追加", "web02")), people
    )
    objects.approval = ConnectionApproval.objects.get(case=network)
    objects.condition = ConnectionCondition.objects.get(case=network)
    run_jobs()

    objects.season = create_budget_season(
        actor=approver,
        fiscal_year=support.next_fiscal_year(),
        opens_on=support.in_days(-30),
        deadline=support.in_days(30),
    )
    objects.guidance_item = GuidanceItem.objects.filter(case=closed).first()
    objects.notification = Notification.objects.filter(recipient=staff).first()
    objects.document = AdvisoryDocument.objects.filter(case=closed).first()
    objects.version = DocumentVersion.objects.filter(document=objects.document).first()
    objects.attachment = Attachment.objects.filter(case=objects.cases["spec_approved"]).first()
    objects.job = Job.objects.first()
    objects.integration_key, objects.key_request = _integration_keys(cast)
    objects.incidents = _incidents(cast, staff)
    objects.cases["incident_closed"] = objects.incidents["closed"]
    report = incident_services.generate_incident_document(
        actor=cast["csirt"], incident=objects.incidents["at_ciso"], kind="incident_report"
    )
    run_jobs()
    objects.incidents["report_version"] = report.versions.get()
    objects.oversight = _oversight(reviewer, staff.department)
    for name, value in vars(objects).items():
        assert value, f"the tour made no {name}"
    return objects


def _oversight(reviewer: Any, department: Any) -> dict[str, Any]:
    """An audit engagement with a finding and a drafted measure (監査指摘と措置)."""
    from governance.oversight import services as oversight

    engagement = oversight.create_engagement(
        actor=reviewer,
        kind="kansa_periodic",
        fiscal_year="令和４年度",
        title="定期監査",
        member_audit_on="令和４年８月１日",
        secretariat_from="令和4年6月1日",
        secretariat_to="2022-08-31",
        departments=[department],
    )
    finding = oversight.create_finding(
        actor=reviewer,
        engagement=engagement,
        number="1",
        text="情報セキュリティ対策の状況を把握されたい。",
        facts="把握していない。",
        owner_department=department,
    )
    measure = oversight.draft_measure(
        actor=reviewer, finding=finding, text="全庁に照会した。", taken_on="令和5年5月31日"
    )
    return {"engagement": engagement, "finding": finding, "measure": measure}


def _integration_keys(cast: dict[str, Any]) -> tuple[IntegrationKey, IntegrationKeyRequest]:
    """An issued key (requested by one administrator, approved by another) and a request still
    waiting for the second administrator."""
    second = make_user("tour_admin2", Role.ADMIN)
    service_user = make_user("tour_svc", Role.INTEGRATION)

    def request(name: str) -> IntegrationKeyRequest:
        return integration_keys.request_key(
            actor=second,
            service_user=service_user,
            source_code="web_malware",
            name=name,
            scopes=("systems:read",),
            allowed_cidrs=("127.0.0.1/32",),
            expires_at=timezone.now() + dt.timedelta(days=90),
            reason="監視サービスからの受付のため",
            contact="soc@example.jp",
        )

    key, _secret = integration_keys.approve_key_request(
        actor=cast["admin"], key_request=request("ウェブ感染型マルウェア検知")
    )
    return key, request("ホームページレスポンス観測")


# --- Filling the URL patterns ---------------------------------------------------------------

_STATUS_FOR_ACTION = {
    "assign": (STATUS.NEW,),
    "unassign": (STATUS.ASSIGNED,),
    "execute": (STATUS.ASSIGNED,),
    "index": (STATUS.NEW, STATUS.ASSIGNED),
}

_FLOWS: dict[str, Any] = {
    "consultation": ConsultationFlow,
    "budgetcheck": BudgetCheckFlow,
    "spec_review": SpecReviewFlow,
    "incident": IncidentFlow,
    "network_connection": NetworkConnectionFlow,
}

#: The case whose process the flows' process pages show.
_PROCESS_CASE = {
    "consultation": "consultation_closed",
    "budgetcheck": "budget_closed",
    "spec_review": "spec_approved",
    "incident": "incident_closed",
    "network_connection": "network_closed",
}


def _task_kwargs(app: str, node_name: str, action: str) -> dict[str, Any]:
    """A task of the node (``budgetcheck:review``): an open one when the page acts on an open
    task, any one otherwise."""
    node = getattr(_FLOWS[app], node_name)
    tasks = CaseTask.objects.filter(flow_task=node).order_by("pk")
    wanted = _STATUS_FOR_ACTION.get(action)
    task = (tasks.filter(status__in=wanted).first() if wanted else None) or tasks.first()
    if task is None:
        raise Unfilled(f"{app}:{node_name}:{action}: the tour made no task of that node")
    return {"process_pk": task.process_id, "task_pk": task.pk}


def _open_task_pk() -> int:
    """An open human task (the approver's 担当者の変更 page)."""
    task = (
        CaseTask.objects.filter(status__in=["NEW", "ASSIGNED"], flow_task_type="HUMAN")
        .order_by("pk")
        .first()
    )
    if task is None:
        raise Unfilled("home:task_reassign: the tour made no open task")
    return int(task.pk)


_FILLERS: dict[str, Any] = {
    "home:case": lambda o: {"pk": o.cases["budget_closed"].pk},
    "home:case_share": lambda o: {"pk": o.cases["budget_closed"].pk},
    "home:case_trace": lambda o: {"pk": o.cases["budget_closed"].pk},
    "home:case_package": lambda o: {"pk": o.cases["spec_approved"].pk},
    "home:case_as_of": lambda o: {"pk": o.cases["spec_approved"].pk},
    "home:package_download": lambda o: {"pk": o.job.pk},
    "home:document_preview": lambda o: {
        "pk": o.cases["budget_closed"].pk,
        "template": "budget_check_result",
    },
    "home:case_unshare": lambda o: {"pk": o.cases["budget_closed"].pk},
    "home:notification_read": lambda o: {"pk": o.notification.pk},
    "home:task_reassign": lambda o: {"pk": _open_task_pk()},
    "home:document_download": lambda o: {"pk": o.version.pk},
    "home:document_regenerate": lambda o: {"pk": o.document.pk},
    "home:attachment_download": lambda o: {"pk": o.attachment.pk},
    "home:job_retry": lambda o: {"pk": o.job.pk},
    "jobs:retry": lambda o: {"pk": o.job.pk},
    "karte:detail": lambda o: {"pk": o.system.pk},
    "karte:edit": lambda o: {"pk": o.system.pk},
    "karte:contract_add": lambda o: {"pk": o.system.pk},
    "karte:contract_delete": lambda o: {"pk": o.system.pk, "contract_pk": o.contract.pk},
    "karte:costs": lambda o: {"pk": o.system.pk},
    "karte:monitoring": lambda o: {"pk": o.system.pk},
    "budget:season_edit": lambda o: {"pk": o.season.pk},
    "budget:item": lambda o: {"pk": o.guidance_item.pk},
    "audit:anchor": lambda o: {"pk": monthly_anchor().pk},
    "audit:extraction": lambda o: {"slug": "spec-reviews"},
    "audit:extraction_export": lambda o: {"slug": "spec-reviews"},
    "users:detail": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:grant_role": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:revoke_role": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:activate": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:deactivate": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:change_department": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:reset_password": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:unlock": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:reset_second_factor": lambda o: {"pk": o.cases["budget_closed"].requester_id},
    "users:assign_liaison": lambda o: {"pk": o.cases["budget_closed"].department_id},
    "network:approval": lambda o: {"pk": o.approval.pk},
    "network:condition": lambda o: {"pk": o.condition.pk},
    "network:suspend_system": lambda o: {"pk": o.system.pk},
    "spec_review:ready_for_board": lambda o: {"case_pk": o.cases["spec_approved"].pk},
    "password_reset_confirm": lambda o: {"uidb64": "MQ", "token": "set-password"},
    "users:key_approve": lambda o: {"pk": o.key_request.pk},
    "users:key_reject": lambda o: {"pk": o.key_request.pk},
    "users:key_rotate": lambda o: {"prefix": o.integration_key.prefix},
    "users:key_revoke": lambda o: {"prefix": o.integration_key.prefix},
    "users:key_notice": lambda o: {"prefix": o.integration_key.prefix},
    "incidents:key_revoke": lambda o: {"prefix": o.integration_key.prefix},
    # The API's JSON endpoints: filled so every pattern is reached, though the language tour
    # reads only HTML (their Japanese labels and messages are checked by tests/test_api*.py).
    "v1:system": lambda o: {"code": o.system.code},
    "v1:system_targets": lambda o: {"code": o.system.code},
    "v1:case": lambda o: {"number": o.cases["budget_closed"].number},
    "v1:case_audit_events": lambda o: {"number": o.cases["budget_closed"].number},
    "v1:case_documents": lambda o: {"number": o.cases["budget_closed"].number},
    "v1:case_deadlines": lambda o: {"number": o.cases["budget_closed"].number},
    "v1:security_event": lambda o: {"number": o.incidents["event"].number},
    "v1:case_decisions": lambda o: {"number": o.cases["budget_closed"].number},
    "v1:api_incident": lambda o: {"number": o.incidents["at_ciso"].number},
    "v1:incident_observables": lambda o: {"number": o.incidents["at_ciso"].number},
    "v1:incident_obligations": lambda o: {"number": o.incidents["at_ciso"].number},
    "v1:incident_timeline": lambda o: {"number": o.incidents["at_ciso"].number},
    "v1:network_approval": lambda o: {"number": o.cases["network_closed"].number},
    "v1:annual_report": lambda o: {"fiscal_year": "2024"},
    "oversight:detail": lambda o: {"pk": o.oversight["engagement"].pk},
    "oversight:finding_create": lambda o: {"pk": o.oversight["engagement"].pk},
    "oversight:report_issue": lambda o: {"pk": o.oversight["engagement"].pk},
    "oversight:download": lambda o: {"pk": o.oversight["engagement"].pk},
    "oversight:measure_draft": lambda o: {"pk": o.oversight["finding"].pk},
    "oversight:finding_close": lambda o: {"pk": o.oversight["finding"].pk},
    "oversight:measure_approve": lambda o: {"pk": o.oversight["measure"].pk},
    "oversight:measure_report": lambda o: {"pk": o.oversight["measure"].pk},
    "incidents:my_event": lambda o: {"pk": o.incidents["event"].pk},
    "incidents:event": lambda o: {"pk": o.incidents["event"].pk},
    "incidents:incident": lambda o: {"pk": o.incidents["at_ciso"].pk},
    # One dashboard for the tour's roles (tests/test_dashboards.py renders all seven in both
    # languages); the export is a workbook, not a page.
    "home:dashboard": lambda o: {"role": "reviewer"},
    "home:dashboard_export": lambda o: {"report": "coverage"},
    "reports:detail": lambda o: {"year": 2024},
    "reports:breakdown": lambda o: {"year": 2024, "key": "consultations"},
    "reports:download": lambda o: {"year": 2024, "fmt": "docx"},
    "reports:act": lambda o: {"year": 2024, "action": "submit"},
    "incidents:incident_document": lambda o: {"pk": o.incidents["at_ciso"].pk},
    "incidents:incident_document_download": lambda o: {
        "pk": o.incidents["at_ciso"].pk,
        "version": o.incidents["report_version"].pk,
    },
}


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, Any]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            spaced = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _walk(pattern, prefix + str(pattern.pattern), spaced)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield name, pattern


def patterns() -> list[tuple[str, Any]]:
    """Every named URL pattern of the site with its pattern, admin and language switch left
    out."""
    return [
        (name, pattern)
        for name, pattern in _walk(get_resolver(), "", "")
        if not name.startswith(SKIPPED_PREFIXES) and name not in SKIPPED_NAMES
    ]


def kwargs_for(objects: Objects, name: str) -> dict[str, Any]:
    """The arguments of the pattern ``name``, from the tour's objects."""
    if name in _FILLERS:
        return dict(_FILLERS[name](objects))
    parts = name.split(":")
    app = parts[0]
    if app in _FLOWS and len(parts) == 3:
        return _task_kwargs(app, parts[1], parts[2])
    if app in _FLOWS and parts[-1] in {"process_detail", "process_cancel", "process_chart"}:
        process = objects.cases[_PROCESS_CASE[app]].process
        assert process is not None
        return {"process_pk": process.pk}
    return {}


def addresses(objects: Objects) -> list[tuple[str, str]]:
    """``(name, url)`` for every pattern; raises ``Unfilled`` for one the tour cannot fill."""
    found = []
    for name, pattern in patterns():
        kwargs = kwargs_for(objects, name) if pattern.pattern.converters else {}
        try:
            url = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            raise Unfilled(f"{name}: add its arguments to tests/tour.py _FILLERS") from None
        found.append((name, url))
    return found

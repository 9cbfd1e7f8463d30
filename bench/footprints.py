"""The office and the footprints of ``bench/generate.py``: the people and departments a
generated database holds, and one driver per case kind that takes a case to a given state
through the real flows and services (the step views, services, audit events, jobs inline).

``generate.capture`` runs each driver once and reads back every row it wrote; the cloner copies
those rows. Office-wide people (reviewers other than the liaison, the CSIRT, the CISO, the
security reviewer and the network administrator) stay the same person in every copy; the
requester, the department's liaison and the approver are the copy's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# --- The office ---------------------------------------------------------------------------------


@dataclass
class Office:
    departments: list[Any]
    staff: dict[int, list[Any]]
    liaison: dict[int, Any]
    approvers: list[Any]
    systems: dict[int, list[Any]]
    reviewers: list[Any] = field(default_factory=list)
    # Office-wide roles of the network connections and the incidents (one person each).
    security: Any = None
    netadmin: Any = None
    ciso: Any = None
    csirt: Any = None
    csirt_lead: Any = None


def build_office(cases: int = 0) -> Office:
    from django.contrib.auth.models import Group

    from governance.cases.services import ensure_department_group
    from governance.models import Department, InformationSystem, User
    from governance.org.demo import DEPARTMENTS
    from governance.roles import Role

    def user(username: str, family: str, given: str, role: str, department: Any = None) -> Any:
        person = User.objects.create(
            username=username,
            last_name=family,
            first_name=given,
            email=f"{username}@example.jp",
            department=department,
        )
        person.groups.add(Group.objects.get(name=role))
        return person

    families = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
    reviewers = [
        user(f"reviewer{n}", families[n], "審査", Role.GOVERNANCE_REVIEWER) for n in range(5)
    ]
    approvers = [
        user(f"approver{n}", families[n + 5], "決裁", Role.GOVERNANCE_APPROVER) for n in range(3)
    ]
    user("auditor", "小林", "恵", Role.AUDITOR)
    wide = {
        "security": user("security", "松本", "由美", Role.SECURITY_REVIEWER),
        "netadmin": user("netadmin", "井上", "大輔", Role.NETWORK_ADMIN),
        "ciso": user("ciso", "中村", "浩二", Role.CISO),
        "csirt": user("csirt", "渡辺", "翔", Role.CSIRT_MEMBER),
        "csirt_lead": user("csirt_lead", "山本", "直樹", Role.CSIRT_LEAD),
    }
    user("admin", "加藤", "修", Role.ADMIN)
    departments, staff, liaison, systems = [], {}, {}, {}
    for order, (code, name, name_en, _sections) in enumerate(DEPARTMENTS, start=1):
        department = Department.objects.create(
            code=code, name=name, name_en=name_en, sort_order=order
        )
        ensure_department_group(department)
        department.liaison = reviewers[(order - 1) % len(reviewers)]
        department.save()
        departments.append(department)
        liaison[department.pk] = department.liaison
        staff[department.pk] = [
            user(
                f"staff_{code}{n}",
                families[(order + n) % 10],
                f"職員{n}",
                Role.DEPARTMENT_STAFF,
                department,
            )
            for n in range(4)
        ]
        # One budget check per system and fiscal year (``one_budget_check_per_system_and_year``):
        # enough systems for the busiest year of a department (its share of ten years of closed
        # checks, plus the open ones of the last three months), with a margin.
        per_department = max(16, (cases * 3 // 500) * 13 // 10 + 5)
        systems[department.pk] = InformationSystem.objects.bulk_create(
            InformationSystem(
                code=f"{code.upper()}-{n:04d}",
                name=f"{name}システム{n}",
                department=department,
                kind="scratch",
                first_fiscal_year=2010 + n % 10,
            )
            for n in range(per_department)
        )
    return Office(departments, staff, liaison, approvers, systems, reviewers, **wide)


# --- Footprints ---------------------------------------------------------------------------------


def _budget(office: Office, state: str, system: Any) -> Any:
    from forms import budget as budget_forms
    from governance.budget.services import GuidanceDraft
    from tests import budget_support as support
    from workflows.budget_check import BudgetCheckFlow

    department = office.departments[0]
    staff, reviewer = office.staff[department.pk][0], office.liaison[department.pk]
    approver = office.approvers[0]
    check = support.start(staff, system)
    if state == "bc_submitted":
        return check
    check = support.step(
        check, BudgetCheckFlow.review, reviewer, budget_forms.review_data(questions="内訳は？")
    )
    if state == "bc_returned":
        return check
    check = support.step(
        check,
        BudgetCheckFlow.answer_questions,
        staff,
        budget_forms.resubmit_data(answer="内訳を添付します。", facts=support.facts()),
    )
    due = support.in_days(120)
    drafts = [GuidanceDraft("見積を比較すること", due), GuidanceDraft("体制を文書化すること", due)]
    check = support.drive_to_approval(check, reviewer, drafts)
    if state == "bc_awaiting_approval":
        return check
    check = support.step(check, BudgetCheckFlow.approve, approver, budget_forms.approval_data())
    if state == "bc_awaiting_ack":
        return check
    return support.step(check, BudgetCheckFlow.acknowledge, staff, budget_forms.acknowledge_data())


def _consultation(office: Office, state: str, system: Any) -> Any:
    from governance import flows
    from governance.cases.services import share_case
    from governance.models import Consultation
    from workflows.consultation import ConsultationFlow

    driver = flows.driver()
    department = office.departments[0]
    staff, reviewer = office.staff[department.pk][0], office.liaison[department.pk]
    process = driver.start(
        ConsultationFlow,
        user=staff,
        data={"title": "クラウド移行の相談", "question": "手順を教えてください。"},
    )
    case = Consultation.objects.get(process_id=process.pk)
    if state == "cs_submitted":
        return case
    driver.complete(
        process,
        ConsultationFlow.answer,
        user=reviewer,
        data={"answer": "まず構成を整理してください。"},
    )
    if state == "cs_answered":
        return case
    driver.complete(process, ConsultationFlow.close, user=staff, data={"resolved": "yes"})
    if state == "cs_shared":
        share_case(
            actor=staff, case=case, departments=[office.departments[1]], reason="関連部局の参考"
        )
    return Consultation.objects.get(pk=case.pk)


def _spec(office: Office, state: str, system: Any) -> Any:
    from django.utils import timezone

    from governance.japanese import fiscal_year_of
    from governance.models import SpecReview
    from governance.spec_review import demo

    department = office.departments[0]
    staff, reviewer = office.staff[department.pk][0], office.liaison[department.pk]
    year = fiscal_year_of(timezone.localdate())
    if state == "sr_under_review":
        title = "庶務事務システム保守業務委託"
        return demo._start(
            staff,
            title=title,
            system=system,
            fiscal_year=year,
            procurement_type="service",
            estimated_price=42_350_000,
            contract_board_date=dt.date(year, 9, 17),
            spec_file=demo._upload(
                demo._spec(title, ["JP1 を用いること。同等品不可とする。"]), "仕様書.docx"
            ),
        )
    before = set(SpecReview.objects.values_list("pk", flat=True))
    demo._approved_case(staff, reviewer, office.approvers[0], system, year)
    return SpecReview.objects.exclude(pk__in=before).get()


def _network(office: Office, state: str, system: Any) -> Any:
    """A server joining the LGWAN segment: under security review, or approved, connected and
    acknowledged (closed)."""
    from django.utils import timezone

    from forms import network as nc_forms
    from governance.models import NetworkConnection
    from governance.network import demo

    department = office.departments[0]
    staff = office.staff[department.pk][0]
    people = {
        "security": office.security,
        "netadmin": office.netadmin,
        "approver": office.approvers[0],
        "ciso": office.ciso,
    }
    case = demo._apply(
        staff,
        system,
        title="業務サーバの庁内LAN接続",
        desired_start_on=timezone.localdate() + dt.timedelta(days=7),
        assets=[demo._server("gyomu01", "10.30.1.5", has_storage=True)],
        flows=[
            nc_forms.flow_row(
                "10.30.0.0/16", "gyomu01", "443", direction="inbound", purpose="職員の利用"
            )
        ],
    )
    if state == "nc_under_review":
        return case
    case = demo._approve(demo._review(case, people), people)
    if state == "nc_awaiting_connection":
        return case
    demo._connect(case, people, staff)
    return NetworkConnection.objects.get(pk=case.pk)


def _incident(office: Office, state: str, system: Any) -> Any:
    """A department's report promoted to an incident by the CSIRT and triaged: in analysis, or
    handled and closed with the lead's review."""
    from governance import flows
    from governance.incidents import demo, services
    from governance.models import Incident

    department = office.departments[0]
    staff, csirt = office.staff[department.pk][0], office.csirt
    event = services.submit_department_report(
        actor=staff,
        what="不審なメールの添付ファイルを開いてしまいました。",
        personal_data="no",
        category_hint="targeted_mail",
    )
    incident = demo._promote(csirt, [event], department, "標的型メールの添付ファイル開封")
    incident = demo._triage(csirt, incident, category="targeted_mail")
    if state == "in_analysis":
        services.move_phase(actor=csirt, incident=incident, phase="analysis")
        return Incident.objects.get(pk=incident.pk)
    for task in incident.tasks.all():
        services.set_task_status(actor=csirt, task=task, status="done", result="対応済み")
    flow = flows.flow_class("incident")
    driver = flows.driver()
    driver.complete(incident.process, flow.handle, user=csirt, data={"resolution": "true_positive"})
    driver.complete(
        incident.process, flow.closure_review, user=office.csirt_lead, data={"decision": "approve"}
    )
    return Incident.objects.get(pk=incident.pk)


FOOTPRINTS: dict[str, Callable[[Office, str, Any], Any]] = {
    **dict.fromkeys(
        ["bc_submitted", "bc_returned", "bc_awaiting_approval", "bc_awaiting_ack", "bc_closed"],
        _budget,
    ),
    "cs_submitted": _consultation,
    "cs_answered": _consultation,
    "cs_closed": _consultation,
    "cs_shared": _consultation,
    "sr_under_review": _spec,
    "sr_closed": _spec,
    "nc_under_review": _network,
    "nc_awaiting_connection": _network,
    "nc_closed": _network,
    "in_analysis": _incident,
    "in_closed": _incident,
}

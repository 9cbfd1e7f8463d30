"""The permission matrix's world: two departments, each with its own system and cases of every
flow at every stage (closed, and waiting at each human step), with documents, attachments, a
failed job, a notice and a guidance item, all marked with strings that belong to one
department only (``MXA…`` for department A, ``MXB…`` for department B).

The cast is the one of ``tests/conftest.py`` (same names, roles, departments and liaison),
extended with the CSIRT lead and the CISO; the administrator is Django staff, as in the demo.
Flows are driven through their activations and services, as the demo data does.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS

from governance.budget import services as budget_services
from governance.budget.services import GuidanceDraft
from governance.budget.services.season import create_budget_season
from governance.consultation import services as consultations
from governance.incidents import services as incident_services
from governance.integrations import services as integration_keys
from governance.jobs import outbox
from governance.karte.rules import refresh_tenures
from governance.models import (
    AdvisoryDocument,
    Attachment,
    BudgetCheck,
    Case,
    ConnectionApproval,
    ConnectionCondition,
    Contract,
    Department,
    DocumentVersion,
    Finding,
    GuidanceItem,
    InformationSystem,
    Job,
    LedgerStatus,
    Notification,
    SpecReview,
    SpecReviewRound,
    SystemKind,
    User,
    Vendor,
)
from governance.oversight import services as oversight
from governance.roles import Role
from governance.spec_review import services as spec_services
from tests import network_support as nc
from tests.audit_support import monthly_anchor
from tests.budget_support import CHECKLIST_OK, facts, in_days, next_fiscal_year
from tests.factories import (
    DepartmentFactory,
    InformationSystemFactory,
    SectionFactory,
    make_user,
)
from tests.incidents_support import incident_stages
from tests.second_factor import device_for, needs_code
from tests.spec_cases import ALL_OK, decide_all_drafts
from tests.spec_docs import clean_spec, docx_upload, locked_in_spec
from workflows.budget_check import BudgetCheckFlow
from workflows.consultation import ConsultationFlow
from workflows.spec_review import SpecReviewFlow

#: The departments of the matrix: the key is the marker letter in their data.
DEPARTMENTS = {"A": ("dept-a", "総務部"), "B": ("dept-b", "財務部")}


@dataclass
class Holdings:
    """What one department owns, and the strings that give its data away."""

    letter: str
    department: Department
    staff: User
    system: InformationSystem
    contract: Contract
    #: Processes of each flow, the closed one first.
    processes: dict[type, list[Any]] = field(default_factory=dict)
    #: One task per (flow, node name): the open one if any, else the last done one.
    tasks: dict[tuple[type, str], Any] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    objects: dict[str, Any] = field(default_factory=dict)

    @property
    def case_markers(self) -> list[str]:
        return [text for case in self.cases for text in (case.number, case.title)]

    @property
    def system_markers(self) -> list[str]:
        return [self.system.code, self.system.name]


@dataclass
class World:
    cast: dict[str, User]
    holdings: dict[str, Holdings]
    shared: dict[str, Any]


class _Request:
    """What viewflow's activations read from a request: the user."""

    def __init__(self, user: User) -> None:
        self.user = user


def _start(flow_class: Any, actor: User, create: Callable[[Any], Case]) -> Case:
    node = flow_class.start
    activation = node.activation_class.create(node, None, None)
    with transaction.atomic():
        activation.start(_Request(actor))
        activation.process.save()
        case = create(activation.process)
        activation.execute()
    return Case.objects.get(pk=case.pk)


def _step(case: Case, node: Any, actor: User, work: Callable[[], Any]) -> None:
    """Do the open task of ``node`` as ``actor``, as the task's page would."""
    assert case.process is not None
    task = case.process.task_set.get(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    activation = node.activation_class(task)
    with transaction.atomic():
        if task.status == STATUS.NEW:
            activation.assign(actor)
        activation.start(_Request(actor))
        work()
        activation.execute()


def build_cast() -> dict[str, User]:
    dept_a = DepartmentFactory.create(code=DEPARTMENTS["A"][0], name=DEPARTMENTS["A"][1])
    dept_b = DepartmentFactory.create(code=DEPARTMENTS["B"][0], name=DEPARTMENTS["B"][1])
    people = {
        "staff_a": make_user("staff_a", Role.DEPARTMENT_STAFF, dept_a),
        "staff_a2": make_user("staff_a2", Role.DEPARTMENT_STAFF, dept_a),
        "staff_b": make_user("staff_b", Role.DEPARTMENT_STAFF, dept_b),
        "reviewer": make_user("reviewer", Role.GOVERNANCE_REVIEWER),
        "reviewer2": make_user("reviewer2", Role.GOVERNANCE_REVIEWER),
        "approver": make_user("approver", Role.GOVERNANCE_APPROVER),
        "csirt": make_user("csirt", Role.CSIRT_MEMBER),
        "csirt_lead": make_user("csirt_lead", Role.CSIRT_LEAD),
        "ciso": make_user("ciso", Role.CISO),
        # 知事・副知事: reads only the incidents escalated to them (none in this world).
        "top": make_user("top", Role.TOP_EXECUTIVE),
        # Handles the TLP:RED incidents: the ``csirt`` member is named on none of them.
        "csirt2": make_user("csirt2", Role.CSIRT_MEMBER),
        "auditor": make_user("auditor", Role.AUDITOR),
        "admin": make_user("admin", Role.ADMIN),
        # Not swept (``ROLES``): they drive the network connections of the world.
        "security": make_user("security", Role.SECURITY_REVIEWER),
        "netadmin": make_user("netadmin", Role.NETWORK_ADMIN),
    }
    for department in (dept_a, dept_b):
        department.liaison = people["reviewer"]
        department.save()
    # The demo's administrator works in Django admin too.
    User.objects.filter(pk=people["admin"].pk).update(is_staff=True)
    people["admin"].refresh_from_db()
    return people


def _seed_rules() -> None:
    """The rows data migrations seed; a transactional test run earlier may have flushed them."""
    for migration in (
        "0004_seed_rules",
        "0009_seed_lock_in_terms",
        "0012_seed_clock_rules",
        "0015_network_connection",
        "0016_incidents",
    ):
        importlib.import_module(f"governance.migrations.{migration}").forward(apps, None)


def _system(letter: str, department: Department) -> tuple[InformationSystem, Contract]:
    system = InformationSystemFactory.create(
        code=f"MX{letter}0001",
        name=f"MX{letter}基幹システム",
        department=department,
        kind=SystemKind.SCRATCH,
    )
    vendor, _created = Vendor.objects.get_or_create(name=f"MX{letter}情報サービス株式会社")
    contract = Contract.objects.create(
        system=system, fiscal_year=2023, vendor=vendor, contract_type="保守", amount=1000
    )
    refresh_tenures([system.pk])
    return system, contract


def _other_system(h: Holdings, number: int) -> InformationSystem:
    return InformationSystemFactory.create(
        code=f"MX{h.letter}{number:04d}",
        name=f"MX{h.letter}業務システム{number}",
        department=h.department,
        kind=SystemKind.SERVICE_USE,
    )


def _consultations(h: Holdings, reviewer: User) -> None:
    staff, letter = h.staff, h.letter

    def open_one(title: str) -> Case:
        return _start(
            ConsultationFlow,
            staff,
            lambda process: consultations.open_consultation(
                actor=staff, title=title, question="MX相談内容", system=h.system, process=process
            ),
        )

    def answer(case: Case) -> None:
        _step(
            case,
            ConsultationFlow.answer,
            reviewer,
            lambda: consultations.answer_consultation(
                actor=reviewer, consultation=case.consultation, answer="回答します。"
            ),
        )

    closed = open_one(f"MX{letter}相談・完了")
    answer(closed)
    _step(
        closed,
        ConsultationFlow.close,
        staff,
        lambda: consultations.close_or_follow_up(
            actor=staff, consultation=closed.consultation, resolved=True, follow_up=""
        ),
    )
    at_close = open_one(f"MX{letter}相談・確認待ち")
    answer(at_close)
    at_answer = open_one(f"MX{letter}相談・回答待ち")
    h.cases += [closed, at_close, at_answer]


def _budget_checks(h: Holdings, reviewer: User, approver: User) -> None:
    staff, letter = h.staff, h.letter

    def request(system: InformationSystem | None, uploads: list[Any] | None = None) -> Case:
        return _start(
            BudgetCheckFlow,
            staff,
            lambda process: budget_services.request_budget_check(
                actor=staff,
                fiscal_year=next_fiscal_year(),
                facts=facts(purpose=f"MX{letter}事業の目的"),
                system=system,
                new_system_name="" if system else f"MX{letter}新規システム",
                new_system_kind="" if system else SystemKind.SCRATCH,
                uploads=uploads or [],
                process=process,
            ),
        )

    def check(case: Case) -> BudgetCheck:
        return BudgetCheck.objects.get(pk=case.pk)

    def send_back(case: Case) -> None:
        _step(
            case,
            BudgetCheckFlow.review,
            reviewer,
            lambda: budget_services.send_back_budget_check(
                actor=reviewer, budget_check=check(case), questions="MX質問", checklist={}
            ),
        )

    def record(case: Case) -> None:
        _step(
            case,
            BudgetCheckFlow.review,
            reviewer,
            lambda: budget_services.record_budget_result(
                actor=reviewer,
                budget_check=check(case),
                checklist=CHECKLIST_OK,
                result=BudgetCheck.Result.CONFIRMED_WITH_GUIDANCE,
                guidance_items=[GuidanceDraft(text=f"MX{letter}指導事項", due_date=in_days(90))],
            ),
        )

    upload = SimpleUploadedFile(f"MX{letter}見積.csv", b"estimate,1200000\n")
    closed = request(h.system, [upload])
    send_back(closed)
    _step(
        closed,
        BudgetCheckFlow.answer_questions,
        staff,
        lambda: budget_services.resubmit_budget_check(
            actor=staff, budget_check=check(closed), answer="MX回答", facts=facts()
        ),
    )
    record(closed)
    _step(
        closed,
        BudgetCheckFlow.approve,
        approver,
        lambda: budget_services.approve_budget_check(actor=approver, budget_check=check(closed)),
    )
    _step(
        closed,
        BudgetCheckFlow.acknowledge,
        staff,
        lambda: budget_services.acknowledge_budget_check(actor=staff, budget_check=check(closed)),
    )
    at_approval = request(None)
    record(at_approval)
    # One check per system and year: the open checks are for the department's other systems.
    at_questions = request(_other_system(h, 2))
    send_back(at_questions)
    at_review = request(_other_system(h, 3))
    h.cases += [closed, at_approval, at_questions, at_review]
    h.objects["guidance_item"] = GuidanceItem.objects.filter(case=closed).first()
    h.objects["attachment"] = Attachment.objects.filter(case=closed).first()


def _spec_reviews(h: Holdings, reviewer: User, approver: User) -> None:
    staff, letter = h.staff, h.letter

    def register(title: str) -> Case:
        return _start(
            SpecReviewFlow,
            staff,
            lambda process: spec_services.register_spec_review(
                actor=staff,
                title=title,
                system=h.system,
                fiscal_year=2025,
                procurement_type="service",
                estimated_price=48_500_000,
                contract_board_date=dt.date(2025, 10, 1),
                spec_file=docx_upload(locked_in_spec(), f"MX{letter}仕様書.docx"),
                process=process,
            ),
        )

    def review(case: Case, decision: str) -> None:
        spec = SpecReview.objects.get(pk=case.pk)

        def work() -> None:
            decide_all_drafts(reviewer, spec, accept=("Oracle",))
            for finding in Finding.objects.filter(case=spec, status=LedgerStatus.OPEN):
                if decision == SpecReviewRound.Decision.TO_APPROVAL:
                    spec_services.settle_finding(
                        actor=reviewer,
                        review=spec,
                        finding=finding,
                        status=LedgerStatus.RESOLVED,
                        resolution="修正を確認",
                    )
            checklist = dict(ALL_OK)
            if decision == SpecReviewRound.Decision.RETURNED:
                checklist["neutrality"] = ("issue", "製品指定")
            spec_services.complete_review(
                actor=reviewer, review=spec, checklist=checklist, decision=decision
            )

        _step(case, SpecReviewFlow.review, reviewer, work)

    def resubmit(case: Case) -> None:
        spec = SpecReview.objects.get(pk=case.pk)
        answers = {
            finding.pk: "修正しました。"
            for finding in Finding.objects.filter(case=spec, status=LedgerStatus.OPEN)
        }
        _step(
            case,
            SpecReviewFlow.resubmit,
            staff,
            lambda: spec_services.resubmit_spec(
                actor=staff,
                review=spec,
                spec_file=docx_upload(clean_spec(), f"MX{letter}仕様書v2.docx"),
                answers=answers,
            ),
        )

    closed = register(f"MX{letter}調達・承認済み")
    review(closed, SpecReviewRound.Decision.RETURNED)
    resubmit(closed)
    review(closed, SpecReviewRound.Decision.TO_APPROVAL)
    _step(
        closed,
        SpecReviewFlow.approve,
        approver,
        lambda: spec_services.approve_spec_review(
            actor=approver, review=SpecReview.objects.get(pk=closed.pk)
        ),
    )
    at_approval = register(f"MX{letter}調達・決裁待ち")
    review(at_approval, SpecReviewRound.Decision.TO_APPROVAL)
    at_resubmit = register(f"MX{letter}調達・修正待ち")
    review(at_resubmit, SpecReviewRound.Decision.RETURNED)
    at_review = register(f"MX{letter}調達・確認待ち")
    h.cases += [closed, at_approval, at_resubmit, at_review]


def _incidents(h: Holdings, cast: dict[str, User]) -> None:
    """Incidents at every node of the flow, closed ones first (the process pages show the
    first), the TLP:RED one last (no task page is probed on it: ``_index_processes``). Their
    titles read ``MX<letter>IN…`` and the RED one's ``MX<letter>IN極秘…``."""
    made = incident_stages(
        staff=h.staff,
        csirt=cast["csirt"],
        lead=cast["csirt_lead"],
        red_handler=cast["csirt2"],
        ciso=cast["ciso"],
        department=h.department,
        prefix=f"MX{h.letter}IN",
    )
    order = (
        "closed",
        "closed_l3",
        "dismissed",
        "at_ciso",
        "at_dismissal",
        "handling",
        "at_triage",
        "red",
    )
    h.cases += [made[key] for key in order]
    h.objects["event"] = made["event"]
    h.objects["red_incident"] = made["red"]
    # A report of the TLP:RED incident, by its named handler (rendered with the other jobs).
    h.objects["red_incident_report"] = incident_services.generate_incident_document(
        actor=cast["csirt2"], incident=made["red"], kind="incident_report"
    )


def _network_connections(h: Holdings, cast: dict[str, User]) -> None:
    """One connection through every step (sent back, revised, CISO, connected, acknowledged)
    and one waiting for the approver. Their titles are marked ``MX…NW`` (network cases, which
    the CSIRT roles read), their equipment is the department's own."""
    letter = h.letter
    closed = nc.through_every_step(
        cast,
        h.staff,
        h.system,
        title=f"MX{letter}NW接続・完了",
        hostname=f"mx{letter.lower()}-web01",
        condition=f"MX{letter}NW条件・ログを1年保存すること",
    )
    waiting = nc.review_through(
        nc.apply(
            h.staff,
            h.system,
            **nc.public_values(f"MX{letter}NW接続・決裁待ち", f"mx{letter.lower()}-web02"),
        ),
        cast,
    )
    h.cases += [closed, waiting]
    approval = ConnectionApproval.objects.get(case=closed)
    h.objects["approval"] = approval
    h.objects["condition"] = ConnectionCondition.objects.get(case=closed)


def _index_processes(h: Holdings) -> None:
    for case in h.cases:
        case.refresh_from_db()
        process = case.process
        assert process is not None
        flow_class = process.flow_class
        h.processes.setdefault(flow_class, []).append(process)
        if getattr(case, "tlp", "") == "red":
            continue  # probed on its own page (incidents:incident), not through its tasks
        for task in process.task_set.order_by("pk"):
            key = (flow_class, task.flow_task.name)
            held = h.tasks.get(key)
            if held is None or held.status not in (STATUS.NEW, STATUS.ASSIGNED):
                h.tasks[key] = task


def _documents_and_jobs(h: Holdings) -> None:
    closed_check = next(case for case in h.cases if case.kind == "budget_check")
    document = AdvisoryDocument.objects.filter(case=closed_check).first()
    h.objects["document"] = document
    h.objects["document_version"] = DocumentVersion.objects.filter(document=document).first()
    h.objects["red_incident_document_version"] = DocumentVersion.objects.filter(
        document=h.objects["red_incident_report"]
    ).first()
    # A failed job on the department's case, for the retry buttons.
    job = Job.objects.filter(case=closed_check).first()
    assert job is not None
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, last_error="MX失敗")
    h.objects["job"] = Job.objects.get(pk=job.pk)
    h.objects["notification"] = Notification.objects.filter(recipient=h.staff).first()


def build_world() -> World:
    """Every object the matrix's URLs point at, for both departments (inside a transaction)."""
    _seed_rules()
    cast = build_cast()
    for user in cast.values():
        if needs_code(user):
            device_for(user)  # the TOTP device its verified session names
    reviewer, approver = cast["reviewer"], cast["approver"]
    season = create_budget_season(
        actor=approver,
        fiscal_year=next_fiscal_year(),
        opens_on=timezone.localdate() - dt.timedelta(days=10),
        deadline=timezone.localdate() + dt.timedelta(days=60),
    )
    holdings: dict[str, Holdings] = {}
    for letter, (code, name) in DEPARTMENTS.items():
        department = Department.objects.get(code=code)
        staff = cast[f"staff_{letter.lower()}"]
        SectionFactory.create(department=department, name=f"{name}企画課")
        system, contract = _system(letter, department)
        h = Holdings(letter, department, staff, system, contract)
        _consultations(h, reviewer)
        _budget_checks(h, reviewer, approver)
        _spec_reviews(h, reviewer, approver)
        _incidents(h, cast)
        _network_connections(h, cast)
        holdings[letter] = h
    outbox.relay(force=True)  # documents are rendered and notices mailed by jobs
    for h in holdings.values():
        _index_processes(h)
        _documents_and_jobs(h)
        missing = [name for name, value in h.objects.items() if value is None]
        assert not missing, f"department {h.letter} lacks {missing}"
    monthly_anchor()
    key, key_request = _integration_keys(cast)
    shared = {"season": season, "integration_key": key, "key_request": key_request}
    shared |= _oversight(cast)
    return World(cast=cast, holdings=holdings, shared=shared)


def _integration_keys(cast: dict[str, User]) -> tuple[Any, Any]:
    """An issued key (requested by a second administrator, approved by ``admin``) and a request
    still waiting for approval; no department owns either."""
    second = make_user("admin2", Role.ADMIN)
    service_user = make_user("svc_matrix", Role.INTEGRATION)

    def request(name: str) -> Any:
        return integration_keys.request_key(
            actor=second,
            service_user=service_user,
            source_code="web_malware",
            name=name,
            scopes=("systems:read", "targets:read"),
            allowed_cidrs=("127.0.0.1/32",),
            expires_at=timezone.now() + dt.timedelta(days=90),
            reason="監視サービスからの受付のため",
            contact="soc@example.jp",
        )

    key, _secret = integration_keys.approve_key_request(
        actor=cast["admin"], key_request=request("ウェブ感染型マルウェア検知")
    )
    return key, request("ホームページレスポンス観測")


def _oversight(cast: dict[str, User]) -> dict[str, Any]:
    """An audit engagement with one finding of a third department (neither A's nor B's: their
    staff see none of it) and a measure drafted by the reviewer, waiting for approval."""
    third = DepartmentFactory.create(code="MXC", name="監査対象部")
    engagement = oversight.create_engagement(
        actor=cast["reviewer"],
        kind="kansa_periodic",
        fiscal_year=2022,
        title="定期監査",
        member_audit_on="令和4年8月1日",
    )
    finding = oversight.create_finding(
        actor=cast["reviewer"],
        engagement=engagement,
        number=2,
        text="必要な対策を講じられたい。",
        owner_department=third,
    )
    measure = oversight.draft_measure(actor=cast["reviewer"], finding=finding, text="全庁照会")
    return {"engagement": engagement, "finding": finding, "measure": measure}

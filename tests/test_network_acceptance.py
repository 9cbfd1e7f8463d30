"""The twelve acceptance checks of the network connection approval (NEXT_WAVE §A.10), each as
the product owner would run it, with the clock frozen at the dates the design names."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from openpyxl import load_workbook

from forms import network as nc_forms
from governance import permissions
from governance.cases.selectors import queue_tasks
from governance.clocks.runner import run_deadlines
from governance.clocks.services import open_deadline_for
from governance.models import (
    AdvisoryDocument,
    ApprovalReview,
    ApprovalStatus,
    AuditEvent,
    Case,
    CaseKind,
    ConnectionApproval,
    ConnectionFinding,
    DeadlineKind,
    MonitoringEnrolment,
    Notification,
)
from governance.network import checks, services
from governance.network import messages as msg
from governance.roles import Role
from tests import network_support as nc
from tests.clocks_support import FrozenNow, jst
from tests.factories import DepartmentFactory, InformationSystemFactory, make_user
from tests.spec_docs import docx_text
from workflows import driver
from workflows.network_connection import NetworkConnectionFlow as Flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: Any) -> FrozenNow:
    # Monday 30 November 2026, 10:00 in Tokyo.
    return FrozenNow(monkeypatch, jst(2026, 11, 30, 10))


@pytest.fixture
def fukushi(db: None) -> Any:
    return DepartmentFactory.create(code="fukushi", name="福祉部")


@pytest.fixture
def fukushi_staff(fukushi: Any) -> Any:
    return make_user("staff_fukushi", Role.DEPARTMENT_STAFF, fukushi)


@pytest.fixture
def techo(fukushi: Any) -> Any:
    return InformationSystemFactory.create(
        code="FUKUSHI-TECHO", name="障害者手帳発行システム", department=fukushi
    )


def _post_application(client: Any, system: Any, **values: Any) -> Any:
    data: dict[str, Any] = {**nc.application(system, **values), "network_diagram": nc.diagram()}
    return client.post(Flow.start.reverse("execute"), data)


def test_1_lgwan_with_psk_wireless_is_refused_and_no_case_is_created(
    clock: FrozenNow, nc_cast: Any, fukushi_staff: Any, techo: Any, login: Any
) -> None:
    before = Case.objects.count()
    response = _post_application(
        login(fukushi_staff),
        techo,
        target_kind="special_device",
        segment="lgwan",
        wireless=True,
        wireless_auth="psk",
        assets=[nc_forms.asset_row("mfp01", "special_device", ip_address="10.1.1.5")],
        flows=[nc_forms.flow_row("mfp01", "10.1.0.0/16", "9100", direction="inbound")],
    )
    assert response.status_code == 200
    assert (
        "LGWAN接続系で無線LANを利用する場合は、WPA2/WPA3エンタープライズ（IEEE802.1X認証）が"
        "必要です。" in response.content.decode()
    )
    assert Case.objects.count() == before


def test_2_the_my_number_segment_with_any_wireless_is_refused(
    clock: FrozenNow, nc_cast: Any, fukushi_staff: Any, techo: Any, login: Any
) -> None:
    before = Case.objects.count()
    response = _post_application(
        login(fukushi_staff),
        techo,
        segment="mynumber",
        wireless=True,
        wireless_auth="wpa3_enterprise",
    )
    assert "マイナンバー利用事務系では無線LANは利用できません。" in response.content.decode()
    assert Case.objects.count() == before


def test_3_an_end_of_life_os_is_refused_naming_the_asset(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any
) -> None:
    before = Case.objects.count()
    response = _post_application(
        login(nc_cast["staff_a"]),
        system,
        assets=[
            {
                **nc.SERVER,
                "os_name": "Windows Server",
                "os_version": "2012 R2",
                "os_eol_on": "2025-10-14",
            }
        ],
    )
    page = response.content.decode()
    assert (
        "機器「web01」の OS（Windows Server）はサポートが終了しています（令和7年10月14日）。"
        in page
    )
    assert Case.objects.count() == before


def test_4_an_end_of_support_cuts_the_validity_and_the_document_says_so(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    approval = nc.approved(
        nc_cast,
        system,
        desired_end_on="2029-03-31",
        assets=[{**nc.SERVER, "os_eol_on": "2027-06-30"}],
    )
    assert approval.valid_until == dt.date(2027, 6, 30)
    run_jobs()
    assert approval.document is not None
    version = approval.document.versions.get()
    with version.file.open("rb") as handle:
        assert "令和9年6月30日まで（機器のサポート終了日による）" in docx_text(handle.read())


def test_5_an_unmonitored_public_server_gets_a_condition_due_30_days_after_approval(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    system.internet_facing = True
    system.save()
    connection = nc.apply(
        nc_cast["staff_a"],
        system,
        segment="internet",
        internet_exposure="inbound_public",
        flows=[nc_forms.flow_row("any", "web01", "443", direction="inbound", purpose="公開")],
    )
    finding = ConnectionFinding.objects.get(case=connection, check_code="monitoring")
    assert finding.proposed_condition == checks.MONITORING_CONDITION
    assert finding.condition_due_days == 30
    connection = nc.review_through(connection, nc_cast)
    with pytest.raises(driver.StepRefused, match=msg.MONITORING_CONDITION_REQUIRED):
        nc.approve(connection, nc_cast["approver"])
    # The page proposes the condition, due 30 days after today's approval (30 Dec 2026 is in
    # 年末年始, so the due day moves to Monday 4 January 2027).
    client_page = driver.open_task(connection.process, Flow.approve)
    assert client_page is not None
    due = services.default_condition_due()
    assert due == dt.date(2027, 1, 4)
    connection = nc.approve(
        connection,
        nc_cast["approver"],
        decision="approve_with_conditions",
        conditions=[{"text": finding.proposed_condition, "due_date": due, "finding": finding.pk}],
    )
    condition = connection.connectionconditions.get()
    assert (condition.finding, condition.due_date) == (finding, dt.date(2027, 1, 4))


def test_6_the_ciso_must_approve_when_routed_and_no_document_exists_before(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any, login: Any
) -> None:
    MonitoringEnrolment.objects.create(system=system, service="web_malware", enrolled=True)
    connection = nc.apply(
        nc_cast["staff_a"],
        system,
        segment="internet",
        internet_exposure="inbound_public",
        flows=[nc_forms.flow_row("any", "web01", "443", direction="inbound", purpose="公開")],
    )
    assert connection.requires_ciso is True
    both = nc_cast["approver"]
    both.groups.add(Group.objects.get(name=Role.CISO))
    connection = nc.approve(nc.review_through(connection, nc_cast), both)
    task = driver.open_task(connection.process, Flow.ciso_approve)
    assert task in queue_tasks(nc_cast["ciso"])
    run_jobs()
    assert not AdvisoryDocument.objects.filter(case=connection).exists()
    assert (
        login(both)
        .post(task.flow_task.reverse("assign", args=[task.process_id, task.pk]))
        .status_code
        == 403
    )
    nc.step(connection, Flow.ciso_approve, nc_cast["ciso"], nc_forms.ciso_data())
    run_jobs()
    assert AdvisoryDocument.objects.filter(case=connection).count() == 1


def test_7_the_security_reviewer_is_refused_the_approval_of_the_case_they_reviewed(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    reviewer = nc_cast["security"]
    reviewer.groups.add(Group.objects.get(name=Role.GOVERNANCE_APPROVER))
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    with pytest.raises(permissions.PermissionDenied) as refused:
        services.approve_connection(actor=reviewer, connection=connection, decision="approve")
    assert str(refused.value) == permissions.REVIEWER_CANNOT_APPROVE


@pytest.mark.parametrize("renewed", [False, True])
def test_8_expiry_and_renewal_reminders_and_the_registry_status_on_1_april(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any, renewed: bool
) -> None:
    approval = nc.approved(
        nc_cast, system, desired_start_on="2026-12-01", desired_end_on="2027-03-31"
    )
    expiry = open_deadline_for(approval, DeadlineKind.NC_EXPIRY)
    assert expiry is not None
    key = f"deadline:{expiry.pk}:"
    run_deadlines(now=jst(2027, 1, 30, 12))  # the 60-day point is a Saturday
    assert not Notification.objects.filter(dedupe_key=key + "d60").exists()
    run_deadlines(now=jst(2027, 2, 1, 9))
    assert Notification.objects.filter(dedupe_key=key + "d60").exists()
    run_deadlines(now=jst(2027, 3, 1, 9))
    assert Notification.objects.filter(dedupe_key=key + "d30").exists()
    if renewed:
        clock.set(jst(2027, 3, 20, 10))
        nc.apply(
            nc_cast["staff_a"],
            system,
            request_kind="renewal",
            renews=str(approval.pk),
            desired_start_on="2027-04-01",
            segment="internet",
        )
    clock.set(jst(2027, 4, 1, 9))
    run_deadlines(now=jst(2027, 4, 1, 9))
    page = login(nc_cast["staff_a"]).get(f"/karte/{system.pk}/").content.decode()
    approval.refresh_from_db()
    if renewed:
        assert approval.status == ApprovalStatus.ACTIVE
        assert "更新審査中（従前の承認で継続）" in page
    else:
        assert approval.status == ApprovalStatus.EXPIRED
        assert "接続承認期限切れ" in page


def test_9_an_emergency_disconnection_from_an_incident_suspends_both_approvals(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any
) -> None:
    first = nc.approved(nc_cast, system)
    second = nc.approved(
        nc_cast,
        system,
        title="第2",
        assets=[nc.asset_of("app02")],
        flows=[nc.flow_of("app02")],
        segment="internet",
    )
    Case.objects.create(
        kind=CaseKind.INCIDENT,
        fiscal_year=2026,
        sequence=7,
        number="IN-2026-0007",
        title="不審な通信",
        department=system.department,
        requester=nc_cast["csirt"],
    )
    login(nc_cast["csirt"]).post(
        f"/network/systems/{system.pk}/suspend/", {"reason": "C2 通信", "incident": "IN-2026-0007"}
    )
    statuses = set(
        ConnectionApproval.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "status", flat=True
        )
    )
    assert statuses == {ApprovalStatus.SUSPENDED}
    assert AuditEvent.objects.filter(action="network.approval.suspend").count() == 2
    review = ApprovalReview.objects.get(approval=first)
    deadline = open_deadline_for(review, DeadlineKind.NC_SUSPENSION_CONFIRM)
    assert deadline is not None and deadline.due_at == jst(2026, 12, 1, 23, 59, 59)
    with pytest.raises(ValueError, match=msg.REASON_REQUIRED):
        services.restore_approval(actor=nc_cast["approver"], approval=first, reason=" ")
    services.restore_approval(actor=nc_cast["approver"], approval=first, reason="誤検知")
    event = AuditEvent.objects.get(action="network.approval.restore")
    assert event.changes["incident"] == [None, "IN-2026-0007"]


def test_10_the_approval_document_has_its_number_era_dates_conditions_annex_and_hash(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    approval = nc.approved(
        nc_cast,
        system,
        desired_end_on="令和9年3月31日",
        conditions=[{"text": "操作ログを1年以上保存すること", "due_date": "令和8年12月28日"}],
    )
    run_jobs()
    document = approval.document
    assert document is not None
    assert document.number.startswith("R8行DX第")
    version = document.versions.get()
    with version.file.open("rb") as handle:
        data = handle.read()
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    text = docx_text(data)
    assert "令和8年11月30日" in text and "令和9年3月31日まで" in text
    assert "1 | 操作ログを1年以上保存すること | 令和8年12月28日" in text
    assert "別紙　通信マトリクス" in text and "1 | web01 | 10.0.0.0/24 | TCP | 443" in text


def test_11_another_department_gets_404_and_the_auditor_reads_only(
    clock: FrozenNow, nc_cast: Any, fukushi_staff: Any, techo: Any, login: Any
) -> None:
    connection = nc.apply(
        fukushi_staff, techo, assets=[nc.asset_of("techo01")], flows=[nc.flow_of("techo01")]
    )
    url = f"/home/cases/{connection.pk}/"
    assert login(nc_cast["staff_b"]).get(url).status_code == 404  # 財務部
    auditor = login(nc_cast["auditor"])
    page = auditor.get(url, follow=True)
    assert page.status_code == 200
    assert "shinsa-task-action" not in page.content.decode()
    task = driver.open_task(connection.process, Flow.security_review)
    action = task.flow_task.reverse("assign", args=[task.process_id, task.pk])
    assert auditor.post(action).status_code == 403
    with pytest.raises(permissions.PermissionDenied) as refused:
        services.add_finding(
            actor=nc_cast["auditor"], connection=connection, perspective="segment", text="x"
        )
    assert str(refused.value) == permissions.AUDITORS_NEVER_ACT


def test_12_the_export_lists_every_approval_and_its_filter_agrees_with_the_registry(
    clock: FrozenNow, nc_cast: Any, dept_a: Any, login: Any
) -> None:
    for index, segment in enumerate(["internet", "internet", "lgwan"]):
        nc.approved(
            nc_cast,
            InformationSystemFactory.create(department=dept_a),
            title=f"接続{index}",
            segment=segment,
            assets=[nc.asset_of(f"h{index}")],
            flows=[nc.flow_of(f"h{index}")],
        )
    client = login(nc_cast["approver"])
    every: Any = load_workbook(io.BytesIO(client.get("/network/export/").content)).active
    assert every.max_row - 1 == ConnectionApproval.objects.count() == 3
    filtered: Any = load_workbook(
        io.BytesIO(client.get("/network/export/?segment=internet&status=active").content)
    ).active
    karte = client.get("/karte/?nc_segment=internet&nc_status=active")
    assert filtered.max_row - 1 == karte.context["paginator"].count == 2

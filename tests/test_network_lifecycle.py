"""An approval lives on after its case: its clocks remind before expiry and expire it (unless a
renewal carries it), it lapses unused, it is suspended, restored, revoked and decommissioned by
the people allowed to, its conditions are answered and confirmed, and automatic triggers only
ever open a task for the approver."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from governance import permissions
from governance.clocks.runner import run_deadlines
from governance.clocks.services import open_deadline_for
from governance.models import (
    ApprovalReview,
    ApprovalStatus,
    AuditEvent,
    Case,
    CaseKind,
    ConnectionApproval,
    ConnectionCondition,
    DeadlineKind,
    DeadlineStatus,
    InformationSystem,
    LedgerStatus,
    NetworkAsset,
    Notification,
    ReviewTrigger,
)
from governance.network import messages as msg
from governance.network import services
from tests import network_support as nc
from tests.clocks_support import FrozenNow, jst
from tests.factories import InformationSystemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: Any) -> FrozenNow:
    # Monday 30 November 2026, 10:00 in Tokyo (令和8年度).
    return FrozenNow(monkeypatch, jst(2026, 11, 30, 10))


def _until_march(nc_cast: Any, system: Any, **values: Any) -> ConnectionApproval:
    return nc.approved(
        nc_cast, system, desired_start_on="2026-12-01", desired_end_on="令和9年3月31日", **values
    )


def notices(deadline_id: int, stage: str) -> int:
    return Notification.objects.filter(dedupe_key=f"deadline:{deadline_id}:{stage}").count()


def test_expiry_reminders_fall_on_business_days_and_the_approval_expires_at_the_end_of_its_day(
    clock: FrozenNow, nc_cast: Any, system: Any, dept_a: Any
) -> None:
    dept_a.security_manager = nc_cast["staff_a2"]
    dept_a.save()
    approval = _until_march(nc_cast, system)
    assert approval.valid_until == dt.date(2027, 3, 31)
    expiry = open_deadline_for(approval, DeadlineKind.NC_EXPIRY)
    assert expiry is not None
    assert expiry.reminders == ["d60", "d30", "bd10"]
    # The 60-day point is Saturday 30 January 2027: the reminder waits for Monday.
    run_deadlines(now=jst(2027, 1, 31, 12))
    assert notices(expiry.pk, "d60") == 0
    run_deadlines(now=jst(2027, 2, 1, 9))
    assert notices(expiry.pk, "d60") == 2  # the department's staff and its security manager
    run_deadlines(now=jst(2027, 2, 28, 23))
    assert notices(expiry.pk, "d30") == 0
    run_deadlines(now=jst(2027, 3, 1, 9))
    assert notices(expiry.pk, "d30") == 2
    # Still in force on its last day, until 23:59:59 JST.
    run_deadlines(now=jst(2027, 3, 31, 23, 59))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.ACTIVE
    clock.set(jst(2027, 4, 1, 0, 5))
    run_deadlines(now=jst(2027, 4, 1, 0, 5))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.EXPIRED
    assert approval.status_label(dt.date(2027, 4, 1)) == "接続承認期限切れ"
    disconnect = open_deadline_for(approval, DeadlineKind.NC_DISCONNECT_CONFIRM)
    assert disconnect is not None and disconnect.holder_role == "network_admin"
    assert AuditEvent.objects.filter(action="network.approval.expire", actor_id=None).count() == 1


def test_a_renewal_submitted_in_time_keeps_the_approval_in_force_after_its_last_day(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any
) -> None:
    approval = _until_march(nc_cast, system)
    clock.set(jst(2027, 3, 20, 10))
    renewal = nc.apply(
        nc_cast["staff_a"],
        system,
        title="総務事務サーバの接続（更新）",
        request_kind="renewal",
        renews=str(approval.pk),
        desired_start_on="2027-04-01",
        assets=[{**nc.SERVER, "mac_address": "aa:bb:cc:00:11:22"}],
        segment="internet",
    )
    approval.refresh_from_db()
    assert approval.renewal_case == renewal
    assert approval.status_label(dt.date(2027, 3, 25)) == "更新審査中"
    clock.set(jst(2027, 4, 1, 9))
    run_deadlines(now=jst(2027, 4, 1, 9))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.ACTIVE
    assert approval.status_label(dt.date(2027, 4, 1)) == "更新審査中（従前の承認で継続）"
    page = login(nc_cast["staff_a"]).get(f"/karte/{system.pk}/")
    assert "更新審査中（従前の承認で継続）" in page.content.decode()
    # The renewal approved: the old approval is superseded and its clocks stop.
    renewal = nc.review_through(renewal, nc_cast)
    nc.approve(renewal, nc_cast["approver"])
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.SUPERSEDED
    assert approval.superseded_by == ConnectionApproval.objects.get(case=renewal)
    assert open_deadline_for(approval, DeadlineKind.NC_EXPIRY) is None


def test_a_renewal_rejected_after_the_last_day_lets_the_old_approval_expire(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    approval = _until_march(nc_cast, system)
    clock.set(jst(2027, 3, 20, 10))
    renewal = nc.apply(
        nc_cast["staff_a"],
        system,
        request_kind="renewal",
        renews=str(approval.pk),
        desired_start_on="2027-04-01",
        segment="internet",
    )
    clock.set(jst(2027, 4, 2, 10))
    run_deadlines(now=jst(2027, 4, 2, 10))
    renewal = nc.review_through(renewal, nc_cast)
    nc.approve(renewal, nc_cast["approver"], decision="reject", comment="更新の必要性が不明です。")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.EXPIRED
    assert approval.renewal_case is None


def test_renewing_a_revoked_or_expired_approval_is_refused(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    approval = _until_march(nc_cast, system)
    services.revoke_approval(actor=nc_cast["approver"], approval=approval, reason="規程違反")
    with pytest.raises(Exception, match=msg.RENEWAL_OF_REVOKED):
        nc.apply(nc_cast["staff_a"], system, request_kind="renewal", renews=str(approval.pk))
    ConnectionApproval.objects.filter(pk=approval.pk).update(status=ApprovalStatus.EXPIRED)
    with pytest.raises(Exception, match=msg.RENEWAL_OF_EXPIRED):
        nc.apply(nc_cast["staff_a"], system, request_kind="renewal", renews=str(approval.pk))


def test_an_approval_never_connected_lapses_after_the_rules_days(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    approval = nc.approved(nc_cast, system, connect=False)
    assert approval.status == ApprovalStatus.APPROVED_PENDING_CONNECTION
    # 90 days from 30 November end on Sunday 28 February, rolled to Monday 1 March.
    lapse = open_deadline_for(approval, DeadlineKind.NC_UNUSED_LAPSE)
    assert lapse is not None and lapse.unrolled_due_on == dt.date(2027, 2, 28)
    run_deadlines(now=jst(2027, 3, 1, 23, 59))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED_PENDING_CONNECTION
    run_deadlines(now=jst(2027, 3, 2, 0, 1))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.LAPSED
    assert open_deadline_for(approval, DeadlineKind.NC_EXPIRY) is None


def test_an_emergency_disconnection_from_an_incident_suspends_every_active_approval_of_the_system(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any
) -> None:
    first = nc.approved(nc_cast, system)
    second = nc.approved(
        nc_cast,
        system,
        title="複合機の接続",
        assets=[nc.asset_of("mfp01")],
        flows=[nc.flow_of("mfp01")],
        segment="internet",
    )
    incident = Case.objects.create(
        kind=CaseKind.INCIDENT,
        fiscal_year=2026,
        sequence=7,
        number="IN-2026-0007",
        title="不審な通信",
        department=system.department,
        requester=nc_cast["csirt"],
        system=system,
    )
    csirt = nc_cast["csirt"]
    with pytest.raises(ValueError, match=msg.INCIDENT_REQUIRED):
        services.suspend_approvals(actor=csirt, system=system, reason="C2 通信の疑い")
    before = AuditEvent.objects.filter(action="network.approval.suspend").count()
    response = login(csirt).post(
        f"/network/systems/{system.pk}/suspend/",
        {"reason": "C2 通信の疑い", "incident": "IN-2026-0007"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ApprovalStatus.SUSPENDED, ApprovalStatus.SUSPENDED)
    assert first.suspended_incident == incident
    events = AuditEvent.objects.filter(action="network.approval.suspend")
    assert events.count() == before + 2
    assert all(event.changes["incident"] == [None, "IN-2026-0007"] for event in events)
    review = ApprovalReview.objects.get(approval=first, trigger=ReviewTrigger.SUSPENSION)
    confirm = open_deadline_for(review, DeadlineKind.NC_SUSPENSION_CONFIRM)
    assert confirm is not None and confirm.holder_role == "governance_approver"
    # Due the next business day: Tuesday 1 December 2026, 23:59:59 JST.
    assert confirm.due_at == jst(2026, 12, 1, 23, 59, 59)
    with pytest.raises(ValueError, match=msg.REASON_REQUIRED):
        services.restore_approval(actor=nc_cast["approver"], approval=first, reason="")
    services.restore_approval(actor=nc_cast["approver"], approval=first, reason="誤検知と確認")
    first.refresh_from_db()
    assert first.status == ApprovalStatus.ACTIVE
    restore = AuditEvent.objects.get(action="network.approval.restore")
    assert restore.changes["incident"] == [None, "IN-2026-0007"]
    confirm.refresh_from_db()
    assert confirm.status == DeadlineStatus.MET


def test_only_the_network_admin_or_the_csirt_suspends_and_only_the_approver_or_ciso_restores(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any
) -> None:
    approval = nc.approved(nc_cast, system)
    url = f"/network/approvals/{approval.pk}/"
    for name in ("staff_a", "security", "approver"):
        assert (
            login(nc_cast[name]).post(url, {"action": "suspend", "reason": "x"}).status_code == 403
        )
    auditor = login(nc_cast["auditor"])
    assert auditor.get(url).status_code == 200
    assert auditor.post(url, {"action": "suspend", "reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied, match=permissions.AUDITORS_NEVER_ACT):
        services.suspend_approvals(actor=nc_cast["auditor"], approval=approval, reason="x")
    assert login(nc_cast["staff_b"]).get(url).status_code == 404
    assert (
        login(nc_cast["netadmin"])
        .post(url, {"action": "suspend", "reason": "不正通信"})
        .status_code
        == 302
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.SUSPENDED
    with pytest.raises(PermissionDenied):
        services.restore_approval(actor=nc_cast["netadmin"], approval=approval, reason="復旧")
    assert (
        login(nc_cast["ciso"]).post(url, {"action": "restore", "reason": "対処済"}).status_code
        == 302
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.ACTIVE


def test_suspending_an_expired_approval_records_it_and_keeps_it_expired(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    approval = nc.approved(nc_cast, system)
    ConnectionApproval.objects.filter(pk=approval.pk).update(status=ApprovalStatus.EXPIRED)
    approval.refresh_from_db()
    services.suspend_approvals(actor=nc_cast["netadmin"], approval=approval, reason="残存通信")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.EXPIRED
    assert approval.suspended_reason == "残存通信"


def test_a_revocation_issues_its_notice_and_waits_for_the_disconnection(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    approval = nc.approved(nc_cast, system)
    services.revoke_approval(actor=nc_cast["approver"], approval=approval, reason="条件未履行")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REVOKED
    run_jobs()
    document = approval.revocation_document
    assert document is not None
    assert document.title == "ネットワーク接続承認取消通知書"
    assert document.versions.count() == 1
    disconnect = open_deadline_for(approval, DeadlineKind.NC_DISCONNECT_CONFIRM)
    assert disconnect is not None
    services.confirm_disconnection(actor=nc_cast["netadmin"], approval=approval)
    disconnect.refresh_from_db()
    assert disconnect.status == DeadlineStatus.MET
    with pytest.raises(ValueError, match=msg.ALREADY_DISCONNECTED):
        services.confirm_disconnection(actor=nc_cast["netadmin"], approval=approval)


def test_decommissioning_equipment_with_storage_opens_a_disposal_certificate_condition(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    approval = nc.approved(nc_cast, system, assets=[{**nc.SERVER, "has_storage": True}])
    with pytest.raises(ValueError, match=msg.DECOMMISSION_NOT_REPORTED):
        services.confirm_decommission(actor=nc_cast["netadmin"], approval=approval)
    with pytest.raises(PermissionDenied):
        services.report_decommission(actor=nc_cast["staff_b"], approval=approval)
    services.report_decommission(actor=nc_cast["staff_a"], approval=approval, note="システム更改")
    services.confirm_decommission(actor=nc_cast["netadmin"], approval=approval)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.DECOMMISSIONED
    condition = ConnectionCondition.objects.get(approval=approval, is_disposal=True)
    assert "廃棄証明書" in condition.text and "web01" in condition.text
    assert open_deadline_for(condition, DeadlineKind.NC_CONDITION) is not None
    services.report_condition(
        actor=nc_cast["staff_a"],
        condition=condition,
        evidence="廃棄証明書を添付します。",
        upload=nc.diagram(),
    )
    services.verify_condition(actor=nc_cast["security"], condition=condition)
    asset = NetworkAsset.objects.get(hostname="web01")
    assert asset.status == NetworkAsset.Status.DISPOSED
    assert (
        asset.disposal_certificate_id
        == ConnectionCondition.objects.get(pk=condition.pk).evidence_file_id
    )


def test_decommissioning_equipment_without_storage_opens_no_condition(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    approval = nc.approved(nc_cast, system)
    services.report_decommission(actor=nc_cast["staff_a"], approval=approval)
    services.confirm_decommission(actor=nc_cast["netadmin"], approval=approval)
    assert not ConnectionCondition.objects.filter(approval=approval, is_disposal=True).exists()


def test_a_condition_is_reported_confirmed_or_reopened_and_waived_by_the_right_people(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any
) -> None:
    approval = nc.approved(
        nc_cast, system, conditions=[{"text": "ログを1年保存すること", "due_date": "2026-12-28"}]
    )
    condition = approval.conditions.get()
    url = f"/network/conditions/{condition.pk}/"
    assert login(nc_cast["staff_b"]).get(url).status_code == 404
    assert (
        login(nc_cast["auditor"]).post(url, {"action": "report", "evidence": "x"}).status_code
        == 403
    )
    assert (
        login(nc_cast["staff_b"]).post(url, {"action": "report", "evidence": "x"}).status_code
        == 404
    )
    with pytest.raises(ValueError, match=msg.CONDITION_NOT_REPORTED):
        services.verify_condition(actor=nc_cast["security"], condition=condition)
    staff = login(nc_cast["staff_a"])
    assert staff.post(url, {"action": "report", "evidence": "設定しました。"}).status_code == 302
    condition.refresh_from_db()
    assert condition.reported_at is not None
    services.reopen_condition(actor=nc_cast["security"], condition=condition, reason="証跡不足")
    condition.refresh_from_db()
    assert condition.reported_at is None and condition.status == LedgerStatus.OPEN
    services.report_condition(
        actor=nc_cast["staff_a"], condition=condition, evidence="設定画面の写し"
    )
    with pytest.raises(PermissionDenied):
        services.verify_condition(actor=nc_cast["staff_a"], condition=condition)
    services.verify_condition(actor=nc_cast["security"], condition=condition)
    condition.refresh_from_db()
    assert condition.status == LedgerStatus.RESOLVED
    clock_row = condition_clock(condition)
    assert clock_row.status == DeadlineStatus.MET


def condition_clock(condition: ConnectionCondition) -> Any:
    from governance.models import Deadline

    return Deadline.objects.get(subject_id=str(condition.pk), kind=DeadlineKind.NC_CONDITION)


def test_only_the_approver_waives_a_condition(clock: FrozenNow, nc_cast: Any, system: Any) -> None:
    approval = nc.approved(
        nc_cast, system, conditions=[{"text": "保守端末を限定すること", "due_date": "2026-12-28"}]
    )
    condition = approval.conditions.get()
    with pytest.raises(PermissionDenied):
        services.waive_condition(actor=nc_cast["security"], condition=condition, reason="不要")
    services.waive_condition(
        actor=nc_cast["approver"], condition=condition, reason="機器撤去のため"
    )
    condition.refresh_from_db()
    assert condition.status == LedgerStatus.WAIVED
    assert condition_clock(condition).status == DeadlineStatus.WAIVED


def test_revocation_triggers_open_a_task_for_the_approver_once_and_never_revoke(
    clock: FrozenNow, nc_cast: Any, system: Any
) -> None:
    approval = nc.approved(
        nc_cast,
        system,
        conditions=[{"text": "監視サービスへ申し込むこと", "due_date": "2026-12-28"}],
    )
    # Due Monday 28 December; the 10th business day after is Monday 18 January 2027 (年末年始
    # 12/29–1/3 and 成人の日 1/11 are not counted), so it is more than 10 on the 19th.
    assert services.run_approval_triggers(now=jst(2027, 1, 18, 12)) == 0
    assert services.run_approval_triggers(now=jst(2027, 1, 19, 9)) == 1
    assert services.run_approval_triggers(now=jst(2027, 1, 20, 9)) == 0
    review = ApprovalReview.objects.get(approval=approval)
    assert review.trigger == ReviewTrigger.CONDITION_OVERDUE
    assert (
        Notification.objects.filter(
            recipient=nc_cast["approver"], dedupe_key__startswith="nc-review:"
        ).count()
        == 1
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.ACTIVE
    # The system retired in the registry and the asset past its support: one task each.
    InformationSystem.objects.filter(pk=system.pk).update(status=InformationSystem.Status.RETIRED)
    NetworkAsset.objects.filter(hostname="web01").update(os_eol_on=dt.date(2027, 1, 10))
    assert services.run_approval_triggers(now=jst(2027, 1, 20, 9)) == 2
    assert set(ApprovalReview.objects.values_list("trigger", flat=True)) == {
        ReviewTrigger.CONDITION_OVERDUE,
        ReviewTrigger.SYSTEM_RETIRED,
        ReviewTrigger.ASSET_EOL,
    }
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.ACTIVE
    # The approver keeps it, saying why.
    services.settle_review(actor=nc_cast["approver"], review=review, note="延長を認める")
    review.refresh_from_db()
    assert review.resolution == ApprovalReview.Resolution.KEPT


def test_the_trigger_pass_costs_the_same_queries_for_one_approval_as_for_three(
    clock: FrozenNow, nc_cast: Any, system: Any, django_assert_num_queries: Any, dept_a: Any
) -> None:
    nc.approved(nc_cast, system, conditions=[{"text": "条件", "due_date": "2026-12-28"}])
    InformationSystem.objects.filter(pk=system.pk).update(status=InformationSystem.Status.RETIRED)
    counts = []
    for _round in range(2):
        ApprovalReview.objects.all().delete()
        Notification.objects.filter(dedupe_key__startswith="nc-review:").delete()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            services.run_approval_triggers(now=jst(2027, 1, 20, 9))
        counts.append(len(queries))
        other = InformationSystemFactory.create(department=dept_a)
        nc.approved(
            nc_cast,
            other,
            title=f"追加{_round}",
            assets=[nc.asset_of(f"srv{_round}")],
            flows=[nc.flow_of(f"srv{_round}")],
            conditions=[{"text": "条件", "due_date": "2026-12-28"}],
        )
        InformationSystem.objects.filter(pk=other.pk).update(
            status=InformationSystem.Status.RETIRED
        )
    assert counts[0] == counts[1]

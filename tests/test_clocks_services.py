"""Clocks change only through their services: the due time follows the rule in force and the
holiday roll, starting twice gives one clock, waiving needs a reason and the role that answers
for the clock, a changed fact recomputes the due time with old → new in the audit trail, and
every refusal leaves the clock as it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from governance.clocks import services
from governance.clocks.models import Counting, Deadline, DeadlineKind, DeadlineStatus
from governance.clocks.runner import run_deadlines
from governance.clocks.schedule import end_of_day
from governance.models import AuditEvent, Notification, Rule, RuleKey
from governance.org.services import MANAGER_OF_OTHER_DEPARTMENT, assign_security_manager
from governance.permissions import AUDITORS_NEVER_ACT, NOT_ALLOWED, OTHER_DEPARTMENT
from governance.roles import ACT_PERMISSION, Role
from governance.rules.services import add_rule_version
from tests.clocks_support import FrozenNow, incident_case, jst, review_case
from tests.factories import make_user

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def frozen(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 12, 1, 9))


@pytest.fixture
def people(cast: dict[str, Any]) -> dict[str, Any]:
    cast.update(
        csirt_lead=make_user("csirt_lead", Role.CSIRT_LEAD),
        ciso=make_user("ciso", Role.CISO),
        security=make_user("security", Role.SECURITY_REVIEWER),
        netadmin=make_user("netadmin", Role.NETWORK_ADMIN),
    )
    return cast


@pytest.fixture
def incident(people: dict[str, Any], dept_a: Any) -> Any:
    return incident_case(dept_a, people["csirt"])


@pytest.fixture
def review(people: dict[str, Any], frozen: FrozenNow) -> Any:
    return review_case(people["staff_a"])


def _ppc_final(people: dict[str, Any], incident: Any, **kwargs: Any) -> Deadline:
    arguments = {
        "actor": people["csirt"],
        "kind": DeadlineKind.PPC_FINAL,
        "case": incident,
        "starts_at": jst(2026, 12, 1, 10, 30),
        "holder": people["csirt"],
        **kwargs,
    }
    return services.start_deadline(**arguments)


# --- Starting -------------------------------------------------------------------------------


def test_a_final_report_clock_takes_30_days_and_its_basis_from_the_rule_and_rolls_past_new_year(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    rule = Rule.objects.get(key=RuleKey.PPC_FINAL_DAYS, effective_from=2023)
    assert deadline.rule == rule and deadline.length == 30
    assert deadline.counting == Counting.CALENDAR_DAYS
    assert deadline.due_at == end_of_day(D(2027, 1, 4))
    assert deadline.unrolled_due_on == D(2026, 12, 31)
    assert (
        deadline.roll_basis == "行政機関の休日に関する法律第2条（令和8年12月31日は年末年始の休日）"
    )
    assert deadline.basis == rule.basis and "第44条第2項" in deadline.basis
    assert deadline.status == DeadlineStatus.RUNNING
    assert deadline.escalate_roles == [Role.CSIRT_LEAD, Role.CISO]
    assert deadline.subject_id == str(incident.pk)
    event = AuditEvent.objects.get(action="deadline.start")
    assert event.case_id == incident.pk and event.actor_id == people["csirt"].pk
    assert event.changes["due_at"] == [None, "2027-01-04T23:59:59+09:00"]
    assert event.changes["unrolled_due_on"] == [None, "2026-12-31"]


def test_the_preliminary_report_has_a_three_day_target_and_a_five_day_limit_never_rolled(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = services.start_deadline(
        actor=people["csirt"],
        kind=DeadlineKind.PPC_PRELIMINARY,
        case=incident,
        starts_at=jst(2026, 12, 1, 10, 30),
    )
    assert deadline.soft_due_at == end_of_day(D(2026, 12, 4))
    assert deadline.due_at == end_of_day(D(2026, 12, 6))  # a Sunday, and it stays
    assert deadline.unrolled_due_on is None and deadline.roll_basis == ""


def test_starting_the_same_clock_twice_returns_the_one_already_running(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    first = _ppc_final(people, incident)
    again = _ppc_final(people, incident, rule_key=RuleKey.PPC_FINAL_MALICIOUS_DAYS)
    assert again.pk == first.pk and again.due_at == first.due_at
    assert Deadline.objects.count() == 1
    assert AuditEvent.objects.filter(action="deadline.start").count() == 1


def test_a_missed_clock_is_still_owed_so_starting_it_again_returns_it(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    first = _ppc_final(people, incident)
    run_deadlines(now=jst(2027, 1, 5, 0, 0, 1))
    first.refresh_from_db()
    assert first.status == DeadlineStatus.MISSED
    assert _ppc_final(people, incident).pk == first.pk


def test_a_met_clock_does_not_stop_a_new_one_of_the_same_kind(
    people: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    first = services.start_deadline(
        actor=people["staff_a"], kind=DeadlineKind.NC_REVIEW, case=review, starts_at=frozen.at
    )
    services.meet_deadline(actor=people["reviewer"], deadline=first)
    second = services.start_deadline(
        actor=people["staff_a"], kind=DeadlineKind.NC_REVIEW, case=review, starts_at=frozen.at
    )
    assert second.pk != first.pk


def test_a_new_rule_version_applies_from_its_fiscal_year_and_older_clocks_keep_their_basis(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    old = _ppc_final(people, incident)
    new_rule = add_rule_version(
        actor=people["admin"],
        key=RuleKey.PPC_FINAL_DAYS,
        effective_from=2027,
        value=20,
        basis="規則改正（仮の例）",
    )
    later_incident = incident_case(incident.department, people["csirt"], "別の漏えい")
    later = services.start_deadline(
        actor=people["csirt"],
        kind=DeadlineKind.PPC_FINAL,
        case=later_incident,
        starts_at=jst(2027, 5, 10, 9),
    )
    assert later.rule == new_rule and later.due_at == end_of_day(D(2027, 5, 31))  # 5/30 is a Sunday
    old.refresh_from_db()
    assert old.length == 30 and "第44条第2項" in old.basis


def test_a_network_review_counts_ten_business_days_over_the_new_year(
    people: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    deadline = services.start_deadline(
        actor=people["staff_a"],
        kind=DeadlineKind.NC_REVIEW,
        case=review,
        starts_at=jst(2026, 12, 24, 17),
        holder_role=Role.SECURITY_REVIEWER,
    )
    assert deadline.counting == Counting.BUSINESS_DAYS and deadline.length == 10
    assert deadline.due_at == end_of_day(D(2027, 1, 14))
    assert deadline.holder_role == Role.SECURITY_REVIEWER
    assert deadline.escalate_roles == [Role.GOVERNANCE_APPROVER]


def test_an_expiry_clock_is_due_at_the_end_of_its_given_day_and_first_reminds_60_days_before(
    people: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    deadline = services.start_deadline(
        actor=people["approver"],
        kind=DeadlineKind.NC_EXPIRY,
        case=review,
        starts_at=jst(2026, 12, 1, 9),
        due_on=D(2027, 3, 31),
        basis="接続承認書の有効期間（令和9年3月31日まで）",
    )
    assert deadline.due_at == end_of_day(D(2027, 3, 31))
    assert deadline.length is None and deadline.rule is None
    assert deadline.reminders == ["d60", "d30", "bd10"]
    # 60 days before 2027-03-31 is 2027-01-30, a Saturday: the reminder goes on Monday.
    assert deadline.next_notice_at == jst(2027, 2, 1)


@pytest.mark.parametrize(
    ("who", "kind", "message"),
    [
        ("auditor", DeadlineKind.NC_REVIEW, AUDITORS_NEVER_ACT),
        ("staff_b", DeadlineKind.NC_REVIEW, OTHER_DEPARTMENT),
        ("csirt", DeadlineKind.NC_REVIEW, NOT_ALLOWED),
        ("staff_a", DeadlineKind.PPC_FINAL, NOT_ALLOWED),
    ],
)
def test_starting_a_clock_outside_ones_role_or_department_is_refused(
    people: dict[str, Any], review: Any, frozen: FrozenNow, who: str, kind: str, message: str
) -> None:
    with pytest.raises(PermissionDenied, match=message):
        services.start_deadline(actor=people[who], kind=kind, case=review, starts_at=frozen.at)
    assert not Deadline.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="deadline.").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "nc_unknown"}, services.UNKNOWN_KIND),
        ({"kind": DeadlineKind.TRIAGE_RESPONSE, "length": 30}, services.NO_BASIS),
        ({"kind": DeadlineKind.TRIAGE_RESPONSE}, services.NO_LENGTH),
        ({"kind": DeadlineKind.PPC_FINAL, "length": -1}, services.NEGATIVE_LENGTH),
        ({"kind": DeadlineKind.PPC_FINAL, "holder_role": "boss"}, "ロール「boss」は存在しません。"),
        ({"kind": DeadlineKind.PPC_FINAL, "reminders": ["soon"]}, "督促の時点「soon」"),
        (
            {"kind": DeadlineKind.PPC_FINAL, "starts_at": dt.datetime(2026, 12, 1)},
            services.NAIVE_TIME,
        ),
        (
            {"kind": DeadlineKind.INDIVIDUAL_NOTICE, "due_on": D(2026, 11, 1), "basis": "x"},
            services.DUE_BEFORE_START,
        ),
    ],
)
def test_bad_clock_input_is_refused_with_a_japanese_message_and_nothing_saved(
    people: dict[str, Any], incident: Any, frozen: FrozenNow, kwargs: dict[str, Any], message: str
) -> None:
    arguments = {"actor": people["csirt"], "case": incident, "starts_at": frozen.at, **kwargs}
    with pytest.raises(ValueError, match=message):
        services.start_deadline(**arguments)
    assert not Deadline.objects.exists()


def test_a_rule_missing_for_the_fiscal_year_is_refused_with_its_name(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    # The unified law's rules start in 令和5年度 (2023).
    with pytest.raises(ValueError, match="2022年度に適用されるルール（ppc_final_days）"):
        _ppc_final(people, incident, starts_at=jst(2022, 6, 1))
    assert not Deadline.objects.exists()


def test_the_system_itself_may_start_a_clock_and_is_recorded_as_such(
    people: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    deadline = services.start_deadline(
        actor=None, kind=DeadlineKind.NC_DISCONNECT_CONFIRM, case=review, starts_at=frozen.at
    )
    assert deadline.due_at == end_of_day(D(2026, 12, 8))  # 5 business days after Tue 12/1
    assert AuditEvent.objects.get(action="deadline.start").actor_name == "システム"


# --- Meeting, waiving, cancelling -----------------------------------------------------------


def test_meeting_a_clock_records_who_and_when_and_a_second_time_is_refused(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    frozen.set(jst(2026, 12, 20, 15))
    met = services.meet_deadline(actor=people["csirt"], deadline=deadline, note="受付番号 123")
    assert met.status == DeadlineStatus.MET and met.met_by == people["csirt"]
    assert met.met_at == jst(2026, 12, 20, 15) and met.next_notice_at is None
    event = AuditEvent.objects.get(action="deadline.meet")
    assert event.changes["status"] == ["running", "met"] and event.changes["late"] == [None, False]
    assert event.reason == "受付番号 123"
    with pytest.raises(ValueError, match="「対応済」のため変更できません"):
        services.meet_deadline(actor=people["csirt"], deadline=deadline)


def test_a_missed_clock_can_still_be_met_and_is_recorded_as_late(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    run_deadlines(now=jst(2027, 1, 7, 9))
    frozen.set(jst(2027, 1, 7, 10))
    met = services.meet_deadline(actor=people["csirt"], deadline=deadline)
    assert met.status == DeadlineStatus.MET and met.missed_at == jst(2027, 1, 7, 9)
    assert AuditEvent.objects.get(action="deadline.meet").changes["late"] == [None, True]


def test_a_time_met_in_the_future_or_before_the_start_is_refused(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    with pytest.raises(ValueError, match=services.MET_IN_FUTURE):
        services.meet_deadline(actor=people["csirt"], deadline=deadline, met_at=jst(2026, 12, 2))
    with pytest.raises(ValueError, match=services.MET_BEFORE_START):
        services.meet_deadline(actor=people["csirt"], deadline=deadline, met_at=jst(2026, 12, 1))
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.RUNNING


@pytest.mark.parametrize("who", ["csirt_lead", "ciso"])
def test_the_csirt_lead_or_the_ciso_waives_an_incident_clock_with_a_reason(
    people: dict[str, Any], incident: Any, frozen: FrozenNow, who: str
) -> None:
    deadline = _ppc_final(people, incident)
    reason = "確定人数80人、速報未提出のため報告不要"
    waived = services.waive_deadline(actor=people[who], deadline=deadline, reason=reason)
    assert waived.status == DeadlineStatus.WAIVED
    assert (waived.waived_by, waived.waived_reason) == (people[who], reason)
    event = AuditEvent.objects.get(action="deadline.waive")
    assert event.reason == reason and event.changes["status"] == ["running", "waived"]


@pytest.mark.parametrize(
    ("who", "message"),
    [("csirt", NOT_ALLOWED), ("auditor", AUDITORS_NEVER_ACT), ("approver", NOT_ALLOWED)],
)
def test_waiving_an_incident_clock_by_anyone_else_is_refused(
    people: dict[str, Any], incident: Any, frozen: FrozenNow, who: str, message: str
) -> None:
    deadline = _ppc_final(people, incident)
    with pytest.raises(PermissionDenied, match=message):
        services.waive_deadline(actor=people[who], deadline=deadline, reason="理由")
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.RUNNING


def test_the_governance_approver_waives_a_network_clock_and_the_reviewer_may_not(
    people: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    deadline = services.start_deadline(
        actor=people["staff_a"], kind=DeadlineKind.NC_CONDITION, case=review, starts_at=frozen.at
    )
    for who in ("reviewer", "security", "staff_a", "csirt_lead"):
        with pytest.raises(PermissionDenied):
            services.waive_deadline(actor=people[who], deadline=deadline, reason="理由")
    services.waive_deadline(actor=people["approver"], deadline=deadline, reason="機器撤去済み")
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.WAIVED


def test_a_waiver_or_cancellation_without_a_reason_is_refused_and_changes_nothing(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    with pytest.raises(ValueError, match=services.WAIVE_REASON_REQUIRED):
        services.waive_deadline(actor=people["csirt_lead"], deadline=deadline, reason="  ")
    with pytest.raises(ValueError, match=services.CANCEL_REASON_REQUIRED):
        services.cancel_deadline(actor=people["csirt"], deadline=deadline, reason="")
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.RUNNING
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["deadline.start"]


def test_cancelling_a_clock_keeps_the_reason_and_stops_it(
    people: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    deadline = services.start_deadline(
        actor=people["staff_a"], kind=DeadlineKind.NC_REVIEW, case=review, starts_at=frozen.at
    )
    cancelled = services.cancel_deadline(
        actor=people["staff_a"], deadline=deadline, reason="申請の取下げ"
    )
    assert cancelled.status == DeadlineStatus.CANCELLED
    assert cancelled.cancelled_reason == "申請の取下げ" and cancelled.next_notice_at is None
    with pytest.raises(ValueError, match="「取消」のため変更できません"):
        services.waive_deadline(actor=people["approver"], deadline=deadline, reason="理由")


# --- Rescheduling, pausing ------------------------------------------------------------------


def test_a_finding_of_malicious_intent_moves_the_final_report_to_60_days_old_to_new_audited(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    frozen.set(jst(2026, 12, 10, 9))
    moved = services.reschedule_deadline(
        actor=people["csirt"],
        deadline=deadline,
        rule_key=RuleKey.PPC_FINAL_MALICIOUS_DAYS,
        reason="不正アクセスによるものと判明（規則第43条第3号）",
    )
    assert moved.due_at == end_of_day(D(2027, 2, 1))
    assert moved.unrolled_due_on == D(2027, 1, 30) and moved.length == 60
    assert moved.rule.key == RuleKey.PPC_FINAL_MALICIOUS_DAYS  # type: ignore[union-attr]
    assert moved.schedule == 2
    event = AuditEvent.objects.get(action="deadline.reschedule")
    assert event.changes["due_at"] == ["2027-01-04T23:59:59+09:00", "2027-02-01T23:59:59+09:00"]
    assert event.changes["length"] == [30, 60]
    assert event.changes["unrolled_due_on"] == ["2026-12-31", "2027-01-30"]
    assert event.reason.startswith("不正アクセス")
    # The holder hears of the change once.
    notice = Notification.objects.get(recipient=people["csirt"])
    assert notice.dedupe_key == f"deadline:{deadline.pk}:rescheduled.2"
    assert "令和9年1月4日 → 令和9年2月1日" in notice.subject


def test_correcting_the_day_the_leak_became_known_moves_the_clock(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    moved = services.reschedule_deadline(
        actor=people["csirt"],
        deadline=deadline,
        starts_at=jst(2026, 11, 25, 18),
        reason="委託先からの通知受領日に訂正",
    )
    assert moved.due_at == end_of_day(D(2026, 12, 25))
    assert moved.unrolled_due_on is None and moved.roll_basis == ""
    changes = AuditEvent.objects.get(action="deadline.reschedule").changes
    assert changes["starts_at"][1] == "2026-11-25T18:00:00+09:00"
    assert changes["roll_basis"][1] == ""


def test_a_missed_clock_moved_into_the_future_runs_again(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    run_deadlines(now=jst(2027, 1, 5, 9))
    frozen.set(jst(2027, 1, 5, 10))
    moved = services.reschedule_deadline(
        actor=people["csirt"],
        deadline=deadline,
        rule_key=RuleKey.PPC_FINAL_MALICIOUS_DAYS,
        reason="不正目的と判明",
    )
    assert moved.status == DeadlineStatus.RUNNING and moved.missed_at is None
    assert AuditEvent.objects.get(action="deadline.reschedule").changes["status"] == [
        "missed",
        "running",
    ]


def test_rescheduling_without_a_reason_or_to_the_same_due_changes_nothing(
    people: dict[str, Any], incident: Any, frozen: FrozenNow
) -> None:
    deadline = _ppc_final(people, incident)
    with pytest.raises(ValueError, match=services.RESCHEDULE_REASON_REQUIRED):
        services.reschedule_deadline(actor=people["csirt"], deadline=deadline, reason="")
    same = services.reschedule_deadline(
        actor=people["csirt"], deadline=deadline, rule_key=RuleKey.PPC_FINAL_DAYS, reason="確認"
    )
    assert same.schedule == 1
    assert not AuditEvent.objects.filter(action="deadline.reschedule").exists()


def test_a_paused_review_gives_back_the_business_days_left_when_it_resumes(
    people: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    deadline = services.start_deadline(
        actor=people["staff_a"], kind=DeadlineKind.NC_REVIEW, case=review, starts_at=frozen.at
    )
    assert deadline.due_at == end_of_day(D(2026, 12, 15))
    frozen.set(jst(2026, 12, 3, 10))  # 8 business days left: 12/4, 7–11, 14, 15
    paused = services.pause_deadline(
        actor=people["reviewer"], deadline=deadline, reason="部局へ差戻し"
    )
    assert paused.next_notice_at is None
    assert run_deadlines(now=jst(2026, 12, 20)) == 0  # a paused clock is never missed
    with pytest.raises(ValueError, match=services.ALREADY_PAUSED):
        services.pause_deadline(actor=people["reviewer"], deadline=deadline, reason="再度")
    frozen.set(jst(2026, 12, 10, 9))
    resumed = services.resume_deadline(actor=people["staff_a"], deadline=deadline, reason="再提出")
    assert resumed.due_at == end_of_day(D(2026, 12, 22))  # 12/11, 14–18, 21, 22
    assert resumed.paused_at is None and resumed.status == DeadlineStatus.RUNNING
    event = AuditEvent.objects.get(action="deadline.resume")
    assert event.changes["due_at"] == ["2026-12-15T23:59:59+09:00", "2026-12-22T23:59:59+09:00"]
    with pytest.raises(ValueError, match=services.NOT_PAUSED):
        services.resume_deadline(actor=people["staff_a"], deadline=deadline)


def test_the_holder_can_be_handed_to_another_person(
    people: dict[str, Any], review: Any, frozen: FrozenNow
) -> None:
    deadline = services.start_deadline(
        actor=people["staff_a"], kind=DeadlineKind.NC_REVIEW, case=review, starts_at=frozen.at
    )
    services.assign_deadline_holder(
        actor=people["reviewer"], deadline=deadline, holder=people["security"]
    )
    deadline.refresh_from_db()
    assert deadline.holder == people["security"]
    assert AuditEvent.objects.get(action="deadline.assign").changes["holder_id"] == [
        None,
        people["security"].pk,
    ]


# --- Roles and the 情報セキュリティ管理者 ---------------------------------------------------


def test_the_new_roles_carry_their_act_permissions_and_the_integration_role_none() -> None:
    for role, codename in [
        (Role.SECURITY_REVIEWER, "act_as_security_reviewer"),
        (Role.NETWORK_ADMIN, "act_as_network_admin"),
    ]:
        assert ACT_PERMISSION[role] == f"governance.{codename}"
        group = Group.objects.get(name=role)
        assert list(group.permissions.values_list("codename", flat=True)) == [codename]
    assert Permission.objects.filter(codename="act_as_security_reviewer").exists()
    assert not Group.objects.get(name=Role.INTEGRATION).permissions.exists()
    assert Role.INTEGRATION not in ACT_PERMISSION


def test_a_security_reviewer_holds_the_act_permission_a_flow_node_would_ask(
    people: dict[str, Any],
) -> None:
    assert people["security"].has_perm("governance.act_as_security_reviewer")
    assert not people["security"].has_perm("governance.act_as_network_admin")
    assert people["netadmin"].has_perm("governance.act_as_network_admin")


def test_an_administrator_names_the_departments_security_manager_from_its_own_staff(
    people: dict[str, Any], dept_a: Any
) -> None:
    assign_security_manager(actor=people["admin"], department=dept_a, manager=people["staff_a"])
    dept_a.refresh_from_db()
    assert dept_a.security_manager == people["staff_a"]
    event = AuditEvent.objects.get(action="department.assign_security_manager")
    assert event.changes == {"security_manager": [None, "staff_a"]}
    with pytest.raises(ValueError, match=MANAGER_OF_OTHER_DEPARTMENT):
        assign_security_manager(actor=people["admin"], department=dept_a, manager=people["staff_b"])
    with pytest.raises(PermissionDenied):
        assign_security_manager(
            actor=people["approver"], department=dept_a, manager=people["staff_a2"]
        )
    dept_a.refresh_from_db()
    assert dept_a.security_manager == people["staff_a"]

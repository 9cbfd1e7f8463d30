"""The dashboards per role (NEXT_WAVE §C.5, §C.7 check 9): each runs at most 10 queries with
10 and with 1,000 cases; a role without access is refused and department staff see only their
department; the SVG charts carry the figures of the data (seed 001's coverage donut); the
exports open in openpyxl."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from governance.clocks.models import DeadlineKind, DeadlineStatus
from governance.models import (
    ApprovalStatus,
    BudgetSeason,
    CaseKind,
    CaseStatus,
    ConnectionApproval,
    Deadline,
    Incident,
    InformationSystem,
    MonitoringEnrolment,
    NetworkConnection,
    NetworkSegment,
    SystemKind,
    TargetKind,
)
from tests import budget_support, incidents_support
from tests.dashboard_world import clone_cases, clone_rows, dashboard_cast, days_ago
from tests.factories import InformationSystemFactory

pytestmark = pytest.mark.django_db

ROLE_OF = {
    "department": "staff_a",
    "reviewer": "reviewer",
    "approver": "approver",
    "security": "security",
    "csirt": "csirt",
    "ciso": "ciso",
    "auditor": "auditor",
}


def coverage_registry(department: Any) -> None:
    """Seed 001's registry: 245 active systems, 67 internet-facing: 32 enrolled in a
    monitoring service, 26 with their own measures, 9 exempt (so 35 not enrolled)."""
    systems = InformationSystem.objects.bulk_create(
        InformationSystem(
            code=f"COV{n:04d}",
            name=f"システム{n}",
            department=department,
            kind=SystemKind.SCRATCH,
            internet_facing=n < 67,
        )
        for n in range(245)
    )
    rows = []
    for n, system in enumerate(systems[:67]):
        if n < 32:
            rows.append(MonitoringEnrolment(system=system, service="cyber_attack", enrolled=True))
        elif n < 58:
            rows.append(
                MonitoringEnrolment(system=system, service="cyber_attack", own_measures="WAF")
            )
        else:
            rows.append(
                MonitoringEnrolment(system=system, service="cyber_attack", exemption_reason="国等")
            )
    MonitoringEnrolment.objects.bulk_create(rows)


@pytest.fixture
def people(cast: dict[str, Any]) -> dict[str, Any]:
    return dashboard_cast(cast)


@pytest.fixture
def world(people: dict[str, Any], dept_a: Any, dept_b: Any) -> dict[str, Any]:
    """One case of each kind the dashboards count, through the real flows."""
    today = timezone.localdate()
    BudgetSeason.objects.create(
        fiscal_year=budget_support.next_fiscal_year(),
        opens_on=today - dt.timedelta(days=20),
        deadline=today + dt.timedelta(days=10),
        created_by=people["approver"],
    )
    system = InformationSystemFactory.create(code="DASH-1", department=dept_a)
    check = budget_support.start(people["staff_a"], system)
    event = incidents_support.report(people["staff_a"])
    incident = incidents_support.promote(people["csirt"], [event], department=dept_a)
    connection = NetworkConnection.objects.create(
        kind=CaseKind.NETWORK_CONNECTION,
        fiscal_year=2026,
        sequence=1,
        number="NC-2026-0001",
        title="庁内LANへの接続",
        department=dept_a,
        requester=people["staff_a"],
        status=CaseStatus.CLOSED,
        target_kind=TargetKind.values[0],
        segment=NetworkSegment.LGWAN,
        purpose="業務",
        desired_start_on=today,
    )
    approval = ConnectionApproval.objects.create(
        case=connection,
        system=system,
        segment=NetworkSegment.LGWAN,
        target_kind=TargetKind.values[0],
        valid_from=today,
        valid_until=today + dt.timedelta(days=45),
        valid_until_basis="試験",
        status=ApprovalStatus.ACTIVE,
    )
    Deadline.objects.create(
        case=incident,
        subject_type=ContentType.objects.get_for_model(Incident),
        subject_id=str(incident.pk),
        kind=DeadlineKind.PPC_FINAL,
        starts_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(hours=20),
        counting="calendar_days",
        basis="個人情報保護法施行規則第8条",
    )
    return {"check": check, "incident": incident, "event": event, "approval": approval}


def grow(world: dict[str, Any], total: int, dept_b: Any) -> None:
    """Bring the number of cases to about ``total``: budget checks in every state (a third of
    another department), incidents in every severity and phase with legal clocks, network
    connections with approvals expiring at different times, and security events."""
    n = max(0, total - 3)
    budget, incidents, network = n // 2, n // 3, n - n // 2 - n // 3
    statuses = [
        CaseStatus.SUBMITTED,
        CaseStatus.UNDER_REVIEW,
        CaseStatus.AWAITING_APPROVAL,
        CaseStatus.CLOSED,
        CaseStatus.RETURNED,
    ]
    clone_cases(
        world["check"],
        budget,
        lambda i: days_ago(i % 120),
        case={
            "status": lambda i: statuses[i % 5],
            "department_id": lambda i: dept_b.pk if i % 3 == 0 else world["check"].department_id,
        },
    )
    phases = ["triage", "analysis", "containment", "recovery", "closed"]
    incident_ids = clone_cases(
        world["incident"],
        incidents,
        lambda i: days_ago(i % 300),
        severity=lambda i: ["L1", "L2", "L3", "L4"][i % 4],
        phase=lambda i: phases[i % 5],
        reported_to_csirt_at=lambda i: days_ago(i % 300),
        contained_at=lambda i: days_ago(i % 300 - 1) if i % 2 else None,
    )
    clock = Deadline.objects.filter(case=world["incident"]).first()
    assert clock is not None
    clone_rows(
        clock,
        len(incident_ids),
        lambda i, _id: {
            "case_id": incident_ids[i],
            "subject_id": str(incident_ids[i]),
            "kind": DeadlineKind.PPC_FINAL if i % 2 else DeadlineKind.PPC_PRELIMINARY,
            "status": DeadlineStatus.RUNNING if i % 3 else DeadlineStatus.MISSED,
            "due_at": timezone.now() + dt.timedelta(hours=i % 100 - 30),
        },
    )
    connection = world["approval"].case
    case_ids = clone_cases(
        NetworkConnection.objects.get(pk=connection.pk), network, lambda i: days_ago(i % 200)
    )
    clone_rows(
        world["approval"],
        len(case_ids),
        lambda i, _id: {
            "case_id": case_ids[i],
            "valid_until": timezone.localdate() + dt.timedelta(days=i % 400 - 20),
            "status": [ApprovalStatus.ACTIVE, ApprovalStatus.EXPIRED][i % 2],
            "segment": ["lgwan", "internet", "mynumber"][i % 3],
        },
    )
    clone_rows(
        world["event"],
        n // 3,
        lambda i, new_id: {
            "number": f"EV-X{new_id}",
            "received_at": days_ago(i % 20),
            "status": ["new", "dismissed", "promoted"][i % 3],
            "dismiss_reason": "false_positive" if i % 3 == 1 else "",
        },
    )


def _get(client: Any, url: str, django_assert_max_num_queries: Any) -> Any:
    client.get(url)  # warm per-process caches (content types, URL resolvers)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("cases", [10, 1000])
def test_each_dashboard_runs_at_most_10_queries(
    cases: int,
    world: dict[str, Any],
    people: dict[str, Any],
    dept_b: Any,
    login: Any,
    django_assert_max_num_queries: Any,
) -> None:
    grow(world, cases, dept_b)
    from governance.models import Case

    assert Case.objects.count() >= cases
    for role, name in ROLE_OF.items():
        _get(login(people[name]), f"/home/dashboards/{role}/", django_assert_max_num_queries)

"""Cheap bulk data for the dashboards' tests and bench: a few cases driven through the real
flows (one of each kind the dashboards count), then copied N times row by row with
``governance.bulk.insert_rows`` (no flow, no audit event: the dashboards only read), each copy
with its own id, number and moment."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from governance.bulk import insert_rows
from governance.clocks.models import DeadlineKind, DeadlineStatus
from governance.models import (
    ApprovalStatus,
    BudgetSeason,
    Case,
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
    User,
)
from governance.roles import Role
from tests import budget_support, incidents_support
from tests.factories import InformationSystemFactory, make_user


def dashboard_cast(cast: dict[str, User]) -> dict[str, User]:
    """The test cast plus a security reviewer, a network administrator, a CSIRT lead and a
    CISO (each role's dashboard has its holder)."""
    people = dict(cast)
    for name, role in (
        ("security", Role.SECURITY_REVIEWER),
        ("netadmin", Role.NETWORK_ADMIN),
        ("lead", Role.CSIRT_LEAD),
        ("ciso", Role.CISO),
    ):
        people[name] = make_user(name, role)
    return people


def _value(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return value


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def clone_rows(
    template: models.Model,
    count: int,
    change: Callable[[int, int], dict[str, Any]],
    *,
    model: type[models.Model] | None = None,
    first_id: int | None = None,
) -> list[int]:
    """Copy ``template``'s row of ``model``'s own table ``count`` times; ``change(i, new_id)``
    gives the columns (by attname) that differ. Returns the new ids."""
    model = model or type(template)
    fields = list(model._meta.local_concrete_fields)
    start = first_id if first_id is not None else _next_id(model)
    rows = []
    for index in range(count):
        new_id = start + index
        changed = change(index, new_id)
        row = []
        for field in fields:
            if field.primary_key:
                row.append(new_id)
            elif field.attname in changed:
                row.append(_value(field, changed[field.attname]))
            else:
                row.append(_value(field, getattr(template, field.attname)))
        rows.append(row)
    insert_rows(model._meta.db_table, [str(f.column) for f in fields], rows)
    return list(range(start, start + count))


def _pick(values: dict[str, Any], index: int) -> dict[str, Any]:
    return {name: value(index) if callable(value) else value for name, value in values.items()}


def clone_cases(
    template: Case,
    count: int,
    moment: Callable[[int], dt.datetime],
    case: dict[str, Any] | None = None,
    **extra: Any,
) -> list[int]:
    """``count`` copies of a case of any kind (the ``Case`` row and its kind's row), numbered
    ``<number>-X<id>``, created at ``moment(i)``, without a process; ``case`` and ``extra``
    are the columns of the ``Case`` table and of the kind's own table that differ (each a
    value or a function of i)."""
    first = _next_id(Case)
    stamp = template.number[:14]

    def base(index: int, new_id: int) -> dict[str, Any]:
        return {
            "number": f"{stamp}-X{new_id}",
            "sequence": 100000 + new_id,
            "process_id": None,
            "system_id": None,
            "created_at": moment(index),
            "updated_at": moment(index),
            **_pick(case or {}, index),
        }

    ids = clone_rows(template, count, base, model=Case, first_id=first)
    child = type(template)
    if child is not Case:

        def own(index: int, new_id: int) -> dict[str, Any]:
            return _pick(extra, index)

        clone_rows(template, count, own, model=child, first_id=first)
    return ids


def reset_sequences(*models_: type[models.Model]) -> None:
    """After copies with explicit ids, move PostgreSQL's id sequences past them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def days_ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


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


def build_world(people: dict[str, Any], dept_a: Any) -> dict[str, Any]:
    """A budget season with a check and an incident through the real flows; a network
    connection with its approval and a legal clock written directly (the templates of
    ``grow``'s copies)."""
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
    # Retired now, so that the registry's figures are coverage_registry's alone (seed 001's
    # 245); a retired system could not be chosen for the budget check above.
    InformationSystem.objects.filter(pk=system.pk).update(status=InformationSystem.Status.RETIRED)
    return {"check": check, "incident": incident, "event": event, "approval": approval}


def grow(
    world: dict[str, Any],
    total: int,
    dept_b: Any,
    *,
    incident_share: float = 1 / 3,
    network_share: float = 1 / 6,
) -> None:
    """Bring the number of cases to about ``total``: incidents (``incident_share`` of them) in
    every severity and phase, each with a legal clock (a third missed); network connections
    (``network_share``) with approvals expiring at different times; budget checks in every
    state for the rest (a third of another department); as many security events as
    incidents."""
    n = max(0, total - 3)
    incidents, network = int(n * incident_share), int(n * network_share)
    budget = n - incidents - network
    statuses = [
        CaseStatus.SUBMITTED,
        CaseStatus.UNDER_REVIEW,
        CaseStatus.AWAITING_APPROVAL,
        CaseStatus.CLOSED,
        CaseStatus.RETURNED,
    ]
    # Many checks spread over up to ten budget years (as ten years of an office would be):
    # only the current season's are still open.
    years = min(10, 1 + budget // 1000)
    season = world["check"].fiscal_year
    clone_cases(
        world["check"],
        budget,
        lambda i: days_ago((i % years) * 365 + i % 120),
        case={
            "fiscal_year": lambda i: season - i % years,
            "status": lambda i: statuses[i % 5] if i % years == 0 else CaseStatus.CLOSED,
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
        incidents,
        lambda i, new_id: {
            "number": f"EV-X{new_id}",
            "received_at": days_ago(i % 20),
            "status": ["new", "dismissed", "promoted"][i % 3],
            "dismiss_reason": "false_positive" if i % 3 == 1 else "",
        },
    )

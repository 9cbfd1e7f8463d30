"""Registry changes go through services that check who may change which department's systems,
refuse bad input without changing anything, and record one audit event each."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from governance import permissions
from governance.audit.services import verify_chain
from governance.karte import services
from governance.karte.rules import lock_in_status
from governance.models import (
    AuditEvent,
    Contract,
    CostRecord,
    InformationSystem,
    MonitoringEnrolment,
    SystemKind,
)
from tests.factories import InformationSystemFactory, SectionFactory

pytestmark = pytest.mark.django_db


def _create(actor: Any, department: Any, code: str = "S-001", **values: Any) -> InformationSystem:
    return services.create_system(
        actor=actor,
        code=code,
        name=values.pop("name", "試験システム"),
        department=department,
        kind=values.pop("kind", SystemKind.SCRATCH),
        **values,
    )


# --- Registering and editing ----------------------------------------------------------------


def test_department_staff_register_a_system_of_their_department(cast: Any, dept_a: Any) -> None:
    system = _create(cast["staff_a"], dept_a, staff_total=3, staff_it=1)
    event = AuditEvent.objects.get(action="karte.system.create")
    assert event.object_id == str(system.pk)
    assert event.changes["department"] == [None, "総務部"]
    assert event.changes["code"] == [None, "S-001"]
    assert event.actor == cast["staff_a"]


def test_department_staff_registering_for_another_department_is_refused(
    cast: Any, dept_b: Any
) -> None:
    with pytest.raises(PermissionDenied):
        _create(cast["staff_a"], dept_b)
    assert not InformationSystem.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["auditor", "csirt", "admin"])
def test_readers_registering_a_system_are_refused(cast: Any, dept_a: Any, who: str) -> None:
    with pytest.raises(PermissionDenied):
        _create(cast[who], dept_a)
    assert not InformationSystem.objects.exists()


def test_a_code_in_use_is_refused(cast: Any, dept_a: Any) -> None:
    _create(cast["reviewer"], dept_a)
    with pytest.raises(ValueError, match="既に使われています"):
        _create(cast["reviewer"], dept_a, name="別のシステム")
    assert InformationSystem.objects.count() == 1


def test_a_malformed_code_is_refused(cast: Any, dept_a: Any) -> None:
    with pytest.raises(ValueError, match="半角英数字"):
        _create(cast["reviewer"], dept_a, code="コード 1")
    assert not InformationSystem.objects.exists()


def test_a_section_of_another_department_is_refused(cast: Any, dept_a: Any, dept_b: Any) -> None:
    other = SectionFactory.create(department=dept_b, name="財政課")
    with pytest.raises(ValueError, match="属していません"):
        _create(cast["reviewer"], dept_a, section=other)
    assert not InformationSystem.objects.exists()


def test_more_it_staff_than_staff_is_refused(cast: Any, dept_a: Any) -> None:
    system = _create(cast["reviewer"], dept_a, staff_total=2, staff_it=1)
    with pytest.raises(ValueError, match=services.STAFF_IT_EXCEEDS):
        services.update_system(actor=cast["reviewer"], system=system, staff_it=3)
    system.refresh_from_db()
    assert system.staff_it == 1


def test_an_update_records_old_and_new_values_of_what_changed(cast: Any, dept_a: Any) -> None:
    system = _create(cast["staff_a"], dept_a)
    services.update_system(
        actor=cast["staff_a2"], system=system, name="新名称", known_issues="老朽化\r\n"
    )
    event = AuditEvent.objects.get(action="karte.system.update")
    assert event.changes == {
        "name": ["試験システム", "新名称"],
        "known_issues": ["", "老朽化"],
    }
    services.update_system(actor=cast["staff_a2"], system=system, name="新名称")
    assert AuditEvent.objects.filter(action="karte.system.update").count() == 1


def test_department_staff_editing_another_departments_system_is_refused(
    cast: Any, dept_a: Any
) -> None:
    system = _create(cast["staff_a"], dept_a)
    with pytest.raises(PermissionDenied):
        services.update_system(actor=cast["staff_b"], system=system, name="乗っ取り")
    system.refresh_from_db()
    assert system.name == "試験システム"


def test_department_staff_moving_a_system_to_another_department_is_refused(
    cast: Any, dept_a: Any, dept_b: Any
) -> None:
    system = _create(cast["staff_a"], dept_a)
    with pytest.raises(PermissionDenied, match="所管部局"):
        services.update_system(actor=cast["staff_a"], system=system, department=dept_b)
    services.update_system(actor=cast["approver"], system=system, department=dept_b)
    system.refresh_from_db()
    assert system.department == dept_b
    event = AuditEvent.objects.get(action="karte.system.update")
    assert event.changes == {"department": ["総務部", "財務部"]}


@pytest.mark.parametrize("who", ["auditor", "csirt", "admin"])
def test_readers_editing_a_system_are_refused(cast: Any, dept_a: Any, who: str) -> None:
    system = _create(cast["reviewer"], dept_a)
    with pytest.raises(PermissionDenied):
        services.update_system(actor=cast[who], system=system, name="変更")
    assert permissions.can_view_system(cast[who], system)
    assert not permissions.can_edit_system(cast[who], system)


# --- Contracts, costs, monitoring -----------------------------------------------------------


def test_adding_and_deleting_contracts_keeps_the_cached_tenure_right(
    cast: Any, dept_a: Any
) -> None:
    system = _create(cast["staff_a"], dept_a)
    for year in range(2012, 2022):
        services.add_contract(
            actor=cast["staff_a"],
            system=system,
            fiscal_year=year,
            vendor_name="試験情報株式会社",
            contract_type="委託役務",
            amount=1_000_000,
        )
    system.refresh_from_db()
    assert system.tenure_years == 10
    assert lock_in_status(system).flagged is True
    services.delete_contract(
        actor=cast["staff_a"], contract=Contract.objects.get(system=system, fiscal_year=2015)
    )
    system.refresh_from_db()
    assert system.tenure_years == 6
    assert system.tenure_since == 2016
    assert lock_in_status(system).flagged is False
    events = AuditEvent.objects.filter(object_id=str(system.pk)).values_list("action", flat=True)
    assert list(events).count("karte.contract.add") == 10
    assert "karte.contract.delete" in events
    assert verify_chain().ok


def test_the_same_contract_twice_is_refused(cast: Any, dept_a: Any) -> None:
    system = _create(cast["reviewer"], dept_a)
    values: dict[str, Any] = {"fiscal_year": 2021, "vendor_name": "甲社", "contract_type": "リース"}
    services.add_contract(actor=cast["reviewer"], system=system, **values)
    with pytest.raises(ValueError, match=services.CONTRACT_EXISTS):
        services.add_contract(actor=cast["reviewer"], system=system, **values)
    assert Contract.objects.count() == 1


def test_auditors_adding_contracts_is_refused(cast: Any, dept_a: Any) -> None:
    system = InformationSystemFactory.create(department=dept_a)
    with pytest.raises(PermissionDenied, match="監査担当者"):
        services.add_contract(
            actor=cast["auditor"], system=system, fiscal_year=2021, vendor_name="甲社"
        )
    assert not Contract.objects.exists()


def test_cost_figures_are_set_changed_and_removed_with_one_event_each_time(
    cast: Any, dept_a: Any
) -> None:
    system = _create(cast["staff_a"], dept_a)
    key = ("budget", "running", "operation")
    other = ("settlement", "initial", "hardware")
    assert (
        services.set_costs(
            actor=cast["staff_a"], system=system, fiscal_year=2024, figures={key: 1200, other: 5}
        )
        == 2
    )
    assert (
        services.set_costs(
            actor=cast["staff_a"], system=system, fiscal_year=2024, figures={key: 1300, other: None}
        )
        == 2
    )
    assert list(CostRecord.objects.values_list("amount_thousand_yen", flat=True)) == [1300]
    events = AuditEvent.objects.filter(action="karte.costs.update").order_by("sequence")
    assert events.count() == 2
    assert events.last().changes == {  # type: ignore[union-attr]  # two events, counted above
        "2024 budget running operation": [1200, 1300],
        "2024 settlement initial hardware": [5, None],
    }
    assert (
        services.set_costs(
            actor=cast["staff_a"], system=system, fiscal_year=2024, figures={key: 1300}
        )
        == 0
    )


def test_monitoring_is_recorded_and_an_exemption_for_an_enrolled_service_is_refused(
    cast: Any, dept_a: Any
) -> None:
    system = _create(cast["staff_a"], dept_a, internet_facing=True)
    with pytest.raises(ValueError, match=services.ENROLLED_AND_EXEMPT):
        services.set_monitoring(
            actor=cast["staff_a"],
            system=system,
            entries={"cyber_attack": services.Enrolment(True, "", "国の責任")},
        )
    assert not MonitoringEnrolment.objects.exists()
    services.set_monitoring(
        actor=cast["staff_a"],
        system=system,
        entries={"cyber_attack": services.Enrolment(False, "WAF を導入")},
    )
    row = MonitoringEnrolment.objects.get()
    assert (row.enrolled, row.own_measures) == (False, "WAF を導入")
    event = AuditEvent.objects.get(action="karte.monitoring.update")
    assert event.changes == {"cyber_attack": [None, [False, "WAF を導入", ""]]}


def test_other_departments_changing_monitoring_is_refused(cast: Any, dept_a: Any) -> None:
    system = InformationSystemFactory.create(department=dept_a)
    with pytest.raises(PermissionDenied):
        services.set_monitoring(
            actor=cast["staff_b"],
            system=system,
            entries={"web_malware": services.Enrolment(True)},
        )
    assert not MonitoringEnrolment.objects.exists()

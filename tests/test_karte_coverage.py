"""Monitoring coverage: every internet-facing system falls in exactly one category (enrolled,
own measures, exempt, not covered at all), and the report counts them as seed 001 does."""

from __future__ import annotations

from typing import Any

import pytest

from governance.karte.rules import Coverage, coverage_of
from governance.karte.selectors import coverage_report
from governance.models import InformationSystem, MonitoringEnrolment, MonitoringService
from tests.factories import InformationSystemFactory

pytestmark = pytest.mark.django_db


def _system(department: Any, internet: bool = True, **enrolment: Any) -> InformationSystem:
    system = InformationSystemFactory.create(department=department, internet_facing=internet)
    if enrolment:
        service = enrolment.pop("service", MonitoringService.CYBER_ATTACK)
        MonitoringEnrolment.objects.create(system=system, service=service, **enrolment)
    return system


def test_a_system_enrolled_in_any_service_is_enrolled(dept_a: Any) -> None:
    system = _system(dept_a, enrolled=True, service=MonitoringService.RESPONSE_TIME)
    MonitoringEnrolment.objects.create(
        system=system, service=MonitoringService.CYBER_ATTACK, enrolled=False, own_measures="WAF"
    )
    assert coverage_of(system) == Coverage.ENROLLED


def test_own_measures_cover_a_system_that_is_not_enrolled(dept_a: Any) -> None:
    assert coverage_of(_system(dept_a, enrolled=False, own_measures="WAF")) == Coverage.OWN_MEASURES


def test_an_exemption_reason_covers_a_system_without_own_measures(dept_a: Any) -> None:
    system = _system(dept_a, enrolled=False, exemption_reason="国の責任で対策")
    assert coverage_of(system) == Coverage.EXEMPT


def test_own_measures_come_before_an_exemption(dept_a: Any) -> None:
    system = _system(dept_a, enrolled=False, own_measures="IPS", exemption_reason="国")
    assert coverage_of(system) == Coverage.OWN_MEASURES


def test_a_facing_system_with_nothing_recorded_is_not_covered(dept_a: Any) -> None:
    assert coverage_of(_system(dept_a)) == Coverage.UNCOVERED
    assert coverage_of(_system(dept_a, enrolled=False)) == Coverage.UNCOVERED


def test_a_system_not_facing_the_internet_is_outside_the_question(dept_a: Any) -> None:
    assert coverage_of(_system(dept_a, internet=False)) == Coverage.NOT_APPLICABLE


def test_the_report_counts_each_category_and_lists_the_gap_first(
    cast: Any, dept_a: Any, dept_b: Any
) -> None:
    for _ in range(3):
        _system(dept_a, enrolled=True)
    for _ in range(2):
        _system(dept_b, enrolled=False, own_measures="WAF")
    _system(dept_a, enrolled=False, exemption_reason="国等がセキュリティ対策の責任を有する")
    gap = _system(dept_b)
    _system(dept_a, internet=False)
    report = coverage_report(cast["auditor"])
    assert report.total == 8
    assert report.internet_facing == 7
    assert report.not_enrolled == 4
    assert report.counts[Coverage.ENROLLED] == 3
    assert report.counts[Coverage.OWN_MEASURES] == 2
    assert report.counts[Coverage.EXEMPT] == 1
    assert report.counts[Coverage.UNCOVERED] == 1
    assert report.attention[0] == gap
    assert report.exemption_reasons == [("国等がセキュリティ対策の責任を有する", 1)]
    assert dict(report.by_department)["財務部"] == {"own_measures": 2, "uncovered": 1}


def test_department_staff_get_the_report_of_their_own_department_only(
    cast: Any, dept_a: Any, dept_b: Any
) -> None:
    _system(dept_a, enrolled=True)
    _system(dept_b)
    report = coverage_report(cast["staff_a"])
    assert report.internet_facing == 1
    assert report.counts.get(Coverage.UNCOVERED, 0) == 0
    outsider = coverage_report(cast["staff_b"])
    assert outsider.counts[Coverage.UNCOVERED] == 1
    assert outsider.counts.get(Coverage.ENROLLED, 0) == 0

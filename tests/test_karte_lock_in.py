"""Lock-in: a customisable system run by one vendor for the rule's years in a row is flagged,
live and in the cached columns alike; other kinds never are."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.karte.rules import (
    lock_in_q,
    lock_in_status,
    refresh_tenures,
    tenures_of,
    vendor_tenure,
)
from governance.models import InformationSystem, Rule, RuleKey, SystemKind
from tests.factories import ContractFactory, InformationSystemFactory, VendorFactory

pytestmark = pytest.mark.django_db


def _run(system: InformationSystem, vendor: Any, first: int, last: int, **kwargs: Any) -> None:
    for year in range(first, last + 1):
        ContractFactory.create(system=system, vendor=vendor, fiscal_year=year, **kwargs)


def _flagged_in_sql(system: InformationSystem) -> bool:
    refresh_tenures([system.pk])
    return InformationSystem.objects.filter(lock_in_q(), pk=system.pk).exists()


def test_nine_years_with_one_vendor_is_not_flagged() -> None:
    system = InformationSystemFactory.create(kind=SystemKind.SCRATCH)
    _run(system, VendorFactory.create(), 2013, 2021)
    status = lock_in_status(system)
    assert status.tenure.years == 9
    assert status.flagged is False
    assert _flagged_in_sql(system) is False


def test_ten_years_with_one_vendor_is_flagged() -> None:
    system = InformationSystemFactory.create(kind=SystemKind.PACKAGE_CUSTOMISATION)
    vendor = VendorFactory.create()
    _run(system, vendor, 2012, 2021)
    status = lock_in_status(system)
    assert status.tenure.years == 10
    assert status.tenure.since_fiscal_year == 2012
    assert status.tenure.vendor_name == vendor.name
    assert status.flagged is True
    assert status.threshold_years == 10
    assert _flagged_in_sql(system) is True


def test_access_built_systems_are_customisable_and_flagged() -> None:
    system = InformationSystemFactory.create(kind=SystemKind.SCRATCH_ACCESS)
    _run(system, VendorFactory.create(), 2000, 2021)
    assert lock_in_status(system).flagged is True
    assert _flagged_in_sql(system) is True


def test_a_vendor_change_restarts_the_count() -> None:
    system = InformationSystemFactory.create(kind=SystemKind.SCRATCH)
    old, new = VendorFactory.create(), VendorFactory.create()
    _run(system, old, 2000, 2014)
    _run(system, new, 2015, 2021)
    status = lock_in_status(system)
    assert status.tenure.vendor_id == new.pk
    assert status.tenure.years == 7
    assert status.flagged is False
    assert _flagged_in_sql(system) is False


def test_a_year_without_a_contract_restarts_the_count() -> None:
    system = InformationSystemFactory.create(kind=SystemKind.SCRATCH)
    vendor = VendorFactory.create()
    _run(system, vendor, 2005, 2012)
    _run(system, vendor, 2014, 2021)
    assert vendor_tenure(system).years == 8
    assert lock_in_status(system).flagged is False
    assert _flagged_in_sql(system) is False


@pytest.mark.parametrize(
    "kind",
    [
        SystemKind.NETWORK,
        SystemKind.SHARED_INFRASTRUCTURE,
        SystemKind.NATIONAL_SYSTEM,
        SystemKind.SERVICE_USE,
    ],
)
def test_kinds_that_cannot_be_customised_are_never_flagged(kind: str) -> None:
    system = InformationSystemFactory.create(kind=kind)
    _run(system, VendorFactory.create(), 1995, 2021)
    status = lock_in_status(system)
    assert status.tenure.years == 27
    assert status.customisable is False
    assert status.flagged is False
    assert _flagged_in_sql(system) is False


def test_the_vendor_of_a_year_is_the_one_with_the_largest_total_amount() -> None:
    system = InformationSystemFactory.create(kind=SystemKind.SCRATCH)
    main, lease = VendorFactory.create(), VendorFactory.create()
    _run(system, main, 2010, 2021, amount=5_000_000)
    # A lease with another vendor each year does not break the main vendor's tenure...
    _run(system, lease, 2010, 2021, amount=1_000_000, contract_type="リース")
    assert vendor_tenure(system).vendor_id == main.pk
    assert lock_in_status(system).flagged is True
    # ...but a year in which the other vendor received more does.
    ContractFactory.create(
        system=system, vendor=lease, fiscal_year=2016, amount=9_000_000, contract_type="更改"
    )
    assert vendor_tenure(system).years == 5
    assert lock_in_status(system).flagged is False
    assert _flagged_in_sql(system) is False


def test_a_new_version_of_the_rule_judges_systems_whose_latest_year_it_covers() -> None:
    Rule.objects.create(key=RuleKey.LOCK_IN_YEARS, effective_from=2020, value=8, basis="試験")
    judged_by_new = InformationSystemFactory.create(kind=SystemKind.SCRATCH)
    _run(judged_by_new, VendorFactory.create(), 2013, 2021)  # 9 years, latest 2021: rule 8
    judged_by_old = InformationSystemFactory.create(kind=SystemKind.SCRATCH)
    _run(judged_by_old, VendorFactory.create(), 2011, 2019)  # 9 years, latest 2019: rule 10
    assert lock_in_status(judged_by_new).flagged is True
    assert lock_in_status(judged_by_new).threshold_years == 8
    assert lock_in_status(judged_by_old).flagged is False
    assert _flagged_in_sql(judged_by_new) is True
    assert _flagged_in_sql(judged_by_old) is False


def test_a_system_without_contracts_is_not_flagged() -> None:
    system = InformationSystemFactory.create(kind=SystemKind.SCRATCH)
    status = lock_in_status(system)
    assert status.tenure.years == 0
    assert status.flagged is False
    assert _flagged_in_sql(system) is False


def test_bulk_tenures_match_the_live_computation_in_one_query() -> None:
    systems = []
    for index in range(6):
        system = InformationSystemFactory.create()
        _run(system, VendorFactory.create(), 2021 - 3 * index, 2021)
        systems.append(system)
    with CaptureQueriesContext(connection) as queries:
        tenures = tenures_of([system.pk for system in systems])
    assert len(queries) == 1
    for system in systems:
        assert tenures[system.pk] == vendor_tenure(system)


def test_refreshing_cached_tenures_takes_the_same_queries_for_few_or_many_systems() -> None:
    few = [InformationSystemFactory.create() for _ in range(2)]
    many = [InformationSystemFactory.create() for _ in range(30)]
    for system in few + many:
        _run(system, VendorFactory.create(), 2015, 2021)
    with CaptureQueriesContext(connection) as small:
        refresh_tenures([system.pk for system in few])
    with CaptureQueriesContext(connection) as large:
        refresh_tenures([system.pk for system in many])
    assert len(small) == len(large)
    assert InformationSystem.objects.filter(tenure_years=7).count() == 32


def test_refreshing_unchanged_tenures_writes_nothing() -> None:
    system = InformationSystemFactory.create()
    _run(system, VendorFactory.create(), 2015, 2021)
    assert refresh_tenures([system.pk]) == 1
    assert refresh_tenures([system.pk]) == 0
    assert refresh_tenures() == 0

"""The demo registry reproduces the source documents' figures (seed 000, 001, 002), marks what
is made up, and loading it twice changes nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db.models import Count

from governance.demo import load_all
from governance.karte.rules import Coverage, lock_in_status
from governance.karte.selectors import coverage_report, lock_in_report
from governance.models import AuditEvent, InformationSystem, SystemKind, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Any, tmp_path: Any) -> None:
    """The organisation and the registry step only: later steps (a budget check for a new
    system) legitimately add systems of their own."""
    from governance.karte import demo as karte
    from governance.org import demo as org

    settings.VAR_DIR = tmp_path  # the demo keeps its passwords there
    org.load(io.StringIO())
    karte.load(io.StringIO())


def test_the_registry_has_the_kind_mix_of_seed_000(demo: None) -> None:
    kinds = dict(InformationSystem.objects.values_list("kind").annotate(n=Count("pk")))
    assert sum(kinds.values()) == 245
    assert kinds[SystemKind.PACKAGE_CUSTOMISATION] == 34
    assert kinds[SystemKind.SCRATCH] + kinds[SystemKind.SCRATCH_ACCESS] == 69
    assert kinds[SystemKind.SCRATCH_ACCESS] == 26
    assert InformationSystem.objects.filter(is_synthetic=False).count() == 39


def test_the_lock_in_report_lists_the_39_systems_of_seed_002_and_their_total(
    demo: None,
) -> None:
    report = lock_in_report(User.objects.get(username="auditor"))
    assert len(report.rows) == 39
    assert report.total_budget == 2_987_046
    assert all(not row.system.is_synthetic for row in report.rows)
    assert all(row.budget_year in (2021, None) for row in report.rows)
    first = report.rows[0]
    assert (first.system.name, first.budget) == ("総務事務システム", 1_200_005)
    # The live rule agrees with the cached columns the report uses, for every system.
    flagged = {s.code for s in InformationSystem.objects.all() if lock_in_status(s).flagged}
    assert flagged == {row.system.code for row in report.rows}


def test_the_coverage_figures_are_those_of_seed_001(demo: None) -> None:
    report = coverage_report(User.objects.get(username="auditor"))
    assert report.total == 245
    assert report.internet_facing == 67
    assert report.not_enrolled == 35
    assert report.counts[Coverage.OWN_MEASURES] == 26
    assert report.counts[Coverage.EXEMPT] == 9
    assert report.counts.get(Coverage.UNCOVERED, 0) == 0
    assert [n for _reason, n in report.exemption_reasons] == [8, 1]


def test_loading_the_demo_again_changes_nothing(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    load_all(stdout=io.StringIO())
    systems = list(InformationSystem.objects.values_list("code", "name", "updated_at"))
    events = AuditEvent.objects.count()
    load_all(stdout=io.StringIO())
    assert list(InformationSystem.objects.values_list("code", "name", "updated_at")) == systems
    assert AuditEvent.objects.count() == events

"""The rows the data migrations seed come back for every transactional test.

Transactional tests (browser journeys, races, real workers) end with a flush that empties
every table; the rules in force, the lock-in terms, the incident intake sources and the
network checklist are seeded again before each of them (``_reseed_after_flush``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from governance.models import Rule, RuleKey
from tests.conftest import _seeding_migrations

SEEDED = {
    "0004_seed_rules",
    "0009_seed_lock_in_terms",
    "0012_seed_clock_rules",
    "0015_network_connection",
    "0016_incidents",
    "0020_reporting_obligations",
    "0022_activity_figures",
    "0025_desk",
    "0027_escalation",
}


def test_every_seeding_migration_is_found_by_its_marker() -> None:
    names = {module.__name__.rsplit(".", 1)[1] for module in _seeding_migrations()}
    assert names >= SEEDED


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("governance").get_models()
    }


@pytest.mark.django_db
def test_seeding_again_adds_nothing() -> None:
    before = _row_counts()
    for module in _seeding_migrations():
        module.forward(apps, None)
    assert _row_counts() == before


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_finds_the_seeded_rules_after_a_flush(django_db_blocker: Any) -> None:
    # Whatever ran before (a flush empties the rule table), the rules in force are here.
    assert Rule.objects.filter(key=RuleKey.SPEC_REVIEW_THRESHOLD).exists()
    assert Rule.objects.filter(key=RuleKey.PPC_PERSONS_THRESHOLD).exists()
    Rule.objects.all().delete()  # what a flush does; the next transactional test must not care


@pytest.mark.django_db(transaction=True)
def test_the_next_transactional_test_has_them_again() -> None:
    assert Rule.objects.filter(key=RuleKey.SPEC_REVIEW_THRESHOLD).exists()

"""The demo holds a budget season and budget checks in every state of the flow, made through
the flow and the services, and loading it again changes nothing."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from governance.audit.services import verify_chain
from governance.models import (
    AuditEvent,
    BudgetCheck,
    BudgetSeason,
    CaseStatus,
    DocumentVersion,
    InformationSystem,
    LedgerStatus,
    User,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_var_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("governance").get_models()
    }


def test_demo_has_a_season_and_budget_checks_in_every_state(run_jobs: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    # The season's cases run through the flow; 令和6年度's ledger (190 checks and a withdrawn
    # one, for the annual report) is carried over as closed cases without a workflow.
    checks = BudgetCheck.objects.filter(process__isnull=False)
    carried = BudgetCheck.objects.filter(process__isnull=True)
    assert carried.exclude(status=CaseStatus.WITHDRAWN).count() == 190
    assert set(carried.values_list("status", flat=True)) <= {
        CaseStatus.CLOSED,
        CaseStatus.WITHDRAWN,
    }
    statuses = sorted(checks.values_list("status", flat=True))
    assert statuses == sorted(
        [
            CaseStatus.CLOSED,
            CaseStatus.SUBMITTED,
            CaseStatus.SUBMITTED,
            CaseStatus.RETURNED,
            CaseStatus.AWAITING_APPROVAL,
            CaseStatus.AWAITING_ACKNOWLEDGEMENT,
        ]
    )
    season = BudgetSeason.objects.get()
    assert checks.filter(season=season).count() == 5
    assert InformationSystem.objects.filter(name="ふるさと納税寄附受付サービス").exists()
    closed = checks.get(status=CaseStatus.CLOSED)
    # The department's report awaits the reviewer's confirmation (対応報告).
    assert sorted(closed.guidanceitems.values_list("status", flat=True)) == [
        LedgerStatus.OPEN,
        LedgerStatus.REPORTED,
    ]
    run_jobs()
    assert DocumentVersion.objects.filter(document__template="budget_check_result").count() == 2
    assert verify_chain().ok

    # Next year's check of the same system shows last year's open item to the department.
    current = checks.get(system=closed.system, fiscal_year=closed.fiscal_year + 1)
    client = Client()
    client.force_login(User.objects.get(username="staff_somu"))
    page = client.get(f"/home/cases/{current.pk}/", follow=True).content.decode()
    assert "前年度以前の未対応の指導事項があります" in page


def test_loading_the_demo_twice_changes_nothing() -> None:
    call_command("load_demo", stdout=StringIO())
    before = _counts()
    events = AuditEvent.objects.count()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == before
    assert AuditEvent.objects.count() == events
    assert "予算確認のデモデータは登録済みです。" in out.getvalue()

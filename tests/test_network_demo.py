"""The demo holds a dozen network connections across departments, segments and states, made
through the flow, consistent with the registry; loading it again changes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from governance.audit.services import verify_chain
from governance.models import (
    ApprovalReview,
    ApprovalStatus,
    CaseStatus,
    ConnectionApproval,
    ConnectionCondition,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    LedgerStatus,
    MonitoredTarget,
    NetworkAsset,
    NetworkConnection,
    ReviewTrigger,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_var_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True


def test_the_demo_has_network_connections_in_every_state_and_loading_again_changes_nothing(
    run_jobs: Any,
) -> None:
    call_command("load_demo", stdout=StringIO())
    run_jobs()
    today = timezone.localdate()
    cases = NetworkConnection.objects.all()
    assert cases.count() == 12
    assert cases.values("department").distinct().count() == 4
    assert set(cases.values_list("segment", flat=True)) == {
        "internet",
        "lgwan",
        "mynumber",
        "closed_other",
    }
    statuses = set(cases.values_list("status", flat=True))
    assert {
        CaseStatus.CLOSED,
        CaseStatus.APPROVED,
        CaseStatus.AWAITING_APPROVAL,
        CaseStatus.RETURNED,
        CaseStatus.UNDER_REVIEW,
    } <= statuses
    approvals = ConnectionApproval.objects.all()
    labels = {approval.status_label(today) for approval in approvals}
    assert {"接続中", "緊急遮断中", "承認済・未接続", "接続承認期限切れ"} <= labels
    # One expiring within 60 days, still in force; one suspended with the approver's task.
    assert approvals.filter(
        status=ApprovalStatus.ACTIVE, valid_until__lte=today + dt.timedelta(days=60)
    ).exists()
    assert (
        ApprovalReview.objects.filter(trigger=ReviewTrigger.SUSPENSION, resolution="").count() == 1
    )
    # One condition long overdue: its clock is missed and it opened a review task.
    overdue = ConnectionCondition.objects.filter(status=LedgerStatus.OPEN, due_date__lt=today)
    assert overdue.count() == 1
    assert (
        Deadline.objects.filter(
            kind=DeadlineKind.NC_CONDITION, status=DeadlineStatus.MISSED
        ).count()
        == 1
    )
    assert ApprovalReview.objects.filter(trigger=ReviewTrigger.CONDITION_OVERDUE).count() == 1
    # The registry holds the equipment the approvals name, and a monitored URL.
    assert NetworkAsset.objects.filter(approvals__isnull=False).distinct().count() >= 6
    assert MonitoredTarget.objects.filter(system__code="DEMO-NW-SOMU-01").exists()
    for approval in approvals:
        assert approval.system_id == approval.case.system_id
    assert verify_chain().ok

    before = (NetworkConnection.objects.count(), ConnectionApproval.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (NetworkConnection.objects.count(), ConnectionApproval.objects.count()) == before

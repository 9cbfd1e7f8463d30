"""The spec review demo data loads through the real flow, shows each kind of case, and loads
again without duplicating anything."""

from __future__ import annotations

import io
from typing import Any

import pytest
from viewflow.workflow.status import STATUS

from governance.karte.rules import lock_in_status
from governance.models import AdvisoryDocument, CaseStatus, InformationSystem, SpecReview
from governance.org import demo as org
from governance.spec_review import demo as demo_spec

pytestmark = pytest.mark.django_db


def test_the_demo_holds_mandatory_optional_and_exempt_cases(
    settings: Any, tmp_path: Any, run_jobs: Any
) -> None:
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    org.load(out)
    demo_spec.load(out)
    run_jobs()

    cases = {review.title: review for review in SpecReview.objects.all()}
    approved = cases["職員健康管理システム運用保守業務委託"]
    assert (approved.mandatory, approved.status) == (True, CaseStatus.APPROVED)
    assert approved.versions.count() == 2
    assert AdvisoryDocument.objects.get(case=approved).versions.count() == 1
    assert approved.process is not None and approved.process.status == "DONE"

    waiting = cases["税務情報システム機器更新（賃貸借）"]
    assert (waiting.mandatory, waiting.status) == (True, CaseStatus.SUBMITTED)
    assert waiting.process is not None
    task = waiting.process.task_set.get(status=STATUS.ASSIGNED)
    assert task.owner is not None and task.owner.username == "reviewer2"
    assert waiting.system is not None
    assert lock_in_status(waiting.system).flagged is True

    optional = cases["会議室予約システム構築"]
    assert (optional.mandatory, optional.review_requested) == (False, True)
    assert cases["窓口用タブレット端末の購入"].status == CaseStatus.CLOSED

    demo_spec.load(out)
    assert SpecReview.objects.count() == 4
    assert InformationSystem.objects.filter(code__startswith="DEMO-SR-").count() == 2

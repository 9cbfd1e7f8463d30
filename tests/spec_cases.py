"""Spec review cases driven through the services (no flow), for service and document tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.models import (
    Finding,
    LedgerStatus,
    Perspective,
    SpecReview,
    SpecReviewRound,
    SpecScanResult,
)
from governance.spec_review import services
from tests.spec_docs import clean_spec, docx_upload, locked_in_spec

ALL_OK = {p.value: ("ok", "") for p in Perspective}


def register(staff: Any, **overrides: Any) -> SpecReview:
    values: dict[str, Any] = {
        "title": "税務システム再構築",
        "fiscal_year": 2025,
        "procurement_type": "service",
        "estimated_price": 48_500_000,
        "contract_board_date": dt.date(2025, 10, 1),
        "spec_file": docx_upload(locked_in_spec()),
    }
    values.update(overrides)
    return services.register_spec_review(actor=staff, **values)


def decide_all_drafts(reviewer: Any, review: SpecReview, accept: tuple[str, ...] = ()) -> None:
    """Accept the drafts whose phrase is in ``accept``; dismiss the rest."""
    for result in SpecScanResult.objects.filter(
        version__review=review, status=SpecScanResult.Status.PENDING
    ):
        if result.phrase in accept:
            services.accept_scan_result(actor=reviewer, review=review, result=result)
        else:
            services.dismiss_scan_result(
                actor=reviewer, review=review, result=result, reason="別紙で規定済み"
            )


def approved_review(cast: Any, before_approval: Any = None, **overrides: Any) -> SpecReview:
    """A mandatory review through one return, one resubmission and approval
    (``before_approval(review)`` runs while the approval waits: the approver opening files)."""
    staff, reviewer = cast["staff_a"], cast["reviewer"]
    review = register(staff, **overrides)
    decide_all_drafts(reviewer, review, accept=("Oracle", "同等品不可"))
    services.add_finding(
        actor=reviewer,
        review=review,
        perspective=Perspective.SECURITY,
        text="ログの保存期間が定められていません。",
        requested_revision="操作ログを1年以上保存することを明記してください。",
    )
    checklist = {**ALL_OK, "neutrality": ("issue", ""), "security": ("issue", "")}
    services.complete_review(
        actor=reviewer,
        review=review,
        checklist=checklist,
        decision=SpecReviewRound.Decision.RETURNED,
    )
    findings = list(Finding.objects.filter(case=review).order_by("number"))
    services.resubmit_spec(
        actor=staff,
        review=review,
        spec_file=docx_upload(clean_spec(), "仕様書v2.docx"),
        answers={f.pk: f"指摘{f.number}のとおり修正しました。" for f in findings},
    )
    for finding in findings:
        services.settle_finding(
            actor=reviewer,
            review=review,
            finding=finding,
            status=LedgerStatus.RESOLVED,
            resolution="第2版で修正を確認",
        )
    services.complete_review(
        actor=reviewer,
        review=review,
        checklist={**ALL_OK, "security": ("ok", "ログ保存期間を確認")},
        decision=SpecReviewRound.Decision.TO_APPROVAL,
    )
    if before_approval is not None:
        before_approval(review)
        review.refresh_from_db()
    services.approve_spec_review(actor=cast["approver"], review=review)
    review.refresh_from_db()
    return review


def locked_in_system(department: Any) -> Any:
    """A scratch-built system of ``department`` run by the same vendor for 12 years (2013–2024),
    so the registry flags it as locked in."""
    from governance.karte.rules import refresh_tenures
    from governance.models import Contract, SystemKind, Vendor
    from tests.factories import InformationSystemFactory

    system = InformationSystemFactory.create(
        department=department, kind=SystemKind.SCRATCH, name="税務総合システム"
    )
    vendor, _created = Vendor.objects.get_or_create(name="大阪情報サービス株式会社")
    for year in range(2013, 2025):
        Contract.objects.create(
            system=system, fiscal_year=year, vendor=vendor, contract_type="保守", amount=1000
        )
    refresh_tenures([system.pk])
    return system

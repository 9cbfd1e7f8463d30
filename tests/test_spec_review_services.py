"""Spec review services refuse every out-of-turn or out-of-role change with a Japanese reason
and change nothing; a mandatory case reaches the contract board only after approval."""

from __future__ import annotations

from typing import Any

import pytest

from governance import permissions
from governance.models import (
    AuditEvent,
    CaseStatus,
    Finding,
    LedgerStatus,
    Perspective,
    SpecReview,
    SpecReviewRound,
)
from governance.spec_review import services
from tests.spec_cases import ALL_OK, approved_review, decide_all_drafts, register
from tests.spec_docs import clean_spec, docx_upload

pytestmark = pytest.mark.django_db


def returned_review(cast: Any) -> SpecReview:
    review = register(cast["staff_a"])
    decide_all_drafts(cast["reviewer"], review, accept=("Oracle",))
    services.complete_review(
        actor=cast["reviewer"],
        review=review,
        checklist={**ALL_OK, "neutrality": ("issue", "")},
        decision=SpecReviewRound.Decision.RETURNED,
    )
    return review


def test_a_mandatory_case_is_refused_readiness_for_the_board_until_approved(cast: Any) -> None:
    review = returned_review(cast)
    with pytest.raises(ValueError, match=services.MANDATORY_NOT_APPROVED):
        services.mark_ready_for_contract_board(actor=cast["staff_a"], review=review)
    review.refresh_from_db()
    assert review.ready_for_board_at is None
    assert not AuditEvent.objects.filter(action="spec_review.ready_for_board").exists()


def test_an_approved_mandatory_case_may_be_marked_ready_by_its_department_only(
    cast: Any,
) -> None:
    review = approved_review(cast)
    with pytest.raises(permissions.PermissionDenied, match=permissions.OTHER_DEPARTMENT):
        services.mark_ready_for_contract_board(actor=cast["staff_b"], review=review)
    with pytest.raises(permissions.PermissionDenied):
        services.mark_ready_for_contract_board(actor=cast["reviewer"], review=review)
    services.mark_ready_for_contract_board(actor=cast["staff_a2"], review=review)
    review.refresh_from_db()
    assert review.ready_for_board_by == cast["staff_a2"]
    event = AuditEvent.objects.get(action="spec_review.ready_for_board")
    assert event.changes["mandatory"] == [None, True]


def test_an_optional_review_in_progress_holds_back_the_board_until_approved(cast: Any) -> None:
    # Issue 17 item 9: the department asked for the review, so the board waits for its answer.
    review = register(
        cast["staff_a"], estimated_price=20_000_000, contract_board_date=None, review_requested=True
    )
    assert review.status == CaseStatus.SUBMITTED
    with pytest.raises(ValueError, match=services.OPTIONAL_STILL_OPEN):
        services.mark_ready_for_contract_board(actor=cast["staff_a"], review=review)
    review.refresh_from_db()
    assert review.ready_for_board_at is None
    assert not AuditEvent.objects.filter(action="spec_review.ready_for_board").exists()


def test_a_procurement_below_the_threshold_without_a_review_may_go_to_the_board(
    cast: Any,
) -> None:
    review = register(
        cast["staff_a"],
        estimated_price=20_000_000,
        contract_board_date=None,
        review_requested=False,
    )
    services.mark_ready_for_contract_board(actor=cast["staff_a"], review=review)
    assert review.ready_for_board_at is not None


def test_the_requester_cannot_review_their_own_case(cast: Any) -> None:
    from django.contrib.auth.models import Group

    cast["staff_a"].groups.add(Group.objects.get(name="governance_reviewer"))
    review = register(cast["staff_a"])
    with pytest.raises(permissions.PermissionDenied, match=permissions.REQUESTER_CANNOT_REVIEW):
        services.add_finding(
            actor=cast["staff_a"],
            review=review,
            perspective=Perspective.SECURITY,
            text="t",
            requested_revision="r",
        )
    assert not Finding.objects.exists()


def test_findings_need_a_perspective_a_text_and_a_requested_revision(cast: Any) -> None:
    review = register(cast["staff_a"])
    with pytest.raises(ValueError, match=services.FINDING_TEXT_REQUIRED):
        services.add_finding(
            actor=cast["reviewer"],
            review=review,
            perspective=Perspective.SECURITY,
            text="ログ要件がない",
            requested_revision=" ",
        )
    with pytest.raises(ValueError, match=services.UNKNOWN_PERSPECTIVE):
        services.add_finding(
            actor=cast["reviewer"], review=review, perspective="x", text="t", requested_revision="r"
        )
    assert not Finding.objects.exists()
    review.refresh_from_db()
    assert review.status == CaseStatus.SUBMITTED


def test_the_checklist_must_agree_with_the_findings(cast: Any) -> None:
    review = register(cast["staff_a"], spec_file=docx_upload(clean_spec()))
    incomplete = dict(ALL_OK)
    incomplete.pop("schedule")
    with pytest.raises(ValueError, match="スケジュールの妥当性"):
        services.complete_review(
            actor=cast["reviewer"], review=review, checklist=incomplete, decision="to_approval"
        )
    with pytest.raises(ValueError, match="この観点の指摘事項がありません"):
        services.complete_review(
            actor=cast["reviewer"],
            review=review,
            checklist={**ALL_OK, "security": ("issue", "")},
            decision="to_approval",
        )
    services.add_finding(
        actor=cast["reviewer"],
        review=review,
        perspective=Perspective.SECURITY,
        text="ログ要件がない",
        requested_revision="ログ要件を追加",
    )
    with pytest.raises(ValueError, match="未対応の指摘事項があるため"):
        services.complete_review(
            actor=cast["reviewer"], review=review, checklist=ALL_OK, decision="returned"
        )
    assert not review.rounds.exists()


def test_a_round_without_open_findings_cannot_be_returned(cast: Any) -> None:
    review = register(cast["staff_a"], spec_file=docx_upload(clean_spec()))
    with pytest.raises(ValueError, match=services.RETURN_WITHOUT_OPEN_FINDINGS):
        services.complete_review(
            actor=cast["reviewer"], review=review, checklist=ALL_OK, decision="returned"
        )
    review.refresh_from_db()
    assert review.status == CaseStatus.SUBMITTED


def test_resubmission_needs_an_answer_to_every_open_finding_and_a_new_spec(cast: Any) -> None:
    review = returned_review(cast)
    finding = review.findings.get()
    with pytest.raises(ValueError, match="指摘1への回答を入力してください"):
        services.resubmit_spec(
            actor=cast["staff_a"],
            review=review,
            spec_file=docx_upload(clean_spec()),
            answers={finding.pk: "  "},
        )
    with pytest.raises(ValueError, match=services.SPEC_REQUIRED):
        services.resubmit_spec(
            actor=cast["staff_a"], review=review, spec_file=None, answers={finding.pk: "対応"}
        )
    with pytest.raises(permissions.PermissionDenied, match=permissions.OTHER_DEPARTMENT):
        services.resubmit_spec(
            actor=cast["staff_b"],
            review=review,
            spec_file=docx_upload(clean_spec()),
            answers={finding.pk: "対応"},
        )
    review.refresh_from_db()
    assert review.status == CaseStatus.RETURNED
    assert review.versions.count() == 1


def test_a_colleague_of_the_requester_may_resubmit(cast: Any) -> None:
    review = returned_review(cast)
    finding = review.findings.get()
    version = services.resubmit_spec(
        actor=cast["staff_a2"],
        review=review,
        spec_file=docx_upload(clean_spec()),
        answers={finding.pk: "製品名を削除しました。"},
    )
    assert version.number == 2
    finding.refresh_from_db()
    assert (finding.answered_by, finding.answered_on) == (cast["staff_a2"], version)


def test_steps_out_of_turn_are_refused(cast: Any) -> None:
    review = register(cast["staff_a"], spec_file=docx_upload(clean_spec()))
    with pytest.raises(ValueError, match=services.NOT_RETURNED):
        services.resubmit_spec(
            actor=cast["staff_a"], review=review, spec_file=docx_upload(clean_spec()), answers={}
        )
    with pytest.raises(ValueError, match=services.NOT_AWAITING_APPROVAL):
        services.approve_spec_review(actor=cast["approver"], review=review)
    services.complete_review(
        actor=cast["reviewer"], review=review, checklist=ALL_OK, decision="to_approval"
    )
    with pytest.raises(ValueError, match=services.NOT_REVIEWABLE):
        services.add_finding(
            actor=cast["reviewer2"],
            review=review,
            perspective=Perspective.SECURITY,
            text="t",
            requested_revision="r",
        )
    with pytest.raises(ValueError, match=services.RETURN_REASON_REQUIRED):
        services.return_to_reviewer(actor=cast["approver"], review=review, reason="")
    review.refresh_from_db()
    assert review.status == CaseStatus.AWAITING_APPROVAL


def test_a_case_closed_at_registration_takes_no_review(cast: Any) -> None:
    review = register(cast["staff_a"], estimated_price=1_000_000, contract_board_date=None)
    assert review.status == CaseStatus.CLOSED
    with pytest.raises(ValueError, match=services.NOT_REVIEWABLE):
        services.complete_review(
            actor=cast["reviewer"], review=review, checklist=ALL_OK, decision="to_approval"
        )


def test_settling_a_finding_needs_a_resolution_and_can_be_undone(cast: Any) -> None:
    review = returned_review(cast)
    finding = review.findings.get()
    services.resubmit_spec(
        actor=cast["staff_a"],
        review=review,
        spec_file=docx_upload(clean_spec()),
        answers={finding.pk: "削除しました"},
    )
    with pytest.raises(ValueError, match=services.RESOLUTION_REQUIRED):
        services.settle_finding(
            actor=cast["reviewer"], review=review, finding=finding, status=LedgerStatus.WAIVED
        )
    services.settle_finding(
        actor=cast["reviewer"],
        review=review,
        finding=finding,
        status=LedgerStatus.RESOLVED,
        resolution="第2版で確認",
    )
    services.settle_finding(
        actor=cast["reviewer"], review=review, finding=finding, status=LedgerStatus.OPEN
    )
    finding.refresh_from_db()
    assert (finding.status, finding.resolution, finding.resolved_by) == ("open", "", None)
    events = AuditEvent.objects.filter(action="spec_review.finding.settle")
    assert [e.changes["status"] for e in events] == [["open", "resolved"], ["resolved", "open"]]

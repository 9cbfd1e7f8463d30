"""Every human decision leaves one sealed, append-only record of what the decider saw: editing or
deleting a record breaks ``verify_audit``, and PostgreSQL refuses to change it at all."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from forms import budget as budget_forms
from governance.consultation import services as consultation_services
from governance.decisions.services import verify_decision_seals
from governance.models import (
    DecisionRecord,
    EvidenceAccess,
    SpecReview,
    SpecReviewRound,
)
from governance.spec_review import services as spec_services
from tests import budget_support as support
from tests.factories import InformationSystemFactory
from tests.spec_cases import ALL_OK, approved_review, decide_all_drafts, register
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").split(":")[0] in ("postgres", "postgresql")
postgresql_only = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="the database-level guard is a PostgreSQL trigger"
)


@pytest.fixture
def system(dept_a: Any) -> Any:
    return InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )


def _decisions(case: Any) -> list[str]:
    return list(
        DecisionRecord.objects.filter(case_id=case.pk)
        .order_by("decided_at", "pk")
        .values_list("decision", flat=True)
    )


def test_a_spec_review_leaves_one_record_per_decision_with_its_snapshot(cast: Any) -> None:
    review = approved_review(cast)
    assert _decisions(review) == [
        "spec_review.round_returned",
        "spec_review.round_to_approval",
        "spec_review.approve",
    ]
    approval = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    assert approval.decision_label == "決裁（承認）"
    assert approval.decided_by == cast["approver"]
    assert approval.decided_by_roles == [
        {"code": "governance_approver", "label": "決裁者（課長・参事）"}
    ]
    assert approval.inputs["case"]["estimated_price"] == 48_500_000
    assert approval.inputs["case"]["requester"]["id"] == cast["staff_a"].pk
    assert approval.rule_snapshot["key"] == "spec_review_threshold"
    assert approval.rule_snapshot["basis"]
    assert approval.sod["ok"] is True
    assert [r["id"] for r in approval.sod["reviewers"]] == [cast["reviewer"].pk]
    names = [item["name"] for item in approval.evidence]
    assert "仕様書v2.docx" in names
    assert all(len(item["sha256"]) == 64 for item in approval.evidence)
    assert approval.evidence_viewed == []
    event = approval.audit_event
    assert event.action == "decision.record"
    assert event.changes["decision_snapshot"] == [None, approval.snapshot_sha256]
    assert verify_decision_seals().ok


def test_the_snapshot_survives_later_changes_of_the_case(cast: Any) -> None:
    review = approved_review(cast)
    SpecReview.objects.filter(pk=review.pk).update(estimated_price=1)
    approval = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    assert approval.inputs["case"]["estimated_price"] == 48_500_000


def test_a_budget_check_records_send_back_result_return_and_approval(
    cast: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    check = support.step(
        check,
        BudgetCheckFlow.review,
        cast["reviewer"],
        budget_forms.review_data(questions="内訳は？"),
    )
    check = support.step(
        check,
        BudgetCheckFlow.answer_questions,
        cast["staff_a"],
        budget_forms.resubmit_data(answer="内訳を添付しました。", facts=support.default_facts()),
    )
    check = support.drive_to_approval(check, cast["reviewer"])
    check = support.step(
        check,
        BudgetCheckFlow.approve,
        cast["approver"],
        budget_forms.approval_data(approve=False, comment="再確認"),
    )
    check = support.drive_to_approval(check, cast["reviewer"])
    check = support.step(
        check, BudgetCheckFlow.approve, cast["approver"], budget_forms.approval_data()
    )
    assert _decisions(check) == [
        "budget_check.send_back",
        "budget_check.record_result",
        "budget_check.return_from_approval",
        "budget_check.record_result",
        "budget_check.approve",
    ]
    send_back = DecisionRecord.objects.filter(case=check).first()
    assert send_back is not None
    assert send_back.reason == "内訳は？"
    approval = DecisionRecord.objects.get(case=check, decision="budget_check.approve")
    assert approval.inputs["case"]["initial_cost"] == check.initial_cost
    labels = [fact["label"] for fact in approval.inputs["facts"]]
    assert "指導事項" in labels
    assert approval.sod["ok"] is True
    assert verify_decision_seals().ok


def test_a_consultation_answer_is_a_decision(cast: Any) -> None:
    consultation = consultation_services.open_consultation(
        actor=cast["staff_a"], title="相談", question="クラウド移行の進め方", system=None
    )
    consultation_services.answer_consultation(
        actor=cast["reviewer"], consultation=consultation, answer="まずは現行調査から。"
    )
    record = DecisionRecord.objects.get(case=consultation)
    assert record.decision == "consultation.answer"
    assert record.reason == "まずは現行調査から。"
    assert record.inputs["case"]["question"] == "クラウド移行の進め方"


def test_evidence_opened_before_the_decision_is_listed(cast: Any, login: Any) -> None:
    review = register(cast["staff_a"])
    reviewer = cast["reviewer"]
    decide_all_drafts(reviewer, review)
    attachment = review.versions.get().attachment
    assert login(reviewer).get(f"/home/attachments/{attachment.pk}/download/").status_code == 200
    assert EvidenceAccess.objects.filter(user=reviewer, attachment=attachment).count() == 1
    spec_services.add_finding(
        actor=reviewer,
        review=review,
        perspective="security",
        text="ログ",
        requested_revision="保存期間を明記",
    )
    spec_services.complete_review(
        actor=reviewer,
        review=review,
        checklist={**ALL_OK, "security": ("issue", "")},
        decision=SpecReviewRound.Decision.RETURNED,
    )
    record = DecisionRecord.objects.get(case=review)
    assert [item["id"] for item in record.evidence_viewed] == [attachment.pk]
    assert record.evidence_viewed[0]["kind"] == "attachment"


def test_someone_who_may_not_see_the_case_cannot_download_nor_leave_an_access(
    cast: Any, login: Any
) -> None:
    review = register(cast["staff_a"])
    attachment = review.versions.get().attachment
    assert (
        login(cast["staff_b"]).get(f"/home/attachments/{attachment.pk}/download/").status_code
        == 404
    )
    assert not EvidenceAccess.objects.exists()


def test_editing_a_record_breaks_verify_audit(cast: Any) -> None:
    review = approved_review(cast)
    call_command("verify_audit")
    approval = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE governance_decisionrecord SET inputs = %s, snapshot_sha256 = %s WHERE id = %s",
            ['{"case": {"estimated_price": 1}}', "0" * 64, approval.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    report = verify_decision_seals()
    assert not report.ok
    assert f"決定記録 {approval.pk}" in report.problems[0]
    with pytest.raises(CommandError, match="決定記録"):
        call_command("verify_audit")


def test_deleting_a_record_breaks_verify_audit(cast: Any) -> None:
    review = approved_review(cast)
    approval = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    sequence = approval.audit_event.sequence
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM governance_decisionrecord WHERE id = %s", [approval.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    with pytest.raises(CommandError, match=f"#{sequence}"):
        call_command("verify_audit")


def test_recording_outside_a_transaction_is_refused(cast: Any) -> None:
    from unittest import mock

    from governance.decisions.services import record_decision

    review = register(cast["staff_a"])
    # pytest-django wraps each test in a transaction; pretend it does not, to prove the guard.
    with (
        mock.patch("governance.decisions.services.connection") as outside,
        pytest.raises(RuntimeError),
    ):
        outside.in_atomic_block = False
        record_decision(
            actor=cast["reviewer"], case=review, decision="spec_review.approve", role="x"
        )
    assert not DecisionRecord.objects.exists()


@postgresql_only
def test_postgresql_refuses_update_and_delete_of_decision_records_and_accesses(
    cast: Any, login: Any
) -> None:
    review = approved_review(cast)
    attachment = review.versions.first().attachment  # type: ignore[union-attr]
    login(cast["auditor"]).get(f"/home/attachments/{attachment.pk}/download/")
    for statement in (
        "UPDATE governance_decisionrecord SET reason = 'x'",
        "DELETE FROM governance_decisionrecord",
        "UPDATE governance_evidenceaccess SET channel = 'api'",
        "DELETE FROM governance_evidenceaccess",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert DecisionRecord.objects.filter(case=review).count() == 3
    assert EvidenceAccess.objects.count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_truncate_of_decision_records(cast: Any) -> None:
    approved_review(cast)
    for statement in ("TRUNCATE governance_decisionrecord", "TRUNCATE governance_evidenceaccess"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert DecisionRecord.objects.count() == 3


def test_the_evidence_lists_attachments_by_upload_then_document_versions_by_document(
    cast: Any, system: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from governance.decisions.services import _evidence
    from governance.models import AdvisoryDocument, Attachment, DocumentVersion

    check = support.start(cast["staff_a"], system)
    now = timezone.now()
    later, earlier = (
        Attachment.objects.create(
            case=check,
            file=f"a/{name}",
            original_name=name,
            content_type="application/pdf",
            size=1,
            sha256=name[0] * 64,
            uploaded_by=cast["staff_a"],
        )
        for name in ("later.pdf", "earlier.pdf")
    )
    Attachment.objects.filter(pk=earlier.pk).update(uploaded_at=now - timedelta(days=1))
    Attachment.objects.filter(pk=later.pk).update(uploaded_at=now)
    first, second = (
        AdvisoryDocument.objects.create(case=check, template="t", number=number, title=title)
        for number, title in (("D-1", "通知"), ("D-2", "回答"))
    )
    versions = [
        DocumentVersion.objects.create(
            document=document,
            version=version,
            file="d/x.docx",
            sha256="f" * 64,
            created_by=cast["approver"],
        )
        for document, version in ((second, 1), (first, 2), (first, 1))
    ]
    assert [
        (item["kind"], item["id"], item["name"], item["version"]) for item in _evidence(check)
    ] == [
        ("attachment", earlier.pk, "earlier.pdf", None),
        ("attachment", later.pk, "later.pdf", None),
        ("document_version", versions[2].pk, "D-1 通知", 1),
        ("document_version", versions[1].pk, "D-1 通知", 2),
        ("document_version", versions[0].pk, "D-2 回答", 1),
    ]

"""仕様書確認 (spec reviews): the reviewer's work (scan drafts, findings and their answers, the
checklist), four-eyes approval and readiness for the contract board (契約局審査会), and the
messages every step refuses with. Registration, routing and resubmission are in
``registration``, the advisory document in ``document``.

The statuses a spec review moves through:

    SUBMITTED (registered, waiting for the reviewer) ─┐
    UNDER_REVIEW (the reviewer is working) ◄──────────┘◄─ resubmitted / returned by approver
      ├─ RETURNED (the department revises the spec and answers the findings)
      └─ AWAITING_APPROVAL ─► APPROVED (document issued)

A case below the threshold whose department did not ask for a review is CLOSED at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import set_status
from governance.cases.services.documents import issue_document
from governance.cases.services.notifications import notify
from governance.decisions.services import Fact, record_decision
from governance.japanese import in_japanese
from governance.models import (
    CaseMessage,
    CaseStatus,
    ChecklistResult,
    Finding,
    LedgerStatus,
    LockInTermKind,
    Perspective,
    SpecChecklistEntry,
    SpecReview,
    SpecReviewRound,
    SpecScanResult,
    SpecVersion,
    User,
)
from governance.roles import Role

DOCUMENT_TEMPLATE = "spec_review_result"
#: The label of a finding in a decision record (translated where it is shown).
FINDING_FACT = gettext_noop("指摘事項")
DOCUMENT_TITLE = "仕様書確認結果"

# Refusal messages; tests assert on these.
EMPTY_TITLE = gettext_noop("件名を入力してください。")
UNKNOWN_PROCUREMENT_TYPE = gettext_noop("調達種別を選んでください。")
BOARD_DATE_REQUIRED = gettext_noop(
    "予定価格が基準額以上の案件（契約局審査会案件）は、契約局審査会の予定日を入力してください。"
)
SPEC_REQUIRED = gettext_noop("仕様書（.docx）を添付してください。")
REFERENCE_PDF_ONLY = gettext_noop("参考資料は PDF のみ登録できます。")
NOT_REVIEWABLE = gettext_noop("この案件は現在、審査中ではありません。")
NOT_RETURNED = gettext_noop("この案件は現在、部局への差戻し中ではありません。")
NOT_AWAITING_APPROVAL = gettext_noop("この案件は決裁待ちではありません。")
RESULT_ALREADY_DECIDED = gettext_noop("この自動検出結果は既に判断済みです。")
RESULT_OF_OTHER_CASE = gettext_noop("この自動検出結果は別の案件のものです。")
DISMISS_REASON_REQUIRED = gettext_noop("不採用とする理由を入力してください。")
FINDING_TEXT_REQUIRED = gettext_noop("指摘事項と修正依頼内容を入力してください。")
UNKNOWN_PERSPECTIVE = gettext_noop("確認観点を選んでください。")
RESOLUTION_REQUIRED = gettext_noop("対応内容（対応不要とする場合はその理由）を入力してください。")
PENDING_SCAN_RESULTS = gettext_noop(
    "未判断の自動検出結果が {count} 件あります。採用するか不採用にしてから完了してください。"
)
CHECKLIST_INCOMPLETE = gettext_noop("確認観点「{perspective}」の結果を選んでください。")
CHECKLIST_ISSUE_WITHOUT_FINDING = gettext_noop(
    "確認観点「{perspective}」を要指摘としましたが、この観点の指摘事項がありません。"
)
CHECKLIST_OK_WITH_OPEN_FINDING = gettext_noop(
    "確認観点「{perspective}」には未対応の指摘事項があるため、要指摘としてください。"
)
RETURN_WITHOUT_OPEN_FINDINGS = gettext_noop(
    "未対応の指摘事項がないため差し戻せません。決裁へ回してください。"
)
UNKNOWN_DECISION = gettext_noop("判断を選んでください。")
ANSWER_REQUIRED = gettext_noop("指摘{number}への回答を入力してください。")
RETURN_REASON_REQUIRED = gettext_noop("差し戻す理由を入力してください。")
MANDATORY_NOT_APPROVED = gettext_noop(
    "仕様書確認が必須の案件です。確認結果が決裁されるまで、契約局審査会への付議準備完了には"
    "できません。"
)
ALREADY_READY = gettext_noop("既に契約局審査会への付議準備完了として登録されています。")
OPTIONAL_STILL_OPEN = gettext_noop(
    "依頼された仕様書確認が終わっていません。確認結果が決裁されるまで、契約局審査会への"
    "付議準備完了にはできません。"
)

#: The statuses in which the reviewer works on the case.
REVIEWABLE = (CaseStatus.SUBMITTED, CaseStatus.UNDER_REVIEW)

# What a draft finding says for each kind of flagged phrase, unless the term has its own text.
DRAFT_TEXT = {
    LockInTermKind.BRAND: "特定の製品名・型番「{phrase}」が指定されています（{count}箇所）。",
    LockInTermKind.NO_EQUIVALENT: "「{phrase}」の記載があり、同等品による参入が排除されています"
    "（{count}箇所）。",
    LockInTermKind.PROPRIETARY_FORMAT: "独自形式への依存を示す記載「{phrase}」があります"
    "（{count}箇所）。",
    LockInTermKind.REQUIRED_CLAUSE: "「{label}」に関する記載が見当たりません。",
}
DRAFT_REVISION = {
    LockInTermKind.BRAND: "特定製品の指定をやめ、必要な機能・性能で要件を記述するか、"
    "「{phrase}又は同等品以上」としてください。",
    LockInTermKind.NO_EQUIVALENT: "同等品を認め、同等と判断する基準（機能・性能・互換性）を"
    "明記してください。",
    LockInTermKind.PROPRIETARY_FORMAT: "データは CSV・XML 等の標準的で公開された形式で入出力"
    "できることを要件としてください。",
    LockInTermKind.REQUIRED_CLAUSE: "「{label}」について仕様書に明記してください。",
}


# --- The reviewer's work --------------------------------------------------------------------


def _require_reviewable(actor: User, review: SpecReview) -> None:
    permissions.require_act(actor, review, Role.GOVERNANCE_REVIEWER)
    if review.status not in REVIEWABLE:
        raise ValueError(_(NOT_REVIEWABLE))


def _begin_review(actor: User, review: SpecReview) -> None:
    """The first thing a reviewer does on a newly registered case starts the review."""
    if review.status == CaseStatus.SUBMITTED:
        set_status(
            actor=actor, case=review, status=CaseStatus.UNDER_REVIEW, action="spec_review.begin"
        )


def latest_version(review: SpecReview) -> SpecVersion:
    version = review.versions.order_by("-number").first()
    assert version is not None  # a spec review is registered with its first version
    return version


def _new_finding(
    *,
    actor: User,
    review: SpecReview,
    perspective: str,
    text: str,
    requested_revision: str,
    version: SpecVersion,
) -> Finding:
    if perspective not in Perspective.values:
        raise ValueError(_(UNKNOWN_PERSPECTIVE))
    if not text.strip() or not requested_revision.strip():
        raise ValueError(_(FINDING_TEXT_REQUIRED))
    latest = Finding.objects.filter(case=review).aggregate(latest=Max("number"))["latest"] or 0
    return Finding.objects.create(
        case=review,
        number=latest + 1,
        department_id=review.department_id,
        system_id=review.system_id,
        perspective=perspective,
        text=text.strip(),
        requested_revision=requested_revision.strip(),
        raised_on=version,
        # Findings are to be reflected before the procurement goes to the contract board.
        due_date=review.contract_board_date,
        created_by=actor,
    )


def add_finding(
    *, actor: User, review: SpecReview, perspective: str, text: str, requested_revision: str
) -> Finding:
    """The reviewer writes a finding with the revision they ask for."""
    _require_reviewable(actor, review)
    with transaction.atomic():
        finding = _new_finding(
            actor=actor,
            review=review,
            perspective=perspective,
            text=text,
            requested_revision=requested_revision,
            version=latest_version(review),
        )
        _begin_review(actor, review)
        record_event(
            actor=actor,
            action="spec_review.finding.add",
            obj=finding,
            changes={
                "number": [None, finding.number],
                "perspective": [None, perspective],
                "text": [None, finding.text],
                "requested_revision": [None, finding.requested_revision],
            },
        )
    return finding


def _require_pending_result(actor: User, review: SpecReview, result: SpecScanResult) -> None:
    _require_reviewable(actor, review)
    if result.version.review_id != review.pk:
        raise ValueError(_(RESULT_OF_OTHER_CASE))
    if result.status != SpecScanResult.Status.PENDING:
        raise ValueError(_(RESULT_ALREADY_DECIDED))


def accept_scan_result(
    *,
    actor: User,
    review: SpecReview,
    result: SpecScanResult,
    text: str = "",
    requested_revision: str = "",
    perspective: str = Perspective.NEUTRALITY,
) -> Finding:
    """The reviewer turns a draft finding from the scan into a finding (wording may change)."""
    _require_pending_result(actor, review, result)
    with transaction.atomic():
        finding = _new_finding(
            actor=actor,
            review=review,
            perspective=perspective,
            text=text or result.suggested_text,
            requested_revision=requested_revision or result.suggested_revision,
            version=result.version,
        )
        result.status = SpecScanResult.Status.ACCEPTED
        result.finding = finding
        result.decided_by = actor
        result.decided_at = timezone.now()
        result.save(update_fields=["status", "finding", "decided_by", "decided_at"])
        _begin_review(actor, review)
        record_event(
            actor=actor,
            action="spec_review.scan.accept",
            obj=result,
            case=review,
            changes={
                "status": [SpecScanResult.Status.PENDING, result.status],
                "finding": [None, finding.number],
                "phrase": [None, result.phrase],
            },
        )
    return finding


def dismiss_scan_result(
    *, actor: User, review: SpecReview, result: SpecScanResult, reason: str
) -> SpecScanResult:
    """The reviewer judges a draft finding not to be a problem, and says why."""
    _require_pending_result(actor, review, result)
    if not reason.strip():
        raise ValueError(_(DISMISS_REASON_REQUIRED))
    with transaction.atomic():
        result.status = SpecScanResult.Status.DISMISSED
        result.decision_note = reason.strip()
        result.decided_by = actor
        result.decided_at = timezone.now()
        result.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
        _begin_review(actor, review)
        record_event(
            actor=actor,
            action="spec_review.scan.dismiss",
            obj=result,
            case=review,
            changes={
                "status": [SpecScanResult.Status.PENDING, result.status],
                "phrase": [None, result.phrase],
            },
            reason=result.decision_note,
        )
    return result


def settle_finding(
    *, actor: User, review: SpecReview, finding: Finding, status: str, resolution: str = ""
) -> Finding:
    """The reviewer marks a finding resolved or waived (with the reason), or opens it again."""
    _require_reviewable(actor, review)
    if finding.case_id != review.pk:
        raise ValueError(_(RESULT_OF_OTHER_CASE))
    if status not in LedgerStatus.values or status == LedgerStatus.REPORTED:
        raise ValueError(_(UNKNOWN_DECISION))
    if status != LedgerStatus.OPEN and not resolution.strip():
        raise ValueError(_(RESOLUTION_REQUIRED))
    with transaction.atomic():
        old = {"status": finding.status, "resolution": finding.resolution}
        finding.status = status
        if status == LedgerStatus.OPEN:
            finding.resolution = ""
            finding.resolved_at = None
            finding.resolved_by = None
        else:
            finding.resolution = resolution.strip()
            finding.resolved_at = timezone.now()
            finding.resolved_by = actor
        finding.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
        _begin_review(actor, review)
        record_event(
            actor=actor,
            action="spec_review.finding.settle",
            obj=finding,
            changes={
                "status": [old["status"], finding.status],
                "resolution": [old["resolution"], finding.resolution],
            },
        )
    return finding


def _check_checklist(
    review: SpecReview, checklist: Mapping[str, tuple[str, str]]
) -> dict[str, tuple[str, str]]:
    findings = list(Finding.objects.filter(case=review).values_list("perspective", "status"))
    cleaned = {}
    for perspective in Perspective:
        result, note = checklist.get(perspective.value, ("", ""))
        if result not in ChecklistResult.values:
            raise ValueError(_(CHECKLIST_INCOMPLETE).format(perspective=perspective.label))
        of_perspective = [status for p, status in findings if p == perspective.value]
        if result == ChecklistResult.ISSUE and not of_perspective:
            raise ValueError(
                _(CHECKLIST_ISSUE_WITHOUT_FINDING).format(perspective=perspective.label)
            )
        if result != ChecklistResult.ISSUE and LedgerStatus.OPEN in of_perspective:
            raise ValueError(
                _(CHECKLIST_OK_WITH_OPEN_FINDING).format(perspective=perspective.label)
            )
        cleaned[perspective.value] = (result, (note or "").strip())
    return cleaned


def complete_review(
    *,
    actor: User,
    review: SpecReview,
    checklist: Mapping[str, tuple[str, str]],
    decision: str,
    comment: str = "",
) -> SpecReviewRound:
    """The reviewer finishes a round: the checklist is complete, every draft finding is decided,
    and the case goes back to the department (open findings to answer) or to approval."""
    _require_reviewable(actor, review)
    if decision not in SpecReviewRound.Decision.values:
        raise ValueError(_(UNKNOWN_DECISION))
    pending = SpecScanResult.objects.filter(
        version__review=review, status=SpecScanResult.Status.PENDING
    ).count()
    if pending:
        raise ValueError(_(PENDING_SCAN_RESULTS).format(count=pending))
    cleaned = _check_checklist(review, checklist)
    open_findings = Finding.objects.filter(case=review, status=LedgerStatus.OPEN).count()
    if decision == SpecReviewRound.Decision.RETURNED and not open_findings:
        raise ValueError(_(RETURN_WITHOUT_OPEN_FINDINGS))
    with transaction.atomic():
        for perspective, (result, note) in cleaned.items():
            SpecChecklistEntry.objects.update_or_create(
                review=review,
                perspective=perspective,
                defaults={"result": result, "note": note, "updated_by": actor},
            )
        number = (review.rounds.aggregate(latest=Max("number"))["latest"] or 0) + 1
        version = latest_version(review)
        review_round = SpecReviewRound.objects.create(
            review=review,
            number=number,
            version=version,
            reviewer=actor,
            decision=decision,
            comment=comment.strip(),
        )
        old_reviewer = review.reviewer_id
        review.reviewer = actor
        review.save(update_fields=["reviewer", "updated_at"])
        returned = decision == SpecReviewRound.Decision.RETURNED
        if returned or comment.strip():
            with in_japanese():  # records stay Japanese
                CaseMessage.objects.create(
                    case=review,
                    kind=CaseMessage.Kind.QUESTION if returned else CaseMessage.Kind.REMARK,
                    body=comment.strip()
                    or _("指摘事項への回答と、修正した仕様書の提出をお願いします。"),
                    author=actor,
                )
        set_status(
            actor=actor,
            case=review,
            status=CaseStatus.RETURNED if returned else CaseStatus.AWAITING_APPROVAL,
            action="spec_review.complete_round",
            reason=comment.strip(),
            extra_changes={
                "round": [None, number],
                "version": [None, version.number],
                "reviewer": [old_reviewer, actor.pk],
                "checklist": [None, {p: r for p, (r, _note) in cleaned.items()}],
                "open_findings": [None, open_findings],
            },
        )
        record_decision(
            actor=actor,
            case=review,
            decision="spec_review.round_returned" if returned else "spec_review.round_to_approval",
            role=Role.GOVERNANCE_REVIEWER,
            reason=comment.strip(),
            facts=_decision_facts(review),
            subject=review_round,
            node="spec_review/SpecReviewFlow.review",
        )
        if returned:
            with in_japanese():  # records stay Japanese
                notify(
                    recipients=[review.requester],
                    subject=_("仕様書確認 {number}: 修正依頼").format(number=review.number),
                    body=_("指摘事項 {count} 件への回答と修正版の提出をお願いします。").format(
                        count=open_findings
                    ),
                    url=reverse("home:case", args=[review.pk]),
                    case=review,
                )
    return review_round


def _decision_facts(review: SpecReview) -> list[Fact]:
    """What the round and approval pages show beside the case's columns: the latest version,
    the checklist and the findings (worded in Japanese, for the decision record)."""
    facts: list[Fact] = []
    with in_japanese():
        version = review.versions.select_related("attachment").order_by("-number").first()
        if version is not None:
            facts.append(Fact(label=_("確認した版"), value=str(version)))
        for entry in review.checklist.order_by("perspective"):
            note = f"（{entry.note}）" if entry.note else ""
            facts.append(
                Fact(
                    label=str(entry.get_perspective_display()),
                    value=f"{entry.get_result_display()}{note}",
                )
            )
        for finding in Finding.objects.filter(case=review).order_by("number"):
            facts.append(
                Fact(
                    label=FINDING_FACT,
                    value=f"{finding.number}.【{finding.get_status_display()}】{finding.text}",
                )
            )
    return facts


# --- Four-eyes approval ---------------------------------------------------------------------


def _require_approver(actor: User, review: SpecReview) -> None:
    permissions.require_act(actor, review, Role.GOVERNANCE_APPROVER)
    if review.status != CaseStatus.AWAITING_APPROVAL:
        raise ValueError(_(NOT_AWAITING_APPROVAL))


def approve_spec_review(*, actor: User, review: SpecReview, comment: str = "") -> SpecReview:
    """A governance approver who neither requested nor reviewed the case approves the result;
    the advisory document 仕様書確認結果 is generated through the outbox."""
    _require_approver(actor, review)
    with transaction.atomic():
        review.approver = actor
        review.approved_at = timezone.now()
        review.save(update_fields=["approver", "approved_at", "updated_at"])
        if comment.strip():
            CaseMessage.objects.create(
                case=review, kind=CaseMessage.Kind.REMARK, body=comment.strip(), author=actor
            )
        set_status(
            actor=actor,
            case=review,
            status=CaseStatus.APPROVED,
            action="spec_review.approve",
            reason=comment.strip(),
            extra_changes={"approver": [None, actor.pk]},
        )
        record_decision(
            actor=actor,
            case=review,
            decision="spec_review.approve",
            role=Role.GOVERNANCE_APPROVER,
            reason=comment.strip(),
            facts=_decision_facts(review),
            node="spec_review/SpecReviewFlow.approve",
        )
        issue_document(actor=actor, case=review, template=DOCUMENT_TEMPLATE, title=DOCUMENT_TITLE)
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[review.requester, review.reviewer],
                subject=_("仕様書確認 {number}: 確認結果が決裁されました").format(
                    number=review.number
                ),
                url=reverse("home:case", args=[review.pk]),
                case=review,
            )
    return review


def return_to_reviewer(*, actor: User, review: SpecReview, reason: str) -> SpecReview:
    """The approver sends the result back to the reviewer, saying why."""
    _require_approver(actor, review)
    if not reason.strip():
        raise ValueError(_(RETURN_REASON_REQUIRED))
    with transaction.atomic():
        CaseMessage.objects.create(
            case=review, kind=CaseMessage.Kind.QUESTION, body=reason.strip(), author=actor
        )
        set_status(
            actor=actor,
            case=review,
            status=CaseStatus.UNDER_REVIEW,
            action="spec_review.return_to_reviewer",
            reason=reason.strip(),
        )
        record_decision(
            actor=actor,
            case=review,
            decision="spec_review.return_to_reviewer",
            role=Role.GOVERNANCE_APPROVER,
            reason=reason.strip(),
            facts=_decision_facts(review),
            node="spec_review/SpecReviewFlow.approve",
        )
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[review.reviewer],
                subject=_("仕様書確認 {number}: 決裁者から差戻し").format(number=review.number),
                body=reason.strip(),
                url=reverse("home:case", args=[review.pk]),
                case=review,
            )
    return review


# --- Readiness for the contract board -------------------------------------------------------


def ready_for_board_error(actor: Any, review: SpecReview) -> str | None:
    """Why ``actor`` may not mark ``review`` ready for the contract board (None if they may)."""
    error = permissions.acting_error(actor, review, Role.DEPARTMENT_STAFF)
    if error is not None:
        return error
    if review.ready_for_board_at is not None:
        return ALREADY_READY
    if review.mandatory and review.status != CaseStatus.APPROVED:
        return MANDATORY_NOT_APPROVED
    # An optional review the department asked for is answered before the board, too.
    if review.review_requested and review.status != CaseStatus.APPROVED:
        return OPTIONAL_STILL_OPEN
    return None


def mark_ready_for_contract_board(*, actor: User, review: SpecReview) -> SpecReview:
    """The department records that the procurement may go to the contract board. A mandatory
    review must have been approved first."""
    permissions.require_act(actor, review, Role.DEPARTMENT_STAFF)
    error = ready_for_board_error(actor, review)
    if error is not None:
        raise ValueError(_(error))
    with transaction.atomic():
        review.ready_for_board_at = timezone.now()
        review.ready_for_board_by = actor
        review.save(update_fields=["ready_for_board_at", "ready_for_board_by", "updated_at"])
        record_event(
            actor=actor,
            action="spec_review.ready_for_board",
            obj=review,
            changes={
                "ready_for_board_at": [None, review.ready_for_board_at],
                "mandatory": [None, review.mandatory],
                "status": [None, review.status],
            },
        )
    return review

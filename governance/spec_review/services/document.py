"""Spec review: the advisory document (仕様書確認結果) built from the case."""

from __future__ import annotations

from django.utils import timezone

from governance.cases.services.documents import DocumentContent, document_builder, office_context
from governance.japanese import fiscal_year_label
from governance.karte.rules import lock_in_status
from governance.models import (
    AdvisoryDocument,
    Case,
    Finding,
    InformationSystem,
    LedgerStatus,
    Perspective,
    ProcurementType,
    SpecReview,
)
from governance.spec_review.services.review import DOCUMENT_TEMPLATE, DOCUMENT_TITLE

# --- The advisory document ------------------------------------------------------------------

LEDGER_STATUS_LABEL = {
    LedgerStatus.OPEN: "未対応",
    LedgerStatus.REPORTED: "対応報告",
    LedgerStatus.RESOLVED: "対応済",
    LedgerStatus.WAIVED: "対応不要",
}


def lock_in_summary(system: InformationSystem | None) -> str:
    """The karte's lock-in status of the system, in one sentence."""
    if system is None:
        return "対象システムはシステムカルテに登録されていません。"
    status = lock_in_status(system)
    tenure = status.tenure
    if tenure.latest_fiscal_year is None or tenure.since_fiscal_year is None:
        return f"{system.name}: 契約履歴が登録されていません。"
    text = (
        f"{system.name}: {tenure.vendor_name} が {tenure.years} 年継続して運用"
        f"（{fiscal_year_label(tenure.since_fiscal_year)}〜"
        f"{fiscal_year_label(tenure.latest_fiscal_year)}）。"
    )
    if status.flagged:
        return text + f"同一事業者 {status.threshold_years} 年以上のため、ロックインの可能性あり。"
    if not status.customisable:
        return text + "カスタマイズできない区分のため、ロックインの判定対象外。"
    return text


#: The comparison signs of the routing record, as a letter words them.
LETTER_WORDING = (
    (" ≥ ", " が "),
    ("（契約局審査会案件）", " 以上（契約局審査会案件）"),
    (" < ", " が "),
    ("（仕様書確認は任意）", " 未満（仕様書確認は任意）"),
)


def letter_wording(reason: str) -> str:
    """The routing reason as a letter says it: words, not the comparison signs of the record."""
    for sign, words in LETTER_WORDING:
        reason = reason.replace(sign, words)
    return reason


@document_builder(DOCUMENT_TEMPLATE)
def build_spec_review_result(case: Case) -> DocumentContent:
    """The facts the 仕様書確認結果 master is rendered with, read from the case as it is now."""
    review = SpecReview.objects.select_related(
        "department", "section", "system", "reviewer", "approver", "rule"
    ).get(pk=case.pk)
    document = AdvisoryDocument.objects.filter(case=review, template=DOCUMENT_TEMPLATE).first()
    versions = list(review.versions.select_related("attachment").order_by("number"))
    latest = versions[-1]
    checklist = {entry.perspective: entry for entry in review.checklist.all()}
    findings = Finding.objects.filter(case=review).select_related("raised_on", "answered_on")
    issued = timezone.localdate(review.approved_at) if review.approved_at else timezone.localdate()
    context = {
        "document_number": document.number if document else "",
        "issued_on": issued,
        "fiscal_year": review.fiscal_year,
        "department": review.department.name,
        "section": review.section.name if review.section else "",
        "case_number": review.number,
        "title": review.title,
        "system": str(review.system) if review.system else "（システムカルテ未登録）",
        "procurement_type": ProcurementType(review.procurement_type).label,
        "estimated_price": review.estimated_price,
        "contract_board_date": review.contract_board_date,
        "category": (
            "必須（契約局審査会案件）"
            if review.mandatory
            else "任意（部局からの依頼）"
            if review.review_requested
            else "対象外"
        ),
        "routing_reason": letter_wording(review.routing_reason),
        "rule_basis": review.rule.basis if review.rule else "",
        "spec_version": f"第{latest.number}版",
        "spec_file": latest.attachment.original_name,
        "rounds": review.rounds.count(),
        "checklist": [
            {
                "perspective": str(perspective.label),
                "result": checklist[perspective.value].get_result_display()
                if perspective.value in checklist
                else "未記入",
                "note": checklist[perspective.value].note if perspective.value in checklist else "",
            }
            for perspective in Perspective
        ],
        "findings": [
            {
                "number": finding.number,
                "perspective": finding.get_perspective_display(),
                "text": finding.text,
                "requested_revision": finding.requested_revision,
                "raised_on": f"第{finding.raised_on.number}版" if finding.raised_on else "",
                "answer": finding.department_answer or "（回答なし）",
                "status": LEDGER_STATUS_LABEL[LedgerStatus(finding.status)],
                "resolution": finding.resolution,
            }
            for finding in findings
        ],
        "lock_in": lock_in_summary(review.system),
        "reviewer": review.reviewer.display_name if review.reviewer else "",
        "approver": review.approver.display_name if review.approver else "",
        "approved_on": issued,
        **office_context(issued, review.reviewer),
    }
    return DocumentContent(title=DOCUMENT_TITLE, context=context)

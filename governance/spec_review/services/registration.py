"""Spec review: routing by the threshold rule, reading and keeping specification files (with
their lock-in scan), registration and the department's resubmission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services import assign_case_number, set_status
from governance.cases.services.notifications import notify
from governance.japanese import in_japanese, yen
from governance.models import (
    CaseKind,
    CaseMessage,
    CaseStatus,
    Finding,
    InformationSystem,
    LedgerStatus,
    LockInTerm,
    LockInTermKind,
    ProcurementType,
    Rule,
    RuleKey,
    SpecReview,
    SpecScanResult,
    SpecVersion,
    User,
)
from governance.office_xml import XmlRefused
from governance.roles import Role
from governance.rules.services import rule_in_force
from governance.spec_review.scan import MAX_SPEC_XML_PART, ScanError, ScanReport, Term, scan_docx
from governance.spec_review.services.review import (
    ANSWER_REQUIRED,
    BOARD_DATE_REQUIRED,
    DRAFT_REVISION,
    DRAFT_TEXT,
    EMPTY_TITLE,
    NOT_RETURNED,
    REFERENCE_PDF_ONLY,
    SPEC_REQUIRED,
    UNKNOWN_PROCUREMENT_TYPE,
)
from governance.uploads import (
    UPLOAD_NOT_DOCX,
    CheckedUpload,
    UploadRejected,
    check_upload,
    store_attachment,
)

# --- Routing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routing:
    """What the threshold rule decided for a procurement, and why, in words."""

    mandatory: bool
    rule: Rule
    reason: str


def decide_routing(*, estimated_price: int, fiscal_year: int) -> Routing:
    """Apply the ``spec_review_threshold`` rule in force in ``fiscal_year`` to a price."""
    try:
        rule = rule_in_force(RuleKey.SPEC_REVIEW_THRESHOLD, fiscal_year)
    except LookupError as exc:
        raise ValueError(str(exc)) from None
    mandatory = estimated_price >= rule.value
    if mandatory:
        reason = f"予定価格 {yen(estimated_price)} ≥ 基準額 {yen(rule.value)}（契約局審査会案件）"
    else:
        reason = f"予定価格 {yen(estimated_price)} < 基準額 {yen(rule.value)}（仕様書確認は任意）"
    return Routing(mandatory=mandatory, rule=rule, reason=reason)


# --- Reading and keeping specification files ------------------------------------------------


@dataclass(frozen=True)
class ReadSpec:
    """A specification file that passed the upload checks and was read by the scan."""

    upload: CheckedUpload
    report: ScanReport


def scan_terms() -> list[Term]:
    """The active entries of the lock-in list, as the scan needs them."""
    return [
        Term(
            key=f"{'clause' if term.kind == LockInTermKind.REQUIRED_CLAUSE else 'term'}:{term.pk}",
            kind=term.kind,
            phrase=term.phrase,
            label=term.label or term.phrase,
        )
        for term in LockInTerm.objects.filter(active=True).order_by("kind", "pk")
    ]


def read_spec(upload: Any) -> ReadSpec:
    """Check an uploaded specification and scan it; nothing is stored here.

    A file that passes the zip checks but is not a readable Word document is refused too.
    """
    if upload is None:
        raise UploadRejected(_(SPEC_REQUIRED))
    checked = (
        upload
        if isinstance(upload, CheckedUpload)
        else check_upload(upload, allowed=("docx",), max_xml_part=MAX_SPEC_XML_PART)
    )
    if checked.extension != "docx":
        raise UploadRejected(_(SPEC_REQUIRED))
    try:
        report = scan_docx(checked.data, scan_terms())
    except ScanError:
        raise UploadRejected(_(UPLOAD_NOT_DOCX)) from None
    except XmlRefused as exc:
        raise UploadRejected(exc.text(_)) from None
    return ReadSpec(upload=checked, report=report)


def check_reference(upload: Any) -> CheckedUpload | None:
    """A reference file kept read-only beside the specification: PDF only."""
    if upload is None:
        return None
    if isinstance(upload, CheckedUpload):
        if upload.extension != "pdf":
            raise UploadRejected(_(REFERENCE_PDF_ONLY))
        return upload
    return check_upload(upload, allowed=("pdf",))


def _draft_texts(
    term_kind: str, phrase: str, label: str, count: int, custom: str
) -> tuple[str, str]:
    values = {"phrase": phrase, "label": label or phrase, "count": count}
    text = DRAFT_TEXT[LockInTermKind(term_kind)].format(**values)
    revision = custom or DRAFT_REVISION[LockInTermKind(term_kind)].format(**values)
    return text, revision


def _keep_version(
    *, actor: User, review: SpecReview, spec: ReadSpec, note: str = ""
) -> SpecVersion:
    """Store the file, number the version, record what the scan found (inside a transaction)."""
    latest = review.versions.aggregate(latest=Max("number"))["latest"] or 0
    attachment = store_attachment(
        case=review, upload=spec.upload, purpose="specification", actor=actor
    )
    version = SpecVersion.objects.create(
        review=review,
        number=latest + 1,
        attachment=attachment,
        note=note.strip(),
        paragraphs_scanned=spec.report.units_scanned,
    )
    decided_before = set(
        SpecScanResult.objects.filter(
            version__review=review,
            status__in=[SpecScanResult.Status.ACCEPTED, SpecScanResult.Status.DISMISSED],
        ).values_list("key", flat=True)
    )
    term_ids = [int(hit.term.key.split(":")[1]) for hit in spec.report.hits]
    custom = dict(
        LockInTerm.objects.filter(pk__in=term_ids).values_list("pk", "suggested_revision")
    )
    results = []
    for hit in spec.report.hits:
        term_id = int(hit.term.key.split(":")[1])
        text, revision = _draft_texts(
            hit.term.kind, hit.term.phrase, hit.term.label, hit.occurrences, custom.get(term_id, "")
        )
        results.append(
            SpecScanResult(
                version=version,
                key=hit.term.key,
                term_id=term_id,
                kind=hit.term.kind,
                phrase=hit.term.label if hit.missing else hit.term.phrase,
                occurrences=hit.occurrences,
                locations=hit.locations,
                excerpt=hit.excerpt,
                suggested_text=text,
                suggested_revision=revision,
                status=(
                    SpecScanResult.Status.DECIDED_BEFORE
                    if hit.term.key in decided_before
                    else SpecScanResult.Status.PENDING
                ),
            )
        )
    SpecScanResult.objects.bulk_create(results)
    return version


def _keep_reference(*, actor: User, review: SpecReview, reference: CheckedUpload | None) -> None:
    if reference is not None:
        store_attachment(case=review, upload=reference, purpose="reference", actor=actor)


# --- Registration ---------------------------------------------------------------------------


def register_spec_review(
    *,
    actor: User,
    title: str,
    fiscal_year: int,
    procurement_type: str,
    estimated_price: int,
    spec_file: Any,
    system: InformationSystem | None = None,
    contract_board_date: dt.date | None = None,
    review_requested: bool = False,
    reference_file: Any = None,
    process: Any = None,
) -> SpecReview:
    """A department registers a procurement; the threshold rule decides whether the review is
    mandatory. Every check (including the file's) runs before anything is written."""
    permissions.require(permissions.may_act(actor) and permissions.is_department_staff(actor))
    if not title.strip():
        raise ValueError(_(EMPTY_TITLE))
    if procurement_type not in ProcurementType.values:
        raise ValueError(_(UNKNOWN_PROCUREMENT_TYPE))
    if system is not None:
        permissions.check_system_choice(actor, system)
    routing = decide_routing(estimated_price=estimated_price, fiscal_year=fiscal_year)
    if routing.mandatory and contract_board_date is None:
        raise ValueError(_(BOARD_DATE_REQUIRED))
    spec = read_spec(spec_file)
    reference = check_reference(reference_file)
    assert actor.department_id is not None  # department staff always belong to one
    needs_review = routing.mandatory or review_requested
    with transaction.atomic():
        review = SpecReview(
            kind=CaseKind.SPEC_REVIEW,
            fiscal_year=fiscal_year,
            title=title.strip(),
            department_id=actor.department_id,
            section_id=actor.section_id,
            system=system,
            requester=actor,
            rule=routing.rule,
            status=CaseStatus.SUBMITTED if needs_review else CaseStatus.CLOSED,
            closed_at=None if needs_review else timezone.now(),
            process=process,
            procurement_type=procurement_type,
            estimated_price=estimated_price,
            contract_board_date=contract_board_date,
            mandatory=routing.mandatory,
            review_requested=review_requested and not routing.mandatory,
            routing_reason=routing.reason,
        )
        assign_case_number(review)
        review.save()
        version = _keep_version(actor=actor, review=review, spec=spec)
        _keep_reference(actor=actor, review=review, reference=reference)
        record_event(
            actor=actor,
            action="spec_review.register",
            obj=review,
            changes={
                "number": [None, review.number],
                "title": [None, review.title],
                "department": [None, review.department.name],
                "system": [None, system.code if system else None],
                "fiscal_year": [None, fiscal_year],
                "procurement_type": [None, procurement_type],
                "estimated_price": [None, estimated_price],
                "contract_board_date": [None, contract_board_date],
                "rule": [None, f"{routing.rule.key}@{routing.rule.effective_from}"],
                "mandatory": [None, routing.mandatory],
                "review_requested": [None, review.review_requested],
                "status": [None, review.status],
                "spec_version": [None, version.number],
                "spec_sha256": [None, spec.upload.sha256],
            },
            reason=routing.reason,
        )
    return review


# --- The department's resubmission ----------------------------------------------------------


def resubmit_spec(
    *,
    actor: User,
    review: SpecReview,
    spec_file: Any,
    answers: Mapping[int, str],
    note: str = "",
    reference_file: Any = None,
) -> SpecVersion:
    """The department uploads a revised specification and answers every open finding."""
    permissions.require_act(actor, review, Role.DEPARTMENT_STAFF)
    if review.status != CaseStatus.RETURNED:
        raise ValueError(_(NOT_RETURNED))
    open_findings = list(Finding.objects.filter(case=review, status=LedgerStatus.OPEN))
    for finding in open_findings:
        if not (answers.get(finding.pk) or "").strip():
            raise ValueError(_(ANSWER_REQUIRED).format(number=finding.number))
    spec = read_spec(spec_file)
    reference = check_reference(reference_file)
    with transaction.atomic():
        version = _keep_version(actor=actor, review=review, spec=spec, note=note)
        _keep_reference(actor=actor, review=review, reference=reference)
        now = timezone.now()
        answered = {}
        for finding in open_findings:
            finding.department_answer = answers[finding.pk].strip()
            finding.answered_on = version
            finding.answered_at = now
            finding.answered_by = actor
            answered[str(finding.number)] = finding.department_answer
        Finding.objects.bulk_update(
            open_findings, ["department_answer", "answered_on", "answered_at", "answered_by"]
        )
        with in_japanese():  # records stay Japanese
            CaseMessage.objects.create(
                case=review,
                kind=CaseMessage.Kind.ANSWER,
                body=note.strip()
                or _("修正した仕様書（第{number}版）を提出しました。").format(
                    number=version.number
                ),
                author=actor,
            )
        set_status(
            actor=actor,
            case=review,
            status=CaseStatus.UNDER_REVIEW,
            action="spec_review.resubmit",
            reason=note.strip(),
            extra_changes={
                "spec_version": [version.number - 1, version.number],
                "spec_sha256": [None, spec.upload.sha256],
                "answers": [None, answered],
            },
        )
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[review.reviewer],
                subject=_("仕様書確認 {number}: 修正版の提出").format(number=review.number),
                url=reverse("home:case", args=[review.pk]),
                case=review,
            )
    return version

"""The annual report's writes: figures entered, texts edited, drafted → approved by another
governance approver → issued with a number and hash (figures frozen), and corrections as the
next version with a reason. Each records its audit event."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.activity import catalog, compose, counting, render
from governance.activity import permissions as report_permissions
from governance.audit.services import record_event
from governance.cases.services.documents import next_document_number
from governance.documents import sha256_hex
from governance.japanese import era_date
from governance.models import (
    ActivityFigure,
    AnnualReport,
    AnnualReportVersion,
    FigureSource,
    Qualifier,
    ReportStatus,
)
from governance.roles import Role

REPORT_EXISTS = gettext_noop("この年度の事務事業実績は既に作成されています。")
NOT_DRAFT = gettext_noop("作成中の事務事業実績ではありません。")
NOT_AWAITING = gettext_noop("決裁待ちの事務事業実績ではありません。")
NOT_ISSUED = gettext_noop("発行済の事務事業実績ではありません。")
SAME_PERSON = gettext_noop("作成者・決裁依頼者と同じ人は決裁できません。")
REASON_REQUIRED = gettext_noop("訂正の理由を入力してください。")
UNKNOWN_SECTION = gettext_noop("その項目はありません。")
UNKNOWN_PLACEHOLDER = gettext_noop("本文の［{key}］に当たる実績値がありません。")
UNKNOWN_FIGURE = gettext_noop("その実績値はありません。")
AUTO_FIGURE = gettext_noop("自動集計の実績値は入力できません。")
BAD_VALUE = gettext_noop("実績値は 0 以上の数値で入力してください。")
BASIS_REQUIRED = gettext_noop("実績値の根拠を入力してください。")
BAD_TABLE = gettext_noop("表の種類が正しくありません。")


def create_report(*, actor: Any, fiscal_year: int) -> AnnualReport:
    permissions.require(report_permissions.can_draft_report(actor))
    with transaction.atomic():
        if AnnualReport.objects.filter(fiscal_year=fiscal_year).exists():
            raise ValueError(_(REPORT_EXISTS))
        report = AnnualReport.objects.create(fiscal_year=fiscal_year, drafted_by=actor)
        record_event(
            actor=actor,
            action="annual_report.create",
            obj=report,
            changes={"fiscal_year": [None, fiscal_year]},
        )
    return report


def _locked(report: AnnualReport) -> AnnualReport:
    return AnnualReport.objects.select_for_update().get(pk=report.pk)


def edit_text(*, actor: Any, report: AnnualReport, section: str, text: str) -> AnnualReport:
    """Change one section's text. Placeholders name a figure, ［年度］ or ［spec_threshold］."""
    permissions.require(report_permissions.can_draft_report(actor))
    if section not in catalog.SECTION_BY_KEY:
        raise ValueError(_(UNKNOWN_SECTION))
    known = (
        set(counting.AUTO_BY_KEY)
        | set(catalog.MANUAL_BY_KEY)
        | {catalog.FISCAL_YEAR_WORD, catalog.THRESHOLD_WORD}
        | set(
            ActivityFigure.objects.filter(fiscal_year=report.fiscal_year).values_list(
                "item_key", flat=True
            )
        )
    )
    for key in catalog.placeholders(text):
        if key not in known:
            raise ValueError(_(UNKNOWN_PLACEHOLDER).format(key=key))
    with transaction.atomic():
        report = _locked(report)
        if report.status != ReportStatus.DRAFT:
            raise ValueError(_(NOT_DRAFT))
        old = report.narratives.get(section, catalog.SECTION_BY_KEY[section].text)
        report.narratives = {**report.narratives, section: text.strip()}
        report.save(update_fields=["narratives", "updated_at"])
        record_event(
            actor=actor,
            action="annual_report.edit_text",
            obj=report,
            changes={section: [old, text.strip()]},
        )
    return report


@dataclass
class FigureEntry:
    """A manual figure as entered: a catalog item (``key`` only), or a line of a yen table
    (``table`` with its label, unit and other columns)."""

    key: str
    value: Any
    basis: str
    qualifier: str = Qualifier.NONE
    note: str = ""
    label: str = ""
    unit: str = ""
    group: str = ""
    section_no: str = ""
    table: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def enter_figure(*, actor: Any, fiscal_year: int, entry: FigureEntry) -> ActivityFigure:
    """Enter (or change) a manual figure, with who entered it and its basis."""
    permissions.require(report_permissions.can_enter_figures(actor))
    if entry.key in counting.AUTO_BY_KEY:
        raise ValueError(_(AUTO_FIGURE))
    item = catalog.MANUAL_BY_KEY.get(entry.key)
    if item is None and entry.table not in compose.TABLES:
        raise ValueError(_(BAD_TABLE) if entry.table else _(UNKNOWN_FIGURE))
    try:
        value = Decimal(str(entry.value).replace(",", ""))
    except InvalidOperation:
        raise ValueError(_(BAD_VALUE)) from None
    if value < 0 or not value.is_finite():
        raise ValueError(_(BAD_VALUE))
    if not entry.basis.strip():
        raise ValueError(_(BASIS_REQUIRED))
    defaults: dict[str, Any] = {
        "value": value,
        "qualifier": entry.qualifier or (item.qualifier if item else ""),
        "note": entry.note,
        "basis": entry.basis.strip(),
        "source": FigureSource.MANUAL,
        "entered_by": actor,
        "table": "" if item else entry.table,
        "details": {} if item else entry.details,
    }
    if item is not None:
        defaults |= {
            "label": item.label,
            "unit": item.unit,
            "group": item.group,
            "section_no": item.section_no,
        }
    else:
        defaults |= {
            "label": entry.label,
            "unit": entry.unit or ("千円" if entry.table == "thousand_yen" else "円"),
            "group": entry.group,
            "section_no": entry.section_no,
        }
    with transaction.atomic():
        old = (
            ActivityFigure.objects.filter(fiscal_year=fiscal_year, item_key=entry.key)
            .values_list("value", flat=True)
            .first()
        )
        figure, _created = ActivityFigure.objects.update_or_create(
            fiscal_year=fiscal_year, item_key=entry.key, defaults=defaults
        )
        record_event(
            actor=actor,
            action="activity_figure.enter",
            obj=figure,
            changes={"value": [None if old is None else str(old), str(value)]},
            reason=entry.basis.strip(),
        )
    return figure


def submit_report(*, actor: Any, report: AnnualReport) -> AnnualReport:
    """Ask a governance approver to approve and issue the draft."""
    permissions.require(report_permissions.can_draft_report(actor))
    with transaction.atomic():
        report = _locked(report)
        if report.status != ReportStatus.DRAFT:
            raise ValueError(_(NOT_DRAFT))
        report.status = ReportStatus.AWAITING_APPROVAL
        report.submitted_by = actor
        report.save(update_fields=["status", "submitted_by", "updated_at"])
        record_event(
            actor=actor,
            action="annual_report.submit",
            obj=report,
            changes={"status": [ReportStatus.DRAFT, ReportStatus.AWAITING_APPROVAL]},
            reason=report.correction_reason,
        )
    return report


def return_report(*, actor: Any, report: AnnualReport, reason: str) -> AnnualReport:
    """The approver sends the draft back with a reason."""
    permissions.require(
        permissions.may_act(actor) and permissions.has_role(actor, Role.GOVERNANCE_APPROVER)
    )
    if not reason.strip():
        raise ValueError(_(REASON_REQUIRED))
    with transaction.atomic():
        report = _locked(report)
        if report.status != ReportStatus.AWAITING_APPROVAL:
            raise ValueError(_(NOT_AWAITING))
        report.status = ReportStatus.DRAFT
        report.save(update_fields=["status", "updated_at"])
        record_event(
            actor=actor,
            action="annual_report.return",
            obj=report,
            changes={"status": [ReportStatus.AWAITING_APPROVAL, ReportStatus.DRAFT]},
            reason=reason.strip(),
        )
    return report


def _freeze_auto_figures(fiscal_year: int, snapshot: dict[str, Any]) -> None:
    """Keep the issued automatic counts as rows too (the snapshot stays the record)."""
    for figure in snapshot["figures"].values():
        if figure["source"] != FigureSource.AUTO:
            continue
        ActivityFigure.objects.update_or_create(
            fiscal_year=fiscal_year,
            item_key=figure["key"],
            defaults={
                "group": figure["group"],
                "section_no": figure["section_no"],
                "label": figure["label"],
                "value": Decimal(figure["value"]),
                "unit": figure["unit"],
                "source": FigureSource.AUTO,
                "basis": figure["basis"],
                "entered_by": None,
            },
        )


def issue_line(number: str, version: int, day: Any) -> str:
    return f"{number}　第{version}版　{era_date(day)}"


def approve_report(*, actor: Any, report: AnnualReport) -> AnnualReportVersion:
    """Approve and issue: the figures as they are now are frozen into the version's snapshot,
    the Word and Excel files are made from it, numbered once, and hashed."""
    permissions.require(
        permissions.may_act(actor)
        and permissions.has_role(actor, Role.GOVERNANCE_APPROVER)
        and not permissions.is_admin(actor)
    )
    with transaction.atomic():
        report = _locked(report)
        if report.status != ReportStatus.AWAITING_APPROVAL:
            raise ValueError(_(NOT_AWAITING))
        # Segregation of duties: whoever drafted the report or asked for its approval.
        permissions.require(report_permissions.can_approve_report(actor, report), SAME_PERSON)
        today = timezone.localdate()
        if not report.number:
            report.number = next_document_number()
        latest = report.versions.order_by("-version").first()
        version_no = (latest.version + 1) if latest else 1
        snapshot = compose.compose(report.fiscal_year, report)
        line = issue_line(report.number, version_no, today)
        snapshot["issue_line"] = line
        docx = render.docx_bytes(snapshot, line)
        xlsx = render.xlsx_bytes(snapshot, line)
        version = AnnualReportVersion(
            report=report,
            version=version_no,
            sha256=sha256_hex(docx),
            xlsx_sha256=sha256_hex(xlsx),
            snapshot=snapshot,
            reason=report.correction_reason,
            drafted_by_id=report.submitted_by_id or report.drafted_by_id,
            approved_by=actor,
        )
        version.docx.save(f"annual_report_v{version_no}.docx", ContentFile(docx), save=False)
        version.xlsx.save(f"annual_report_v{version_no}.xlsx", ContentFile(xlsx), save=False)
        try:
            version.save()
            _freeze_auto_figures(report.fiscal_year, snapshot)
            report.status = ReportStatus.ISSUED
            report.correction_reason = ""
            report.save(update_fields=["status", "number", "correction_reason", "updated_at"])
            record_event(
                actor=actor,
                action="annual_report.issue",
                obj=report,
                changes={
                    "status": [ReportStatus.AWAITING_APPROVAL, ReportStatus.ISSUED],
                    "version": [latest.version if latest else None, version_no],
                    "number": [None, report.number],
                    "sha256": [None, version.sha256],
                    "xlsx_sha256": [None, version.xlsx_sha256],
                },
                reason=version.reason,
            )
        except BaseException:
            version.docx.delete(save=False)
            version.xlsx.delete(save=False)
            raise
    return version


def request_correction(*, actor: Any, report: AnnualReport, reason: str) -> AnnualReport:
    """Reopen an issued report to correct it: the next approval issues version 2 (with this
    reason); version 1 stays as it was issued."""
    permissions.require(report_permissions.can_draft_report(actor))
    if not reason.strip():
        raise ValueError(_(REASON_REQUIRED))
    with transaction.atomic():
        report = _locked(report)
        if report.status != ReportStatus.ISSUED:
            raise ValueError(_(NOT_ISSUED))
        report.status = ReportStatus.DRAFT
        report.correction_reason = reason.strip()
        report.drafted_by = actor
        report.submitted_by = None
        report.save(
            update_fields=[
                "status",
                "correction_reason",
                "drafted_by",
                "submitted_by",
                "updated_at",
            ]
        )
        record_event(
            actor=actor,
            action="annual_report.request_correction",
            obj=report,
            changes={"status": [ReportStatus.ISSUED, ReportStatus.DRAFT]},
            reason=reason.strip(),
        )
    return report

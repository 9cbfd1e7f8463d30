"""The network connection's documents: the 承認書 / 条件付承認書 (with the communication matrix
as an annex), the 不承認通知 and the 取消通知書, built from the case as it is now; and the
接続承認一覧 workbook for the yearly all-department survey (全庁照会), formula-safe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook

from governance.cases.services.documents import DocumentContent, document_builder
from governance.japanese import add_business_days, era_date, fiscal_year_of, in_japanese
from governance.models import (
    AdvisoryDocument,
    AssetKind,
    Case,
    CaseMessage,
    ConnectionApproval,
    ConnectionCondition,
    Direction,
    LedgerStatus,
    NetworkConnection,
    NetworkSegment,
    Outcome,
    RuleKey,
    TargetKind,
)
from governance.network.services.decision import (
    APPROVAL_TEMPLATE,
    APPROVAL_TITLE,
    CONDITIONAL_TITLE,
    REJECTION_TEMPLATE,
    REJECTION_TITLE,
)
from governance.network.services.lifecycle import REVOCATION_TEMPLATE, REVOCATION_TITLE
from governance.rules.services import rule_in_force

OFFICE = "スマートシティ戦略部 行政DX推進課長"


def segment_text(connection: NetworkConnection | ConnectionApproval, other: str = "") -> str:
    label = str(NetworkSegment(connection.segment).label)
    return f"{label}（{other}）" if other else label


def validity_text(approval: ConnectionApproval) -> str:
    """「令和9年3月31日まで」, with why when an asset's end of support cut it short."""
    return approval.validity_text


def _document_number(case: Case, template: str) -> str:
    document = AdvisoryDocument.objects.filter(case=case, template=template).first()
    return document.number if document else ""


def _header(connection: NetworkConnection, template: str, issued: dt.date) -> dict[str, Any]:
    system = connection.system
    return {
        "document_number": _document_number(connection, template),
        "issued_on": issued,
        "department": connection.department.name,
        "section": connection.section.name if connection.section else "",
        "office": OFFICE,
        "case_number": connection.number,
        "title": connection.title,
        "system": f"{system.code} {system.name}" if system else "",
        "segment": segment_text(connection, connection.segment_other_name),
        "target_kind": str(TargetKind(connection.target_kind).label),
        "purpose": connection.purpose,
    }


def _with_labels(connection: NetworkConnection) -> NetworkConnection:
    return NetworkConnection.objects.select_related(
        "department", "section", "system", "approver", "ciso", "reviewer"
    ).get(pk=connection.pk)


@document_builder(APPROVAL_TEMPLATE)
def build_approval_document(case: Case) -> DocumentContent:
    connection = _with_labels(NetworkConnection(pk=case.pk))
    approval = ConnectionApproval.objects.get(case_id=case.pk)
    with in_japanese():
        decided = connection.ciso_decided_at or connection.decided_at or timezone.now()
        context = _header(connection, APPROVAL_TEMPLATE, timezone.localdate(decided))
        conditional = connection.outcome == Outcome.APPROVED_WITH_CONDITIONS
        conditions = ConnectionCondition.objects.filter(case=connection, approval=approval).exclude(
            is_disposal=True
        )
        context.update(
            heading=CONDITIONAL_TITLE if conditional else APPROVAL_TITLE,
            conditional=conditional,
            valid_from=approval.valid_from,
            validity=validity_text(approval),
            assets=[
                {
                    "hostname": row.hostname,
                    "kind": str(AssetKind(row.kind).label) if row.kind in AssetKind.values else "",
                    "ip": row.ip_address or "—",
                    "os": f"{row.os_name} {row.os_version}".strip() or "—",
                    "eol": era_date(row.os_eol_on) if row.os_eol_on else "—",
                }
                for row in connection.connection_assets.order_by("pk")
            ],
            conditions=[
                {
                    "number": condition.number,
                    "text": condition.text,
                    "due": era_date(condition.due_date) if condition.due_date else "",
                    "evidence": condition.evidence_required,
                }
                for condition in conditions.order_by("number")
            ],
            flows=[
                {
                    "number": flow.number,
                    "source": flow.source,
                    "destination": flow.destination,
                    "protocol": flow.get_protocol_display(),
                    "ports": flow.ports,
                    "direction": str(Direction(flow.direction).label),
                    "purpose": flow.purpose,
                }
                for flow in connection.flows.order_by("number")
            ],
            vlan=connection.assigned_vlan,
            addresses=connection.assigned_addresses,
            routing_reason=connection.routing_reason,
            approver=connection.approver.display_name if connection.approver else "",
            ciso=connection.ciso.display_name if connection.ciso else "",
        )
    return DocumentContent(title=context["heading"], context=context)


def _last_remark(connection: NetworkConnection) -> str:
    message = (
        CaseMessage.objects.filter(case=connection, kind=CaseMessage.Kind.REMARK)
        .order_by("-created_at", "-pk")
        .first()
    )
    return message.body if message else ""


@document_builder(REJECTION_TEMPLATE)
def build_rejection_document(case: Case) -> DocumentContent:
    connection = _with_labels(NetworkConnection(pk=case.pk))
    with in_japanese():
        decided = connection.ciso_decided_at or connection.decided_at or timezone.now()
        context = _header(connection, REJECTION_TEMPLATE, timezone.localdate(decided))
        decider = connection.ciso or connection.approver
        context.update(
            reason=_last_remark(connection),
            decider=decider.display_name if decider is not None else "",
        )
    return DocumentContent(title=REJECTION_TITLE, context=context)


@document_builder(REVOCATION_TEMPLATE)
def build_revocation_document(case: Case) -> DocumentContent:
    connection = _with_labels(NetworkConnection(pk=case.pk))
    approval = ConnectionApproval.objects.select_related("document", "revoked_by").get(
        case_id=case.pk
    )
    revoked = timezone.localdate(approval.revoked_at or timezone.now())
    days = int(
        rule_in_force(RuleKey.NC_DISCONNECT_CONFIRM_BUSINESS_DAYS, fiscal_year_of(revoked)).value
    )
    with in_japanese():
        context = _header(connection, REVOCATION_TEMPLATE, revoked)
        context.update(
            approval_number=approval.document.number if approval.document else connection.number,
            approved_validity=validity_text(approval),
            reason=approval.revoked_reason,
            disconnect_by=era_date(
                timezone.localdate(approval.disconnected_at)
                if approval.disconnected_at
                else add_business_days(revoked, days)
            ),
            revoked_by=approval.revoked_by.display_name if approval.revoked_by else "",
        )
    return DocumentContent(title=REVOCATION_TITLE, context=context)


# --- 接続承認一覧 (xlsx) ----------------------------------------------------------------------

EXPORT_HEADERS = [
    "承認番号",
    "案件番号",
    "部局",
    "システムコード",
    "システム名",
    "接続するもの",
    "セグメント",
    "状態",
    "有効期間の開始日",
    "有効期限",
    "有効期限の根拠",
    "未対応の条件",
    "条件",
]
#: A text cell Excel would read as a formula (or a DDE call) starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """A text cell that cannot run as a formula: a leading ``'`` before =, +, -, @."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(approvals: Iterable[ConnectionApproval], *, today: dt.date) -> list[list[Any]]:
    """One row per approval (the caller prefetches ``conditions`` and selects case, system)."""
    rows = []
    with in_japanese():
        for approval in approvals:
            conditions = sorted(approval.conditions.all(), key=lambda c: c.number)
            rows.append(
                [
                    approval.document.number if approval.document else "",
                    approval.case.number,
                    approval.case.department.name,
                    approval.system.code,
                    approval.system.name,
                    str(TargetKind(approval.target_kind).label),
                    str(NetworkSegment(approval.segment).label),
                    approval.status_label(today),
                    approval.valid_from,
                    approval.valid_until,
                    approval.get_valid_until_basis_display(),
                    sum(1 for c in conditions if c.status == LedgerStatus.OPEN),
                    "\n".join(
                        f"{c.number}. {c.text}（{c.get_status_display()}）" for c in conditions
                    ),
                ]
            )
    return rows


def write_approvals_workbook(
    approvals: Iterable[ConnectionApproval], stream: IO[bytes], *, today: dt.date
) -> None:
    """The 接続承認一覧 as .xlsx: every text cell formula-safe, dates as dates."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "接続承認一覧"
    sheet.append(EXPORT_HEADERS)
    for row in export_rows(approvals, today=today):
        sheet.append([formula_safe(value) for value in row])
    for cells in sheet.iter_cols(min_col=9, max_col=10, min_row=2):
        for cell in cells:
            cell.number_format = "yyyy/mm/dd"
    sheet.freeze_panes = "A2"
    workbook.save(stream)

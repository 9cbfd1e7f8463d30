"""Reads of the decision trace (決定の経緯): one timeline of a case's decisions, audit events,
deadlines and document versions, worded with the case page's own labels, and the auditor's
home. Every read checks who may see it; the number of queries does not grow with the trace."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from governance import compiled, japanese, permissions
from governance.decisions.services import SEAL_ACTION
from governance.models import (
    Attachment,
    AuditEvent,
    Case,
    CaseStatus,
    Deadline,
    DecisionRecord,
    DocumentVersion,
    User,
)
from governance.roles import Role

#: The audit actions the trace names in Japanese (others show their code).
ACTION_LABELS: dict[str, Any] = {
    "budget_check.request": gettext_lazy("予算確認の申請"),
    "budget_check.send_back": gettext_lazy("差戻し（質問）"),
    "budget_check.resubmit": gettext_lazy("回答・再提出"),
    "budget_check.record_result": gettext_lazy("確認結果の記録"),
    "budget_check.approve": gettext_lazy("決裁（承認）"),
    "budget_check.return_from_approval": gettext_lazy("決裁者からの差戻し"),
    "budget_check.acknowledge": gettext_lazy("結果の確認"),
    "spec_review.register": gettext_lazy("仕様書確認の登録"),
    "spec_review.begin": gettext_lazy("確認の開始"),
    "spec_review.scan.accept": gettext_lazy("自動検出の採用"),
    "spec_review.scan.dismiss": gettext_lazy("自動検出の不採用"),
    "spec_review.finding.add": gettext_lazy("指摘事項の追加"),
    "spec_review.finding.settle": gettext_lazy("指摘事項の確認"),
    "spec_review.complete_round": gettext_lazy("確認の完了"),
    "spec_review.resubmit": gettext_lazy("修正版の提出"),
    "spec_review.approve": gettext_lazy("決裁（承認）"),
    "spec_review.return_to_reviewer": gettext_lazy("決裁者からの差戻し"),
    "spec_review.ready_for_board": gettext_lazy("審査会付議の準備完了"),
    "consultation.open": gettext_lazy("相談の受付"),
    "consultation.answer": gettext_lazy("相談への回答"),
    "consultation.close": gettext_lazy("相談の完了"),
    "consultation.follow_up": gettext_lazy("追加の質問"),
    "document.request": gettext_lazy("文書作成の依頼"),
    "document.generate": gettext_lazy("文書の作成"),
    "guidance_item.resolve": gettext_lazy("指導事項の対応"),
    "guidance_item.waive": gettext_lazy("指導事項の対応不要"),
    "deadline.start": gettext_lazy("期限の開始"),
    "deadline.meet": gettext_lazy("期限の対応"),
    "deadline.missed": gettext_lazy("期限超過"),
    "deadline.waive": gettext_lazy("期限の免除"),
    "deadline.cancel": gettext_lazy("期限の取消"),
    "deadline.reschedule": gettext_lazy("期限の変更"),
    "deadline.pause": gettext_lazy("期限の一時停止"),
    "deadline.resume": gettext_lazy("期限の再開"),
    "deadline.assign": gettext_lazy("期限の担当者の変更"),
    "job.retry": gettext_lazy("バックグラウンド処理の再実行"),
    "audit.export": gettext_lazy("監査用データの出力"),
    "audit.anchor": gettext_lazy("監査記録ハッシュ通知の発行"),
    "audit.verify": gettext_lazy("監査記録の照合"),
    "decision.record": gettext_lazy("決定記録の封印"),
    "audit.package": gettext_lazy("監査パッケージの作成"),
    "document.regenerate": gettext_lazy("文書の再作成"),
    "case.share": gettext_lazy("他部局との共有"),
    "case.unshare": gettext_lazy("共有の解除"),
    "case.cancel": gettext_lazy("案件の取消"),
    "task.assign": gettext_lazy("作業の引受け"),
    "task.unassign": gettext_lazy("作業の返却"),
    "task.cancel": gettext_lazy("作業の取消"),
}

#: Names that services record in ``changes`` beside the case's own columns.
CHANGE_LABELS: dict[str, Any] = {
    "round": gettext_lazy("回"),
    "version": gettext_lazy("版"),
    "checklist": gettext_lazy("確認項目"),
    "open_findings": gettext_lazy("未対応の指摘事項"),
    "phrase": gettext_lazy("検出語句"),
    "finding": gettext_lazy("指摘事項"),
    "text": gettext_lazy("内容"),
    "requested_revision": gettext_lazy("修正依頼内容"),
    "perspective": gettext_lazy("観点"),
    "resolution": gettext_lazy("確認結果"),
    "answers": gettext_lazy("回答"),
    "spec_version": gettext_lazy("仕様書の版"),
    "spec_sha256": gettext_lazy("仕様書の SHA-256"),
    "guidance_items": gettext_lazy("指導事項"),
    "attachments": gettext_lazy("添付ファイル"),
    "document": gettext_lazy("文書"),
    "template": gettext_lazy("様式"),
    "case": gettext_lazy("案件"),
    "decision": gettext_lazy("決定"),
    "decision_snapshot": gettext_lazy("決定記録のハッシュ"),
    "export": gettext_lazy("出力"),
    "package": gettext_lazy("監査パッケージ"),
}


def _choice_labels() -> dict[str, str]:
    """Every stored code of the review flows' choices, for values recorded in ``changes``
    (built once per language: a search page formats thousands of values)."""
    return _choice_labels_in(get_language() or "")


@functools.lru_cache(maxsize=8)
def _choice_labels_in(language: str) -> dict[str, str]:
    from governance.models import (
        BudgetCheck,
        BudgetPerspective,
        ChecklistResult,
        CheckOutcome,
        LedgerStatus,
        Perspective,
        ProcurementType,
        SpecScanResult,
    )

    labels: dict[str, str] = {}
    for choices in (
        CheckOutcome,
        ChecklistResult,
        BudgetCheck.Result,
        ProcurementType,
        SpecScanResult.Status,
        LedgerStatus,
        BudgetPerspective,
        Perspective,
        CaseStatus,
    ):
        labels.update({value: str(label) for value, label in choices.choices})
    return labels


MATCH = "match"
MISMATCH = "mismatch"
MISSING = "missing"


@dataclass
class Row:
    """One labelled value of a snapshot or a change."""

    label: str
    value: str
    old: str = ""


@dataclass
class Evidence:
    name: str
    version: Any
    sha256: str
    check: str
    viewed_at: str = ""


@dataclass
class Entry:
    """One line of the timeline; ``kind`` is decision, event, deadline or document."""

    kind: str
    moment: dt.datetime
    title: str
    actor: str = ""
    reason: str = ""
    rows: list[Row] = field(default_factory=list)
    record: DecisionRecord | None = None
    facts: list[Row] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    viewed: list[Evidence] = field(default_factory=list)
    roles: str = ""
    department: str = ""
    sod: dict[str, Any] = field(default_factory=dict)
    rule: dict[str, Any] = field(default_factory=dict)
    status: str = ""
    sha256: str = ""
    check: str = ""


# --- Formatting values with the case page's labels -------------------------------------------


def _tr(text: str) -> str:
    """A label recorded in Japanese, in the page's language when the catalog knows it (the
    record keeps the Japanese; ``gettext("")`` would be the catalog's header)."""
    return _(text) if text else ""


def _moment_text(value: dt.datetime) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{japanese.era_date(local)} {local:%H:%M}"


def format_value(model_field: Any, value: Any, users: dict[int, str]) -> str:
    """A stored JSON value as the page shows it: choice labels, names, yen, era dates, 年度."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if model_field is not None:
        if model_field.is_relation:
            if isinstance(value, int) and model_field.related_model is User:
                return users.get(value, _("利用者 {id}").format(id=value))
            return str(value)
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        internal = model_field.get_internal_type()
        if internal == "DateField" and isinstance(value, str) and (day := parse_date(value)):
            return japanese.era_date(day)
        if internal == "DateTimeField" and isinstance(value, str):
            moment = parse_datetime(value)
            if moment is not None:
                return _moment_text(moment)
        if isinstance(value, int):
            if model_field.name == "fiscal_year":
                return japanese.fiscal_year_label(value)
            if "円" in str(model_field.verbose_name) or model_field.name.endswith("_cost"):
                return japanese.yen(value)
            return f"{value:,}"
    labels = _choice_labels()
    if isinstance(value, list):
        return "、".join(labels.get(str(item), str(item)) for item in value)
    if isinstance(value, dict):
        return "、".join(
            f"{labels.get(str(key), key)}: {labels.get(str(item), item)}"
            for key, item in value.items()
        )
    return labels.get(str(value), str(value)) if isinstance(value, str) else str(value)


def _field(model: type[Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except Exception:
        return None


def _label(model: type[Model], name: str) -> str:
    model_field = _field(model, name)
    if model_field is not None and hasattr(model_field, "verbose_name"):
        return str(model_field.verbose_name)
    if name == "status":
        return str(_("状態"))
    return str(CHANGE_LABELS.get(name, name))


def _status_text(value: Any) -> str:
    if value in (None, ""):
        return "—"
    return _choice_labels().get(str(value), str(value))


def _change_rows(model: type[Model], changes: dict[str, Any], users: dict[int, str]) -> list[Row]:
    rows = []
    for name, change in changes.items():
        old, new = ([*change, None, None])[:2] if isinstance(change, list) else (None, change)
        if name == "status":
            rows.append(Row(_label(model, name), _status_text(new), _status_text(old)))
            continue
        model_field = _field(model, name)
        rows.append(
            Row(
                _label(model, name),
                format_value(model_field, new, users),
                format_value(model_field, old, users),
            )
        )
    return rows


# --- Live hash re-verification ------------------------------------------------------------------


def file_check(file: Any, expected: str) -> str:
    """一致 / 不一致 / ファイル欠損 for a stored file against the hash recorded for it."""
    if not file:
        return MISSING
    digest = hashlib.sha256()
    try:
        with file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except (OSError, ValueError):
        return MISSING
    return MATCH if digest.hexdigest() == expected else MISMATCH


# --- The trace -----------------------------------------------------------------------------------


def sees_decision_details(user: Any) -> bool:
    """Roles held then and the evidence opened are shown to governance staff, auditors and
    superusers; department staff see decisions, dates and reasons (NEXT_WAVE §C.5b)."""
    return bool(
        user.is_superuser
        or permissions.has_role(user, Role.GOVERNANCE_REVIEWER, Role.GOVERNANCE_APPROVER)
        or permissions.is_auditor(user)
    )


def api_case_decisions(user: Any, case: Case) -> tuple[list[DecisionRecord], bool]:
    """The case's decision records, oldest first, for someone who may see the case (the 決定の
    経緯 tab's), and whether the caller sees the roles held then and the evidence opened
    (``sees_decision_details``). One query."""
    if not permissions.can_view_case(user, case):
        return [], False
    records = list(DecisionRecord.objects.filter(case_id=case.pk).order_by("decided_at", "pk"))
    return records, sees_decision_details(user)


def _users_named(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        user.pk: user.label for user in User.objects.filter(pk__in=ids).select_related("department")
    }


def _user_ids(model: type[Model], changes_list: list[dict[str, Any]]) -> set[int]:
    ids: set[int] = set()
    for changes in changes_list:
        for name, change in changes.items():
            model_field = _field(model, name)
            if model_field is None or not model_field.is_relation:
                continue
            if model_field.related_model is not User:
                continue
            for value in change if isinstance(change, list) else [change]:
                if isinstance(value, int):
                    ids.add(value)
    return ids


def case_trace(user: Any, case: Case) -> list[Entry]:
    """The case's timeline, oldest first, for someone who may see the case; [] otherwise.

    Six queries whatever the length of the trace: decisions, events, deadlines, document
    versions, attachments, and the people named in changes."""
    if not permissions.can_view_case(user, case):
        return []
    model = type(case)
    details = sees_decision_details(user)
    records = list(DecisionRecord.objects.filter(case_id=case.pk).order_by("decided_at", "pk"))
    events = list(
        AuditEvent.objects.filter(case_id=case.pk).exclude(action=SEAL_ACTION).order_by("sequence")
    )
    deadlines = list(Deadline.objects.filter(case_id=case.pk).order_by("due_at", "pk"))
    versions = list(
        DocumentVersion.objects.filter(document__case_id=case.pk)
        .select_related("document")
        .order_by("created_at", "pk")
    )
    attachments = {a.pk: a for a in Attachment.objects.filter(case_id=case.pk)}
    version_by_id = {v.pk: v for v in versions}
    users = _users_named(
        {case.requester_id} | _user_ids(model, [event.changes for event in events])
    )
    checks: dict[tuple[str, int], str] = {}

    def check_of(item: dict[str, Any]) -> str:
        key = (item["kind"], item["id"])
        if key not in checks:
            stored = (
                attachments.get(item["id"])
                if item["kind"] == "attachment"
                else version_by_id.get(item["id"])
            )
            checks[key] = file_check(stored.file if stored else None, item["sha256"])
        return checks[key]

    entries: list[Entry] = []
    for record in records:
        entries.append(_decision_entry(record, model, users, check_of, details))
    for event in events:
        entries.append(
            Entry(
                kind="event",
                moment=event.occurred_at,
                title=str(ACTION_LABELS.get(event.action, event.action)),
                actor=event.actor_name,
                reason=event.reason,
                rows=_change_rows(model, event.changes, users),
            )
        )
    for deadline in deadlines:
        entries.append(_deadline_entry(deadline))
    for version in versions:
        entries.append(
            Entry(
                kind="document",
                moment=version.created_at,
                title=_("{number} {title} 第{version}版").format(
                    number=version.document.number,
                    title=version.document.title,
                    version=version.version,
                ),
                sha256=version.sha256,
                check=check_of(
                    {"kind": "document_version", "id": version.pk, "sha256": version.sha256}
                ),
            )
        )
    entries.sort(key=lambda entry: entry.moment)
    return entries


def _decision_entry(
    record: DecisionRecord,
    model: type[Model],
    users: dict[int, str],
    check_of: Any,
    details: bool,
) -> Entry:
    inputs = record.inputs or {}
    facts = inputs.get("case") or {}
    ordered = [f.name for f in model._meta.concrete_fields if f.name in facts]
    ordered += [name for name in facts if name not in ordered]
    rows = [
        Row(_label(model, name), format_value(_field(model, name), facts[name], users))
        for name in ordered
    ]
    viewed = {(item["kind"], item["id"]): item for item in record.evidence_viewed or []}
    evidence = []
    for item in record.evidence or []:
        seen = viewed.get((item["kind"], item["id"]))
        moment = parse_datetime(seen["accessed_at"]) if seen else None
        evidence.append(
            Evidence(
                name=item["name"],
                version=item.get("version"),
                sha256=item["sha256"],
                check=check_of(item),
                viewed_at=_moment_text(moment) if moment else "",
            )
        )
    return Entry(
        kind="decision",
        moment=record.decided_at,
        title=record.decision_label,
        actor=record.decided_by_name,
        reason=record.reason,
        rows=rows,
        record=record,
        facts=[Row(_tr(fact["label"]), _tr(fact["value"])) for fact in inputs.get("facts") or []],
        clocks=[
            {key: _tr(str(value)) for key, value in clock.items()}
            for clock in inputs.get("clocks") or []
        ],
        evidence=evidence,
        viewed=[item for item in evidence if item.viewed_at] if details else [],
        roles="、".join(role["label"] for role in record.decided_by_roles) if details else "",
        department=record.decided_by_department,
        sod=record.sod or {},
        rule=_rule_view(record.rule_snapshot or {}),
    )


def _rule_view(snapshot: dict[str, Any]) -> dict[str, Any]:
    if not snapshot:
        return {}
    value = snapshot.get("value")
    if isinstance(value, int):
        is_yen = str(snapshot.get("key", "")).endswith("threshold")
        value = japanese.yen(value) if is_yen else f"{value:,}"
    return {**snapshot, "value_text": value}


def _deadline_entry(deadline: Deadline) -> Entry:
    from governance.clocks import schedule

    if deadline.met_at is not None:
        moment = deadline.met_at
        status = _("期限内に対応") if deadline.met_at <= deadline.due_at else _("期限後に対応")
    elif deadline.missed_at is not None:
        moment, status = deadline.missed_at, _("期限超過")
    else:
        moment, status = deadline.due_at, str(deadline.get_status_display())
    return Entry(
        kind="deadline",
        moment=moment,
        title=str(deadline.get_kind_display()),
        status=status,
        rows=[
            Row(_("期限"), schedule.format_due(deadline.due_at)),
            Row(_("状態"), str(deadline.get_status_display())),
            Row(_("根拠"), deadline.basis),
        ],
    )


# --- The auditor's home --------------------------------------------------------------------------


#: What a row of the auditor's latest decisions shows.
DECISION_ROW_COLUMNS = (
    "pk",
    "case_id",
    "decided_at",
    "decision_label",
    "decided_by_name",
    # Only whether segregation of duties held: decoding each record's whole JSON cost more.
    "sod__ok",
    "case__number",
    "case__title",
)


@dataclass(frozen=True)
class DecisionRow:
    """One of the auditor's latest decisions as the page shows it."""

    pk: int
    case_id: int | None
    decided_at: dt.datetime
    decision_label: str
    decided_by_name: str
    sod_ok: Any  # the record's ``sod["ok"]`` (None where it has none)
    case_number: str | None
    case_title: str | None


@dataclass(frozen=True)
class ChainMark:
    """The chain's newest event or last monthly anchor, as the page shows it."""

    sequence: int
    hash: str
    occurred_at: dt.datetime | None = None
    period: str = ""


@dataclass
class AuditorHome:
    """What the auditor's home shows: the chain's head and last anchor, the anchors' check,
    the full verification when asked for, and the latest decisions."""

    head: ChainMark | None
    last_anchor: ChainMark | None
    anchors: Any
    chain: Any
    seals: Any
    decisions: list[DecisionRow]
    #: Decisions taken this month (counting every decision ever taken on each visit would read
    #: the whole table; the audit search counts any period asked for).
    decision_count: int
    #: Over all history: it must stay 0, and a partial index holds only the breaches.
    sod_breaches: int


def auditor_home(user: Any, *, verify: bool = False, limit: int = 20) -> AuditorHome:
    """For auditors (and whoever reads the audit trail); ``verify`` walks the whole chain and
    every decision record's seal, which takes a while on a long chain.

    The columns the page shows only (a decision's facts, evidence and rule snapshot are JSON
    that decoding for 20 rows cost about a millisecond a page). For those who see every case
    the SQL is the same for all of them: compiled once and kept (``governance.compiled``)."""
    from governance.audit.anchors import check_anchors, monthly_anchor_rows
    from governance.audit.services import verify_chain
    from governance.decisions.services import verify_decision_seals

    permissions.require(permissions.can_view_audit_trail(user))
    everything = permissions.sees_every_case(user)
    visible = DecisionRecord.objects.all()
    if not everything:
        visible = visible.filter(case__in=permissions.scope_cases(user, Case.objects.all()))
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    def key(*parts: Any) -> tuple[Any, ...] | None:
        return compiled.query_key("auditor_home", *parts) if everything else None

    head = compiled.values(
        compiled.query_key("auditor_home", "head"),
        lambda: AuditEvent.objects.order_by("-sequence").values_list(
            "sequence", "hash", "occurred_at"
        )[:1],
    )
    # Every monthly anchor, oldest first: checked below, and the last is the latest shown.
    monthly = monthly_anchor_rows()
    decisions = compiled.values(
        key("decisions", limit),
        lambda: visible.order_by("-decided_at", "-pk").values_list(*DECISION_ROW_COLUMNS)[:limit],
    )
    return AuditorHome(
        head=ChainMark(*head[0]) if head else None,
        last_anchor=(
            ChainMark(monthly[-1][2], monthly[-1][3], period=monthly[-1][0]) if monthly else None
        ),
        anchors=check_anchors(monthly_rows=monthly),
        chain=verify_chain() if verify else None,
        seals=verify_decision_seals() if verify else None,
        decisions=[DecisionRow(*row) for row in decisions],
        decision_count=compiled.count(
            key("this_month", month_start), lambda: visible.filter(decided_at__gte=month_start)
        ),
        sod_breaches=compiled.count(key("sod_breaches"), lambda: visible.filter(sod__ok=False)),
    )

"""Writing decision records and evidence accesses, and verifying the records' seals.

``record_decision`` is the one write path of ``DecisionRecord``: every deciding service
(budget check, spec review, consultation) calls it inside its own transaction, after the
change. It snapshots what the decision page showed (the case's facts, the checklist and
findings, the running clocks), the evidence listed with its SHA-256, which of it the decider
opened before deciding (``EvidenceAccess``), the rule in force and the segregation-of-duties
check, and seals the snapshot's hash into the audit chain with a ``decision.record`` event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models import CharField, DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from governance import compiled, compiled_writes, permissions
from governance.audit.services import record_event
from governance.decisions.models import DecisionRecord, EvidenceAccess
from governance.japanese import in_japanese
from governance.models import (
    Attachment,
    AuditEvent,
    Case,
    Deadline,
    DocumentVersion,
    SpecReviewRound,
    User,
)
from governance.roles import Role

#: The audit action whose event seals a decision record's snapshot.
SEAL_ACTION = "decision.record"

#: Every decision a person takes, with its Japanese label (stored with the record as it was).
DECISIONS: dict[str, str] = {
    "budget_check.send_back": gettext_noop("差戻し（質問）"),
    "budget_check.record_result": gettext_noop("確認結果の記録（決裁へ）"),
    "budget_check.approve": gettext_noop("決裁（承認）"),
    "budget_check.return_from_approval": gettext_noop("決裁者からの差戻し"),
    "spec_review.round_returned": gettext_noop("確認完了（修正依頼・差戻し）"),
    "spec_review.round_to_approval": gettext_noop("確認完了（決裁へ）"),
    "spec_review.approve": gettext_noop("決裁（承認）"),
    "spec_review.return_to_reviewer": gettext_noop("決裁者からの差戻し"),
    "consultation.answer": gettext_noop("相談への回答"),
    "network.security_return": gettext_noop("セキュリティ審査の差戻し"),
    "network.security_review": gettext_noop("セキュリティ審査の完了"),
    "network.technical_return": gettext_noop("技術確認の差戻し"),
    "network.technical_review": gettext_noop("技術確認の完了（決裁へ）"),
    "network.approve": gettext_noop("接続の承認"),
    "network.approve_with_conditions": gettext_noop("接続の条件付き承認"),
    "network.reject": gettext_noop("接続の不承認"),
    "network.approval_return": gettext_noop("決裁者からの差戻し"),
    "network.ciso_approve": gettext_noop("CISO の承認"),
    "network.ciso_reject": gettext_noop("CISO の不承認"),
    "network.approval.suspend": gettext_noop("緊急遮断"),
    "network.approval.restore": gettext_noop("接続承認の復旧"),
    "network.approval.revoke": gettext_noop("接続承認の取消"),
    "network.approval.review_settle": gettext_noop("見直しの結果、承認を維持"),
    "network.approval.decommission": gettext_noop("廃止の確認"),
    "network.approval.disconnect": gettext_noop("接続解除の確認"),
    "network.condition.verify": gettext_noop("承認条件の履行確認"),
    "network.condition.reopen": gettext_noop("承認条件の差戻し"),
    "network.condition.waive": gettext_noop("承認条件の免除"),
    "incident.triage": gettext_noop("トリアージ（重大度の判定）"),
    "incident.triage_dismiss": gettext_noop("トリアージ（対象外）"),
    "incident.severity_override": gettext_noop("重大度の変更"),
    "incident.dismiss": gettext_noop("対象外の確定"),
    "incident.dismissal_refused": gettext_noop("対象外の差戻し（トリアージへ）"),
    "incident.closure_reviewed": gettext_noop("完了の確認（CISO へ）"),
    "incident.close": gettext_noop("完了の承認"),
    "incident.closure_send_back": gettext_noop("完了申請の差戻し"),
    "incident.ciso_close": gettext_noop("CISO による完了の承認"),
    "incident.ciso_closure_send_back": gettext_noop("CISO による完了申請の差戻し"),
    "incident.obligation_waive": gettext_noop("報告義務の免除"),
    "incident.tlp_downgrade": gettext_noop("TLP の緩和"),
    "incident.submission_approve": gettext_noop("報告内容の承認"),
    "incident.publication_publish": gettext_noop("公表の判断（公表する）"),
    "incident.publication_not_publish": gettext_noop("公表の判断（公表しない）"),
    "incident.notice_notify": gettext_noop("本人通知の判断（本人に通知する）"),
    "incident.notice_replaced_by_publication": gettext_noop(
        "本人通知の判断（通知困難のため公表で代替）"
    ),
    "incident.notice_not_required": gettext_noop("本人通知の判断（通知を要しない）"),
    # 監査指摘と措置 (NEXT_WAVE §C.5b): the approver approves a measure; its figures freeze.
    "audit_measure.approve": gettext_noop("措置の承認"),
}

#: Case columns that are bookkeeping, not facts a decider looks at.
_SKIPPED_FIELDS = {"id", "case_ptr", "process", "sequence", "created_at", "updated_at"}


@dataclass(frozen=True)
class Fact:
    """One extra line of what the page showed, already worded in Japanese."""

    label: str
    value: str


def canonical_json(value: Any) -> str:
    """The one serialisation hashed: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def _normalised(value: Any) -> Any:
    with in_japanese():
        return json.loads(canonical_json(value))


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def snapshot_body(record: DecisionRecord) -> dict[str, Any]:
    """Everything a record's hash covers (all its fields but the hash and the event)."""
    return {
        "case_id": record.case_id,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "node": record.node,
        "task_id": record.task_id,
        "decision": record.decision,
        "decision_label": record.decision_label,
        "decided_by_id": record.decided_by_id,
        "decided_by_name": record.decided_by_name,
        "decided_by_roles": record.decided_by_roles,
        "decided_by_department": record.decided_by_department,
        "decided_at": _timestamp(record.decided_at),
        "reason": record.reason,
        "rule_id": record.rule_id,
        "rule_snapshot": record.rule_snapshot,
        "inputs": record.inputs,
        "evidence": record.evidence,
        "evidence_viewed": record.evidence_viewed,
        "sod": record.sod,
    }


def snapshot_hash(record: DecisionRecord) -> str:
    return hashlib.sha256(canonical_json(snapshot_body(record)).encode()).hexdigest()


# --- What the page showed -------------------------------------------------------------------


def _field_value(case: Case, field: Any) -> Any:
    if field.is_relation:
        related = getattr(case, field.name)
        if related is None:
            return None
        return {"id": related.pk, "label": str(related)}
    return getattr(case, field.attname)


def case_facts(case: Case) -> dict[str, Any]:
    """The concrete case's own columns, foreign keys as ``{"id", "label"}`` (labels in
    Japanese, as the page showed them)."""
    facts: dict[str, Any] = {}
    with in_japanese():
        for field in case._meta.concrete_fields:
            if field.name in _SKIPPED_FIELDS or field.name.endswith("_ptr"):
                continue
            facts[field.name] = _field_value(case, field)
    return facts


def _clocks_query(case_pk: int) -> QuerySet[Deadline]:
    return Deadline.objects.filter(case_id=case_pk).order_by("due_at", "pk")


def _running_clocks(case: Case, now: dt.datetime) -> list[dict[str, Any]]:
    from governance.clocks import schedule

    rows = []
    with in_japanese():
        deadlines = compiled.bound_models(
            compiled.query_key("decision_clocks"), _clocks_query, (case.pk,)
        )
        for deadline in cast(list[Deadline], deadlines):
            left = ""
            if deadline.is_open and deadline.paused_at is None:
                left = schedule.time_left(deadline.due_at, now, counting=deadline.counting).text
            rows.append(
                {
                    "kind": str(deadline.get_kind_display()),
                    "due": schedule.format_due(deadline.due_at),
                    "status": str(deadline.get_status_display()),
                    "left": left,
                }
            )
    return rows


#: The columns of ``_evidence_query``, in its order.
_EVIDENCE_COLUMNS = ("group", "ref", "label", "number", "digest", "at", "within", "edition")


def _evidence_query(case_pk: int) -> QuerySet[Any]:
    attachments = Attachment.objects.filter(case_id=case_pk).annotate(
        group=Value(0),
        ref=F("pk"),
        label=F("original_name"),
        number=F("spec_version__number"),
        digest=F("sha256"),
        at=F("uploaded_at"),
        within=F("pk"),
        edition=Value(0),
    )
    versions = DocumentVersion.objects.filter(document__case_id=case_pk).annotate(
        group=Value(1),
        ref=F("pk"),
        label=Concat("document__number", Value(" "), "document__title", output_field=CharField()),
        number=F("version"),
        digest=F("sha256"),
        at=Value(None, output_field=DateTimeField()),
        within=F("document_id"),
        edition=F("version"),
    )
    # Each part without its model's default order (a UNION takes one order, given here).
    rows = (
        attachments.values_list(*_EVIDENCE_COLUMNS)
        .order_by()
        .union(versions.values_list(*_EVIDENCE_COLUMNS).order_by(), all=True)
    )
    return rows.order_by("group", "at", "within", "edition")


def _evidence(case: Case) -> list[dict[str, Any]]:
    """The case's attachments (in upload order), then its documents' versions: one query (a
    UNION of the two, ordered by its group and each group's own order), compiled once in this
    process."""
    rows = compiled.bound_values(compiled.query_key("evidence"), _evidence_query, (case.pk,))
    return [
        {
            "kind": "attachment" if group == 0 else "document_version",
            "id": ref,
            "name": label,
            "version": number,
            "sha256": digest,
        }
        for group, ref, label, number, digest, *_ in rows
    ]


def _evidence_viewed(
    actor: User, case: Case, evidence: list[dict[str, Any]], now: dt.datetime
) -> list[dict[str, Any]]:
    """The listed evidence the decider opened before deciding (first opening of each): none
    when nothing is listed (an opening counts only for a listed item, so nothing is read)."""
    if not evidence:
        return []
    first: dict[tuple[str, int], dt.datetime] = {}
    accesses = EvidenceAccess.objects.filter(
        case_id=case.pk, user_id=actor.pk, accessed_at__lte=now
    ).order_by("accessed_at", "pk")
    for access in accesses:
        if access.attachment_id is not None:
            first.setdefault(("attachment", access.attachment_id), access.accessed_at)
        if access.document_version_id is not None:
            first.setdefault(("document_version", access.document_version_id), access.accessed_at)
    viewed = []
    for item in evidence:
        moment = first.get((item["kind"], item["id"]))
        if moment is not None:
            viewed.append({**item, "accessed_at": moment})
    return viewed


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    with in_japanese():
        return {"id": user.pk, "name": str(user)}


def _reviewers_query(case_pk: int, reviewer_pk: int | None) -> QuerySet[User]:
    reviewer_ids = AuditEvent.objects.filter(
        case_id=case_pk, action__in=permissions.REVIEW_ACTIONS, actor__isnull=False
    ).values("actor_id")
    round_reviewers = SpecReviewRound.objects.filter(review_id=case_pk).values("reviewer_id")
    return (
        User.objects.filter(Q(pk=reviewer_pk) | Q(pk__in=reviewer_ids) | Q(pk__in=round_reviewers))
        .select_related("department")
        .order_by("pk")
    )


def _sod(actor: User, case: Case, role: str) -> dict[str, Any]:
    """Requester, every reviewer of any round, the decider and whether the rule held."""
    if case.reviewer_id is None:
        reviewers = list(_reviewers_query(case.pk, None))
    else:  # the SQL compiled once in this process (no reviewer of record: another SQL)
        reviewers = cast(
            list[User],
            compiled.bound_models(
                compiled.query_key("decision_reviewers"),
                _reviewers_query,
                (case.pk, case.reviewer_id),
            ),
        )
    reviewer_pks = {user.pk for user in reviewers}
    requester_ok = actor.pk != case.requester_id
    approver_ok = role != Role.GOVERNANCE_APPROVER or actor.pk not in reviewer_pks
    return {
        "role": role,
        "requester": _person(case.requester),
        "reviewers": [_person(user) for user in reviewers],
        "decider": _person(actor),
        "decider_is_not_requester": requester_ok,
        "decider_did_not_review": approver_ok,
        "ok": requester_ok and approver_ok,
    }


def _rule_snapshot(case: Case) -> dict[str, Any]:
    rule = case.rule
    if rule is None:
        return {}
    with in_japanese():
        return {
            "key": rule.key,
            "label": str(rule.get_key_display()),
            "value": rule.value,
            "effective_from": rule.effective_from,
            "basis": rule.basis,
        }


def _roles_at(actor: User) -> list[dict[str, str]]:
    with in_japanese():
        return [
            {"code": code, "label": str(Role(code).label)}
            for code in sorted(permissions.roles_of(actor))
        ]


# --- The write path ---------------------------------------------------------------------------


def record_decision(
    *,
    actor: User,
    case: Case | None,
    decision: str,
    role: str,
    reason: str = "",
    facts: Sequence[Fact] = (),
    subject: models.Model | None = None,
    node: str = "",
    task_id: int | None = None,
    sod: dict[str, Any] | None = None,
) -> DecisionRecord:
    """Record one decision with its snapshot and seal it into the audit chain. Must run inside
    the deciding service's transaction, after the change it records.

    A decision outside any case (the approval of an audit measure) passes ``case=None`` with
    its ``subject`` and its own segregation-of-duties check in ``sod``: the record then holds
    the facts shown and no case columns, evidence or clocks, and its seal is written on the
    subject."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_decision must be called inside the service's transaction")
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    if case is None and subject is None:
        raise ValueError("a decision outside a case names its subject")
    now = timezone.now()
    evidence = _evidence(case) if case is not None else []
    with in_japanese():
        label = str(translation.gettext(DECISIONS[decision]))
        name = str(actor)
        department = actor.department.name if actor.department is not None else ""
        subject_type = subject_id = ""
        if subject is not None:
            meta = subject._meta
            subject_type, subject_id = f"{meta.app_label}.{meta.model_name}", str(subject.pk)
        inputs: dict[str, Any] = {
            "facts": [{"label": fact.label, "value": fact.value} for fact in facts]
        }
        if case is not None:
            inputs.update(case=case_facts(case), clocks=_running_clocks(case, now))
    record = DecisionRecord(
        case_id=case.pk if case is not None else None,
        subject_type=subject_type,
        subject_id=subject_id,
        node=node,
        task_id=task_id,
        decision=decision,
        decision_label=label,
        decided_by=actor,
        decided_by_name=name[:200],
        decided_by_roles=_roles_at(actor),
        decided_by_department=department,
        decided_at=now,
        reason=(reason or "").strip(),
        rule_id=case.rule_id if case is not None else None,
        rule_snapshot=_normalised(_rule_snapshot(case)) if case is not None else {},
        inputs=_normalised(inputs),
        evidence=_normalised(evidence),
        evidence_viewed=(
            _normalised(_evidence_viewed(actor, case, evidence, now)) if case is not None else []
        ),
        sod=_normalised(
            _sod(actor, case, role) if case is not None else {"role": role, **(sod or {})}
        ),
    )
    record.snapshot_sha256 = snapshot_hash(record)
    sealed_on = case if case is not None else subject
    assert sealed_on is not None
    record.audit_event = record_event(
        actor=actor,
        action=SEAL_ACTION,
        obj=sealed_on,
        changes={"decision": [None, decision], "decision_snapshot": [None, record.snapshot_sha256]},
        reason=record.reason,
    )
    compiled_writes.insert(record)  # record.save(force_insert=True), its INSERT compiled once
    return record


# --- Verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SealReport:
    ok: bool
    verified: int
    problems: list[str]


def verify_decision_seals() -> SealReport:
    """Each record's content against its own hash and the hash its audit event sealed, and
    every sealing event against an existing record. Two queries."""
    problems: list[str] = []
    verified = 0
    sealed_ids: set[int] = set()
    records = DecisionRecord.objects.select_related("audit_event").order_by("pk")
    for record in records.iterator(chunk_size=2000):
        event = record.audit_event
        sealed_ids.add(event.pk)
        sealed = (event.changes.get("decision_snapshot") or [None, None])[1]
        actual = snapshot_hash(record)
        if actual != record.snapshot_sha256 or actual != sealed:
            problems.append(
                f"決定記録 {record.pk}（監査記録 #{event.sequence}）の内容が"
                "封印されたハッシュと一致しません（改ざん）。"
            )
        else:
            verified += 1
    orphans = AuditEvent.objects.filter(action=SEAL_ACTION).exclude(pk__in=sealed_ids)
    for sequence in orphans.values_list("sequence", flat=True)[:20]:
        problems.append(f"監査記録 #{sequence} が封印した決定記録がありません（削除）。")
    return SealReport(ok=not problems, verified=verified, problems=problems)

"""The audit package of a case (監査パッケージ, NEXT_WAVE §C.2): one ZIP an auditor takes away.

- ``manifest.json``: the SHA-256 of every other file, the export parameters, who and when;
- ``case.xlsx``: sheets 案件, 決定記録, 監査記録, 期限, 文書, 添付, 資料閲覧 (formula-safe cells);
- ``case.json``: the same content, machine-readable;
- ``evidence/<sha256>``: every attachment and document version of the case;
- ``chain.json``: the case's audit events with sequence, previous hash and hash, the chain's
  head, each event's seal re-checked, and ``verify_chain`` over the whole chain at export time.

The package is built through the outbox (job ``audit_package``, visible and retryable on the
jobs page like every job) or by ``manage.py audit_package``. Building it is an audit event
(``audit.package``) naming the exporter. Nothing but ``manifest.json`` depends on the time of
the export, so repeating it gives the same evidence (and case.json) hashes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from governance import permissions
from governance.audit.services import compute_hash, record_event, verify_chain
from governance.decisions.selectors import ACTION_LABELS, format_value
from governance.decisions.services import canonical_json
from governance.japanese import in_japanese
from governance.jobs import outbox
from governance.models import (
    Attachment,
    AuditEvent,
    Case,
    Deadline,
    DecisionRecord,
    DocumentVersion,
    EvidenceAccess,
    Job,
    User,
)
from governance.roles import Role
from governance.spreadsheet_safety import xlsx_row

JOB_KIND = "audit_package"
ACTION = "audit.package"
#: ZIP entries carry this time, so the same content gives the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
NOT_ALLOWED = gettext_noop("監査パッケージを作成できるのは監査担当者または決裁者だけです。")

SHEETS = ("案件", "決定記録", "監査記録", "期限", "文書", "添付", "資料閲覧")


def can_export_package(user: Any, case: Case) -> bool:
    """Auditors for every case; approvers for the cases they may see (NEXT_WAVE §C.5b)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if permissions.is_auditor(user):
        return True
    return permissions.has_role(user, Role.GOVERNANCE_APPROVER) and permissions.can_view_case(
        user, case
    )


def package_path(job_id: Any) -> str:
    return f"audit_packages/{job_id}.zip"


# --- Reading the case ------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _case_rows(case: Case) -> list[tuple[str, str, Any]]:
    """(field name, Japanese label, value as the page shows it) of the concrete case."""
    users = {u.pk: u.label for u in User.objects.filter(pk__in=_user_ids(case))}
    rows = []
    for field in case._meta.concrete_fields:
        if field.name.endswith("_ptr") or field.name == "process":
            continue
        raw = getattr(case, field.attname)
        if field.is_relation and raw is not None and field.related_model is not User:
            shown = str(getattr(case, field.name))
        else:
            shown = format_value(field, _iso(raw), users)
        rows.append((field.name, str(field.verbose_name), shown))
    return rows


def _user_ids(case: Case) -> set[int]:
    return {
        getattr(case, f.attname)
        for f in case._meta.concrete_fields
        if f.is_relation and f.related_model is User and getattr(case, f.attname)
    }


def collect(case: Case) -> dict[str, Any]:
    """Everything the package holds about ``case``, in the order its sheets list it."""
    with in_japanese():
        case_rows = _case_rows(case)
        decisions = list(DecisionRecord.objects.filter(case=case).order_by("decided_at", "pk"))
        events = list(AuditEvent.objects.filter(case=case).order_by("sequence"))
        deadlines = list(Deadline.objects.filter(case=case).order_by("due_at", "pk"))
        versions = list(
            DocumentVersion.objects.filter(document__case=case)
            .select_related("document")
            .order_by("document__number", "version")
        )
        attachments = list(Attachment.objects.filter(case=case).order_by("uploaded_at", "pk"))
        accesses = list(
            EvidenceAccess.objects.filter(case=case)
            .select_related("user", "attachment", "document_version__document")
            .order_by("accessed_at", "pk")
        )
        return {
            "case": {
                "number": case.number,
                "kind": case.kind,
                "fields": [
                    {"name": name, "label": label, "value": value}
                    for name, label, value in case_rows
                ],
            },
            "decisions": [
                {
                    "id": r.pk,
                    "decision": r.decision,
                    "decision_label": r.decision_label,
                    "decided_by": r.decided_by_name,
                    "roles": [role.get("label", "") for role in r.decided_by_roles],
                    "department": r.decided_by_department,
                    "decided_at": _iso(r.decided_at),
                    "reason": r.reason,
                    "rule": r.rule_snapshot,
                    "inputs": r.inputs,
                    "evidence": r.evidence,
                    "evidence_viewed": r.evidence_viewed,
                    "sod": r.sod,
                    "snapshot_sha256": r.snapshot_sha256,
                }
                for r in decisions
            ],
            "events": [_event_json(e) for e in events],
            "deadlines": [
                {
                    "kind": str(d.get_kind_display()),
                    "due_at": _iso(d.due_at),
                    "status": str(d.get_status_display()),
                    "met_at": _iso(d.met_at),
                    "missed_at": _iso(d.missed_at),
                    "basis": d.basis,
                }
                for d in deadlines
            ],
            "documents": [
                {
                    "id": v.pk,
                    "number": v.document.number,
                    "title": v.document.title,
                    "version": v.version,
                    "sha256": v.sha256,
                    "created_at": _iso(v.created_at),
                    "file": v.file.name if v.file else "",
                }
                for v in versions
            ],
            "attachments": [
                {
                    "id": a.pk,
                    "name": a.original_name,
                    "purpose": a.purpose,
                    "size": a.size,
                    "sha256": a.sha256,
                    "uploaded_at": _iso(a.uploaded_at),
                    "file": a.file.name if a.file else "",
                }
                for a in attachments
            ],
            "evidence_access": [
                {
                    "user": x.user.label,
                    "file": x.attachment.original_name
                    if x.attachment_id and x.attachment
                    else (
                        f"{x.document_version.document.number} 第{x.document_version.version}版"
                        if x.document_version_id and x.document_version
                        else ""
                    ),
                    "accessed_at": _iso(x.accessed_at),
                    "channel": str(x.get_channel_display()),
                }
                for x in accesses
            ],
        }


def _event_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "action_label": str(ACTION_LABELS.get(event.action, event.action)),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "case_id": event.case_id,
        "changes": event.changes,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def verify_segment(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Each exported event's hash recomputed from its exported fields (the HMAC needs the
    chain key, so this runs inside Shinsa)."""
    broken = []
    for item in events:
        expected = compute_hash(
            sequence=item["sequence"],
            occurred_at=dt.datetime.fromisoformat(item["occurred_at"]),
            actor_id=item["actor_id"],
            actor_name=item["actor_name"],
            action=item["action"],
            object_type=item["object_type"],
            object_id=item["object_id"],
            object_repr=item["object_repr"],
            case_id=item["case_id"],
            changes=item["changes"],
            reason=item["reason"],
            prev_hash=item["prev_hash"],
        )
        if expected != item["hash"]:
            broken.append(item["sequence"])
    return {"ok": not broken, "verified": len(events) - len(broken), "broken": broken}


# --- Writing the files -----------------------------------------------------------------------


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = workbook.create_sheet(title=title)
    sheet.append(xlsx_row(sheet, header))
    for row in rows:
        sheet.append(xlsx_row(sheet, ["" if value is None else value for value in row]))


def workbook_bytes(data: dict[str, Any]) -> bytes:
    workbook = Workbook(write_only=True)
    fixed = dt.datetime(2000, 1, 1)  # noqa: DTZ001 (openpyxl writes naive UTC times)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    _sheet(
        workbook,
        "案件",
        ["項目", "値"],
        [[f["label"], str(f["value"])] for f in data["case"]["fields"]],
    )
    _sheet(
        workbook,
        "決定記録",
        [
            "決定日時",
            "決定",
            "決定者",
            "部局",
            "ロール",
            "理由",
            "ルール",
            "職務分離",
            "記録のハッシュ",
        ],
        [
            [
                d["decided_at"],
                d["decision_label"],
                d["decided_by"],
                d["department"],
                "、".join(d["roles"]),
                d["reason"],
                f"{d['rule'].get('key', '')} {d['rule'].get('value', '')}".strip(),
                "✓" if d["sod"].get("ok") else "✗",
                d["snapshot_sha256"],
            ]
            for d in data["decisions"]
        ],
    )
    _sheet(
        workbook,
        "監査記録",
        ["通番", "日時", "実行者", "操作", "対象", "変更内容", "理由", "ハッシュ"],
        [
            [
                e["sequence"],
                e["occurred_at"],
                e["actor_name"],
                e["action_label"],
                e["object_repr"],
                canonical_json(e["changes"]),
                e["reason"],
                e["hash"],
            ]
            for e in data["events"]
        ],
    )
    _sheet(
        workbook,
        "期限",
        ["種類", "期限", "状態", "対応日時", "超過日時", "根拠"],
        [
            [d["kind"], d["due_at"], d["status"], d["met_at"], d["missed_at"], d["basis"]]
            for d in data["deadlines"]
        ],
    )
    _sheet(
        workbook,
        "文書",
        ["文書番号", "表題", "版", "作成日時", "SHA-256"],
        [
            [d["number"], d["title"], d["version"], d["created_at"], d["sha256"]]
            for d in data["documents"]
        ],
    )
    _sheet(
        workbook,
        "添付",
        ["ファイル名", "用途", "サイズ", "登録日時", "SHA-256"],
        [
            [a["name"], a["purpose"], a["size"], a["uploaded_at"], a["sha256"]]
            for a in data["attachments"]
        ],
    )
    _sheet(
        workbook,
        "資料閲覧",
        ["閲覧者", "資料", "閲覧日時", "経路"],
        [[x["user"], x["file"], x["accessed_at"], x["channel"]] for x in data["evidence_access"]],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _evidence_files(case: Case) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    stored = [a.file for a in Attachment.objects.filter(case=case)]
    stored += [v.file for v in DocumentVersion.objects.filter(document__case=case)]
    for file in stored:
        if not file:
            continue
        try:
            with file.open("rb") as handle:
                content = handle.read()
        except (OSError, ValueError):
            continue  # a missing file: the sheets still list its recorded hash
        files[f"evidence/{hashlib.sha256(content).hexdigest()}"] = content
    return dict(sorted(files.items()))


def build(case: Case, exporter: Any) -> bytes:
    """The ZIP's bytes, and the ``audit.package`` event naming the exporter. Runs inside a
    transaction (the outbox's or the command's)."""
    permissions.require(can_export_package(exporter, case), NOT_ALLOWED)
    data = collect(case)
    segment = data["events"]
    report = verify_chain()
    head = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
    files: dict[str, bytes] = {
        "case.json": json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode(),
        "case.xlsx": workbook_bytes(data),
        "chain.json": json.dumps(
            {
                "events": segment,
                "segment_check": verify_segment(segment),
                "head": head,
                "verify_chain": {
                    "ok": report.ok,
                    "verified": report.verified,
                    "head_sequence": report.head_sequence,
                    "head_hash": report.head_hash,
                    "broken_sequence": report.broken_sequence,
                    "problem": report.problem,
                },
            },
            ensure_ascii=False,
            indent=1,
            sort_keys=True,
        ).encode(),
        **_evidence_files(case),
    }
    manifest = {
        "case": case.number,
        "exported_at": timezone.now().isoformat(),
        "exported_by": str(exporter),
        "parameters": {"case": case.number, "user": exporter.get_username()},
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    record_event(
        actor=exporter,
        action=ACTION,
        obj=case,
        changes={
            "package": [
                None,
                {
                    "files": len(files) + 1,
                    "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
                },
            ]
        },
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in [("manifest.json", manifest_bytes), *files.items()]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


# --- Through the outbox ----------------------------------------------------------------------


def request_package(*, actor: Any, case: Case) -> Job:
    """Queue the package of ``case``; the job's page shows it, a failure is retried there."""
    permissions.require(can_export_package(actor, case), NOT_ALLOWED)
    with transaction.atomic():
        return outbox.enqueue(JOB_KIND, {"case_id": case.pk}, case=case, created_by=actor)


@outbox.handler(JOB_KIND)
def _build_package(job: Job) -> None:
    from governance.cases.selectors import concrete_case

    case = concrete_case(Case.objects.get(pk=job.payload["case_id"]))
    exporter = job.created_by
    content = build(case, exporter)
    path = package_path(job.pk)
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(content))


def package_jobs(user: Any, case: Case) -> list[Job]:
    if not can_export_package(user, case):
        return []
    return list(Job.objects.filter(case=case, kind=JOB_KIND).order_by("-created_at")[:10])


def package_file(user: Any, job: Job) -> Any:
    """The stored ZIP of a finished package job, for someone who may export the case."""
    permissions.require(job.kind == JOB_KIND and job.case is not None)
    assert job.case is not None
    permissions.require(can_export_package(user, job.case), NOT_ALLOWED)
    path = package_path(job.pk)
    permissions.require(job.status == Job.Status.DONE and default_storage.exists(path))
    return default_storage.open(path, "rb")

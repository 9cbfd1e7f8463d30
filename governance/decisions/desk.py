"""What a decision page shows beside its form, so that nobody decides without the evidence in
view: the case's attachments (each opened through the permission-checked download, which
writes an ``EvidenceAccess``), what the department changed on each resubmission, a preview of
the document the approval will issue (rendered from the same Word master, marked 案) and the
documents already issued. Read only."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import docx
from django.utils.translation import gettext_lazy as _

from governance import permissions
from governance.cases.services.documents import BUILDERS
from governance.decisions.selectors import Row, _change_rows, _user_ids, _users_named
from governance.documents import render_docx
from governance.models import Attachment, AuditEvent, Case, DocumentVersion

# The audit actions that start a new round of review, with the department's changes.
RESUBMIT_ACTIONS = ("budget_check.resubmit", "spec_review.resubmit")
# Keys of those events that are not fields of the request: the status, the files (shown as
# attachments added and removed), a hash (belongs in the record) and the answers (shown in
# the conversation and the findings).
NOT_FIELDS = frozenset({"status", "attachments", "spec_sha256", "answers"})
# Purposes of which only the latest upload counts: a new specification replaces the last.
REPLACED_PURPOSES = frozenset({"specification"})
DRAFT_NUMBER = _("（番号は決裁後に付番）")


@dataclass(frozen=True)
class RoundChange:
    """What the department changed when it resubmitted: round ``number`` began then."""

    number: int
    at: Any
    actor_name: str
    fields: list[Row] = field(default_factory=list)
    added: list[Attachment] = field(default_factory=list)
    removed: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    """The draft document as text: its paragraphs and tables in the order of the page."""

    template: str
    blocks: list[tuple[str, Any]]


def case_attachments(user: Any, case: Case) -> list[Attachment]:
    """Every file of the case, oldest first (the caller has already been let see the case)."""
    return list(case.attachments.select_related("uploaded_by__department").order_by("pk"))


def _current(attachments: list[Attachment]) -> set[int]:
    latest: dict[str, int] = {}
    kept: set[int] = set()
    for attachment in attachments:
        if attachment.purpose in REPLACED_PURPOSES:
            latest[attachment.purpose] = attachment.pk
        else:
            kept.add(attachment.pk)
    return kept | set(latest.values())


def round_changes(user: Any, case: Case) -> list[RoundChange]:
    """One entry per resubmission, newest first: the fields changed (old → new) and the files
    added and removed since the round before."""
    events = list(
        AuditEvent.objects.filter(case=case, action__in=RESUBMIT_ACTIONS).order_by("sequence")
    )
    if not events:
        return []
    attachments = case_attachments(user, case)
    model = type(case)
    # People named in the changed fields (a reassigned reviewer, say) print by name, not id.
    users = _users_named(_user_ids(model, [event.changes for event in events]))
    changes: list[RoundChange] = []
    before: set[int] = set()
    previous_at = None
    for index, event in enumerate(events):
        if previous_at is None:
            before = _current([a for a in attachments if a.uploaded_at < _first_upload(event)])
        now = _current([a for a in attachments if a.uploaded_at <= event.occurred_at])
        fields = {k: v for k, v in event.changes.items() if k not in NOT_FIELDS}
        changes.append(
            RoundChange(
                number=index + 2,
                at=event.occurred_at,
                actor_name=event.actor_name,
                fields=_change_rows(model, fields, users),
                added=[a for a in attachments if a.pk in now - before],
                removed=[a for a in attachments if a.pk in before - now],
            )
        )
        before, previous_at = now, event.occurred_at
    return list(reversed(changes))


def _first_upload(event: AuditEvent) -> Any:
    """The moment the first round's files are told from the resubmission's: files stored in
    the resubmission's own transaction are dated a moment before its event, so the earlier
    round ends at the send-back that asked for the resubmission."""
    send_back = (
        AuditEvent.objects.filter(case=event.case_id, sequence__lt=event.sequence)
        .exclude(action__in=RESUBMIT_ACTIONS)
        .filter(changes__has_key="status")
        .order_by("-sequence")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return send_back or event.occurred_at


def may_preview(user: Any, case: Case) -> bool:
    return permissions.can_preview_documents(user, case)


def render_preview(user: Any, case: Case, template: str) -> bytes:
    """The .docx the approval would issue, as the case is now, marked 案 and unnumbered."""
    permissions.require(may_preview(user, case))
    content = BUILDERS[template](case)
    context = dict(content.context)
    context["draft"] = True
    for key in ("number", "document_number"):
        if key in context and not context[key]:
            context[key] = str(DRAFT_NUMBER)
    return render_docx(template, context)


def document_preview(user: Any, case: Case, template: str) -> Preview | None:
    """The draft as text for the page (None for whoever may not preview)."""
    if not may_preview(user, case) or template not in BUILDERS:
        return None
    word = docx.Document(io.BytesIO(render_preview(user, case, template)))
    blocks: list[tuple[str, Any]] = []
    for block in word.iter_inner_content():
        if isinstance(block, docx.table.Table):
            rows = [[cell.text for cell in row.cells] for row in block.rows]
            blocks.append(("table", rows))
        elif block.text.strip():
            blocks.append(("paragraph", block.text))
    return Preview(template=template, blocks=blocks)


def issued_documents(user: Any, case: Case) -> list[DocumentVersion]:
    """The latest version of each document issued on the case."""
    versions = (
        DocumentVersion.objects.filter(document__case=case)
        .select_related("document")
        .order_by("document_id", "-version")
    )
    latest: dict[int, DocumentVersion] = {}
    for version in versions:
        latest.setdefault(version.document_id, version)
    return list(latest.values())


def decision_desk(
    user: Any, case: Case, *, template: str = "", preview: bool = False
) -> dict[str, Any]:
    """The context every decision page adds: ``desk_attachments``, ``desk_rounds``,
    ``desk_preview`` (only when ``preview``), ``desk_documents``."""
    attachments = case_attachments(user, case)
    current = _current(attachments)
    return {
        "desk_attachments": [(a, a.pk in current) for a in attachments],
        "desk_rounds": round_changes(user, case),
        "desk_preview": document_preview(user, case, template) if preview and template else None,
        "desk_preview_template": template,
        "desk_documents": issued_documents(user, case),
    }

"""Noting which evidence (an attachment, a document version) a person opened, for the decision
records (``governance.decisions``): written by the permission-checked download views."""

from __future__ import annotations

from typing import Any

from governance.models import Attachment, DocumentVersion, EvidenceAccess


def record_evidence_access(
    *,
    user: Any,
    case_id: int,
    attachment: Attachment | None = None,
    document_version: DocumentVersion | None = None,
    channel: str = EvidenceAccess.Channel.WEB,
) -> EvidenceAccess | None:
    """Note that ``user`` opened a piece of evidence (after the caller checked permission)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return EvidenceAccess.objects.create(
        user=user,
        case_id=case_id,
        attachment=attachment,
        document_version=document_version,
        channel=channel,
    )

"""Advisory documents: number them, request their generation, store every version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import compiled, permissions
from governance.audit.services import _canonical, record_event
from governance.cases.services import next_number
from governance.documents import keep_with_row, render_docx, sha256_hex
from governance.japanese import fiscal_year_of, fiscal_year_short
from governance.jobs import outbox
from governance.models import AdvisoryDocument, Case, DocumentVersion, Job
from governance.rules.services import document_settings_in_force, format_document_number


@dataclass(frozen=True)
class DocumentContent:
    """What a master is rendered with, built from the case at generation time."""

    title: str
    context: dict[str, Any]


Builder = Callable[[Case], DocumentContent]
BUILDERS: dict[str, Builder] = {}


def document_builder(template: str) -> Callable[[Builder], Builder]:
    """Register the function that builds the context for the master ``template``."""

    def register(func: Builder) -> Builder:
        BUILDERS[template] = func
        return func

    return register


def office_context(issued_on: dt.date, contact: Any = None) -> dict[str, Any]:
    """What a master prints about the office: the letterhead, 公印省略 and the contact block
    (担当・連絡先), from the settings in force in the fiscal year of ``issued_on``; the
    contact's name is the person in charge of the case (``contact``, the reviewer)."""
    office = document_settings_in_force(fiscal_year_of(issued_on))
    return {
        "issuer_title": office.issuer_title,
        "office_name": office.office_name,
        "omit_seal": office.omit_seal,
        "contact_section": office.contact_section or office.office_name,
        "contact_name": contact.display_name if contact is not None else "",
        "contact_extension": office.contact_extension,
        "contact_email": office.contact_email or (getattr(contact, "email", "") or ""),
    }


def next_document_number() -> str:
    """The next number of the office's outgoing documents (「R8行DX第12号」), in the format the
    document settings in force give. Numbered in the series of the fiscal year the document is
    issued in, not the year the case is about (a budget check in autumn 令和8 concerns
    令和9年度's budget, and its answer is a 令和8 document). Call it inside the transaction
    that keeps the number."""
    issued_in = fiscal_year_of(timezone.localdate())
    return format_document_number(
        document_settings_in_force(issued_in).number_format,
        year=fiscal_year_short(issued_in),
        serial=next_number("document", issued_in),
    )


def _document_query(case_pk: int, template: str) -> QuerySet[AdvisoryDocument]:
    documents = AdvisoryDocument.objects.filter(case_id=case_pk, template=template)
    return (documents if documents.ordered else documents.order_by("pk"))[:1]  # as ``first()``


def issue_document(*, actor: Any, case: Case, template: str, title: str) -> AdvisoryDocument:
    """Create the case's document for ``template`` (numbered once) and request a version.

    Called from inside the service that decided the case, in its transaction: no savepoint of
    its own (nothing catches a failure here to go on without the document).
    """
    if template not in BUILDERS:
        raise ValueError(f"no document builder for {template!r}")
    with transaction.atomic(savepoint=False):
        found = compiled.bound_models(
            compiled.query_key("case_document"), _document_query, (case.pk, template)
        )
        document = cast(AdvisoryDocument | None, found[0] if found else None)
        if document is None:
            document = AdvisoryDocument.objects.create(
                case=case, template=template, number=next_document_number(), title=title
            )
        outbox.enqueue("render_document", {"document_id": document.pk}, case=case, created_by=actor)
        record_event(
            actor=actor,
            action="document.request",
            obj=document,
            changes={"case": [None, case.number], "template": [None, template]},
        )
    return document


REASON_REQUIRED = gettext_noop("再作成の理由を入力してください。")
STALE_FORM = gettext_noop(
    "画面の情報が古くなっています。ページを再読み込みしてから、もう一度操作してください。"
)


def regenerate_document(
    *, actor: Any, document: AdvisoryDocument, reason: str, request_token: str
) -> Job:
    """Make a new version of a document from the case as it is now; earlier versions stay.

    ``request_token`` comes with the form (one per page shown): the same form posted twice, a
    double click on 再作成, makes one job and one audit event, and the second post gets the
    first's job back.
    """
    case = document.case
    permissions.require(permissions.can_regenerate_documents(actor, case))
    if not reason.strip():
        raise ValueError(_(REASON_REQUIRED))
    token = (request_token or "").strip()
    if not token or len(token) > 64:
        raise ValueError(_(STALE_FORM))
    key = f"document.regenerate:{document.pk}:{token}"
    with transaction.atomic():
        # Requests for one document take turns (PostgreSQL; SQLite's IMMEDIATE transaction
        # already does): the second of a double click waits here, then finds the first's job.
        AdvisoryDocument.objects.select_for_update().filter(pk=document.pk).exists()
        existing = Job.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        job = outbox.enqueue(
            "render_document",
            {"document_id": document.pk},
            case=case,
            created_by=actor,
            idempotency_key=key,
        )
        record_event(
            actor=actor,
            action="document.regenerate",
            obj=document,
            changes={},
            reason=reason.strip(),
        )
    return job


@outbox.handler("render_document")
def render_document_job(job: Job) -> None:
    # The document's row is locked before its versions are counted, so two render jobs of one
    # document (a regeneration while the first version renders) number their versions one
    # after the other instead of both taking the same number.
    document = (
        AdvisoryDocument.objects.select_for_update()
        .select_related("case")
        .get(pk=job.payload["document_id"])
    )
    content = BUILDERS[document.template](document.case)
    data = render_docx(document.template, content.context)
    store_version(document=document, data=data, state=content.context, created_by=job.created_by)


def store_version(
    *,
    document: AdvisoryDocument,
    data: bytes,
    state: dict[str, Any],
    created_by: Any,
    suffix: str = "docx",
    changes: dict[str, list[Any]] | None = None,
) -> DocumentVersion:
    """Keep ``data`` as the document's next version, with its hash and the values it was built
    from, and record it (``document.generate``). The caller holds the document's row lock, so
    two renders of one document number their versions one after the other."""
    latest = document.versions.aggregate(latest=Max("version"))["latest"] or 0
    version = DocumentVersion(
        document=document,
        version=latest + 1,
        sha256=sha256_hex(data),
        case_state=_canonical(state),
        created_by=created_by,
    )

    def save() -> None:
        version.save()
        record_event(
            actor=created_by,
            action="document.generate",
            obj=document,
            changes={
                "version": [latest or None, version.version],
                "sha256": [None, version.sha256],
                **(changes or {}),
            },
        )

    # The row is not stored: neither is its file (no stray file left beside the versions).
    keep_with_row(version.file, f"v{version.version}.{suffix}", data, save)
    return version

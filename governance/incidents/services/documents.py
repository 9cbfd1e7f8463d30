"""An incident's documents: request one (numbered in the fiscal year's series), render it in
the background through the outbox, store every version with its SHA-256 (NEXT_WAVE §B.9).

Each report of an incident (第一報, 第2報, …, 最終報; the PPC worksheet's 速報 and 確報) is its
own numbered document; the other kinds are one document per incident whose every generation
adds a version. 注意喚起 leaves the prefecture, so it is refused unless the incident is
TLP:CLEAR or TLP:GREEN, both when asked for and again when rendered.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance.audit.services import record_event
from governance.cases.services.documents import next_document_number, store_version
from governance.documents import render_docx
from governance.incidents.documents import KINDS, STAGE_TITLES, WORKSHEET_STAGE_TITLES
from governance.incidents.documents.contexts import ALERT_TLPS, BUILDERS, edition_label
from governance.incidents.documents.nco import render_nco_form
from governance.incidents.obligations.engine import NCO_CATEGORIES
from governance.incidents.services.common import require_csirt
from governance.japanese import in_japanese
from governance.jobs import outbox
from governance.models import AdvisoryDocument, Incident, Job
from governance.roles import Role

ALERT_REFUSED = gettext_noop(
    "注意喚起は TLP:CLEAR 又は TLP:GREEN のインシデントについてのみ作成できます"
    "（このインシデントは {tlp} です）。"
)
NCO_REFUSED = gettext_noop(
    "共通様式はランサムウェア又は DDoS 攻撃のインシデントについてのみ作成できます。"
)
UNKNOWN_KIND = gettext_noop("この文書は作成できません。")
UNKNOWN_STAGE = gettext_noop("報告の段階を選んでください。")
MERGED = gettext_noop("統合されたインシデントの文書は統合先で作成してください。")
RENDER_JOB = "render_incident_document"


def _check(incident: Incident, code: str) -> None:
    if code == "alert_notice" and incident.tlp not in ALERT_TLPS:
        raise ValueError(_(ALERT_REFUSED).format(tlp=incident.get_tlp_display()))
    if code == "nco_common_form" and incident.category not in NCO_CATEGORIES:
        raise ValueError(_(NCO_REFUSED))


def _report_document(incident: Incident, stage: str) -> AdvisoryDocument:
    """A new numbered report: 第一報 first, then 第N報 or 最終報 as asked."""
    editions = AdvisoryDocument.objects.filter(case=incident, template="incident_report")
    edition = (editions.aggregate(last=Max("edition"))["last"] or 0) + 1
    if edition == 1:
        stage = "first"
    elif stage == "first":
        stage = "update"
    document = AdvisoryDocument(
        case=incident, template="incident_report", stage=stage, edition=edition
    )
    document.title = f"インシデント報告（{edition_label(document)}）"
    document.number = next_document_number()
    document.save()
    return document


def generate_incident_document(
    *, actor: Any, incident: Incident, kind: str, stage: str = ""
) -> AdvisoryDocument:
    """Request a document of ``kind`` for the incident; the file is made after commit.

    Refused (nothing saved): a kind that is not an incident document, a stage the kind does
    not have, 注意喚起 of an incident above TLP:GREEN, the common form of another category,
    a merged incident. Who: the CSIRT (members, leads, the CISO) who may see the incident.
    """
    require_csirt(actor, incident, Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
    found = KINDS.get(kind)
    if found is None:
        raise ValueError(_(UNKNOWN_KIND))
    if found.stages and stage not in found.stages:
        if kind == "incident_report" and not stage:
            stage = "update"
        else:
            raise ValueError(_(UNKNOWN_STAGE))
    if not found.stages:
        stage = ""
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.merged_into_id is not None:
            raise ValueError(_(MERGED))
        _check(incident, kind)
        if kind == "incident_report":
            document = _report_document(incident, stage)
        else:
            existing = AdvisoryDocument.objects.filter(
                case=incident, template=kind, stage=stage
            ).first()
            if existing is not None:
                document = existing
            else:
                title = found.title
                if stage:
                    title = f"{title}（{WORKSHEET_STAGE_TITLES.get(stage, STAGE_TITLES[stage])}）"
                document = AdvisoryDocument.objects.create(
                    case=incident,
                    template=kind,
                    stage=stage,
                    number=next_document_number(),
                    title=title,
                )
        outbox.enqueue(RENDER_JOB, {"document_id": document.pk}, case=incident, created_by=actor)
        record_event(
            actor=actor,
            action="document.request",
            obj=document,
            changes={
                "case": [None, incident.number],
                "template": [None, kind],
                "stage": [None, document.stage or None],
                "tlp": [None, incident.tlp],
            },
        )
    return document


def _render(incident: Incident, document: AdvisoryDocument) -> tuple[bytes, dict[str, Any]]:
    _check(incident, document.template)
    if document.template == "nco_common_form":
        return render_nco_form(incident, document)
    context = BUILDERS[document.template](incident, document)
    return render_docx(document.template, context), context


@outbox.handler(RENDER_JOB)
def render_incident_document_job(job: Job) -> None:
    # Locked before the versions are counted, as the case documents are: two renders of one
    # document number their versions one after the other.
    document = AdvisoryDocument.objects.select_for_update().get(pk=job.payload["document_id"])
    incident = Incident.objects.select_related("department", "handler").get(pk=document.case_id)
    with in_japanese():  # a record in the office's language, whoever asked
        data, state = _render(incident, document)
    store_version(
        document=document,
        data=data,
        state=state,
        created_by=job.created_by,
        suffix=KINDS[document.template].suffix,
        changes={"tlp": [None, incident.tlp]},
    )

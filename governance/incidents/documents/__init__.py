"""An incident's documents (NEXT_WAVE §B.9): which exist, their masters and what fills them.

``contexts`` builds what each Word master is rendered with, ``nco`` the ransomware / DDoS
workbook, ``obligations`` the one adapter that tells them what the incident owes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DocumentKind:
    """One kind of incident document: its master (or workbook), title and stages."""

    code: str
    title: str
    suffix: str = "docx"
    #: Stages a document of this kind is issued at, each its own numbered document; a kind
    #: with none has one document per incident, regenerated as new versions.
    stages: tuple[str, ...] = ()


KINDS: dict[str, DocumentKind] = {
    kind.code: kind
    for kind in (
        DocumentKind("incident_report", "インシデント報告", stages=("first", "update", "final")),
        DocumentKind(
            "ppc_report_worksheet", "漏えい等報告 記載整理票", stages=("preliminary", "final")
        ),
        DocumentKind("individual_notice", "本人通知文案"),
        DocumentKind("press_release", "公表資料"),
        DocumentKind("post_incident_review", "事後レビュー報告書"),
        DocumentKind("alert_notice", "注意喚起"),
        DocumentKind("nco_common_form", "共通様式（ランサムウェア・DDoS）", suffix="xlsx"),
    )
}

#: The stages as buttons and titles say them.
STAGE_TITLES = {
    "first": _("第一報"),
    "update": _("続報"),
    "final": _("最終報"),
    "preliminary": _("速報"),
}
WORKSHEET_STAGE_TITLES = {"preliminary": _("速報"), "final": _("確報")}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

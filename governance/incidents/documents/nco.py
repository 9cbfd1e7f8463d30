"""The ransomware / DDoS common form (国家サイバー統括室 共通様式) as our own workbook.

Until the office installs the official workbook with a cell mapping (§B.9), this sheet holds
the same items, filled from the incident and its observables. Observables carry the form's
specific items by a word in their note: 「ランサムノート」 (the ransom note's file), 「拡張子」
(an extension given to encrypted files), 「侵入経路」 (the intrusion vector). Every cell is
written as text (``spreadsheet_safety``), so a value like ``=cmd|…`` cannot run as a formula.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from governance.incidents.documents.contexts import NOT_YET, common, when
from governance.incidents.documents.obligations import obligations_of
from governance.incidents.obligations.models import Recipient
from governance.incidents.observables import defang
from governance.models import AdvisoryDocument, Incident
from governance.spreadsheet_safety import neutralise

SHEET_TITLE = "共通様式"


def _noted(observables: list[Any], word: str) -> str:
    found = [defang(o.type, o.value) for o in observables if word in o.note]
    return "、".join(found) or NOT_YET


def form_items(incident: Incident, document: AdvisoryDocument) -> dict[str, Any]:
    """The form's items as (label, value) rows and the indicators table, all text."""
    context = common(incident, document)
    observables = list(incident.observables.order_by("pk"))
    police = [row for row in obligations_of(incident) if row.code == Recipient.POLICE]
    items = [
        (_("文書番号"), context["document_number"]),
        (_("報告日"), context["issued_on"].isoformat()),
        (_("報告団体・部署"), f"{context['office']}／{context['department']}"),
        (_("インシデント番号"), incident.number),
        (_("件名"), incident.title),
        (_("被害の種別"), context["category"]),
        (_("発生日時"), context["occurred_at"]),
        (_("覚知日時"), context["aware_at"]),
        (_("被害の概要"), context["description"]),
        (_("被害を受けたシステム"), context["systems"]),
        (_("影響を受けたネットワーク"), context["segments"]),
        (_("業務への影響"), context["functional_impact"]),
        (_("住民向けサービスの停止"), _("あり") if incident.public_service_down else _("なし")),
        (_("侵入経路"), _noted(observables, "侵入経路")),
        (_("暗号化されたファイルの拡張子"), _noted(observables, "拡張子")),
        (_("脅迫文（ランサムノート）"), _noted(observables, "ランサムノート")),
        (_("個人情報の漏えい等"), f"{context['pd_involved']}（{context['pd_persons']}）"),
        (_("封じ込め日時"), context["contained_at"]),
        (_("復旧日時"), context["recovered_at"]),
        (
            _("警察への相談"),
            "、".join(f"{row.stage} {row.status} {row.reference}".strip() for row in police)
            or NOT_YET,
        ),
    ]
    indicators = [
        (
            str(o.get_type_display()),
            defang(o.type, o.value),
            when(o.first_seen) if o.first_seen else "",
            when(o.last_seen) if o.last_seen else "",
            o.note,
        )
        for o in observables
        if o.is_ioc
    ]
    return {"tlp_label": context["tlp_label"], "items": items, "indicators": indicators}


def _text(sheet: Any, row: int, column: int, value: str, *, bold: bool = False) -> None:
    cell = sheet.cell(row=row, column=column, value=neutralise(value))
    cell.data_type = "s"
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if bold:
        cell.font = Font(bold=True)


def render_nco_form(incident: Incident, document: AdvisoryDocument) -> tuple[bytes, dict[str, Any]]:
    """The workbook's bytes and the values it was made from (the version's ``case_state``)."""
    data = form_items(incident, document)
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = SHEET_TITLE
    label = data["tlp_label"] + ("　【訓練】" if incident.is_exercise else "")
    sheet.oddHeader.right.text = label
    sheet.oddFooter.center.text = label
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 60
    for letter in "CDE":
        sheet.column_dimensions[letter].width = 22
    _text(sheet, 1, 1, label, bold=True)
    _text(
        sheet, 2, 1, _("ランサムウェア・DDoS 攻撃 共通様式（国家サイバー統括室の項目）"), bold=True
    )
    row = 4
    for name, value in data["items"]:
        _text(sheet, row, 1, name, bold=True)
        _text(sheet, row, 2, str(value))
        row += 1
    row += 1
    _text(sheet, row, 1, _("攻撃の指標（無害化表記）"), bold=True)
    row += 1
    for column, title in enumerate(
        [_("種類"), _("値"), _("初回観測"), _("最終観測"), _("備考")], start=1
    ):
        _text(sheet, row, column, title, bold=True)
    for indicator in data["indicators"]:
        row += 1
        for column, value in enumerate(indicator, start=1):
            _text(sheet, row, column, value)
    stream = io.BytesIO()
    workbook.save(stream)
    state = {
        "tlp_label": data["tlp_label"],
        "items": [[name, str(value)] for name, value in data["items"]],
        "indicators": [list(i) for i in data["indicators"]],
    }
    return stream.getvalue(), state

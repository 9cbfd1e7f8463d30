"""What each incident master is rendered with, built from the incident at generation time.

Values are plain text (dates in the era, times JST) so the stored ``case_state`` of a version
reads as the document did. Each builder takes the incident and its document row (the report's
stage and edition) and reads in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.clocks.schedule import format_due
from governance.incidents.documents.obligations import ObligationRow, obligations_of
from governance.incidents.obligations.publication import latest_decisions
from governance.incidents.observables import defang
from governance.japanese import era_date
from governance.models import AdvisoryDocument, Incident, IncidentTask, Tlp

OFFICE = "スマートシティ戦略部 行政DX推進課（CSIRT）"
NOT_YET = "（未記入）"
TIMELINE_EXCERPT = 30
#: The documents that may leave the prefecture's community (§B.7): 注意喚起 only.
ALERT_TLPS = (Tlp.CLEAR, Tlp.GREEN)
STAGE_LABELS = {"first": "第一報", "final": "最終報"}


def when(moment: dt.datetime | None) -> str:
    return format_due(moment) if moment is not None else NOT_YET


def text(value: str) -> str:
    return value.strip() or NOT_YET


def yes_no(flag: bool) -> str:
    return _("あり") if flag else _("なし")


def persons_text(incident: Incident) -> str:
    if incident.pd_persons is None:
        if incident.pd_persons_upper:
            return _("不明（最大{n}人）").format(n=f"{incident.pd_persons_upper:,}")
        return _("不明")
    label = _("{n}人").format(n=f"{incident.pd_persons:,}")
    return _("約{label}").format(label=label) if incident.pd_persons_is_estimate else label


def _duration(start: dt.datetime | None, end: dt.datetime | None) -> str:
    if start is None or end is None:
        return NOT_YET
    minutes = max(int((end - start).total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("{d}日{h}時間{m}分").format(d=days, h=hours, m=minutes)
    return _("{h}時間{m}分").format(h=hours, m=minutes)


def edition_label(document: AdvisoryDocument) -> str:
    if document.stage in STAGE_LABELS and document.edition in (None, 1):
        return STAGE_LABELS[document.stage]
    if document.stage == "final":
        return STAGE_LABELS["final"]
    return _("第{n}報").format(n=document.edition or 1)


def _tasks(incident: Incident) -> list[IncidentTask]:
    return list(
        incident.tasks.select_related("assignee", "assignee_department").order_by(
            "sort_order", "pk"
        )
    )


def _task_row(task: IncidentTask) -> dict[str, str]:
    if task.assignee is not None:
        assignee = task.assignee.display_name
    elif task.assignee_department is not None:
        assignee = task.assignee_department.name
    else:
        assignee = ""
    return {
        "title": task.title,
        "assignee": assignee,
        "status": str(task.get_status_display()),
        "result": task.result,
        "due": era_date(timezone.localtime(task.due_at)) if task.due_at else "",
    }


def _timeline(incident: Incident) -> list[dict[str, str]]:
    entries = list(incident.timeline.filter(corrections__isnull=True).order_by("-at", "-pk"))
    return [
        {"at": when(e.at), "kind": str(e.get_kind_display()), "text": e.text}
        for e in reversed(entries[:TIMELINE_EXCERPT])
    ]


def common(incident: Incident, document: AdvisoryDocument) -> dict[str, Any]:
    """What every incident master prints: number, date, TLP, summary and scope."""
    systems = ", ".join(s.name for s in incident.systems.all().order_by("pk"))
    return {
        "document_number": document.number,
        "issued_on": timezone.localdate(),
        "office": OFFICE,
        "tlp_label": str(Tlp(incident.tlp).label),
        "exercise": incident.is_exercise,
        "number": incident.number,
        "title": incident.title,
        "category": str(incident.get_category_display()),
        "severity": str(incident.get_severity_display()) if incident.severity else NOT_YET,
        "phase": str(incident.get_phase_display()),
        "department": incident.department.name if incident.department else "",
        "systems": systems or NOT_YET,
        "description": text(incident.description),
        "occurred_at": when(incident.occurred_at),
        "aware_at": when(incident.aware_at),
        "reported_to_csirt_at": when(incident.reported_to_csirt_at),
        "contained_at": when(incident.contained_at),
        "recovered_at": when(incident.recovered_at),
        "scope": str(incident.get_scope_display()) if incident.scope else NOT_YET,
        "segments": ", ".join(incident.segments_hit) or NOT_YET,
        "functional_impact": (
            str(incident.get_functional_impact_display()) if incident.functional_impact else NOT_YET
        ),
        "pd_involved": str(incident.get_pd_involved_display()),
        "pd_items": text(incident.pd_items),
        "pd_persons": persons_text(incident),
        "pd_sensitive": yes_no(incident.pd_sensitive),
        "pd_my_number": yes_no(incident.pd_my_number),
        "root_cause": text(incident.root_cause),
        "recurrence_prevention": text(incident.recurrence_prevention),
        "lessons_learned": text(incident.lessons_learned),
        "handler": incident.handler.display_name if incident.handler else "",
    }


def _rows(rows: list[ObligationRow]) -> list[dict[str, Any]]:
    return [row.as_context() for row in rows]


def incident_report(incident: Incident, document: AdvisoryDocument) -> dict[str, Any]:
    context = common(incident, document)
    tasks = _tasks(incident)
    open_tasks = [t.title for t in tasks if t.status in ("todo", "doing")]
    context.update(
        edition_label=edition_label(document),
        final=document.stage == "final",
        to_top=incident.severity == "L4",
        as_of=when(timezone.now()),
        timeline=_timeline(incident),
        tasks=[_task_row(t) for t in tasks],
        obligations=_rows(obligations_of(incident)),
        next_steps="、".join(open_tasks) if open_tasks else _("予定している対応はありません。"),
    )
    return context


def _triggers(incident: Incident) -> str:
    found = []
    if incident.pd_sensitive:
        found.append(_("要配慮個人情報（第1号）"))
    if incident.pd_financial_risk:
        found.append(_("財産的被害のおそれ（第2号）"))
    if incident.pd_malicious:
        found.append(_("不正の目的によるおそれ（第3号）"))
    persons = incident.pd_persons or incident.pd_persons_upper or 0
    if persons > 100:
        found.append(_("本人の数が100人を超える（第4号）"))
    return "、".join(found) or _("該当なし")


def _status_of(rows: list[ObligationRow], code: str, tasks: list[IncidentTask], word: str) -> str:
    """What the obligation of ``code`` says (status and 受付番号), then the tasks about it."""
    found = [
        f"{row.stage}：{row.status}" + (f"（{row.reference}）" if row.reference else "")
        for row in rows
        if row.code == code
    ]
    found += [f"{t.title}（{t.get_status_display()}）" for t in tasks if word in t.title]
    return "、".join(found) or NOT_YET


def _decided(incident: Incident, recipient: str, status: str) -> str:
    """The 公表 or 本人通知 decision taken (its label, day and reason), then the status."""
    record = latest_decisions(incident).get(recipient)
    if record is None:
        return status
    decided = _("{decision}（{day}）理由：{reason}").format(
        decision=record.decision_label,
        day=era_date(timezone.localtime(record.decided_at)),
        reason=record.reason,
    )
    return "、".join(part for part in (decided, status) if part and part != NOT_YET)


def ppc_report_worksheet(incident: Incident, document: AdvisoryDocument) -> dict[str, Any]:
    context = common(incident, document)
    rows = obligations_of(incident)
    tasks = _tasks(incident)
    summary = _(
        "発生日：{occurred}　発覚日：{aware}　発覚の経緯：{how}　事案の概要：{what}"
    ).format(
        occurred=context["occurred_at"],
        aware=context["aware_at"],
        how=_("部局からの報告（{at}に CSIRT 受付）").format(at=context["reported_to_csirt_at"]),
        what=context["description"],
    )
    context.update(
        stage_label=_("確報") if document.stage == "final" else _("速報"),
        reporting_body=(
            str(incident.get_pd_reporting_body_display())
            if incident.pd_reporting_body
            else _("知事")
        ),
        occurred_on=era_date(timezone.localtime(incident.occurred_at))
        if incident.occurred_at
        else NOT_YET,
        aware_on=era_date(timezone.localtime(incident.aware_at)),
        triggers=_triggers(incident),
        item_summary=summary,
        secondary_damage=(
            _("財産的被害のおそれがあります。") if incident.pd_financial_risk else NOT_YET
        ),
        individual_response=_decided(
            incident, "individual_notice", _status_of(rows, "individual_notice", tasks, "本人")
        ),
        publication=_decided(
            incident,
            "publication_decision",
            _status_of(rows, "publication_decision", tasks, "公表"),
        ),
        other=_("インシデント番号 {number}　重大度 {severity}").format(
            number=incident.number, severity=context["severity"]
        ),
        obligations=_rows([row for row in rows if row.is_ppc]),
    )
    return context


def individual_notice(incident: Incident, document: AdvisoryDocument) -> dict[str, Any]:
    context = common(incident, document)
    context.update(
        secondary_damage=(
            _("財産的被害のおそれがあります。不審な連絡にご注意ください。")
            if incident.pd_financial_risk
            else _("現時点で二次被害は確認されていません。")
        ),
        contact_phone=NOT_YET,
    )
    return context


def press_release(incident: Incident, document: AdvisoryDocument) -> dict[str, Any]:
    context = common(incident, document)
    actions = [t.title for t in _tasks(incident) if t.status == "done"]
    context.update(
        timeline=_timeline(incident),
        pd_persons=persons_text(incident) if incident.pd_involved == "yes" else "",
        response="、".join(actions) or NOT_YET,
    )
    return context


def post_incident_review(incident: Incident, document: AdvisoryDocument) -> dict[str, Any]:
    context = common(incident, document)
    context.update(
        time_to_aware=_duration(incident.occurred_at, incident.aware_at),
        time_to_csirt=_duration(incident.aware_at, incident.reported_to_csirt_at),
        time_to_contain=_duration(incident.aware_at, incident.contained_at),
        time_to_recover=_duration(incident.aware_at, incident.recovered_at),
        timeline=_timeline(incident),
        tasks=[_task_row(t) for t in _tasks(incident)],
        obligations=_rows(obligations_of(incident)),
    )
    return context


def alert_notice(incident: Incident, document: AdvisoryDocument) -> dict[str, Any]:
    context = common(incident, document)
    # Only indicators marked shareable (TLP:CLEAR or GREEN themselves) leave the prefecture.
    context["indicators"] = [
        {"type": str(o.get_type_display()), "value": defang(o.type, o.value), "note": o.note}
        for o in incident.observables.filter(is_ioc=True, tlp__in=ALERT_TLPS).order_by("pk")
    ]
    return context


BUILDERS = {
    "incident_report": incident_report,
    "ppc_report_worksheet": ppc_report_worksheet,
    "individual_notice": individual_notice,
    "press_release": press_release,
    "post_incident_review": post_incident_review,
    "alert_notice": alert_notice,
}

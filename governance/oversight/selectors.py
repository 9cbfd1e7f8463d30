"""Reading engagements, findings and measures as the user may, and the live queries a
measure's figures are frozen from (NEXT_WAVE §C.3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop

from governance import permissions
from governance.karte.rules import Coverage
from governance.karte.selectors import coverage_report
from governance.models import AuditEngagement, AuditFinding, AuditMeasure
from governance.oversight import permissions as oversight_permissions

#: The karte's coverage report (seed 001's 全庁照会: 245 / 67 / 35 / 26 / 9).
COVERAGE = "karte.coverage"
#: Figures typed by the office (a survey outside the registry).
MANUAL = "manual"


@dataclass(frozen=True)
class FigureLine:
    key: str
    label: str
    unit: str


#: The coverage report's figures, in the order seed 001 prints them.
COVERAGE_LINES = (
    FigureLine("systems", gettext_noop("情報システム"), "システム"),
    FigureLine(
        "internet_facing", gettext_noop("うち外部（インターネット）公開「有り」"), "システム"
    ),
    FigureLine("not_enrolled", gettext_noop("うち３事業に申込みしていない"), "システム"),
    FigureLine("own_measures", gettext_noop("うち独自のサイバー攻撃対策を実施"), "システム"),
    FigureLine("exempt", gettext_noop("うち３事業への申込みが不要と確認"), "システム"),
)
QUERY_LABELS = {
    COVERAGE: gettext_noop("システムカルテ：インターネット公開システムの監視状況"),
    MANUAL: gettext_noop("手入力（全庁照会等の集計）"),
}


def coverage_values(user: Any) -> dict[str, int]:
    """The coverage report as five counts, run now over the systems the user may see."""
    report = coverage_report(user)
    return {
        "systems": report.total,
        "internet_facing": report.internet_facing,
        "not_enrolled": report.not_enrolled,
        "own_measures": report.counts.get(Coverage.OWN_MEASURES, 0),
        "exempt": report.counts.get(Coverage.EXEMPT, 0),
    }


def canonical_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot(
    *,
    user: Any,
    query: str,
    as_of: dt.date | None,
    manual: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The frozen form of a measure's figures: which query, with which parameters, the day it
    speaks for, when it ran, the values (with their labels and units), and the SHA-256 of all
    of that. The registry has no history, so the coverage query runs on the live data and
    ``as_of`` records the day the office says it stands for (the 全庁照会's day)."""
    if query == COVERAGE:
        values = coverage_values(user)
        lines = [
            {"key": line.key, "label": line.label, "unit": line.unit, "value": values[line.key]}
            for line in COVERAGE_LINES
        ]
        parameters: dict[str, Any] = {"status": "active", "scope": "all_visible"}
    else:
        lines = [dict(line) for line in manual or []]
        parameters = {}
    payload = {
        "query": query,
        "query_label": QUERY_LABELS.get(query, query),
        "parameters": {**parameters, "as_of": as_of.isoformat() if as_of else None},
        "as_of": as_of.isoformat() if as_of else None,
        "run_at": timezone.now().isoformat(),
        "lines": lines,
        "values": {line["key"]: line["value"] for line in lines},
    }
    return {**payload, "sha256": canonical_hash(payload)}


def snapshot_intact(figures: dict[str, Any]) -> bool:
    """Whether stored figures still match their hash (an edit in the database breaks it)."""
    if not figures:
        return True
    payload = {key: value for key, value in figures.items() if key != "sha256"}
    return canonical_hash(payload) == figures.get("sha256")


# --- Access ---------------------------------------------------------------------------------


def _finding_scope(user: Any) -> QuerySet[AuditFinding]:
    findings = AuditFinding.objects.select_related("owner_department")
    if oversight_permissions.reads_all(user):
        return findings
    return findings.filter(owner_department_id=getattr(user, "department_id", None) or -1)


def visible_engagements(user: Any) -> QuerySet[AuditEngagement]:
    permissions.require(oversight_permissions.can_view(user))
    engagements = AuditEngagement.objects.all()
    if not oversight_permissions.reads_all(user):
        engagements = engagements.filter(findings__in=_finding_scope(user).values("pk")).distinct()
    return engagements.prefetch_related("audited_departments")


def access_engagement(user: Any, pk: int) -> AuditEngagement:
    """The engagement with the findings the user may see (``visible_findings``); 404 when the
    user sees none of it."""
    engagement = visible_engagements(user).filter(pk=pk).first()
    if engagement is None:
        raise Http404
    measures = AuditMeasure.objects.select_related("drafted_by", "approved_by")
    engagement.visible_findings = list(  # type: ignore[attr-defined]
        _finding_scope(user)
        .filter(engagement=engagement)
        .prefetch_related(Prefetch("measures", queryset=measures), "systems")
    )
    return engagement


def access_finding(user: Any, pk: int) -> AuditFinding:
    permissions.require(oversight_permissions.can_view(user))
    finding = _finding_scope(user).select_related("engagement").filter(pk=pk).first()
    if finding is None:
        raise Http404
    return finding


def access_measure(user: Any, pk: int) -> AuditMeasure:
    permissions.require(oversight_permissions.can_view(user))
    measure = (
        AuditMeasure.objects.select_related("finding__engagement", "finding__owner_department")
        .filter(finding__in=_finding_scope(user).values("pk"), pk=pk)
        .first()
    )
    if measure is None:
        raise Http404
    return measure

"""The writes of audit findings and measures (NEXT_WAVE §C.3, §C.5b), each in one transaction
with its audit event:

- an engagement and its findings are entered by the governance or security office;
- a measure is drafted by the owner department (or the offices), approved by a governance
  approver who did not draft it — its figures are frozen then, from the live query — and
  reported (措置の通知日), which marks the finding 措置報告済;
- the approver closes a finding with a reason when no further measure is expected;
- a 措置状況報告 is issued as a numbered, hashed version of the engagement.

A measure's approval is not a ``DecisionRecord``: those belong to a ``Case`` and an audit
engagement is none. The approval's audit event carries what a decision record would seal for
it: the figures' hash, the drafter and the segregation-of-duties check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.cases.services.documents import next_document_number
from governance.decisions.services import Fact, record_decision
from governance.documents import keep_with_row, sha256_hex
from governance.japanese import (
    JapaneseInputError,
    era_date,
    normalize,
    parse_amount,
    parse_date,
    parse_fiscal_year,
)
from governance.models import (
    AuditEngagement,
    AuditFinding,
    AuditMeasure,
    Department,
    EngagementKind,
    FindingKind,
    FindingStatus,
    InformationSystem,
    MeasureReportVersion,
    MeasureStatus,
)
from governance.oversight import permissions as oversight_permissions
from governance.oversight import render, selectors
from governance.roles import Role

TITLE_REQUIRED = gettext_noop("監査の件名を入力してください。")
BAD_KIND = gettext_noop("監査の種類を選んでください。")
BAD_PERIOD = gettext_noop("事務局の実施期間は、初日が末日より前になるよう入力してください。")
TEXT_REQUIRED = gettext_noop("監査の結果を入力してください。")
NOT_A_REQUEST = gettext_noop(
    "監査の結果は「…されたい」「…られたい」の形で、求められていることを入力してください。"
)
BAD_NUMBER = gettext_noop("番号は 1 以上の数字で入力してください。")
NUMBER_TAKEN = gettext_noop("この監査には同じ番号の結果が既にあります。")
BAD_DEPARTMENT = gettext_noop("措置を講じる部局を選んでください。")
BAD_FINDING_KIND = gettext_noop("区分を選んでください。")
FINDING_CLOSED = gettext_noop("完了した監査の結果には措置を追加できません。")
MEASURE_TEXT_REQUIRED = gettext_noop("措置の内容を入力してください。")
BAD_QUERY = gettext_noop("数値の出典を選んでください。")
AS_OF_REQUIRED = gettext_noop("数値の時点（例: 令和5年5月31日）を入力してください。")
BAD_FIGURE_LINE = gettext_noop(
    "数値は1行に1項目、「項目名: 数値」の形で入力してください（{line}行目）。"
)
FIGURES_REQUIRED = gettext_noop("手入力の数値を1項目以上入力してください。")
NOT_DRAFT = gettext_noop("作成中の措置ではありません。")
NOT_APPROVED = gettext_noop("決裁済の措置ではありません。")
SAME_PERSON = gettext_noop("措置を作成した人は、その措置を決裁できません。")
REPORTED_BEFORE_TAKEN = gettext_noop("措置の通知日は、措置の日より後の日付を入力してください。")
DATE_REQUIRED = gettext_noop("措置の通知日を入力してください。")
REASON_REQUIRED = gettext_noop("完了の理由を入力してください。")
ALREADY_CLOSED = gettext_noop("この監査の結果は既に完了しています。")
OPEN_DRAFTS = gettext_noop("決裁されていない措置があるため、完了にできません。")
FUTURE_DATE = gettext_noop("将来の日付は入力できません。")


def _date(value: dt.date | str | None, *, required: str | None = None) -> dt.date | None:
    """A date typed as the office writes it (令和5年5月31日, ２０２３-０５-３１, R5.5.31)."""
    if isinstance(value, dt.date):
        return value
    if value is None or not str(value).strip():
        if required:
            raise ValueError(_(required))
        return None
    try:
        return parse_date(str(value))
    except JapaneseInputError as error:
        raise ValueError(_(str(error))) from None


def _positive(value: int | str) -> int:
    try:
        number = parse_amount(value)
    except JapaneseInputError:
        raise ValueError(_(BAD_NUMBER)) from None
    if number < 1:
        raise ValueError(_(BAD_NUMBER))
    return number


def create_engagement(
    *,
    actor: Any,
    kind: str,
    fiscal_year: int | str,
    title: str,
    member_audit_on: dt.date | str | None = None,
    secretariat_from: dt.date | str | None = None,
    secretariat_to: dt.date | str | None = None,
    departments: Iterable[Department] = (),
    report_reference: str = "",
) -> AuditEngagement:
    permissions.require(oversight_permissions.can_enter_engagements(actor))
    if kind not in EngagementKind.values:
        raise ValueError(_(BAD_KIND))
    try:
        year = parse_fiscal_year(fiscal_year)
    except JapaneseInputError as error:
        raise ValueError(_(str(error))) from None
    if not title.strip():
        raise ValueError(_(TITLE_REQUIRED))
    member = _date(member_audit_on)
    start, end = _date(secretariat_from), _date(secretariat_to)
    if start and end and start > end:
        raise ValueError(_(BAD_PERIOD))
    departments = list(departments)
    with transaction.atomic():
        engagement = AuditEngagement.objects.create(
            kind=kind,
            fiscal_year=year,
            title=title.strip(),
            member_audit_on=member,
            secretariat_from=start,
            secretariat_to=end,
            report_reference=report_reference.strip(),
            created_by=actor,
        )
        engagement.audited_departments.set(departments)
        record_event(
            actor=actor,
            action="audit_engagement.create",
            obj=engagement,
            changes={
                "kind": [None, kind],
                "fiscal_year": [None, year],
                "title": [None, engagement.title],
                "member_audit_on": [None, member],
                "secretariat_from": [None, start],
                "secretariat_to": [None, end],
                "audited_departments": [None, sorted(d.code for d in departments)],
            },
        )
    return engagement


def asks_for_something(text: str) -> bool:
    """Seed 001's results end 「…果たされたい。」, 「…講じられたい。」."""
    return normalize(text).rstrip("。．. 　」").endswith("たい")


def create_finding(
    *,
    actor: Any,
    engagement: AuditEngagement,
    number: int | str,
    text: str,
    owner_department: Department | None,
    kind: str = FindingKind.FINDING,
    facts: str = "",
    systems: Iterable[InformationSystem] = (),
) -> AuditFinding:
    permissions.require(oversight_permissions.can_enter_engagements(actor))
    if kind not in FindingKind.values:
        raise ValueError(_(BAD_FINDING_KIND))
    position = _positive(number)
    if not text.strip():
        raise ValueError(_(TEXT_REQUIRED))
    if kind != FindingKind.OPINION and not asks_for_something(text):
        raise ValueError(_(NOT_A_REQUEST))
    if owner_department is None:
        raise ValueError(_(BAD_DEPARTMENT))
    systems = list(systems)
    with transaction.atomic():
        if AuditFinding.objects.filter(engagement=engagement, number=position).exists():
            raise ValueError(_(NUMBER_TAKEN))
        finding = AuditFinding.objects.create(
            engagement=engagement,
            number=position,
            kind=kind,
            facts=facts.strip(),
            text=text.strip(),
            owner_department=owner_department,
        )
        finding.systems.set(systems)
        record_event(
            actor=actor,
            action="audit_finding.create",
            obj=finding,
            changes={
                "number": [None, position],
                "kind": [None, kind],
                "text": [None, finding.text],
                "owner_department": [None, owner_department.code],
                "systems": [None, sorted(s.code for s in systems)],
            },
        )
    return finding


def parse_manual_figures(text: str) -> list[dict[str, Any]]:
    """「項目名: 数値」 lines (full-width digits and separators accepted) as figure lines."""
    lines: list[dict[str, Any]] = []
    for index, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        label, colon, value = normalize(raw).rpartition(":")
        label = label.strip()
        unit = ""
        value = value.strip()
        for suffix in ("システム", "件", "円", "種類", "台", "名"):
            if value.endswith(suffix):
                value, unit = value.removesuffix(suffix).strip(), suffix
                break
        try:
            amount = parse_amount(value)
        except JapaneseInputError:
            amount = None
        if not colon or not label or amount is None:
            raise ValueError(_(BAD_FIGURE_LINE).format(line=index))
        lines.append(
            {"key": f"line{len(lines) + 1}", "label": label, "unit": unit, "value": amount}
        )
    return lines


def draft_measure(
    *,
    actor: Any,
    finding: AuditFinding,
    text: str,
    taken_on: dt.date | str | None = None,
    figures_query: str = "",
    figures_as_of: dt.date | str | None = None,
    manual_figures: str = "",
    evidence_note: str = "",
) -> AuditMeasure:
    """A measure as drafted; its figures are only named here (query and day), and frozen when
    it is approved."""
    permissions.require(oversight_permissions.can_draft_measure(actor, finding))
    if not text.strip():
        raise ValueError(_(MEASURE_TEXT_REQUIRED))
    if figures_query not in ("", selectors.COVERAGE, selectors.MANUAL):
        raise ValueError(_(BAD_QUERY))
    taken = _date(taken_on)
    as_of = _date(figures_as_of, required=AS_OF_REQUIRED if figures_query else None)
    today = timezone.localdate()
    if (taken and taken > today) or (as_of and as_of > today):
        raise ValueError(_(FUTURE_DATE))
    manual: list[dict[str, Any]] = []
    if figures_query == selectors.MANUAL:
        manual = parse_manual_figures(manual_figures)
        if not manual:
            raise ValueError(_(FIGURES_REQUIRED))
    with transaction.atomic():
        finding = AuditFinding.objects.select_for_update().get(pk=finding.pk)
        if finding.status == FindingStatus.CLOSED:
            raise ValueError(_(FINDING_CLOSED))
        measure = AuditMeasure.objects.create(
            finding=finding,
            text=text.strip(),
            taken_on=taken,
            evidence_note=evidence_note.strip(),
            figures_query=figures_query,
            figures_as_of=as_of if figures_query else None,
            # Manual lines wait here, unhashed, until the approval freezes them.
            figures={"manual": manual} if manual else {},
            drafted_by=actor,
        )
        record_event(
            actor=actor,
            action="audit_measure.draft",
            obj=measure,
            changes={
                "finding": [None, finding.number],
                "text": [None, measure.text],
                "taken_on": [None, taken],
                "figures_query": [None, figures_query],
                "figures_as_of": [None, measure.figures_as_of],
            },
        )
    return measure


def _approval_facts(measure: AuditMeasure, figures: dict[str, Any]) -> list[Fact]:
    """What the approval page showed: the finding, the measure and the figures it freezes."""
    finding = measure.finding
    facts = [
        Fact(label="監査", value=finding.engagement.title),
        Fact(label="監査の結果", value=f"{finding.number}. {finding.text}"),
        Fact(label="措置の内容", value=measure.text),
    ]
    if figures:
        as_of = era_date(dt.date.fromisoformat(figures["as_of"])) if figures.get("as_of") else ""
        for line in figures.get("lines", []):
            value = line.get("value")
            shown = f"{value:,}" if isinstance(value, int) else str(value)
            facts.append(
                Fact(
                    label=f"{line.get('label', '')}（{as_of}時点）",
                    value=f"{shown}{line.get('unit', '')}",
                )
            )
        facts.append(Fact(label="数値のハッシュ", value=str(figures.get("sha256", ""))))
    return facts


def _approval_sod(actor: Any, measure: AuditMeasure) -> dict[str, Any]:
    drafter = measure.drafted_by
    ok = drafter is None or drafter.pk != actor.pk
    return {
        "drafter": {"id": drafter.pk, "name": str(drafter)} if drafter is not None else None,
        "decider": {"id": actor.pk, "name": str(actor)},
        "decider_is_not_drafter": ok,
        "ok": ok,
    }


def approve_measure(*, actor: Any, measure: AuditMeasure) -> AuditMeasure:
    """Approve the measure: its figures are frozen now from the live query (or the typed
    lines), with the day they speak for and their hash."""
    permissions.require(oversight_permissions.is_measure_approver(actor))
    # Segregation of duties: whoever drafted the measure does not approve it.
    permissions.require(oversight_permissions.can_approve_measure(actor, measure), SAME_PERSON)
    with transaction.atomic():
        measure = AuditMeasure.objects.select_for_update().get(pk=measure.pk)
        if measure.status != MeasureStatus.DRAFT:
            raise ValueError(_(NOT_DRAFT))
        figures: dict[str, Any] = {}
        if measure.figures_query:
            figures = selectors.snapshot(
                user=actor,
                query=measure.figures_query,
                as_of=measure.figures_as_of,
                manual=measure.figures.get("manual"),
            )
        measure.figures = figures
        measure.status = MeasureStatus.APPROVED
        measure.approved_by = actor
        measure.approved_at = timezone.now()
        measure.save(update_fields=["figures", "status", "approved_by", "approved_at"])
        record_event(
            actor=actor,
            action="audit_measure.approve",
            obj=measure,
            changes={
                "status": [MeasureStatus.DRAFT, MeasureStatus.APPROVED],
                "figures": [None, figures.get("values")],
                "figures_as_of": [None, figures.get("as_of")],
                "figures_sha256": [None, figures.get("sha256")],
                "sod": [None, {"drafted_by": measure.drafted_by_id, "approved_by": actor.pk}],
            },
        )
        # The approval is a decision (NEXT_WAVE §C.5b): sealed with the figures it froze and
        # the drafter ≠ approver check, though it belongs to no case.
        record_decision(
            actor=actor,
            case=None,
            subject=measure,
            decision="audit_measure.approve",
            role=Role.GOVERNANCE_APPROVER,
            facts=_approval_facts(measure, figures),
            node="oversight.measure",
            sod=_approval_sod(actor, measure),
        )
    return measure


def report_measure(
    *, actor: Any, measure: AuditMeasure, reported_on: dt.date | str | None
) -> AuditMeasure:
    """Record the day the 監査委員 were notified of the measure: the finding becomes
    措置報告済."""
    permissions.require(oversight_permissions.can_report_measure(actor))
    day = _date(reported_on, required=DATE_REQUIRED)
    assert day is not None
    if day > timezone.localdate():
        raise ValueError(_(FUTURE_DATE))
    with transaction.atomic():
        measure = AuditMeasure.objects.select_for_update().get(pk=measure.pk)
        if measure.status != MeasureStatus.APPROVED:
            raise ValueError(_(NOT_APPROVED))
        # A measure of years ago may be entered today: the notice is compared with the day
        # the measure was taken, not with its approval in Shinsa.
        if measure.taken_on and day < measure.taken_on:
            raise ValueError(_(REPORTED_BEFORE_TAKEN))
        measure.reported_on = day
        measure.status = MeasureStatus.REPORTED
        measure.save(update_fields=["reported_on", "status"])
        finding = AuditFinding.objects.select_for_update().get(pk=measure.finding_id)
        old = finding.status
        if finding.status == FindingStatus.OPEN:
            finding.status = FindingStatus.MEASURES_REPORTED
            finding.save(update_fields=["status"])
        record_event(
            actor=actor,
            action="audit_measure.report",
            obj=measure,
            changes={
                "status": [MeasureStatus.APPROVED, MeasureStatus.REPORTED],
                "reported_on": [None, day],
                "finding_status": [old, finding.status],
            },
        )
    return measure


def close_finding(*, actor: Any, finding: AuditFinding, reason: str) -> AuditFinding:
    """The approver closes a finding when no further measure is expected (reopening it is a
    new measure)."""
    permissions.require(oversight_permissions.can_close_finding(actor))
    if not reason.strip():
        raise ValueError(_(REASON_REQUIRED))
    with transaction.atomic():
        finding = AuditFinding.objects.select_for_update().get(pk=finding.pk)
        if finding.status == FindingStatus.CLOSED:
            raise ValueError(_(ALREADY_CLOSED))
        if finding.measures.filter(status=MeasureStatus.DRAFT).exists():
            raise ValueError(_(OPEN_DRAFTS))
        old = finding.status
        finding.status = FindingStatus.CLOSED
        finding.close_reason = reason.strip()
        finding.save(update_fields=["status", "close_reason"])
        record_event(
            actor=actor,
            action="audit_finding.close",
            obj=finding,
            changes={"status": [old, FindingStatus.CLOSED]},
            reason=reason.strip(),
        )
    return finding


def issue_measure_report(*, actor: Any, engagement: AuditEngagement) -> MeasureReportVersion:
    """Issue the engagement's 措置状況報告 (audit_measures.docx) as its next version, numbered
    and hashed, from the approved and reported measures as they are frozen."""
    permissions.require(oversight_permissions.can_report_measure(actor))
    with transaction.atomic():
        engagement = AuditEngagement.objects.select_for_update().get(pk=engagement.pk)
        latest = engagement.report_versions.aggregate(n=Max("version"))["n"] or 0
        number = next_document_number()
        context = render.context(engagement, number=number, issued_on=timezone.localdate())
        data = render.docx_bytes(context)
        version = MeasureReportVersion(
            engagement=engagement,
            version=latest + 1,
            number=number,
            sha256=sha256_hex(data),
            snapshot=context,
            created_by=actor,
        )

        def save() -> None:
            version.save()
            record_event(
                actor=actor,
                action="audit_measures.issue",
                obj=engagement,
                changes={
                    "version": [latest or None, version.version],
                    "number": [None, number],
                    "sha256": [None, version.sha256],
                },
            )

        keep_with_row(version.file, f"audit_measures_v{latest + 1}.docx", data, save)
    return version

"""監査指摘と措置 pages: the engagements, one engagement with its findings and measures (and
the forms of their writes), and the 措置状況報告's download. Each write is one service call;
the services check who may do it (auditors are refused every POST)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance import permissions
from governance.japanese import fiscal_year_label, fiscal_year_of
from governance.models import (
    Department,
    EngagementKind,
    FindingKind,
    FindingStatus,
    InformationSystem,
    MeasureReportVersion,
    MeasureStatus,
)
from governance.oversight import permissions as oversight_permissions
from governance.oversight import render as files
from governance.oversight import selectors, services

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def engagement_list(request: Any) -> HttpResponse:
    user = request.user
    engagements = [
        {"engagement": e, "label": fiscal_year_label(e.fiscal_year)}
        for e in selectors.visible_engagements(user)
    ]
    return render(
        request,
        "oversight/list.html",
        {
            "engagements": engagements,
            "can_enter": oversight_permissions.can_enter_engagements(user),
            "kinds": EngagementKind.choices,
            "departments": Department.objects.order_by("sort_order", "code"),
            "this_year": fiscal_year_of(timezone.localdate()),
        },
    )


def engagement_detail(request: Any, pk: int) -> HttpResponse:
    user = request.user
    engagement = selectors.access_engagement(user, pk)
    findings = []
    for finding in engagement.visible_findings:  # type: ignore[attr-defined]
        measures = [
            {
                "measure": measure,
                "intact": selectors.snapshot_intact(measure.figures),
                "as_of": files.seed_date(measure.figures.get("as_of")) if measure.figures else "",
                "lines": [
                    {
                        "label": _(line["label"]),
                        "value": files.figure_text(line["value"], line["unit"]),
                    }
                    for line in measure.figures.get("lines", [])
                ],
                "can_approve": measure.status == MeasureStatus.DRAFT
                and oversight_permissions.can_approve_measure(user, measure),
                "can_report": measure.status == MeasureStatus.APPROVED
                and oversight_permissions.can_report_measure(user),
            }
            for measure in finding.measures.all()
        ]
        findings.append(
            {
                "finding": finding,
                "mark": files.circled(finding.number),
                "measures": measures,
                "can_draft": finding.status != FindingStatus.CLOSED
                and oversight_permissions.can_draft_measure(user, finding),
                "can_close": finding.status != FindingStatus.CLOSED
                and oversight_permissions.can_close_finding(user),
            }
        )
    context = {
        "engagement": engagement,
        "label": fiscal_year_label(engagement.fiscal_year),
        "audit_dates": files.audit_dates(engagement),
        "findings": findings,
        "versions": list(engagement.report_versions.select_related("created_by")),
        "can_enter": oversight_permissions.can_enter_engagements(user),
        "can_issue": oversight_permissions.can_report_measure(user),
        "finding_kinds": FindingKind.choices,
        "departments": Department.objects.order_by("sort_order", "code"),
        "queries": [("", _("なし"))]
        + [(key, _(label)) for key, label in selectors.QUERY_LABELS.items()],
        "coverage_preview": _coverage_preview(user, findings),
    }
    return render(request, "oversight/detail.html", context)


def _coverage_preview(user: Any, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the coverage query answers now (shown beside the draft form; frozen on approval)."""
    if not any(f["can_draft"] for f in findings):
        return []
    values = selectors.coverage_values(user)
    return [
        {"label": _(line.label), "value": files.figure_text(values[line.key], line.unit)}
        for line in selectors.COVERAGE_LINES
    ]


def download(request: Any, pk: int) -> HttpResponse:
    """The 措置状況報告: an issued version as stored (``?version=N``, else the latest), or,
    before any is issued, the draft made now (numbered 「（案）」)."""
    engagement = selectors.access_engagement(request.user, pk)
    number = request.GET.get("version", "")
    versions = MeasureReportVersion.objects.filter(engagement=engagement)
    if number:
        version = versions.filter(version=int(number)).first() if number.isdigit() else None
        if version is None:
            raise Http404
    else:
        version = versions.order_by("-version").first()
    if version is not None:
        data = version.file.read()
        name = f"audit_measures_{engagement.pk}_v{version.version}.docx"
    else:
        values = files.context(engagement, number="（案）", issued_on=timezone.localdate())
        data = files.docx_bytes(values)
        name = f"audit_measures_{engagement.pk}_draft.docx"
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _done(request: Any, engagement_pk: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("oversight:detail", args=[engagement_pk]))


@require_POST
def engagement_create(request: Any) -> HttpResponse:
    post = request.POST
    permissions.require(oversight_permissions.can_view(request.user))
    departments = Department.objects.filter(
        pk__in=[v for v in post.getlist("departments") if v.isdigit()]
    )
    try:
        engagement = services.create_engagement(
            actor=request.user,
            kind=post.get("kind", ""),
            fiscal_year=post.get("fiscal_year", ""),
            title=post.get("title", ""),
            member_audit_on=post.get("member_audit_on", ""),
            secretariat_from=post.get("secretariat_from", ""),
            secretariat_to=post.get("secretariat_to", ""),
            departments=departments,
            report_reference=post.get("report_reference", ""),
        )
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("oversight:index"))
    return _done(request, engagement.pk, _("監査を登録しました。"))


def _department(value: str) -> Department | None:
    return Department.objects.filter(pk=value).first() if value.isdigit() else None


@require_POST
def finding_create(request: Any, pk: int) -> HttpResponse:
    engagement = selectors.access_engagement(request.user, pk)
    post = request.POST
    codes = [c.strip() for c in post.get("systems", "").replace("、", ",").split(",") if c.strip()]
    try:
        systems = list(InformationSystem.objects.filter(code__in=codes))
        if len(systems) != len(set(codes)):
            raise ValueError(_("登録されていないシステムの番号があります。"))
        services.create_finding(
            actor=request.user,
            engagement=engagement,
            number=post.get("number", ""),
            kind=post.get("kind", FindingKind.FINDING),
            facts=post.get("facts", ""),
            text=post.get("text", ""),
            owner_department=_department(post.get("owner_department", "")),
            systems=systems,
        )
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("oversight:detail", args=[engagement.pk]))
    return _done(request, engagement.pk, _("監査の結果を登録しました。"))


@require_POST
def measure_draft(request: Any, pk: int) -> HttpResponse:
    finding = selectors.access_finding(request.user, pk)
    post = request.POST
    try:
        services.draft_measure(
            actor=request.user,
            finding=finding,
            text=post.get("text", ""),
            taken_on=post.get("taken_on", ""),
            figures_query=post.get("figures_query", ""),
            figures_as_of=post.get("figures_as_of", ""),
            manual_figures=post.get("manual_figures", ""),
            evidence_note=post.get("evidence_note", ""),
        )
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("oversight:detail", args=[finding.engagement_id]))
    return _done(request, finding.engagement_id, _("措置を作成しました。"))


@require_POST
def finding_close(request: Any, pk: int) -> HttpResponse:
    finding = selectors.access_finding(request.user, pk)
    try:
        services.close_finding(
            actor=request.user, finding=finding, reason=request.POST.get("reason", "")
        )
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("oversight:detail", args=[finding.engagement_id]))
    return _done(request, finding.engagement_id, _("監査の結果を完了にしました。"))


@require_POST
def measure_approve(request: Any, pk: int) -> HttpResponse:
    measure = selectors.access_measure(request.user, pk)
    engagement_pk = measure.finding.engagement_id
    try:
        services.approve_measure(actor=request.user, measure=measure)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("oversight:detail", args=[engagement_pk]))
    return _done(request, engagement_pk, _("措置を決裁しました（数値を固定しました）。"))


@require_POST
def measure_report(request: Any, pk: int) -> HttpResponse:
    measure = selectors.access_measure(request.user, pk)
    engagement_pk = measure.finding.engagement_id
    try:
        services.report_measure(
            actor=request.user, measure=measure, reported_on=request.POST.get("reported_on", "")
        )
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(reverse("oversight:detail", args=[engagement_pk]))
    return _done(request, engagement_pk, _("措置の通知日を記録しました。"))


@require_POST
def report_issue(request: Any, pk: int) -> HttpResponse:
    engagement = selectors.access_engagement(request.user, pk)
    version = services.issue_measure_report(actor=request.user, engagement=engagement)
    return _done(
        request,
        engagement.pk,
        _("措置状況報告（第{version}版）を作成しました。").format(version=version.version),
    )

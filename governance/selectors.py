"""Reads that carry a rule. Each ``access_*`` fetches and checks permission in one step."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from governance import permissions
from governance.models import (
    AuditEvent,
    BudgetCheck,
    Case,
    CaseKind,
    Consultation,
    Job,
    Notification,
    SpecReview,
)

#: The model holding each kind's own columns (a subclass of ``Case``).
CASE_MODELS: dict[str, type[Case]] = {
    CaseKind.CONSULTATION: Consultation,
    CaseKind.BUDGET_CHECK: BudgetCheck,
    CaseKind.SPEC_REVIEW: SpecReview,
}


def register_case_model(kind: str, model: type[Case]) -> None:
    CASE_MODELS[kind] = model


def concrete_case(case: Case) -> Case:
    """The case as an instance of its kind's model (``BudgetCheck``, ``Consultation``, …)."""
    model = CASE_MODELS.get(case.kind)
    if model is None or isinstance(case, model):
        return case
    return model.objects.get(pk=case.pk)


def visible_cases(user: Any) -> QuerySet[Case]:
    return permissions.scope_cases(user, Case.objects.all())


def access_case(user: Any, pk: int) -> Case:
    """The case ``pk`` if the user may see it; 404 otherwise (existence is not revealed)."""
    case = visible_cases(user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return concrete_case(case)


def inbox_tasks(user: Any) -> QuerySet[Any]:
    """Tasks assigned to the user, across every case flow, with their case in one query."""
    from viewflow.workflow.status import STATUS

    from workflows.models import CaseTask

    queryset = CaseTask.objects.filter(owner=user, status=STATUS.ASSIGNED, flow_task_type="HUMAN")
    return (
        permissions.scope_tasks(user, queryset)
        .select_related(
            "process",
            "process__case",
            "process__case__department",
            "process__case__system",
            "process__case__requester",
        )
        .order_by("created")
    )


def queue_tasks(user: Any) -> QuerySet[Any]:
    """Unassigned tasks the user could pick up, across every case flow."""
    from viewflow.workflow.status import STATUS

    from workflows.models import CaseTask

    queryset = CaseTask.objects.filter(status=STATUS.NEW).user_queue(user)
    return queryset.select_related(
        "process",
        "process__case",
        "process__case__department",
        "process__case__system",
        "process__case__requester",
    ).order_by("created")


def unread_notifications(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).select_related("case")


def case_audit_events(user: Any, case: Case) -> QuerySet[AuditEvent]:
    """The audit trail of one case the user can see (the case and what hangs off it)."""
    if not permissions.can_view_case(user, case):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(case_id=case.pk).order_by("sequence")


def all_audit_events(user: Any) -> QuerySet[AuditEvent]:
    permissions.require(permissions.is_auditor(user) or permissions.is_admin(user))
    return AuditEvent.objects.all()


def visible_jobs(user: Any) -> QuerySet[Job]:
    queryset = Job.objects.select_related("case")
    if permissions.is_admin(user) or permissions.is_auditor(user):
        return queryset
    return queryset.filter(case__in=visible_cases(user))


def start_links(user: Any) -> list[tuple[str, str]]:
    """(title, url) of every case flow the user may start."""
    from workflows.registry import FLOWS

    links = []
    for flow_class in FLOWS:
        for node in flow_class.get_start_nodes(user):
            links.append((str(flow_class.process_title), node.reverse("execute")))
    return links


def case_documents(user: Any, case: Case) -> list[Any]:
    """The case's advisory documents with their versions (two queries)."""
    from governance.models import AdvisoryDocument

    if not permissions.can_view_case(user, case):
        return []
    return list(AdvisoryDocument.objects.filter(case=case).prefetch_related("versions__created_by"))


def case_shared_departments(user: Any, case: Case) -> list[Any]:
    """The other departments the case is shared with, for those who may share it (one query)."""
    from governance.models import CaseGroupObjectPermission, Department

    if not permissions.can_share_case(user, case):
        return []
    granted = CaseGroupObjectPermission.objects.filter(
        content_object_id=case.pk, permission__codename=permissions.VIEW_CASE
    ).values("group_id")
    return list(Department.objects.filter(group__in=granted).order_by("code"))


def case_jobs(user: Any, case: Case) -> QuerySet[Job]:
    """Background jobs of the case that are not done: pending ones and failures to retry."""
    if not permissions.can_view_case(user, case):
        return Job.objects.none()
    return Job.objects.filter(case=case).exclude(status=Job.Status.DONE).order_by("-created_at")


def actionable_tasks(user: Any, process: Any) -> list[tuple[Any, str, str]]:
    """(task, label, url) for each open step of the process the user can take or do now."""
    from viewflow.workflow.status import STATUS

    result = []
    for task in process.task_set.filter(
        status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    ):
        node = task.flow_task
        if task.status == STATUS.ASSIGNED and node.can_execute(user, task):
            result.append(
                (task, str(node.task_title), node.reverse("execute", args=[process.pk, task.pk]))
            )
        elif task.status == STATUS.NEW and node.can_assign(user, task):
            result.append(
                (task, str(node.task_title), node.reverse("assign", args=[process.pk, task.pk]))
            )
    return result


def spec_review_overview(user: Any, review: Any) -> dict[str, Any]:
    """What the spec review's pages show, read in a fixed number of queries whatever the
    number of versions, findings or scan results."""
    from governance.karte import lock_in_status
    from governance.models import (
        Finding,
        Perspective,
        SpecReviewRound,
        SpecScanResult,
        SpecVersion,
    )
    from governance.services.spec_review import ready_for_board_error

    if not permissions.can_view_case(user, review):
        raise Http404
    versions = list(
        SpecVersion.objects.filter(review=review)
        .select_related("attachment", "attachment__uploaded_by")
        .order_by("number")
    )
    latest = versions[-1] if versions else None
    results = list(
        SpecScanResult.objects.filter(version__review=review)
        .select_related("version", "decided_by", "finding")
        .order_by("version__number", "pk")
    )
    checklist = {entry.perspective: entry for entry in review.checklist.all()}
    return {
        "review": review,
        "versions": versions,
        "latest_version": latest,
        "latest_results": [r for r in results if latest and r.version_id == latest.pk],
        "pending_results": [r for r in results if r.status == SpecScanResult.Status.PENDING],
        "findings": list(
            Finding.objects.filter(case=review)
            .select_related("raised_on", "answered_on", "answered_by", "created_by")
            .order_by("number")
        ),
        "checklist": [
            (perspective, checklist.get(perspective.value)) for perspective in Perspective
        ],
        "rounds": list(
            SpecReviewRound.objects.filter(review=review)
            .select_related("reviewer", "version")
            .order_by("number")
        ),
        "lock_in": lock_in_status(review.system) if review.system_id else None,
        "rule": review.rule,
        "ready_error": ready_for_board_error(user, review),
    }

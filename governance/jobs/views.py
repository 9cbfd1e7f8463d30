"""Background jobs: what failed, and a button to try again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST

from governance import permissions
from governance.jobs import selectors
from governance.jobs.services import retry_job
from governance.models import Job


class JobListView(generic.ListView):
    template_name = "jobs/list.html"
    paginate_by = 100
    context_object_name = "jobs"

    def get_queryset(self) -> Any:
        queryset = selectors.visible_jobs(self.request.user)
        status = self.request.GET.get("status", Job.Status.FAILED)
        if status in Job.Status.values:
            queryset = queryset.filter(status=status)
        return queryset.order_by("-created_at")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["statuses"] = Job.Status.choices
        context["current_status"] = self.request.GET.get("status", Job.Status.FAILED)
        # The button only where the service would accept the click (never for auditors).
        context["retryable"] = {
            job.pk
            for job in context["jobs"]
            if job.status == Job.Status.FAILED and permissions.can_retry_job(self.request.user, job)
        }
        return context


@require_POST
def retry(request: Any, pk: Any) -> Any:
    job = get_object_or_404(selectors.visible_jobs(request.user), pk=pk)
    try:
        retry_job(actor=request.user, job=job)
    except PermissionDenied:
        raise
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("ジョブを再実行キューに入れました。"))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    if job.case_id is not None:
        return redirect("home:case", job.case_id)
    return redirect("jobs:index")

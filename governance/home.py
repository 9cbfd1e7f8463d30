"""Home: the user's inbox across every flow, the queue they can pick from, their notices."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.http import require_POST

from governance import permissions
from governance.cases import selectors
from governance.cases.services import notifications
from governance.clocks.selectors import attach_clock_badges
from governance.decisions.selectors import auditor_home
from governance.models import Notification


class InboxView(generic.TemplateView):
    """The home page: tasks, queue and notices; for auditors, who never act, the state of the
    audit chain and the latest decisions instead (read only: POST is refused)."""

    template_name = "home/inbox.html"
    http_method_names = ["get", "head", "options"]

    def get_template_names(self) -> list[str]:
        if permissions.is_auditor(self.request.user):
            return ["decisions/auditor_home.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        context = super().get_context_data(**kwargs)
        if permissions.is_auditor(user):
            context["audit_home"] = auditor_home(user, verify=bool(self.request.GET.get("verify")))
            context["notices"] = list(selectors.unread_notifications(user)[:20])
            return context
        context["inbox"] = attach_clock_badges(_with_urls(selectors.inbox_tasks(user)[:200]))
        context["queue"] = attach_clock_badges(_with_urls(selectors.queue_tasks(user)[:200]))
        context["notices"] = list(selectors.unread_notifications(user)[:20])
        context["start_links"] = selectors.start_links(user)
        return context


def _with_urls(tasks: Any) -> list[Any]:
    """Attach the task's and the case's addresses (no queries: resolved from the URLconf)."""
    result = list(tasks)
    for task in result:
        task.task_url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        task.case_url = reverse("home:case", args=[task.process.case.pk])
    return result


class NotificationListView(generic.ListView):
    template_name = "home/notifications.html"
    paginate_by = 50
    context_object_name = "notices"

    def get_queryset(self) -> Any:
        user: Any = self.request.user
        return Notification.objects.filter(recipient=user).select_related("case")


@require_POST
def mark_notification_read(request: Any, pk: int) -> Any:
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(actor=request.user, notice=notice)
    if notice.url:
        return redirect(notice.url)
    messages.info(request, _("お知らせを既読にしました。"))
    return redirect("home:notifications")

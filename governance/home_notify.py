"""Home pages about who hears of work and who does it: marking every notice read, the e-mail
digest choice, delegations (代理) and an approver reassigning an open task. Thin: parse, call
the service (``governance.cases.services``), render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.status import STATUS

from forms.notify import (
    DelegationForm,
    EmailDigestForm,
    EndDelegationForm,
    ReadAllForm,
    ReassignTaskForm,
)
from governance import permissions, permissions_tasks
from governance.cases import selectors
from governance.cases.services import assignments, notifications
from governance.models import Delegation, User
from governance.roles import Role


@require_POST
def mark_all_read(request: Any) -> HttpResponse:
    """「すべて既読にする」: the notices up to the newest the page showed."""
    form = ReadAllForm(request.POST)
    if form.is_valid():
        count = notifications.mark_all_read(actor=request.user, up_to=form.cleaned_data["up_to"])
        messages.info(request, _("{count}件のお知らせを既読にしました。").format(count=count))
    return redirect("home:notifications")


def notification_settings(request: Any) -> HttpResponse:
    """The person's choice of e-mail: each notice at once, or a daily digest."""
    user = request.user
    current = notifications.digest_choice(user)
    form = EmailDigestForm(request.POST or None, initial={"email_digest": current})
    if request.method == "POST" and form.is_valid():
        notifications.set_email_digest(actor=user, choice=form.cleaned_data["email_digest"])
        messages.success(request, _("メール通知の設定を保存しました。"))
        return redirect("home:notification_settings")
    context = {
        "form": form,
        "pending": notifications.pending_digest_count(user),
        "digest_hour": notifications.DIGEST_HOUR,
    }
    return render(request, "home/notification_settings.html", context)


def _task_role_people() -> Any:
    return (
        User.objects.filter(is_active=True, groups__name__in=assignments.TASK_ROLES)
        .select_related("department")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def delegations(request: Any) -> HttpResponse:
    """代理: the delegations the person gave or took (an approver sees everyone's that have not
    ended), and the form to set one."""
    user = request.user
    approver = permissions.has_role(user, Role.GOVERNANCE_APPROVER) and permissions.may_act(user)
    can_set = permissions.may_act(user)
    people = _task_role_people()
    form = DelegationForm(
        request.POST or None,
        people=people.exclude(pk=user.pk) if not approver else people,
        principals=people if approver else None,
    )
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignments.set_delegation(
                    actor=user,
                    principal=data.get("principal") or user,
                    delegate=data["delegate"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    reason=data["reason"],
                )
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("代理を設定しました。"))
                return redirect("home:delegations")
    shown = Delegation.objects.filter(ended_at__isnull=True, ends_on__gte=timezone.localdate())
    if not approver:
        shown = shown.filter(Q(principal=user) | Q(delegate=user))
    context = {
        "form": form if can_set else None,
        "approver": approver,
        "delegations": shown.select_related(
            "principal__department", "delegate__department", "created_by__department"
        ).order_by("starts_on", "pk"),
        "today": timezone.localdate(),
    }
    return render(request, "home/delegations.html", context)


@require_POST
def end_delegation(request: Any) -> HttpResponse:
    form = EndDelegationForm(request.POST)
    if not form.is_valid():
        raise Http404
    delegation = Delegation.objects.filter(pk=form.cleaned_data["delegation"]).first()
    if delegation is None or not permissions_tasks.can_set_delegation(
        request.user, delegation.principal
    ):
        raise Http404
    assignments.end_delegation(actor=request.user, delegation=delegation)
    messages.success(request, _("代理を終了しました。"))
    return redirect("home:delegations")


def reassign_task(request: Any, pk: int) -> HttpResponse:
    """An approver hands an open task to someone else who may work it, with a reason."""
    task = selectors.reassignable_task(request.user, pk)
    if not permissions_tasks.can_reassign_task(request.user, task):
        raise PermissionDenied
    is_open = task.status in (STATUS.NEW, STATUS.ASSIGNED)
    candidates = assignments.reassign_candidates(task) if is_open else []
    form = ReassignTaskForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and is_open and form.is_valid():
        data = form.cleaned_data
        try:
            with task.activation() as activation:
                assignments.reassign_task(
                    actor=request.user,
                    activation=activation,
                    to_user=data["to_user"],
                    reason=data["reason"],
                )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("担当者を変更しました。"))
            return redirect("home:case", task.process.case.pk)
    context = {
        "task": task,
        "case": task.process.case,
        "is_open": is_open,
        "form": form,
    }
    return render(request, "home/reassign.html", context)

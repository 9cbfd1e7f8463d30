"""利用者とロール: the admin role's pages for people, roles, departments and liaisons.

Views parse the form, call ``governance.org.services`` (which checks permission and records the
audit event) and redirect back with the outcome; a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.conf import settings as guardian_settings

from forms.org import DepartmentForm, LiaisonForm, ReasonForm, RoleForm, UserFilterForm
from governance import permissions
from governance.models import AuditEvent, Department, User
from governance.org import services as services
from governance.roles import Role


def _role_labels(user: User) -> list[str]:
    held = {group.name for group in user.groups.all()}
    return [str(label) for value, label in Role.choices if value in held]


def _locked_usernames(usernames: list[str]) -> set[str]:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}


class UserListView(generic.ListView):
    """Every account with its department and roles, filtered and paginated."""

    template_name = "org/users.html"
    paginate_by = 50
    context_object_name = "people"

    def get_queryset(self) -> Any:
        permissions.require_manage_users(self.request.user)
        self.filters = UserFilterForm(self.request.GET or None)
        queryset = (
            # guardian's stand-in for anonymous visitors is an account row, not a person.
            User.objects.exclude(username=guardian_settings.ANONYMOUS_USER_NAME)
            .select_related("department", "section")
            .prefetch_related("groups")
            .order_by("department__sort_order", "last_name", "first_name", "username")
        )
        if self.filters.is_valid():
            data = self.filters.cleaned_data
            if data["q"]:
                queryset = queryset.filter(
                    Q(username__icontains=data["q"])
                    | Q(last_name__icontains=data["q"])
                    | Q(first_name__icontains=data["q"])
                )
            if data["department"]:
                queryset = queryset.filter(department=data["department"])
            if data["role"]:
                queryset = queryset.filter(groups__name=data["role"])
            if data["active"]:
                queryset = queryset.filter(is_active=data["active"] == "1")
        return queryset.distinct()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        people = list(context["people"])
        locked = _locked_usernames([person.username for person in people])
        enrolled = set(
            TOTPDevice.objects.filter(user__in=people, confirmed=True).values_list(
                "user_id", flat=True
            )
        )
        context["rows"] = [
            {
                "user": person,
                "roles": _role_labels(person),
                "locked": person.username in locked,
                "second_factor": person.pk in enrolled,
            }
            for person in people
        ]
        context["filters"] = self.filters
        return context


def user_detail(request: Any, pk: int) -> HttpResponse:
    permissions.require_manage_users(request.user)
    person = get_object_or_404(User.objects.select_related("department", "section"), pk=pk)
    held = permissions.roles_of(person)
    grant_form = RoleForm()
    cast(forms.ChoiceField, grant_form.fields["role"]).choices = [
        (value, label) for value, label in Role.choices if value not in held
    ]
    history = AuditEvent.objects.filter(object_type="governance.user", object_id=str(person.pk))
    context = {
        "person": person,
        "roles": [(value, label) for value, label in Role.choices if value in held],
        "grant_form": grant_form,
        "reason_form": ReasonForm(),
        "department_form": DepartmentForm(
            initial={"department": person.department_id, "section": person.section_id}
        ),
        "liaison_for": list(Department.objects.filter(liaison=person)),
        "failed_logins": services.failed_logins(person),
        "locked": services.is_locked_out(person),
        "second_factor": services.has_second_factor(person),
        "second_factor_required": permissions.requires_second_factor(person),
        "may_change": permissions.user_change_error(request.user, person) is None,
        "refusal": permissions.user_change_error(request.user, person),
        "history": history.order_by("-sequence")[:20],
    }
    return render(request, "org/user_detail.html", context)


def _report_errors(request: Any, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _act(
    request: Any,
    pk: int,
    form_class: type[Any],
    action: Callable[[User, dict[str, Any]], str],
) -> HttpResponse:
    """Validate ``form_class``, run ``action`` (a service call) and go back to the user page."""
    person = get_object_or_404(User, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        _report_errors(request, form)
    else:
        try:
            done = action(person, form.cleaned_data)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
    return redirect("users:detail", pk)


@require_POST
def grant_role(request: Any, pk: int) -> HttpResponse:
    def act(person: User, data: dict[str, Any]) -> str:
        services.grant_role(
            actor=request.user, user=person, role=data["role"], reason=data["reason"]
        )
        return _("ロール「{role}」を付与しました。").format(role=services.role_label(data["role"]))

    return _act(request, pk, RoleForm, act)


@require_POST
def revoke_role(request: Any, pk: int) -> HttpResponse:
    def act(person: User, data: dict[str, Any]) -> str:
        services.revoke_role(
            actor=request.user, user=person, role=data["role"], reason=data["reason"]
        )
        return _("ロール「{role}」を外しました。").format(role=services.role_label(data["role"]))

    return _act(request, pk, RoleForm, act)


@require_POST
def set_active(request: Any, pk: int, active: bool) -> HttpResponse:
    def act(person: User, data: dict[str, Any]) -> str:
        services.set_active(actor=request.user, user=person, active=active, reason=data["reason"])
        return _("利用者を有効にしました。") if active else _("利用者を無効にしました。")

    return _act(request, pk, ReasonForm, act)


@require_POST
def change_department(request: Any, pk: int) -> HttpResponse:
    def act(person: User, data: dict[str, Any]) -> str:
        services.change_department(
            actor=request.user,
            user=person,
            department=data["department"],
            section=data["section"],
            reason=data["reason"],
        )
        return _("所属を変更しました。")

    return _act(request, pk, DepartmentForm, act)


@require_POST
def unlock(request: Any, pk: int) -> HttpResponse:
    def act(person: User, data: dict[str, Any]) -> str:
        services.unlock_login(actor=request.user, user=person, reason=data["reason"])
        return _("ログインのロックを解除しました。")

    return _act(request, pk, ReasonForm, act)


@require_POST
def reset_second_factor(request: Any, pk: int) -> HttpResponse:
    def act(person: User, data: dict[str, Any]) -> str:
        services.reset_second_factor(actor=request.user, user=person, reason=data["reason"])
        return _("二要素認証を再設定しました。次回のログインで登録し直します。")

    return _act(request, pk, ReasonForm, act)


@require_POST
def reset_password(request: Any, pk: int) -> HttpResponse:
    """The reset link is shown once, on this response, and never stored."""
    person = get_object_or_404(User, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _report_errors(request, form)
        return redirect("users:detail", pk)
    try:
        link = services.reset_password(
            actor=request.user,
            user=person,
            reason=form.cleaned_data["reason"],
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("users:detail", pk)
    return render(
        request,
        "org/user_password_reset.html",
        {"person": person, "link": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )


class LiaisonListView(generic.ListView):
    """Every department with its liaison (部局担当窓口) and a form to change it."""

    template_name = "org/liaisons.html"
    context_object_name = "departments"

    def get_queryset(self) -> Any:
        permissions.require_manage_users(self.request.user)
        return Department.objects.select_related("liaison").order_by("sort_order", "name")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # One query for the candidates, however many departments are listed.
        choices = list(cast(Any, LiaisonForm().fields["liaison"]).choices)
        rows = []
        for department in context["departments"]:
            form = LiaisonForm(initial={"liaison": department.liaison_id})
            cast(forms.ChoiceField, form.fields["liaison"]).choices = choices
            rows.append((department, form))
        context["rows"] = rows
        return context


@require_POST
def assign_liaison(request: Any, pk: int) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk)
    form = LiaisonForm(request.POST)
    if not form.is_valid():
        _report_errors(request, form)
        return redirect("users:liaisons")
    try:
        services.assign_liaison(
            actor=request.user,
            department=department,
            liaison=form.cleaned_data["liaison"],
            reason=form.cleaned_data["reason"],
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("{department} の部局担当窓口を変更しました。").format(department=department)
        )
    return redirect("users:liaisons")

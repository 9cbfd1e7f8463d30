"""Django admin for master data (departments, sections, users, rules). Business records are
changed through the application's services, never here; audit events and jobs are read-only.

Who may do what is business state too: roles, department membership, activation, liaisons and
passwords of others are read-only here and changed on the 利用者とロール pages (audited
services). The superuser and staff flags and individual permissions stay editable for a
superuser on other users, and their changes go through ``services.org.set_privileges``; new
accounts go through ``services.org.create_user``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_api_key.models import APIKey

from governance import permissions
from governance.models import (
    AuditEvent,
    Department,
    DocumentSettings,
    EscalationLevel,
    IntakeSource,
    Job,
    Rule,
    Section,
    TaskTemplate,
    User,
)
from governance.org import services as org
from governance.roles import Role
from governance.rules.services import SETTINGS_FIELDS, add_document_settings_version

PASSWORD_ON_USER_PAGE = gettext_noop(
    "他の利用者のパスワードは、「利用者とロール」画面の「パスワードを再設定する」で再設定してください"
    "（監査証跡に記録されます）。"
)
GOVERNED_HELP = _(
    "部局・所属・ロール・有効状態は「利用者とロール」画面で変更します（理由とともに監査証跡に記録されます）。"
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    """The liaison receives the department's review tasks: it is changed on the 部局担当窓口
    page (the service checks that the liaison is a reviewer and records it), not here."""

    list_display = ("name", "code", "liaison", "sort_order")
    search_fields = ("name", "code")
    ordering = ("sort_order", "name")
    readonly_fields = ("liaison",)
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "sort_order")
    list_filter = ("department",)
    search_fields = ("name",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "department", "is_active")
    list_filter = ("department", "groups", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("氏名・連絡先"), {"fields": ("last_name", "first_name", "email")}),
        (
            _("所属とロール"),
            {
                "fields": ("department", "section", "role_labels", "is_active"),
                "description": GOVERNED_HELP,
            },
        ),
        (
            _("特権（スーパーユーザーのみ）"),
            {"fields": ("is_superuser", "is_staff", "user_permissions")},
        ),
        (_("日時"), {"fields": ("last_login", "date_joined")}),
    )
    GOVERNED = ("department", "section", "role_labels", "is_active", "last_login", "date_joined")
    PRIVILEGES = ("is_superuser", "is_staff", "user_permissions")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if obj is None:
            return ()
        if request.user.is_superuser and obj.pk != request.user.pk:
            return self.GOVERNED
        return self.GOVERNED + self.PRIVILEGES

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "password" in form.base_fields:
            form.base_fields["password"].help_text = gettext(PASSWORD_ON_USER_PAGE)
        return form

    @admin.display(description=_("ロール"))
    def role_labels(self, obj: User) -> str:
        held = permissions.roles_of(obj)
        return "、".join(str(label) for value, label in Role.choices if value in held) or "—"

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if not change:
            org.create_user(actor=request.user, user=obj)
            return
        # Privilege flags are saved by the service in save_related, with their audit event.
        request._shinsa_privileges = {}
        for field in ("is_superuser", "is_staff"):
            if field in form.changed_data:
                request._shinsa_privileges[field] = form.cleaned_data[field]
                setattr(obj, field, form.initial[field])
        super().save_model(request, obj, form, change)

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        wanted_perms = None
        if "user_permissions" in form.cleaned_data:
            if "user_permissions" in form.changed_data:
                wanted_perms = list(form.cleaned_data["user_permissions"])
            del form.cleaned_data["user_permissions"]
        super().save_related(request, form, formsets, change)
        privileges = getattr(request, "_shinsa_privileges", {})
        if privileges or wanted_perms is not None:
            org.set_privileges(
                actor=request.user,
                user=form.instance,
                user_permissions=wanted_perms,
                **privileges,
            )

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        """Setting someone else's password here would leave no audit event: refused. One's
        own password is changed on the password page, which asks for the current one."""
        user = self.get_object(request, unquote(id))
        if user is not None and user.pk == request.user.pk:
            return redirect("password_change")
        raise PermissionDenied(gettext(PASSWORD_ON_USER_PAGE))


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Rules are versioned: a change is a new row with a later fiscal year, never an edit."""

    list_display = ("key", "effective_from", "value", "created_at")
    list_filter = ("key",)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if obj is not None:
            return ("key", "effective_from", "value", "basis", "created_by")
        return ("created_by",)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        from governance.rules.services import add_rule_version

        if not change:
            add_rule_version(
                actor=request.user,
                key=obj.key,
                effective_from=obj.effective_from,
                value=obj.value,
                basis=obj.basis,
            )

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class DocumentSettingsForm(forms.ModelForm):
    class Meta:
        model = DocumentSettings
        fields = ("effective_from", "basis", *SETTINGS_FIELDS)

    def clean_number_format(self) -> str:
        from governance.rules.services import check_number_format

        value = str(self.cleaned_data["number_format"])
        try:
            check_number_format(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value


@admin.register(DocumentSettings)
class DocumentSettingsAdmin(admin.ModelAdmin):
    """What documents print about the office (number format, letterhead, contact, 公印省略):
    versioned like rules, added through the audited service, never edited or deleted."""

    form = DocumentSettingsForm
    list_display = ("effective_from", "issuer_title", "number_format", "omit_seal", "created_at")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if obj is not None:
            return [field.name for field in DocumentSettings._meta.fields]
        return ("created_by",)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if not change:
            row = add_document_settings_version(
                actor=request.user,
                effective_from=obj.effective_from,
                basis=obj.basis,
                **{name: getattr(obj, name) for name in SETTINGS_FIELDS},
            )
            obj.pk = row.pk

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "occurred_at", "actor_name", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr", "action")


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "status", "attempts", "case")
    list_filter = ("status", "kind")


# Second-factor devices are enrolled by their owner and reset by the admin role on the user
# page (audited); adding one for someone else here would bypass both.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

# djangorestframework-api-key's own APIKey model stays unused (integration keys are
# governance.integrations.IntegrationKey, issued by two administrators on their page); a key
# added here would bypass the two-person rule and the service user.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


class IncidentMasterAdmin(admin.ModelAdmin):
    """CSIRT master data: never deleted here (events and incidents point at the rows;
    deactivate a source instead); each subclass saves through its audited service."""

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(IntakeSource)
class IntakeSourceAdmin(IncidentMasterAdmin):
    list_display = ("code", "name", "operator", "channel", "default_tlp", "active")
    list_filter = ("operator", "channel", "active")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        # Events and keys refer to a source by its code: fixed once the row exists.
        return ("code",) if obj is not None else ()

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        from governance.incidents.services.master import save_intake_source

        save_intake_source(actor=request.user, source=obj)


@admin.register(TaskTemplate)
class TaskTemplateAdmin(IncidentMasterAdmin):
    """Playbooks: the tasks every new incident of a category gets."""

    list_display = ("category", "sort_order", "key", "title", "phase", "for_department")
    list_filter = ("category", "phase", "for_department")
    search_fields = ("key", "title")

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        from governance.incidents.services.master import save_task_template

        save_task_template(actor=request.user, template=obj)


@admin.register(EscalationLevel)
class EscalationLevelAdmin(IncidentMasterAdmin):
    """The escalation chain (§B.5, §B.6 row 9): who is told and how soon they acknowledge."""

    list_display = ("order", "code", "name", "notify_roles", "ack_minutes", "active")
    list_filter = ("active",)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return ("code",) if obj is not None else ()

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        from governance.incidents.services.master import save_escalation_level

        save_escalation_level(actor=request.user, level=obj)

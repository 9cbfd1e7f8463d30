"""Django admin for master data (departments, sections, users, rules). Business records are
changed through the application's services, never here; audit events and jobs are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from governance.models import AuditEvent, Department, Job, Rule, Section, User


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "liaison", "sort_order")
    search_fields = ("name", "code")
    ordering = ("sort_order", "name")
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
        *(BaseUserAdmin.fieldsets or ()),
        (_("所属"), {"fields": ("department", "section")}),
    )


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
        from governance.services.rules import add_rule_version

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

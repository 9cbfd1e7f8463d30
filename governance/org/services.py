"""The organisation and the people in it: roles, department membership, liaisons (部局担当窓口),
accounts (activation, password reset, login lockout) and the second factor.

Who may hold which role is business state: every change here checks permission in
``governance.permissions`` (the admin role or a superuser, never on themselves) and records an
audit event whose changes name roles by their Japanese labels, so auditors read them as they are
shown on screen. Passwords and second-factor secrets never enter the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import permissions
from governance.audit.services import record_event
from governance.models import Department, Section, User
from governance.roles import Role

LIAISON_MUST_BE_REVIEWER = gettext_noop(
    "部局担当窓口には審査担当（ガバナンス担当）の利用者を指定してください。"
)
LIAISON_MUST_BE_ACTIVE = gettext_noop("無効化された利用者は部局担当窓口にできません。")
MANAGER_OF_OTHER_DEPARTMENT = gettext_noop(
    "情報セキュリティ管理者にはその部局に所属する利用者を指定してください。"
)
REASON_REQUIRED = gettext_noop("理由を入力してください。")
UNKNOWN_ROLE = gettext_noop("存在しないロールです。")
ROLE_ALREADY_HELD = gettext_noop("この利用者は既に「{role}」のロールを持っています。")
ROLE_NOT_HELD = gettext_noop("この利用者は「{role}」のロールを持っていません。")
DEPARTMENT_STAFF_NEEDS_DEPARTMENT = gettext_noop(
    "部局担当者のロールを付与する前に、利用者の部局を設定してください。"
)
STILL_LIAISON = gettext_noop(
    "この利用者は {departments} の部局担当窓口です。先に担当窓口を変更してください。"
)
SECTION_NOT_IN_DEPARTMENT = gettext_noop("所属は選択した部局のものを指定してください。")
ALREADY_ACTIVE = gettext_noop("この利用者は既に有効です。")
ALREADY_INACTIVE = gettext_noop("この利用者は既に無効化されています。")
NOT_LOCKED = gettext_noop("この利用者のログインはロックされていません。")
NO_SECOND_FACTOR = gettext_noop("この利用者は二要素認証を登録していません。")
ALREADY_ENROLLED = gettext_noop("二要素認証は既に登録済みです。")

# Shown in the audit trail in place of a password, which is never recorded.
PASSWORD_SET = gettext_noop("設定済み")
PASSWORD_RESET_LINK = gettext_noop("未設定（再設定リンクを発行）")
SECOND_FACTOR_ENROLLED = gettext_noop("登録済み")
SECOND_FACTOR_NONE = gettext_noop("未登録")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_(REASON_REQUIRED))
    return reason


def role_label(role: str) -> str:
    return str(Role(role).label)


def role_labels(roles: Iterable[str]) -> str | None:
    """Roles as the audit trail shows them: Japanese labels in ``Role`` order, or None."""
    held = set(roles)
    labels = [role_label(role) for role in Role.values if role in held]
    return "、".join(labels) if labels else None


def _roles(user: User) -> frozenset[str]:
    permissions.forget_roles(user)
    return permissions.roles_of(user)


def _lock(user: User) -> User:
    """Re-read ``user`` under a row lock (PostgreSQL), so two admins' changes serialise."""
    return User.objects.select_for_update().get(pk=user.pk)


# --- Roles ----------------------------------------------------------------------------------


def grant_role(*, actor: User, user: User, role: str, reason: str) -> User:
    """Add ``user`` to the group of ``role``."""
    permissions.require_change_user(actor, user)
    if role not in Role.values:
        raise ValueError(_(UNKNOWN_ROLE))
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(user)
        before = _roles(locked)
        if role in before:
            raise ValueError(_(ROLE_ALREADY_HELD).format(role=role_label(role)))
        if role == Role.DEPARTMENT_STAFF and locked.department_id is None:
            raise ValueError(_(DEPARTMENT_STAFF_NEEDS_DEPARTMENT))
        locked.groups.add(Group.objects.get(name=role))
        record_event(
            actor=actor,
            action="user.grant_role",
            obj=locked,
            changes={"roles": [role_labels(before), role_labels(before | {role})]},
            reason=reason,
        )
    permissions.forget_roles(user)
    return locked


def revoke_role(*, actor: User, user: User, role: str, reason: str) -> User:
    """Remove ``user`` from the group of ``role``. A liaison keeps the reviewer role until
    their departments have another liaison (the liaison must be a reviewer)."""
    permissions.require_change_user(actor, user)
    if role not in Role.values:
        raise ValueError(_(UNKNOWN_ROLE))
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(user)
        before = _roles(locked)
        if role not in before:
            raise ValueError(_(ROLE_NOT_HELD).format(role=role_label(role)))
        if role == Role.GOVERNANCE_REVIEWER:
            _refuse_if_liaison(locked)
        locked.groups.remove(Group.objects.get(name=role))
        record_event(
            actor=actor,
            action="user.revoke_role",
            obj=locked,
            changes={"roles": [role_labels(before), role_labels(before - {role})]},
            reason=reason,
        )
    permissions.forget_roles(user)
    return locked


def _refuse_if_liaison(user: User) -> None:
    names = list(Department.objects.filter(liaison=user).values_list("name", flat=True))
    if names:
        raise ValueError(_(STILL_LIAISON).format(departments="、".join(names)))


# --- Department membership and liaisons -------------------------------------------------------


def change_department(
    *,
    actor: User,
    user: User,
    department: Department | None,
    section: Section | None = None,
    reason: str = "",
) -> User:
    """Move ``user`` to ``department`` (and ``section`` inside it). Department scoping follows
    at once: department staff see the new department's cases and no longer the old one's."""
    permissions.require_change_user(actor, user)
    if section is not None and (department is None or section.department_id != department.pk):
        raise ValueError(_(SECTION_NOT_IN_DEPARTMENT))
    with transaction.atomic():
        locked = _lock(user)
        old_department, old_section = locked.department, locked.section
        if old_department == department and old_section == section:
            return locked
        locked.department = department
        locked.section = section
        locked.save(update_fields=["department", "section"])
        record_event(
            actor=actor,
            action="user.change_department",
            obj=locked,
            changes={
                "department": [
                    old_department.name if old_department else None,
                    department.name if department else None,
                ],
                "section": [
                    old_section.name if old_section else None,
                    section.name if section else None,
                ],
            },
            reason=(reason or "").strip(),
        )
    return locked


def assign_liaison(
    *, actor: User, department: Department, liaison: User | None, reason: str = ""
) -> Department:
    """Make ``liaison`` receive the department's review tasks (None: the governance queue)."""
    permissions.require_manage_users(actor)
    if liaison is not None:
        permissions.forget_roles(liaison)
        if not permissions.has_role(liaison, Role.GOVERNANCE_REVIEWER):
            raise ValueError(_(LIAISON_MUST_BE_REVIEWER))
        if not liaison.is_active:
            raise ValueError(_(LIAISON_MUST_BE_ACTIVE))
    with transaction.atomic():
        department = Department.objects.select_for_update().get(pk=department.pk)
        old = department.liaison
        if old == liaison:
            return department
        department.liaison = liaison
        department.save(update_fields=["liaison"])
        record_event(
            actor=actor,
            action="department.assign_liaison",
            obj=department,
            changes={
                "liaison": [old.username if old else None, liaison.username if liaison else None]
            },
            reason=(reason or "").strip(),
        )
    return department


# --- Accounts -------------------------------------------------------------------------------


def set_active(*, actor: User, user: User, active: bool, reason: str) -> User:
    """Activate or deactivate an account. A deactivated user's sessions stop working at their
    next request (Django refuses inactive users); a liaison is replaced first."""
    permissions.require_change_user(actor, user)
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(user)
        if locked.is_active == active:
            raise ValueError(_(ALREADY_ACTIVE if active else ALREADY_INACTIVE))
        if not active:
            _refuse_if_liaison(locked)
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        record_event(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            obj=locked,
            changes={"is_active": [not active, active]},
            reason=reason,
        )
    return locked


def reset_password(*, actor: User, user: User, reason: str) -> str:
    """Make ``user``'s password unusable and return a one-time link (valid for
    ``PASSWORD_RESET_TIMEOUT``) with which they choose a new one. Whoever resets never learns
    the new password, and the audit event records that a reset happened, not any password."""
    permissions.require_change_user(actor, user)
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(user)
        had_password = locked.has_usable_password()
        locked.set_unusable_password()
        locked.save(update_fields=["password"])
        record_event(
            actor=actor,
            action="user.reset_password",
            obj=locked,
            changes={"password": [PASSWORD_SET if had_password else None, PASSWORD_RESET_LINK]},
            reason=reason,
        )
        # The token hashes the password just set, so it stops working once it is used.
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(locked.pk)),
                "token": default_token_generator.make_token(locked),
            },
        )
    return f"{settings.SITE_URL}{path}"


def failed_logins(user: User) -> int:
    """Failed password attempts for ``user``'s username still counted towards a lockout."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    per_address = (
        AccessAttempt.objects.filter(username=user.username, attempt_time__gte=since)
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .values_list("failures", flat=True)
    )
    return max(per_address, default=0)


def is_locked_out(user: User) -> bool:
    """Whether ``user``'s username is locked out from at least one address."""
    return failed_logins(user) >= settings.AXES_FAILURE_LIMIT


def unlock_login(*, actor: User, user: User, reason: str) -> int:
    """Clear the failed-login lockout of ``user``'s username from every address."""
    permissions.require_change_user(actor, user)
    reason = _reason(reason)
    with transaction.atomic():
        failures = failed_logins(user)
        if failures == 0:
            raise ValueError(_(NOT_LOCKED))
        axes_reset(username=user.username)
        record_event(
            actor=actor,
            action="user.unlock_login",
            obj=user,
            changes={"failed_logins": [failures, 0]},
            reason=reason,
        )
    return failures


def create_user(*, actor: User, user: User) -> User:
    """Save a new account built by a form (Django admin's add page), without roles, superuser
    or staff flags: those are given afterwards through the services above."""
    permissions.require_manage_users(actor)
    with transaction.atomic():
        user.is_superuser = False
        user.is_staff = False
        user.save()
        record_event(
            actor=actor,
            action="user.create",
            obj=user,
            changes={"username": [None, user.username]},
        )
    return user


def set_privileges(
    *,
    actor: User,
    user: User,
    is_superuser: bool | None = None,
    is_staff: bool | None = None,
    user_permissions: Iterable[Permission] | None = None,
) -> User:
    """Superuser only: the superuser and staff (Django admin) flags and individual Django
    permissions of another user. ``None`` leaves a value as it is."""
    permissions.require_grant_privileges(actor, user)
    with transaction.atomic():
        locked = _lock(user)
        changes: dict[str, Any] = {}
        for field, wanted in (("is_superuser", is_superuser), ("is_staff", is_staff)):
            if wanted is not None and getattr(locked, field) != wanted:
                changes[field] = [getattr(locked, field), wanted]
                setattr(locked, field, wanted)
        if changes:
            locked.save(update_fields=list(changes))
        if user_permissions is not None:
            wanted_perms = set(user_permissions)
            current = set(locked.user_permissions.all())
            if wanted_perms != current:
                changes["user_permissions"] = [
                    _permission_names(current),
                    _permission_names(wanted_perms),
                ]
                locked.user_permissions.set(wanted_perms)
        if changes:
            record_event(actor=actor, action="user.set_privileges", obj=locked, changes=changes)
    return locked


def _permission_names(perms: Iterable[Permission]) -> str | None:
    names = sorted(f"{p.content_type.app_label}.{p.codename}" for p in perms)
    return ", ".join(names) if names else None


# --- Second factor (TOTP) ---------------------------------------------------------------------


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_second_factor_enrolment(*, actor: User) -> TOTPDevice:
    """The actor's unconfirmed TOTP device, created on first call: its secret is shown once so
    they can add it to an authenticator app, and it counts only after ``confirm``."""
    permissions.require(bool(actor.is_authenticated and actor.is_active))
    if has_second_factor(actor):
        raise ValueError(_(ALREADY_ENROLLED))
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=actor, name="TOTP", confirmed=False)
    return device


def confirm_second_factor_enrolment(*, actor: User, token: str) -> TOTPDevice | None:
    """Confirm the actor's new device with a code from their app; None if the code is wrong
    (wrong codes are throttled per device with growing delays, and that count is kept)."""
    permissions.require(bool(actor.is_authenticated and actor.is_active))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).first()
        if device is None:
            raise ValueError(_(ALREADY_ENROLLED))
        if not device.verify_token(token):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_event(
            actor=actor,
            action="user.enrol_second_factor",
            obj=actor,
            changes={"second_factor": [SECOND_FACTOR_NONE, SECOND_FACTOR_ENROLLED]},
        )
    return device


def reset_second_factor(*, actor: User, user: User, reason: str) -> None:
    """Remove ``user``'s TOTP devices (a lost phone); they enrol again at their next login."""
    permissions.require_change_user(actor, user)
    reason = _reason(reason)
    with transaction.atomic():
        devices = TOTPDevice.objects.filter(user=user)
        if not devices.filter(confirmed=True).exists():
            raise ValueError(_(NO_SECOND_FACTOR))
        devices.delete()
        record_event(
            actor=actor,
            action="user.reset_second_factor",
            obj=user,
            changes={"second_factor": [SECOND_FACTOR_ENROLLED, SECOND_FACTOR_NONE]},
            reason=reason,
        )


def assign_security_manager(
    *, actor: User, department: Department, manager: User | None
) -> Department:
    """Make ``manager`` (the 所属長) the department's 情報セキュリティ管理者, who receives its
    security notices and the department's side of network connections and incidents."""
    permissions.require(permissions.is_admin(actor) and permissions.may_act(actor))
    if manager is not None and manager.department_id != department.pk:
        raise ValueError(_(MANAGER_OF_OTHER_DEPARTMENT))
    with transaction.atomic():
        old = department.security_manager
        if old == manager:
            return department
        department.security_manager = manager
        department.save(update_fields=["security_manager"])
        record_event(
            actor=actor,
            action="department.assign_security_manager",
            obj=department,
            changes={
                "security_manager": [
                    old.username if old else None,
                    manager.username if manager else None,
                ]
            },
        )
    return department

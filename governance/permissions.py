"""The one place for role checks, department scoping and guardian object grants.

Every list, detail page, flow view, service and selector asks this module; templates only
hide buttons that these checks would refuse anyway. The rules:

- department staff see the review cases of their own department, and cases explicitly shared
  with them (a guardian grant to them or to a group they are in, e.g. another department);
- governance reviewers and approvers see every review case; auditors see everything and never
  act; CSIRT roles see incidents;
- acting on a case needs the role the step asks for, and department staff act only on their
  own department's cases; segregation of duties keeps requester, reviewer and approver apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from guardian.shortcuts import assign_perm, remove_perm

from governance.models import (
    REVIEW_KINDS,
    Case,
    CaseGroupObjectPermission,
    CaseKind,
    CaseUserObjectPermission,
    Finding,
    SpecReviewRound,
    SpecScanResult,
)
from governance.roles import ACT_PERMISSION, ROLE_OF_PERMISSION, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, Group

    from governance.models import User

    AnyUser = User | AnonymousUser

VIEW_CASE = "view_case"

# Refusal messages; tests assert on these.
NOT_ALLOWED = gettext_noop("この操作を行う権限がありません。")
AUDITORS_NEVER_ACT = gettext_noop("監査担当者は閲覧のみ可能で、操作はできません。")
OTHER_DEPARTMENT = gettext_noop("他の部局の案件は操作できません。")
REQUESTER_CANNOT_REVIEW = gettext_noop("依頼者本人は自分の案件を審査できません。")
REQUESTER_CANNOT_APPROVE = gettext_noop("依頼者本人は自分の案件を決裁できません。")
REVIEWER_CANNOT_APPROVE = gettext_noop("審査担当者は同じ案件を決裁できません。")

CSIRT_ROLES = (Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
GOVERNANCE_ROLES = (Role.GOVERNANCE_REVIEWER, Role.GOVERNANCE_APPROVER)


# --- Roles ----------------------------------------------------------------------------------


def roles_of(user: AnyUser | None) -> frozenset[str]:
    """The role names the user holds, read once per user object."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_shinsa_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(names & set(Role.values))
        user._shinsa_roles = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


def has_role(user: AnyUser | None, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_admin(user: AnyUser | None) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_superuser or has_role(user, Role.ADMIN))
    )


def is_auditor(user: AnyUser | None) -> bool:
    return has_role(user, Role.AUDITOR)


def is_governance_staff(user: AnyUser | None) -> bool:
    return has_role(user, *GOVERNANCE_ROLES)


def is_csirt(user: AnyUser | None) -> bool:
    return has_role(user, *CSIRT_ROLES)


def is_department_staff(user: AnyUser | None) -> bool:
    return has_role(user, Role.DEPARTMENT_STAFF) and bool(getattr(user, "department_id", None))


def reads_all_review_cases(user: AnyUser | None) -> bool:
    return bool(user and (user.is_superuser or has_role(user, *GOVERNANCE_ROLES, Role.AUDITOR)))


def reads_incidents(user: AnyUser | None) -> bool:
    return bool(user and (user.is_superuser or has_role(user, *CSIRT_ROLES, Role.AUDITOR)))


def may_act(user: AnyUser | None) -> bool:
    """Whether the user may change anything at all (auditors never do)."""
    return bool(user and user.is_authenticated and user.is_active and not is_auditor(user))


# --- Seeing cases ---------------------------------------------------------------------------


def _prefixed(prefix: str, **lookups: Any) -> Q:
    return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})


def _granted_case_ids(user: User) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """Ids of cases shared with the user: directly, through a group they are in, or through
    their department's sharing group (which has no members: ``User.department`` decides)."""
    by_user = CaseUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename=VIEW_CASE
    ).values("content_object_id")
    through_group = Q(group__user=user.pk)
    if is_department_staff(user):
        through_group |= Q(group__department=user.department_id)
    by_group = (
        CaseGroupObjectPermission.objects.filter(through_group, permission__codename=VIEW_CASE)
        .values("content_object_id")
        .distinct()
    )
    return by_user, by_group


def case_visibility_q(user: AnyUser | None, prefix: str = "") -> Q:
    """A filter selecting the cases ``user`` may see; ``prefix`` reaches Case from another model.

    ``prefix`` is e.g. ``"case__"`` for viewflow processes or ``"process__case__"`` for tasks.
    """
    nothing = _prefixed(prefix, pk__in=[])
    if user is None or not user.is_authenticated or not user.is_active:
        return nothing
    if user.is_superuser:
        return _prefixed(prefix, pk__isnull=False)
    parts: list[Q] = []
    if reads_all_review_cases(user):
        parts.append(_prefixed(prefix, kind__in=REVIEW_KINDS))
    if reads_incidents(user):
        parts.append(_prefixed(prefix, kind=CaseKind.INCIDENT))
    if is_department_staff(user):
        parts.append(_prefixed(prefix, department_id=user.department_id, kind__in=REVIEW_KINDS))
    by_user, by_group = _granted_case_ids(user)
    parts.append(_prefixed(prefix, pk__in=by_user))
    parts.append(_prefixed(prefix, pk__in=by_group))
    result = parts[0]
    for part in parts[1:]:
        result |= part
    return result


def scope_cases(user: AnyUser | None, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Cases (or a ``Case`` subclass) the user may see."""
    return queryset.filter(case_visibility_q(user))


def scope_processes(user: AnyUser | None, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Viewflow processes whose case the user may see."""
    return queryset.filter(case_visibility_q(user, prefix="case__"))


def scope_tasks(user: AnyUser | None, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Viewflow tasks whose process's case the user may see."""
    return queryset.filter(case_visibility_q(user, prefix="process__case__"))


def can_view_case(user: AnyUser | None, case: Case) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if case.kind in REVIEW_KINDS:
        if reads_all_review_cases(user):
            return True
        if is_department_staff(user) and case.department_id == user.department_id:
            return True
    elif case.kind == CaseKind.INCIDENT and reads_incidents(user):
        return True
    return scope_cases(user, Case.objects.filter(pk=case.pk)).exists()


def can_view_flow(user: AnyUser | None, kind: str) -> bool:
    """Whether the user may open the pages of a kind of flow at all (lists are still scoped)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or is_auditor(user):
        return True
    if kind == CaseKind.INCIDENT:
        return is_csirt(user)
    return is_governance_staff(user) or is_department_staff(user)


# --- Acting on cases ------------------------------------------------------------------------


def acting_error(user: AnyUser | None, case: Case, role: str) -> str | None:
    """Why ``user`` may not act on ``case`` in ``role``; None if they may."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOT_ALLOWED
    if is_auditor(user):
        return AUDITORS_NEVER_ACT
    if not has_role(user, role):
        return NOT_ALLOWED
    if role == Role.DEPARTMENT_STAFF:
        if case.department_id != getattr(user, "department_id", None):
            return OTHER_DEPARTMENT
    elif (role in GOVERNANCE_ROLES and case.kind not in REVIEW_KINDS) or (
        role in CSIRT_ROLES and case.kind != CaseKind.INCIDENT
    ):
        return NOT_ALLOWED
    return segregation_error(user, case, role)


def segregation_error(user: AnyUser, case: Case, role: str) -> str | None:
    """Segregation of duties: the requester never reviews or approves; reviewer ≠ approver."""
    if role == Role.GOVERNANCE_REVIEWER and case.requester_id == user.pk:
        return REQUESTER_CANNOT_REVIEW
    if role == Role.GOVERNANCE_APPROVER:
        if case.requester_id == user.pk:
            return REQUESTER_CANNOT_APPROVE
        if case.reviewer_id is not None and case.reviewer_id == user.pk:
            return REVIEWER_CANNOT_APPROVE
        if (
            case.kind in REVIEWED_IN_ROUNDS
            and Case.objects.filter(pk=case.pk).filter(reviewed_by_q(user.pk)).exists()
        ):
            return REVIEWER_CANNOT_APPROVE
    return None


# Kinds reviewed in rounds, possibly by different reviewers: everyone who took part in any
# round counts as a reviewer of the case, not only the reviewer of record.
REVIEWED_IN_ROUNDS = frozenset({CaseKind.SPEC_REVIEW})


def reviewed_by_q(user_pk: int | None, prefix: str = "") -> Q:
    """Cases ``user_pk`` reviewed: the reviewer of record, the reviewer of any round, the author
    of a finding, or whoever accepted or dismissed a scan result. None of them may approve.
    ``prefix`` leads from the queried model to the case (``"process__case__"`` for tasks)."""
    return (
        Q(**{f"{prefix}reviewer": user_pk})
        | Q(
            **{
                f"{prefix}pk__in": SpecReviewRound.objects.filter(reviewer_id=user_pk).values(
                    "review_id"
                )
            }
        )
        | Q(**{f"{prefix}pk__in": Finding.objects.filter(created_by_id=user_pk).values("case_id")})
        | Q(
            **{
                f"{prefix}pk__in": SpecScanResult.objects.filter(decided_by_id=user_pk).values(
                    "version__review_id"
                )
            }
        )
    )


def can_act(user: AnyUser | None, case: Case, role: str) -> bool:
    return acting_error(user, case, role) is None


def require_act(user: AnyUser | None, case: Case, role: str) -> None:
    """Raise ``PermissionDenied`` with a Japanese reason unless ``user`` may act in ``role``."""
    error = acting_error(user, case, role)
    if error is not None:
        raise PermissionDenied(_(error))


def require(condition: bool, message: str = NOT_ALLOWED) -> None:
    if not condition:
        raise PermissionDenied(_(message))


def role_for_permission(permission: str | None) -> str | None:
    """The role a viewflow task's ``owner_permission`` stands for."""
    if not permission:
        return None
    return ROLE_OF_PERMISSION.get(permission)


def can_work_task(user: AnyUser | None, task: Any) -> bool:
    """Whether ``user`` may pick up or execute a viewflow task of a case flow."""
    case = getattr(task.process, "case", None)
    if case is None:
        return False
    role = role_for_permission(task.owner_permission)
    if role is None:
        # A task without a role is refused rather than left open to everyone.
        return False
    if task.owner_id is not None and task.owner_id != getattr(user, "pk", None):
        return False
    return can_act(user, case, role)


def task_queue_q(user: AnyUser | None) -> Q:
    """Tasks ``user`` could pick up from a queue: their role's tasks on cases in their reach."""
    nothing = Q(pk__in=[])
    if not may_act(user):
        return nothing
    parts: list[Q] = []
    held = roles_of(user)
    if Role.DEPARTMENT_STAFF in held and getattr(user, "department_id", None):
        parts.append(
            Q(
                owner_permission=ACT_PERMISSION[Role.DEPARTMENT_STAFF],
                process__case__department_id=user.department_id,  # type: ignore[union-attr]
            )
        )
    for role in GOVERNANCE_ROLES:
        if role in held:
            # Segregation of duties, as in ``segregation_error``: a queue never offers a task
            # that picking up would refuse.
            part = Q(
                owner_permission=ACT_PERMISSION[role], process__case__kind__in=REVIEW_KINDS
            ) & ~Q(process__case__requester=user.pk)  # type: ignore[union-attr]
            if role == Role.GOVERNANCE_APPROVER:
                part &= ~reviewed_by_q(user.pk, "process__case__")  # type: ignore[union-attr]
            parts.append(part)
    for role in CSIRT_ROLES:
        if role in held:
            parts.append(
                Q(owner_permission=ACT_PERMISSION[role], process__case__kind=CaseKind.INCIDENT)
            )
    if not parts:
        return nothing
    result = parts[0]
    for part in parts[1:]:
        result |= part
    return result


# --- Grants (guardian) ----------------------------------------------------------------------


def _base_case(case: Case) -> Case:
    """Grants are kept on ``Case`` itself, whatever the kind's subclass, so one query finds them."""
    if type(case) is Case:
        return case
    return Case.objects.get(pk=case.pk)


def grant_case_view(
    case: Case, *, users: Iterable[User] = (), groups: Iterable[Group] = ()
) -> None:
    """Share ``case`` with people beyond its department. Called by services only."""
    case = _base_case(case)
    for user in users:
        assign_perm(f"governance.{VIEW_CASE}", user, case)
    for group in groups:
        assign_perm(f"governance.{VIEW_CASE}", group, case)


def revoke_case_view(
    case: Case, *, users: Iterable[User] = (), groups: Iterable[Group] = ()
) -> None:
    case = _base_case(case)
    for user in users:
        remove_perm(f"governance.{VIEW_CASE}", user, case)
    for group in groups:
        remove_perm(f"governance.{VIEW_CASE}", group, case)


# --- Background jobs ------------------------------------------------------------------------


def can_see_job(user: AnyUser | None, job: Any) -> bool:
    if is_admin(user) or is_auditor(user):
        return True
    return job.case is not None and can_view_case(user, job.case)


def can_retry_job(user: AnyUser | None, job: Any) -> bool:
    """Admins retry any job; others retry the jobs of cases they can see and work on."""
    if not may_act(user):
        return False
    if is_admin(user):
        return True
    if job.case is None:
        return False
    return can_retry_case_jobs(user, job.case)


def can_share_case(user: AnyUser | None, case: Case) -> bool:
    """Whether the user may let others read the case: governance staff, or the case's own
    department; never auditors."""
    if not may_act(user):
        return False
    return is_governance_staff(user) or can_act(user, case, Role.DEPARTMENT_STAFF)


def can_regenerate_documents(user: AnyUser | None, case: Case) -> bool:
    """Whether the user may have the case's advisory documents made again from the case as it
    is now: governance staff who may act on it in either role (never its requester), or an
    administrator; never auditors or the department."""
    if not may_act(user):
        return False
    if is_admin(user):
        return True
    return can_act(user, case, Role.GOVERNANCE_REVIEWER) or can_act(
        user, case, Role.GOVERNANCE_APPROVER
    )


def can_retry_case_jobs(user: AnyUser | None, case: Case) -> bool:
    """Whether the user may retry the failed jobs of ``case``: governance staff, and the case's
    own department, never auditors or people it is merely shared with."""
    if not may_act(user):
        return False
    if is_admin(user):
        return True
    return can_view_case(user, case) and (
        is_governance_staff(user)
        or (is_department_staff(user) and case.department_id == user.department_id)  # type: ignore[union-attr]
    )


# --- The system registry (システムカルテ) -------------------------------------------------
#
# Department staff see and edit their own department's systems; governance reviewers and
# approvers see and edit all; CSIRT members, auditors and administrators read all and edit
# none. Importing a workbook rewrites many departments at once: governance staff only.

SYSTEM_OTHER_DEPARTMENT = gettext_noop("他の部局のシステムは編集できません。")
SYSTEM_READ_ONLY = gettext_noop("システムカルテを編集する権限がありません（閲覧のみ）。")
SYSTEM_MOVE_NOT_ALLOWED = gettext_noop(
    "システムの所管部局を変更できるのは行政DX推進課の担当者のみです。"
)


def reads_all_systems(user: AnyUser | None) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (
            user.is_superuser
            or has_role(user, *GOVERNANCE_ROLES, *CSIRT_ROLES, Role.AUDITOR, Role.ADMIN)
        )
    )


def can_view_karte(user: AnyUser | None) -> bool:
    """Whether the user may open the registry's pages at all (lists are still scoped)."""
    return reads_all_systems(user) or (bool(user and user.is_active) and is_department_staff(user))


def system_visibility_q(user: AnyUser | None, prefix: str = "") -> Q:
    """A filter selecting the systems ``user`` may see; ``prefix`` reaches the system from
    another model (e.g. ``"system__"`` for contracts)."""
    if reads_all_systems(user):
        return _prefixed(prefix, pk__isnull=False)
    if user is not None and user.is_active and is_department_staff(user):
        return _prefixed(prefix, department_id=user.department_id)
    return _prefixed(prefix, pk__in=[])


def scope_systems(user: AnyUser | None, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(system_visibility_q(user))


def can_view_system(user: AnyUser | None, system: Any) -> bool:
    if reads_all_systems(user):
        return True
    return bool(
        user is not None
        and user.is_active
        and is_department_staff(user)
        and system.department_id == user.department_id
    )


def system_edit_error(user: AnyUser | None, department_id: int | None) -> str | None:
    """Why ``user`` may not edit (or register) a system of ``department_id``; None if they may."""
    if not may_act(user):
        return AUDITORS_NEVER_ACT if is_auditor(user) else NOT_ALLOWED
    if is_governance_staff(user):
        return None
    if is_department_staff(user):
        if department_id != user.department_id:  # type: ignore[union-attr]
            return SYSTEM_OTHER_DEPARTMENT
        return None
    return SYSTEM_READ_ONLY


def can_edit_system(user: AnyUser | None, system: Any) -> bool:
    return system_edit_error(user, system.department_id) is None


def can_register_system(user: AnyUser | None) -> bool:
    """Whether the user may register new systems at all (for their department, or any)."""
    return may_act(user) and (is_governance_staff(user) or is_department_staff(user))


def require_edit_system(
    user: AnyUser | None, system: Any, *, new_department_id: int | None = None
) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may edit ``system`` (and move it, if asked)."""
    error = system_edit_error(user, system.department_id)
    if error is None and new_department_id not in (None, system.department_id):
        error = None if is_governance_staff(user) else SYSTEM_MOVE_NOT_ALLOWED
    if error is not None:
        raise PermissionDenied(_(error))


def require_register_system(user: AnyUser | None, department_id: int) -> None:
    error = system_edit_error(user, department_id)
    if error is not None:
        raise PermissionDenied(_(error))


def can_import_systems(user: AnyUser | None) -> bool:
    return may_act(user) and is_governance_staff(user)


def can_export_systems(user: AnyUser | None) -> bool:
    """Exporting is reading: everyone who may open the registry downloads what they see
    (department staff their own department's systems, to fill in and send back)."""
    return can_view_karte(user)

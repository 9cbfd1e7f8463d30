"""The one place for role checks, department scoping and guardian object grants.

Every list, detail page, flow view, service and selector asks this module; templates only
hide buttons that these checks would refuse anyway. The rules:

- department staff see the review cases of their own department, and cases explicitly shared
  with them (a guardian grant to them or to a group they are in, e.g. another department);
- governance reviewers and approvers see every review case; auditors see everything and never
  act; CSIRT roles see incidents, a TLP:RED one only when named on it (the CSIRT lead, the
  CISO and auditors see every one);
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

from governance import permissions_escalation as esc
from governance import permissions_network as net
from governance.models import (
    REVIEW_KINDS,
    Case,
    CaseGroupObjectPermission,
    CaseKind,
    CaseUserObjectPermission,
    Incident,
)
from governance.permissions_choice import (  # noqa: F401  (re-exported: choosing a system)
    SYSTEM_OF_OTHER_DEPARTMENT,
    SYSTEM_RETIRED,
    check_system_choice,
    selectable_system,
    selectable_systems_q,
    system_choice_error,
)
from governance.permissions_review import (  # noqa: F401  (re-exported: who reviewed a case)
    REVIEW_ACTIONS,
    has_reviewed,
    note_reviewed,
    reviewed_by_q,
)
from governance.permissions_roles import (  # noqa: F401  (re-exported: the roles a user holds)
    forget_roles,
    note_roles,
    roles_of,
)
from governance.roles import ACT_PERMISSION, ROLE_OF_PERMISSION, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, Group

    from governance.models import User

    AnyUser = User | AnonymousUser

VIEW_CASE = "view_case"


class Refused(PermissionDenied):
    """A refusal whose message is written for the user (translated): the 403 page shows it.
    Any other ``PermissionDenied`` (viewflow's own) gets the page's general sentence."""


# Refusal messages; tests assert on these.
NOT_ALLOWED = gettext_noop("この操作を行う権限がありません。")
AUDITORS_NEVER_ACT = gettext_noop("監査担当者は閲覧のみ可能で、操作はできません。")
OTHER_DEPARTMENT = gettext_noop("他の部局の案件は操作できません。")
REQUESTER_CANNOT_REVIEW = gettext_noop("依頼者本人は自分の案件を審査できません。")
REQUESTER_CANNOT_APPROVE = gettext_noop("依頼者本人は自分の案件を決裁できません。")
REVIEWER_CANNOT_APPROVE = gettext_noop("審査担当者は同じ案件を決裁できません。")
HANDLER_CANNOT_REVIEW = gettext_noop("対応担当者は同じインシデントの完了を確認できません。")
TRIAGER_CANNOT_CONFIRM = gettext_noop("トリアージした本人は対象外の判断を確認できません。")

CSIRT_ROLES = (Role.CSIRT_MEMBER, Role.CSIRT_LEAD, Role.CISO)
ESCALATION_READER_ROLES = esc.ESCALATION_READER_ROLES
GOVERNANCE_ROLES = (Role.GOVERNANCE_REVIEWER, Role.GOVERNANCE_APPROVER)


# --- Roles ----------------------------------------------------------------------------------


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


def reads_red(user: AnyUser | None) -> bool:
    """Who sees every TLP:RED incident: the CSIRT lead, the CISO and auditors (§B.7)."""
    return bool(user and (user.is_superuser or has_role(user, *CSIRT_ROLES[1:], Role.AUDITOR)))


def sees_every_case(user: AnyUser | None) -> bool:
    """Whether every case of every kind, TLP:RED incidents included, is in the user's scope
    (auditors read everything): their lists need no filter at all, where an OR of every kind
    with the guardian grants made PostgreSQL check each row against sub-queries."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    covered = set(REVIEW_KINDS) if reads_all_review_cases(user) else set()
    if reads_incidents(user) and reads_red(user):
        covered.add(CaseKind.INCIDENT)
    return covered >= set(CaseKind.values)


def reads_network_cases(user: AnyUser | None) -> bool:
    return reads_all_review_cases(user) or has_role(user, *net.NETWORK_READER_ROLES)


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


def case_scope_q(user: AnyUser | None, prefix: str = "") -> tuple[Q | None, Q | None]:
    """The two halves of what ``user`` may see: ``(direct, granted)``.

    ``direct`` is decided by the case's own columns (kind by role, the department's cases),
    so an index answers it; ``granted`` is the cases shared with the user (guardian grants).
    Either is None when it selects nothing. ``case_visibility_q`` is their union; counting
    them apart (``cases.selectors.count_visible_cases``) keeps the count on the indexes,
    where an OR of the two made PostgreSQL scan every case.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None, None
    if sees_every_case(user):
        return _prefixed(prefix, pk__isnull=False), None
    parts: list[Q] = []
    if reads_all_review_cases(user):
        parts.append(_prefixed(prefix, kind__in=REVIEW_KINDS))
    if reads_incidents(user):
        parts.append(_prefixed(prefix, kind=CaseKind.INCIDENT) & incident_tlp_q(user, prefix))
    if has_role(user, *net.NETWORK_READER_ROLES) and not reads_all_review_cases(user):
        parts.append(_prefixed(prefix, kind=CaseKind.NETWORK_CONNECTION))
    if is_department_staff(user) and not reads_all_review_cases(user):
        parts.append(_prefixed(prefix, department_id=user.department_id, kind__in=REVIEW_KINDS))
    held = roles_of(user) & set(esc.ESCALATION_READER_ROLES)
    escalated = None if not held or reads_incidents(user) else esc.escalated_q(held, prefix)
    if escalated is not None:
        parts.append(escalated)
    direct = None
    for part in parts:
        direct = part if direct is None else direct | part
    by_user, by_group = _granted_case_ids(user)
    granted = _prefixed(prefix, pk__in=by_user) | _prefixed(prefix, pk__in=by_group)
    return direct, granted


def case_visibility_q(user: AnyUser | None, prefix: str = "") -> Q:
    """A filter selecting the cases ``user`` may see; ``prefix`` reaches Case from another model.

    ``prefix`` is e.g. ``"case__"`` for viewflow processes or ``"process__case__"`` for tasks.
    """
    return either_scope(*case_scope_q(user, prefix), prefix=prefix)


def either_scope(direct: Q | None, granted: Q | None, *, prefix: str = "") -> Q:
    """The union of ``case_scope_q``'s two halves (``case_visibility_q``), for a caller that
    also uses them apart and reads them once."""
    parts = [part for part in (direct, granted) if part is not None]
    if not parts:
        return _prefixed(prefix, pk__in=[])
    return parts[0] if len(parts) == 1 else parts[0] | parts[1]


def granted_case_ids(user: User) -> QuerySet[Any]:
    """Ids of the cases shared with ``user`` (``case_scope_q``'s ``granted`` half) as one
    sub-query: ``pk__in`` it, ANDed with other conditions, is a semi-join that the primary key
    answers, where the OR of the two sub-queries made PostgreSQL test every case."""
    by_user, by_group = _granted_case_ids(user)
    return by_user.union(by_group)


def incident_tlp_q(user: AnyUser | None, prefix: str = "") -> Q:
    """Incidents whose TLP lets ``user`` in (``prefix`` reaches the case from another model):
    a TLP:RED incident only for its named members and those who read RED (§B.7, §B.8)."""
    if reads_red(user):
        return Q()
    hidden = Incident.objects.filter(tlp="red").exclude(members__user=getattr(user, "pk", None))
    return ~_prefixed(prefix, pk__in=hidden.values("pk"))


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
    if case.kind == CaseKind.NETWORK_CONNECTION and reads_network_cases(user):
        return True
    if case.kind == CaseKind.INCIDENT and reads_incidents(user):
        return reads_red(user) or Case.objects.filter(incident_tlp_q(user), pk=case.pk).exists()
    return scope_cases(user, Case.objects.filter(pk=case.pk)).exists()


def can_view_flow(user: AnyUser | None, kind: str) -> bool:
    """Whether the user may open the pages of a kind of flow at all (lists are still scoped)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or is_auditor(user):
        return True
    if kind == CaseKind.INCIDENT:
        return is_csirt(user)
    if kind == CaseKind.NETWORK_CONNECTION and has_role(user, *net.NETWORK_READER_ROLES):
        return True
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
        case.kind not in net.ROLE_KINDS.get(role, (case.kind,))
    ):
        return NOT_ALLOWED
    return segregation_error(user, case, role)


def segregation_error(user: AnyUser, case: Case, role: str) -> str | None:
    """Segregation of duties: the requester never reviews or approves; nobody who reviewed the
    case, in any round, approves it (``reviewed_by_q``), whatever roles they hold today (and
    ``permissions_network`` for the network connection's own rules)."""
    reviewing = (Role.GOVERNANCE_REVIEWER, Role.SECURITY_REVIEWER, Role.NETWORK_ADMIN)
    if role in reviewing and case.requester_id == user.pk:
        return REQUESTER_CANNOT_REVIEW
    network_error = net.network_segregation_error(user, case, role)
    if network_error is not None:
        return network_error
    if role == Role.GOVERNANCE_APPROVER:
        if case.requester_id == user.pk:
            return REQUESTER_CANNOT_APPROVE
        if case.reviewer_id is not None and case.reviewer_id == user.pk:
            return REVIEWER_CANNOT_APPROVE
        if has_reviewed(user, case):
            return REVIEWER_CANNOT_APPROVE
    if role == Role.CSIRT_LEAD and case.kind == CaseKind.INCIDENT:
        return incident_segregation_error(user, case)
    return None


def incident_segregation_error(user: AnyUser, case: Case) -> str | None:
    """Four eyes on an incident: the closure reviewer is not its handler, and a dismissal is
    confirmed by a lead other than the one who triaged it."""
    incident = case if isinstance(case, Incident) else Incident.objects.filter(pk=case.pk).first()
    if incident is None:  # a bare incident case (the clocks' tests make them)
        return None
    if incident.closure_requested and incident.handler_id == user.pk:
        return HANDLER_CANNOT_REVIEW
    if incident.phase == "triage" and incident.dismiss_reason and incident.triaged_by_id == user.pk:
        return TRIAGER_CANNOT_CONFIRM
    return None


def can_act(user: AnyUser | None, case: Case, role: str) -> bool:
    return acting_error(user, case, role) is None


def require_act(user: AnyUser | None, case: Case, role: str) -> None:
    """Raise ``PermissionDenied`` with a Japanese reason unless ``user`` may act in ``role``."""
    error = acting_error(user, case, role)
    if error is not None:
        raise Refused(_(error))


def require(condition: bool, message: str = NOT_ALLOWED) -> None:
    if not condition:
        raise Refused(_(message))


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
                process__case__department_id=user.department_id,  # type: ignore[union-attr]  # a department member: a User
            )
        )
    for role in GOVERNANCE_ROLES:
        if role in held:
            # Segregation of duties, as in ``segregation_error``: a queue never offers a task
            # that picking up would refuse.
            part = Q(
                owner_permission=ACT_PERMISSION[role], process__case__kind__in=REVIEW_KINDS
            ) & ~Q(process__case__requester=user.pk)  # type: ignore[union-attr]  # holds a role: a User
            if role == Role.GOVERNANCE_APPROVER:
                part &= ~reviewed_by_q(user.pk, "process__case__")  # type: ignore[union-attr]  # holds a role: a User
            parts.append(part)
    for role in CSIRT_ROLES:
        if role in held:
            parts.append(
                Q(owner_permission=ACT_PERMISSION[role], process__case__kind=CaseKind.INCIDENT)
            )
    parts.extend(net.network_queue_parts(user, held))
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
    is now: on a budget check or spec review, an approver who may approve it (never its
    requester or reviewer); on other kinds, governance staff who may act on it in either role,
    or an administrator; never auditors or the department."""
    if not may_act(user):
        return False
    if case.kind in REVIEW_KINDS:
        # A new version of an approved result is a new issue of it: the approver's decision,
        # never the reviewer's alone (issue 17 item 9), and not an administrator's.
        return can_act(user, case, Role.GOVERNANCE_APPROVER)
    if is_admin(user):
        return True
    return can_act(user, case, Role.GOVERNANCE_REVIEWER) or can_act(
        user, case, Role.GOVERNANCE_APPROVER
    )


def can_preview_documents(user: AnyUser | None, case: Case) -> bool:
    """Whether the user may read the draft (案) of the document a decision will issue: the
    governance office and auditors who see the case; never the department, to whom an
    undecided result is not yet an answer."""
    return (is_governance_staff(user) or is_auditor(user)) and can_view_case(user, case)


def can_retry_case_jobs(user: AnyUser | None, case: Case) -> bool:
    """Whether the user may retry the failed jobs of ``case``: governance staff, and the case's
    own department, never auditors or people it is merely shared with."""
    if not may_act(user):
        return False
    if is_admin(user):
        return True
    return can_view_case(user, case) and (
        is_governance_staff(user)
        or (is_department_staff(user) and case.department_id == user.department_id)  # type: ignore[union-attr]  # staff: a User
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
        and (user.is_superuser or has_role(user, *GOVERNANCE_ROLES, *net.REGISTRY_READER_ROLES))
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
        if department_id != user.department_id:  # type: ignore[union-attr]  # staff: a User
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
        raise Refused(_(error))


def require_register_system(user: AnyUser | None, department_id: int) -> None:
    error = system_edit_error(user, department_id)
    if error is not None:
        raise Refused(_(error))


def can_import_systems(user: AnyUser | None) -> bool:
    return may_act(user) and is_governance_staff(user)


def can_export_systems(user: AnyUser | None) -> bool:
    """Exporting is reading: everyone who may open the registry downloads what they see
    (department staff their own department's systems, to fill in and send back)."""
    return can_view_karte(user)


# --- Pages and lists beside the flows -------------------------------------------------------


def can_view_jobs_page(user: AnyUser | None) -> bool:
    """The background-jobs page; department staff see their cases' failed jobs on the case
    page itself."""
    return is_admin(user) or is_governance_staff(user) or is_auditor(user)


def can_view_audit_trail(user: AnyUser | None) -> bool:
    return is_auditor(user) or is_admin(user)


def can_view_budget_season_progress(user: AnyUser | None) -> bool:
    return is_governance_staff(user) or is_auditor(user) or is_admin(user)


def can_open_budget_app(user: AnyUser | None) -> bool:
    """Who sees the budget application at all (each page checks its own rule)."""
    return can_view_budget_season_progress(user) or is_department_staff(user)


def can_manage_budget_seasons(user: AnyUser | None) -> bool:
    """Setting the season's dates is for approvers (課長・参事) and administrators."""
    return may_act(user) and (has_role(user, Role.GOVERNANCE_APPROVER) or is_admin(user))


def can_confirm_guidance_item(user: AnyUser | None, item: Any) -> bool:
    """Confirming or reopening a department's report (対応報告) is the reviewer's."""
    return can_act(user, item.case, Role.GOVERNANCE_REVIEWER)


def can_resolve_guidance_item(user: AnyUser | None, item: Any) -> bool:
    """The owning department reports the resolution; a governance reviewer may record it."""
    return can_act(user, item.case, Role.DEPARTMENT_STAFF) or can_act(
        user, item.case, Role.GOVERNANCE_REVIEWER
    )


def can_waive_guidance_item(user: AnyUser | None, item: Any) -> bool:
    """Waiving is a governance decision (reviewer or approver)."""
    return can_act(user, item.case, Role.GOVERNANCE_REVIEWER) or can_act(
        user, item.case, Role.GOVERNANCE_APPROVER
    )


def can_edit_lock_in_terms(user: AnyUser | None) -> bool:
    """The lock-in term list is kept by governance reviewers and approvers (and admins)."""
    return may_act(user) and (is_governance_staff(user) or is_admin(user))


# --- People, roles and sign-in ----------------------------------------------------------------
#
# Role grants, department membership, liaisons, activation, password resets and unlocking are
# business state: the admin role (or a superuser) changes them through governance.org.services,
# never on themselves. Superuser and staff flags and individual Django permissions are given
# only by a superuser. The roles below must pass a second factor (TOTP) before any page.

SECOND_FACTOR_ROLES = (
    Role.GOVERNANCE_APPROVER,
    Role.CISO,
    Role.CSIRT_LEAD,
    Role.AUDITOR,
    Role.ADMIN,
)

NOT_ON_YOURSELF = gettext_noop(
    "自分自身のロール・所属・有効状態・認証情報は変更できません。別の管理者に依頼してください。"
)
SUPERUSER_ONLY = gettext_noop(
    "スーパーユーザー・スタッフ権限・個別の権限を付与できるのはスーパーユーザーのみです。"
)
SUPERUSER_TARGET = gettext_noop(
    "スーパーユーザーの利用者を変更できるのはスーパーユーザーのみです。"
)


def can_manage_users(user: AnyUser | None) -> bool:
    """Whether the user may open the user and role pages and change other people's access."""
    return is_admin(user) and may_act(user)


def user_change_error(actor: AnyUser | None, target: User) -> str | None:
    """Why ``actor`` may not change ``target``'s roles, department, active state, password or
    second factor; None if they may."""
    if not can_manage_users(actor):
        return AUDITORS_NEVER_ACT if is_auditor(actor) else NOT_ALLOWED
    if actor.pk == target.pk:  # type: ignore[union-attr]
        return NOT_ON_YOURSELF
    if target.is_superuser and not actor.is_superuser:  # type: ignore[union-attr]
        return SUPERUSER_TARGET
    return None


def require_change_user(actor: AnyUser | None, target: User) -> None:
    error = user_change_error(actor, target)
    if error is not None:
        raise PermissionDenied(_(error))


def require_manage_users(actor: AnyUser | None) -> None:
    require(can_manage_users(actor))


def require_grant_privileges(actor: AnyUser | None, target: User) -> None:
    """Superuser and staff flags and individual permissions: a superuser, never on themselves."""
    if not (actor is not None and actor.is_authenticated and actor.is_superuser):
        raise PermissionDenied(_(SUPERUSER_ONLY))
    if not actor.is_active:
        raise PermissionDenied(_(NOT_ALLOWED))
    if actor.pk == target.pk:
        raise PermissionDenied(_(NOT_ON_YOURSELF))


def requires_second_factor(user: AnyUser | None) -> bool:
    """Whether the user must pass a TOTP second factor before reaching any page."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or has_role(user, *SECOND_FACTOR_ROLES)

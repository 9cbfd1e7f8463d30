"""What every kind of case shares: numbering, status changes, sharing with other departments."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import compiled_writes, permissions, writes
from governance.audit.services import lock_chain, record_event
from governance.models import (
    CASE_NUMBER_PREFIX,
    Case,
    CaseKind,
    CaseStatus,
    Counter,
    Department,
    User,
)

SHARE_NEEDS_TARGET = gettext_noop("共有先の利用者または部局を指定してください。")
SHARE_NEEDS_REASON = gettext_noop("共有する理由を入力してください。")
UNSHARE_NEEDS_REASON = gettext_noop("共有を解除する理由を入力してください。")
SHARE_WITH_OWN_DEPARTMENT = gettext_noop(
    "案件の部局は最初から閲覧できます。共有先には他の部局を指定してください。"
)

CaseT = TypeVar("CaseT", bound=Case)


def next_number(series: str, fiscal_year: int) -> int:
    """Issue the next number of a series for a fiscal year (call inside a transaction).

    The audit chain's lock is taken before the counter's row lock. Every transaction that
    numbers something also records an event, some before numbering (a new system registered
    with a budget request, a spec review's approval issuing its document) and some after: in
    the two orders, two such requests deadlocked on PostgreSQL (3 of 6 racing pairs).

    One statement on both databases: the counter row is created or incremented, and the new
    value returned, under the row's lock (PostgreSQL) or the write lock (SQLite), so two
    transactions never get the same number.
    """
    lock_chain()
    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} (series, fiscal_year, "last") VALUES (%s, %s, 1)'  # noqa: S608  (the table name is the model's; values are parameters)
            f' ON CONFLICT (series, fiscal_year) DO UPDATE SET "last" = {table}."last" + 1'
            ' RETURNING "last"',
            [series, fiscal_year],
        )
        row = cursor.fetchone()
    return int(row[0])


def carry_loaded_relations(source: Case, target: CaseT) -> CaseT:
    """Give ``target`` (the same case re-read, e.g. under a lock) the related rows ``source``
    already holds (requester, reviewer, department, …) where they still apply, so reading
    them again costs no query."""
    for name, value in source._state.fields_cache.items():
        if name in _RELATION_NAMES:
            attname = f"{name}_id"
            if getattr(target, attname) == getattr(source, attname):
                target._state.fields_cache.setdefault(name, value)
    return target


_RELATION_NAMES = frozenset(
    {"requester", "reviewer", "approver", "department", "section", "system", "rule"}
)


def refresh_from(target: CaseT, source: Case) -> CaseT:
    """Make ``target`` what ``source`` (the same case, just written) holds, without reading
    the row again: every column, and the related rows ``source`` has loaded. ``target`` is
    then marked as written by this step (``written_by_step``), which routing trusts."""
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for name, value in source._state.fields_cache.items():
        if name in _RELATION_NAMES:
            target._state.fields_cache[name] = value
    return mark_written_by_step(target)


def note_locked(case: Case) -> None:
    """``case`` was just read under its row lock (a flow step's check, inside the step's
    transaction): the step's service may take it instead of reading it again (``locked``)."""
    writes.note(f"case_lock:{case.pk}", (case, writes.events_recorded()))


def locked(case: CaseT, model: type[CaseT]) -> CaseT:
    """``case`` re-read under a row lock, so two clicks cannot both move it (PostgreSQL): a copy
    of ``case`` itself when it was read under that lock in the atomic block still open and no
    service has written since (``note_locked``: the lock keeps everyone else out, and every
    write of ours records an audit event), else read again with the relations it holds."""
    held = writes.held(f"case_lock:{case.pk}")
    if held is not None and held[0] is case and held[1] == writes.events_recorded():
        return copy.copy(case)  # the service writes into its own copy, as into a re-read one
    return carry_loaded_relations(case, model.objects.select_for_update().get(pk=case.pk))


def mark_written_by_step(case: CaseT) -> CaseT:
    """Mark ``case`` as holding what the step's service just wrote into it (a case it made,
    or ``refresh_from``): routing trusts it instead of reading the case again."""
    case._state.written_by_step = True  # type: ignore[attr-defined]  # our own mark
    return case


def written_by_step(case: Case, *, forget: bool = False) -> bool:
    """Whether ``case`` holds what a step's service just wrote (``refresh_from``); with
    ``forget`` the mark is taken off (a new step starts, or routing has read it)."""
    written = bool(getattr(case._state, "written_by_step", False))
    if forget:
        case._state.written_by_step = False  # type: ignore[attr-defined]  # our own mark
    return written


def assign_case_number(case: Case) -> None:
    """Give a new case its sequence and number: BC-2025-0001 (call inside a transaction)."""
    case.sequence = next_number(f"case:{case.kind}", case.fiscal_year)
    case.number = (
        f"{CASE_NUMBER_PREFIX[CaseKind(case.kind)]}-{case.fiscal_year}-{case.sequence:04d}"
    )


def reviewer_for(case: Case) -> User | None:
    """Who receives the case's review task: the department's liaison, if one is set, active and
    not the requester (segregation of duties). None puts the task in the governance queue."""
    liaison = case.department.liaison
    if liaison is None or not liaison.is_active or liaison.pk == case.requester_id:
        return None
    return liaison


#: The columns ``set_status`` changes (for callers that save the case themselves).
STATUS_FIELDS = ("status", "closed_at", "updated_at")


def set_status(
    *,
    actor: Any,
    case: Case,
    status: str,
    action: str,
    reason: str = "",
    extra_changes: dict[str, list[Any]] | None = None,
    save: bool = True,
) -> Case:
    """Move a case to ``status`` and record why. Callers have already checked permission.

    With ``save=False`` the caller writes the case itself right after (one UPDATE for its
    own changes and the status), including ``STATUS_FIELDS``.
    """
    old = case.status
    case.status = status
    fields = ["status", "updated_at"]
    if status in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN):
        case.closed_at = timezone.now()
        fields.append("closed_at")
    if save:
        compiled_writes.update(case, fields)  # save(update_fields=…), its UPDATE compiled once
    changes: dict[str, list[Any]] = {"status": [old, status]}
    if extra_changes:
        changes.update(extra_changes)
    record_event(actor=actor, action=action, obj=case, changes=changes, reason=reason)
    return case


def share_case(
    *,
    actor: User,
    case: Case,
    users: Iterable[User] = (),
    departments: Iterable[Department] = (),
    reason: str,
) -> Case:
    """Let people beyond the case's department see it (read only)."""
    users = list(users)
    departments = list(departments)
    permissions.require(permissions.can_share_case(actor, case))
    if not users and not departments:
        raise ValueError(_(SHARE_NEEDS_TARGET))
    if any(department.pk == case.department_id for department in departments):
        raise ValueError(_(SHARE_WITH_OWN_DEPARTMENT))
    if not reason.strip():
        raise ValueError(_(SHARE_NEEDS_REASON))
    with transaction.atomic():
        groups = [ensure_department_group(department) for department in departments]
        permissions.grant_case_view(case, users=users, groups=groups)
        record_event(
            actor=actor,
            action="case.share",
            obj=case,
            changes={
                "shared_with_users": [None, [u.username for u in users]],
                "shared_with_departments": [None, [d.name for d in departments]],
            },
            reason=reason.strip(),
        )
    return case


def unshare_case(
    *,
    actor: User,
    case: Case,
    users: Iterable[User] = (),
    departments: Iterable[Department] = (),
    reason: str,
) -> Case:
    """Take back what ``share_case`` granted; the case's own department keeps its access."""
    users = list(users)
    departments = list(departments)
    permissions.require(permissions.can_share_case(actor, case))
    if not users and not departments:
        raise ValueError(_(SHARE_NEEDS_TARGET))
    if not reason.strip():
        raise ValueError(_(UNSHARE_NEEDS_REASON))
    with transaction.atomic():
        groups = [ensure_department_group(department) for department in departments]
        permissions.revoke_case_view(case, users=users, groups=groups)
        record_event(
            actor=actor,
            action="case.unshare",
            obj=case,
            changes={
                "shared_with_users": [[u.username for u in users], None],
                "shared_with_departments": [[d.name for d in departments], None],
            },
            reason=reason.strip(),
        )
    return case


def ensure_department_group(department: Department) -> Group:
    """The department's sharing group, created on first use (call inside a transaction).

    The group has no members: a grant to it reaches whoever ``User.department`` says belongs
    to the department (see ``permissions._granted_case_ids``), so nothing needs syncing.
    """
    if department.group_id is None:
        group, _created = Group.objects.get_or_create(name=f"dept:{department.code}")
        department.group = group
        department.save(update_fields=["group"])
    assert department.group is not None
    return department.group

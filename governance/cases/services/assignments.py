"""Who a case's task goes to, and who hears of it.

- Every human task that a flow creates notifies its holder (an assigned task) or everyone who
  could take it from the queue (``task_holders``), in-app and by e-mail (``notify``: deduped by
  the task, e-mailed through the outbox after commit or in the person's daily digest).
- 代理 (delegation): while a delegation of ``principal`` runs, a task the flow would assign to
  the principal goes to the delegate instead, when the delegate may work it (same role, in
  reach, and segregation of duties: a delegate who requested the case or reviewed it is
  passed over and the task stays with the principal). The person sets their own delegation;
  an approver sets anyone's. Setting, ending and each task routed are audited.
- An approver reassigns an open task to someone else who may work it, with a reason, audited.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any, cast

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from viewflow.workflow.status import STATUS

from governance import compiled, permissions, permissions_tasks
from governance.audit.services import record_event
from governance.cases.selectors import case_page_url, task_url
from governance.cases.services.notifications import notify
from governance.japanese import in_japanese
from governance.models import Delegation, Notification, User
from governance.roles import ACT_PERMISSION, Role

DELEGATE_IS_PRINCIPAL = gettext_noop("本人を代理者にすることはできません。")
PERIOD_REVERSED = gettext_noop("終了日は開始日以降の日付にしてください。")
PERIOD_IN_PAST = gettext_noop("終了日が過ぎた代理は設定できません。")
PERIOD_OVERLAPS = gettext_noop("この期間には既に代理が設定されています。")
DELEGATE_INACTIVE = gettext_noop("代理者のアカウントが無効です。")
DELEGATE_LACKS_ROLE = gettext_noop("代理者は本人の担当する役割を持っていません。")
REASON_REQUIRED = gettext_noop("理由を入力してください。")
TASK_NOT_OPEN = gettext_noop("このタスクは既に処理されたため、担当を変更できません。")
TARGET_CANNOT_WORK = gettext_noop("指定した職員はこのタスクを担当できません。")
SAME_HOLDER = gettext_noop("指定した職員は既にこのタスクの担当者です。")

#: The roles whose tasks a delegate may take over: the roles that hold tasks (act on cases).
TASK_ROLES = tuple(ACT_PERMISSION)


# --- Who hears of a task --------------------------------------------------------------------


def task_holders(task: Any) -> list[User]:
    """Who holds a task: its owner, or everyone who could pick it up from the queue."""
    if task.owner_id is not None:
        return [task.owner]
    role = permissions.role_for_permission(task.owner_permission)
    if role is None:
        return []
    bind: tuple[Any, ...] = (str(role),)
    if role == Role.DEPARTMENT_STAFF:
        bind += (task.process.case.department_id,)
    people = cast(
        list[User],
        compiled.bound_models(compiled.query_key("task_holders", len(bind)), _holders_query, bind),
    )
    # Their roles and, for an approval, whether each reviewed the case: one query each for
    # all of them, instead of two per person.
    permissions.note_roles(people)
    if role == Role.GOVERNANCE_APPROVER:
        permissions.note_reviewed(people, task.process.case)
    return [user for user in people if permissions.can_work_task(user, task)]


def _holders_query(role: str, *department: Any) -> Any:
    candidates = User.objects.filter(groups__name=role, is_active=True).distinct()
    if department:  # department staff: of the case's department
        candidates = candidates.filter(department_id=department[0])
    return candidates.order_by("pk")


def task_page_url(task: Any) -> str:
    # node.reverse("index", …), from a pattern reversed once per node
    return task_url(task.flow_task, task.process_id, task.pk)


def notify_task(task: Any, *, to: list[User] | None = None) -> list[Notification]:
    """Tell the task's holder (or the queue's members) that it waits for them."""
    with in_japanese():  # records stay Japanese
        return _notify_task(task, to=to)


def _notify_task(task: Any, *, to: list[User] | None) -> list[Notification]:
    case = task.process.case
    title = task.flow_task.task_title
    if task.owner_id is not None:
        people = to if to is not None else [task.owner]
        subject = _("【担当】「{task}」をお願いします: {number}").format(
            task=title, number=case.number
        )
        url = task_page_url(task)
        key = f"task:{task.pk}:owner:{people[0].pk if people else ''}"
    else:
        people = to if to is not None else task_holders(task)
        subject = _("【引き受け待ち】「{task}」が届きました: {number}").format(
            task=title, number=case.number
        )
        url = case_page_url(case.pk)
        key = f"task:{task.pk}:queue"
    body = _("{number} {title}").format(number=case.number, title=case.title)
    return notify(recipients=people, subject=subject, body=body, url=url, case=case, dedupe_key=key)


def task_created(*, task: Any) -> None:
    """A flow created a human task: record a delegation it followed, then notify."""
    principal = getattr(task, "_delegated_from", None)
    if principal is not None:
        with in_japanese():  # records stay Japanese, the task's title too
            record_event(
                actor=None,
                action="task.delegate",
                obj=task,
                case=task.process.case,
                changes={
                    "task": [None, f"{task.flow_task.task_title} #{task.pk}"],
                    "owner": [principal.username, task.owner.username],
                },
                reason=_("代理（{principal} → {delegate}）").format(
                    principal=principal.display_name, delegate=task.owner.display_name
                ),
            )
    notify_task(task)


# --- 代理 -------------------------------------------------------------------------------------


def running_delegation(principal: User, day: dt.date | None = None) -> Delegation | None:
    """The delegation of ``principal`` running on ``day`` (today), if any."""
    day = day or timezone.localdate()
    # Asked at every step the flow assigns: its SQL compiled once a day in this process.
    found = compiled.bound_models(
        compiled.query_key("running_delegation", day.isoformat()),
        partial(_delegations_query, day),
        (principal.pk,),
    )
    return cast(Delegation | None, found[0] if found else None)


def _delegations_query(day: dt.date, principal_pk: int) -> Any:
    return (
        Delegation.objects.filter(
            principal_id=principal_pk, starts_on__lte=day, ends_on__gte=day, ended_at__isnull=True
        )
        .select_related("delegate")
        .order_by("-starts_on", "-pk")[:1]
    )


def route_owner(owner: Any, task: Any) -> Any:
    """The person a task the flow assigns to ``owner`` goes to: the delegate of a running
    delegation when they may work the task (marked on the task for ``task_created``),
    otherwise ``owner``."""
    if owner is None or getattr(owner, "pk", None) is None:
        return owner
    delegation = running_delegation(owner)
    if delegation is None:
        return owner
    delegate = delegation.delegate
    if not delegate.is_active or not permissions.can_work_task(delegate, task):
        return owner
    task._delegated_from = owner
    return delegate


def _require_period(starts_on: dt.date, ends_on: dt.date) -> None:
    permissions.require(ends_on >= starts_on, PERIOD_REVERSED)
    permissions.require(ends_on >= timezone.localdate(), PERIOD_IN_PAST)


def set_delegation(
    *,
    actor: User,
    principal: User,
    delegate: User,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str,
) -> Delegation:
    """``principal``'s tasks go to ``delegate`` from ``starts_on`` to ``ends_on`` (both
    included). Set by the principal, or by an approver for anyone; audited."""
    permissions.require(permissions_tasks.can_set_delegation(actor, principal))
    permissions.require(delegate.pk != principal.pk, DELEGATE_IS_PRINCIPAL)
    permissions.require(delegate.is_active, DELEGATE_INACTIVE)
    held = permissions.roles_of(principal) & set(TASK_ROLES)
    permissions.require(bool(held & permissions.roles_of(delegate)), DELEGATE_LACKS_ROLE)
    permissions.require(bool(reason.strip()), REASON_REQUIRED)
    _require_period(starts_on, ends_on)
    with transaction.atomic(), in_japanese():  # records stay Japanese
        overlapping = Delegation.objects.select_for_update().filter(
            principal=principal,
            ended_at__isnull=True,
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        )
        permissions.require(not overlapping.exists(), PERIOD_OVERLAPS)
        delegation = Delegation.objects.create(
            principal=principal,
            delegate=delegate,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip(),
            created_by=actor,
        )
        record_event(
            actor=actor,
            action="delegation.set",
            obj=delegation,
            changes={
                "principal": [None, principal.username],
                "delegate": [None, delegate.username],
                "period": [None, f"{starts_on.isoformat()}/{ends_on.isoformat()}"],
            },
            reason=delegation.reason,
        )
        notify(
            recipients=[delegate],
            subject=_("【代理】{principal}さんの代理に設定されました（{start}〜{end}）").format(
                principal=principal.display_name, start=starts_on, end=ends_on
            ),
            body=delegation.reason,
            url=reverse("home:delegations"),
            dedupe_key=f"delegation:{delegation.pk}",
        )
    return delegation


def end_delegation(*, actor: User, delegation: Delegation) -> Delegation:
    """End a delegation now (the principal, or an approver); audited. Tasks already routed
    stay with the delegate (an approver reassigns them if needed)."""
    permissions.require(permissions_tasks.can_set_delegation(actor, delegation.principal))
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if delegation.ended_at is None:
            delegation.ended_at = timezone.now()
            delegation.save(update_fields=["ended_at"])
            record_event(
                actor=actor,
                action="delegation.end",
                obj=delegation,
                changes={"ended_at": [None, delegation.ended_at.isoformat()]},
            )
    return delegation


# --- Reassigning an open task ---------------------------------------------------------------


def reassign_candidates(task: Any) -> list[User]:
    """Who an open task could be handed to: its role's people who may work it, but its
    holder. One query for the people, the rules in Python (a handful of people)."""
    role = permissions.role_for_permission(task.owner_permission)
    if role is None:
        return []
    case = task.process.case
    people = User.objects.filter(groups__name=role, is_active=True).select_related("department")
    if role == Role.DEPARTMENT_STAFF:
        people = people.filter(department_id=case.department_id)
    return [
        person
        for person in people.distinct().order_by("last_name", "first_name", "username")
        if person.pk != task.owner_id and permissions.can_act(person, case, role)
    ]


def reassign_task(*, actor: User, activation: Any, to_user: User, reason: str) -> None:
    """An approver hands an open task (held or in the queue) to ``to_user``, with a reason;
    audited, and ``to_user`` is notified. ``to_user`` must be someone who may work it."""
    task = activation.task
    case = task.process.case
    permissions.require(permissions_tasks.can_reassign_task(actor, task))
    permissions.require(task.status in (STATUS.NEW, STATUS.ASSIGNED), TASK_NOT_OPEN)
    permissions.require(bool(reason.strip()), REASON_REQUIRED)
    permissions.require(task.owner_id != to_user.pk, SAME_HOLDER)
    role = permissions.role_for_permission(task.owner_permission)
    permissions.require(
        role is not None and to_user.is_active and permissions.can_act(to_user, case, role),
        TARGET_CANNOT_WORK,
    )
    with transaction.atomic(), in_japanese():  # records stay Japanese
        holder = task.owner.username if task.owner_id else None
        if task.status == STATUS.NEW:
            activation.assign(to_user)
        else:
            activation.reassign(to_user)
        record_event(
            actor=actor,
            action="task.reassign",
            obj=task,
            case=case,
            changes={
                "task": [None, f"{task.flow_task.task_title} #{task.pk}"],
                "owner": [holder, to_user.username],
            },
            reason=reason.strip(),
        )
        # No dedupe key: each reassignment is news, even to the same person again.
        notify(
            recipients=[to_user],
            subject=_("【担当変更】「{task}」の担当になりました: {number}").format(
                task=task.flow_task.task_title, number=case.number
            ),
            body=reason.strip(),
            url=task_page_url(task),
            case=case,
        )

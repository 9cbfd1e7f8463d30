"""The home page's kept task queries show what freshly built ones would: never another user's
tasks, and a role granted or revoked, or a move to another department, shows on the next page."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import EmptyResultSet
from django.test import Client
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance import compiled, home_queries
from governance.cases import selectors
from governance.models import Consultation, User
from governance.org import services as org
from governance.roles import ACT_PERMISSION, Role
from tests.factories import make_user
from workflows.consultation import ConsultationFlow

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_compiled")]


def _open(client: Client, title: str) -> Consultation:
    response = client.post(
        ConsultationFlow.start.reverse("execute"), {"title": title, "question": "手順は？"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Consultation.objects.get(title=title)


def _count(html: str, count_id: str) -> int:
    match = re.search(rf'id="{count_id}">(\d+)<', html)
    assert match is not None
    return int(match.group(1))


def _home(client: Client, url: str = "/home/") -> str:
    """The page, its CSRF tokens and CSP nonces (new on every response) masked."""
    response = client.get(url)
    assert response.status_code == 200
    html = re.sub(r'(csrfmiddlewaretoken" value=)"[^"]*"', r"\1-", response.content.decode())
    return re.sub(r'nonce="[^"]*"', "nonce=-", html)


def _queued(case: Consultation, role: str = Role.GOVERNANCE_REVIEWER) -> None:
    """Put the case's open task back in the queue of ``role`` (nobody holds it)."""
    Task.objects.filter(process_id=case.process_id, status=STATUS.ASSIGNED).update(
        status=STATUS.NEW, owner=None, owner_permission=ACT_PERMISSION[role]
    )


def test_a_page_served_from_kept_queries_is_the_page_built_afresh(
    cast: dict[str, Any], login: Any
) -> None:
    for n in range(3):
        _open(login(cast["staff_a"]), f"相談{n}")
    reviewer = login(cast["reviewer"])
    for url in ("/home/", "/home/?sort=age", "/home/?kind=consultation&sort=new"):
        first = _home(reviewer, url)
        kept = _home(reviewer, url)
        compiled.clear()
        assert kept == first == _home(reviewer, url)


def test_kept_queries_are_the_sql_the_orm_builds_for_each_role(
    cast: dict[str, Any], login: Any
) -> None:
    _open(login(cast["staff_a"]), "相談")
    for name in ("staff_a", "staff_b", "reviewer", "approver", "csirt", "admin"):
        user = User.objects.get(pk=cast[name].pk)
        key = home_queries.user_key(user, ())
        for build in (selectors.inbox_tasks, selectors.queue_tasks):
            list_key = (key, build.__name__)
            values = build(user).values_list(*selectors.TASK_ROW_COLUMNS)
            compiled.count((*list_key, "count"), partial(build, user))
            compiled.values((*list_key, "rows"), partial(lambda v: v, values))
            kept = compiled._get((*list_key, "rows"))
            assert kept is not None
            try:
                sql, params = values.query.get_compiler(using=values.db).as_sql()
            except EmptyResultSet:  # a scope that selects nothing: no query at all
                sql, params = "", []
            assert (kept.sql, kept.params) == (sql, tuple(params)), name


def test_two_users_never_share_kept_queries(cast: dict[str, Any], login: Any) -> None:
    case = _open(login(cast["staff_a"]), "Aの相談")
    other = _open(login(cast["staff_b"]), "Bの相談")
    _queued(case, Role.DEPARTMENT_STAFF)
    _queued(other, Role.DEPARTMENT_STAFF)
    staff_b2 = make_user("staff_b2", Role.DEPARTMENT_STAFF, cast["staff_b"].department)
    staff_a, staff_b = login(cast["staff_a2"]), login(staff_b2)
    assert "Aの相談" in _home(staff_a) and "Bの相談" not in _home(staff_a)
    assert "Bの相談" in _home(staff_b) and "Aの相談" not in _home(staff_b)


def test_a_revoked_role_empties_the_queue_on_the_next_page(
    cast: dict[str, Any], login: Any
) -> None:
    _queued(_open(login(cast["staff_a"]), "相談"))
    reviewer2 = login(cast["reviewer2"])
    assert _count(_home(reviewer2), "queue-count") == 1
    org.revoke_role(
        actor=cast["admin"], user=cast["reviewer2"], role=Role.GOVERNANCE_REVIEWER, reason="異動"
    )
    assert _count(_home(reviewer2), "queue-count") == 0
    org.grant_role(
        actor=cast["admin"], user=cast["reviewer2"], role=Role.GOVERNANCE_REVIEWER, reason="復帰"
    )
    assert _count(_home(reviewer2), "queue-count") == 1


def test_a_move_to_another_department_changes_the_queue_on_the_next_page(
    cast: dict[str, Any], login: Any, dept_b: Any
) -> None:
    _queued(_open(login(cast["staff_a"]), "相談"), Role.DEPARTMENT_STAFF)
    staff = login(cast["staff_a2"])
    assert _count(_home(staff), "queue-count") == 1
    org.change_department(
        actor=cast["admin"], user=cast["staff_a2"], department=dept_b, reason="異動"
    )
    assert _count(_home(staff), "queue-count") == 0


def test_escalation_readers_get_queries_built_afresh(cast: dict[str, Any]) -> None:
    executive = make_user("chiji", Role.TOP_EXECUTIVE)
    assert home_queries.user_key(executive, ()) is None
    assert home_queries.user_key(cast["reviewer"], ()) is not None


def test_kept_sql_run_with_other_leading_ids_reads_those_rows(cast: dict[str, Any]) -> None:
    def names(*usernames: str) -> list[tuple[Any, ...]]:
        ids = tuple(
            sorted(User.objects.filter(username__in=usernames).values_list("pk", flat=True))
        )
        return compiled.values(
            compiled.query_key("test_names", len(ids)),
            partial(
                lambda ids: (
                    User.objects.filter(pk__in=ids).order_by("username").values_list("username")
                ),
                ids,
            ),
            leading=ids,
        )

    assert names("reviewer", "approver") == [("approver",), ("reviewer",)]
    assert compiled._get(compiled.query_key("test_names", 2)) is not None
    assert names("staff_a", "staff_b") == [("staff_a",), ("staff_b",)]


def test_each_user_reads_their_own_roles_through_the_one_kept_query(
    cast: dict[str, Any],
) -> None:
    from governance import permissions

    for _ in range(2):  # compiled, then kept
        for name, role in (("reviewer", Role.GOVERNANCE_REVIEWER), ("auditor", Role.AUDITOR)):
            user = User.objects.get(pk=cast[name].pk)  # a fresh object: no per-request cache
            assert permissions.roles_of(user) == {role}
    assert compiled._get(compiled.query_key("roles")) is not None

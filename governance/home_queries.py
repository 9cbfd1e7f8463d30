"""The home page's task queries (the inbox's and the queue's count and page): what their SQL
depends on, so that ``governance.compiled`` compiles it once.

Building them through the ORM and compiling them to SQL cost about 5 ms of CPU a page, more
than running them: the case scope (``permissions.case_visibility_q``), the queue's
segregation-of-duties sub-queries and the due-date ordering are large expressions. Their SQL
is a function of a few facts only: the user's id, roles, department and flags, the budget
seasons' deadlines and the page's own choices (list, kind, sort, first row). So the SQL and its
parameters are compiled on the first request with a given set of those facts and kept in this
process (a bounded LRU), then run as they are.

Nothing is shared between users (the key holds the user's id), and the facts are read on every
request (roles from the user's groups, the rest from the user's row and the seasons), so a role
granted or revoked, a move to another department or a new season changes the key on the next
page. What the scope reads in SQL (guardian grants, TLP:RED members, audit trail) is read when
the SQL runs, as before. The one part of a scope that reads the database while it is built, the
escalation levels of ``permissions_escalation.escalated_q``, is never cached: users holding an
escalation reader's role get freshly built queries. ``tests/test_home_queries.py`` checks that
the kept SQL is the SQL the ORM builds for each role.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from governance import permissions


def user_key(user: Any, seasons: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """What the SQL of ``user``'s task lists depends on; None when it must be built afresh."""
    roles = permissions.roles_of(user)
    if roles & set(permissions.ESCALATION_READER_ROLES):
        return None  # escalated_q reads the escalation levels while it is built
    return (
        connection.alias,
        connection.vendor,
        user.pk,
        user.is_superuser,
        user.is_active,
        getattr(user, "department_id", None),
        roles,
        seasons,
    )

"""Bare Django views with the minimal SQL for the home page's inbox and for the case list: the
same rows, order, totals and columns as Shinsa's pages, through the same middleware, without
the application shell, permission layer, ORM or template inheritance."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines

from governance.models import REVIEW_KINDS, CaseKind, CaseStatus

KIND = {str(v): str(label) for v, label in CaseKind.choices}
STATUS = {str(v): str(label) for v, label in CaseStatus.choices}

ROWS = engines["django"].from_string(
    "<html><body><h2>{{ title }} <span>{{ count }}</span></h2><table>"
    '{% for r in rows %}<tr><td><a href="/home/cases/{{ r.0 }}/">{{ r.1 }}</a></td>'
    "<td>{{ r.2 }}</td><td>{{ r.3 }}</td><td>{{ r.4 }}</td><td>{{ r.5 }}</td><td>{{ r.6 }}</td>"
    "<td>{{ r.7 }}</td><td>{{ r.8|date:'Y/m/d H:i' }}</td></tr>{% endfor %}</table>"
    '<a href="?after={{ last }}">next</a></body></html>'
)

# The due time of the nearest owed clock of the task's case, and the season's deadline of an
# undecided budget check: what the home page orders by.
DUE = """
    LEAST(
        (SELECT MIN(d.due_at) FROM governance_deadline d
          WHERE d.case_id = c.id AND d.status IN ('running', 'missed') AND d.paused_at IS NULL),
        (SELECT (s.deadline + time '23:59:59') AT TIME ZONE 'Asia/Tokyo'
           FROM governance_budgetseason s
          WHERE c.kind = 'budget_check' AND s.fiscal_year = c.fiscal_year
            AND c.status IN ('submitted', 'under_review', 'returned', 'awaiting_approval'))
    )
"""


def _task_rows(where: str, params: list[Any], page: int) -> tuple[int, list[Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM viewflow_task t WHERE {where} AND t.flow_task_type = 'HUMAN'",
            params,
        )
        count = cursor.fetchone()[0]
        cursor.execute(
            f"""SELECT c.id, c.number, c.kind, c.title, dep.name, t.flow_task, c.status,
                       {DUE} AS due, t.created
                  FROM viewflow_task t
                  JOIN governance_case c ON c.process_id = t.process_id
                  JOIN governance_department dep ON dep.id = c.department_id
                 WHERE {where} AND t.flow_task_type = 'HUMAN'
                 ORDER BY due ASC NULLS LAST, t.created DESC, t.id DESC
                 LIMIT 25 OFFSET %s""",
            [*params, (page - 1) * 25],
        )
        rows = cursor.fetchall()
    return count, [
        (
            r[0],
            r[1],
            KIND.get(r[2], r[2]),
            r[3],
            r[4],
            r[5].rsplit(".", 1)[-1],
            STATUS.get(r[6], r[6]),
            r[7] or "",
            r[8],
        )
        for r in rows
    ]


def inbox(request: HttpRequest) -> HttpResponse:
    """The user's assigned tasks and their queue, 25 of each: two counts, two pages."""
    user: Any = request.user
    page = int(request.GET.get("page", "1"))
    count, rows = _task_rows("t.owner_id = %s AND t.status = 'ASSIGNED'", [user.pk], page)
    permissions = sorted(user.get_all_permissions())
    queue_count, queue = _task_rows(
        "t.owner_id IS NULL AND t.status = 'NEW' AND t.owner_permission = ANY(%s)",
        [permissions],
        1,
    )
    html = ROWS.render({"title": "inbox", "count": count, "rows": rows})
    html += ROWS.render({"title": "queue", "count": queue_count, "rows": queue})
    return HttpResponse(html)


def _scope(user: Any) -> tuple[str, list[Any]]:
    groups = {g.name for g in user.groups.all()}
    if groups & {"auditor"} or user.is_superuser:
        return "TRUE", []
    if groups & {"governance_reviewer", "governance_approver"}:
        return "c.kind = ANY(%s)", [list(map(str, REVIEW_KINDS))]
    return (
        "(c.department_id = %s AND c.kind = ANY(%s)) OR c.id IN ("
        " SELECT content_object_id FROM governance_casegroupobjectpermission g"
        " JOIN governance_department d ON d.group_id = g.group_id WHERE d.id = %s)",
        [user.department_id, list(map(str, REVIEW_KINDS)), user.department_id],
    )


def case_list(request: HttpRequest) -> HttpResponse:
    """The case list: the total, then 50 rows newest first from a cursor (or the last 50)."""
    user: Any = request.user
    scope, params = _scope(user)
    after = request.GET.get("after")
    last = request.GET.get("last") == "1"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM governance_case c WHERE {scope}", params)
        count = cursor.fetchone()[0]
        keyset, order = "", "c.created_at DESC, c.id DESC"
        extra: list[Any] = []
        if after:
            keyset = (
                " AND (c.created_at, c.id) < ((SELECT created_at FROM governance_case"
                " WHERE id = %s), %s)"
            )
            extra = [int(after), int(after)]
        if last:
            order = "c.created_at ASC, c.id ASC"
        cursor.execute(
            f"""SELECT c.id, c.number, c.kind, c.title, dep.name, c.fiscal_year, c.status,
                       COALESCE(u.last_name || ' ' || u.first_name, ''), c.created_at
                  FROM governance_case c
                  JOIN governance_department dep ON dep.id = c.department_id
                  LEFT JOIN governance_user u ON u.id = c.reviewer_id
                 WHERE ({scope}){keyset}
                 ORDER BY {order} LIMIT 50""",
            [*params, *extra],
        )
        rows = cursor.fetchall()
    if last:
        rows.reverse()
    shown = [
        (r[0], r[1], KIND.get(r[2], r[2]), r[3], r[4], r[5], STATUS.get(r[6], r[6]), r[7], r[8])
        for r in rows
    ]
    return HttpResponse(
        ROWS.render(
            {"title": "cases", "count": count, "rows": shown, "last": rows[-1][0] if rows else ""}
        )
    )

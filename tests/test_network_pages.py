"""Every page beside the network connection flow answers each kind of user as the policy says:
another department gets 404 (existence is not revealed), the auditor reads and every POST of
theirs is refused with 403, and only the roles named in NEXT_WAVE §A.3 may act."""

from __future__ import annotations

from typing import Any

import pytest

from governance.models import ApprovalStatus, ConnectionApproval
from tests import network_support as nc
from tests.clocks_support import FrozenNow, jst

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 11, 30, 10))


@pytest.fixture
def approval(clock: FrozenNow, nc_cast: Any, system: Any) -> ConnectionApproval:
    return nc.approved(
        nc_cast, system, conditions=[{"text": "ログを保存すること", "due_date": "2026-12-28"}]
    )


READERS = ["staff_a", "security", "netadmin", "approver", "ciso", "csirt", "auditor", "reviewer"]


@pytest.mark.parametrize("user", READERS)
def test_everyone_in_reach_reads_the_approval_its_condition_and_the_lists(
    approval: ConnectionApproval, nc_cast: Any, login: Any, user: str
) -> None:
    client = login(nc_cast[user])
    condition = approval.conditions.get()
    for url in (
        "/network/",
        f"/network/approvals/{approval.pk}/",
        "/network/conditions/",
        f"/network/conditions/{condition.pk}/",
        "/network/export/",
    ):
        assert client.get(url).status_code == 200, url
    assert approval.case.number in client.get("/network/").content.decode()


def test_another_departments_staff_get_404_and_an_empty_list(
    approval: ConnectionApproval, nc_cast: Any, login: Any
) -> None:
    client = login(nc_cast["staff_b"])
    condition = approval.conditions.get()
    assert client.get(f"/network/approvals/{approval.pk}/").status_code == 404
    assert client.get(f"/network/conditions/{condition.pk}/").status_code == 404
    assert (
        client.post(f"/network/approvals/{approval.pk}/", {"action": "revoke"}).status_code == 404
    )
    assert (
        client.post(f"/network/systems/{approval.system_id}/suspend/", {"reason": "x"}).status_code
        == 404
    )
    assert approval.case.number not in client.get("/network/").content.decode()


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("suspend", {"netadmin", "csirt"}),
        ("revoke", {"approver", "ciso"}),
        ("report_decommission", {"staff_a"}),
        ("confirm_disconnection", {"netadmin"}),
    ],
)
def test_each_action_on_an_approval_is_refused_to_everyone_else(
    approval: ConnectionApproval, nc_cast: Any, login: Any, action: str, allowed: set[str]
) -> None:
    url = f"/network/approvals/{approval.pk}/"
    for name in ("staff_a", "security", "netadmin", "approver", "ciso", "csirt", "auditor"):
        if name in allowed:
            continue
        response = login(nc_cast[name]).post(url, {"action": action, "reason": "理由"})
        assert response.status_code == 403, (name, action)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.ACTIVE


def test_the_auditor_sees_no_action_buttons_and_every_post_of_theirs_is_refused(
    approval: ConnectionApproval, nc_cast: Any, login: Any
) -> None:
    auditor = login(nc_cast["auditor"])
    page = auditor.get(f"/network/approvals/{approval.pk}/").content.decode()
    assert "nc-action-" not in page
    condition = approval.conditions.get()
    for action in ("report", "verify", "reopen", "waive"):
        response = auditor.post(
            f"/network/conditions/{condition.pk}/", {"action": action, "reason": "x"}
        )
        assert response.status_code == 403, action
    assert (
        auditor.post(f"/network/systems/{approval.system_id}/suspend/", {"reason": "x"}).status_code
        == 403
    )


def test_the_network_admin_sees_the_suspension_button_and_the_department_the_decommission(
    approval: ConnectionApproval, nc_cast: Any, login: Any
) -> None:
    url = f"/network/approvals/{approval.pk}/"
    assert "nc-action-suspend" in login(nc_cast["netadmin"]).get(url).content.decode()
    staff_page = login(nc_cast["staff_a"]).get(url).content.decode()
    assert "nc-action-report_decommission" in staff_page
    assert "nc-action-suspend" not in staff_page


def test_the_network_pages_are_closed_to_users_without_a_role(
    approval: ConnectionApproval, login: Any
) -> None:
    from tests.factories import UserFactory

    nobody = UserFactory.create(username="nobody")
    client = login(nobody)
    # The application itself is closed to them (the Site answers before any page).
    assert client.get("/network/").status_code == 403
    assert client.get(f"/network/approvals/{approval.pk}/").status_code == 403


def test_the_network_pages_need_nothing_beyond_the_content_security_policy(
    approval: ConnectionApproval, nc_cast: Any, login: Any
) -> None:
    from governance.csp import source_hash
    from tests.test_csp import EVENT_HANDLER, INLINE_SCRIPT, INLINE_STYLE, directives
    from workflows.network_connection import NetworkConnectionFlow

    staff, netadmin = login(nc_cast["staff_a"]), login(nc_cast["netadmin"])
    condition = approval.conditions.get()
    responses = [
        staff.get(NetworkConnectionFlow.start.reverse("execute")),
        staff.get("/network/"),
        netadmin.get(f"/network/approvals/{approval.pk}/"),
        staff.get(f"/network/conditions/{condition.pk}/"),
        staff.get(f"/home/cases/{approval.case_id}/", follow=True),
        netadmin.get(f"/karte/{approval.system_id}/"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert "Content-Security-Policy" in response
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html)
        assert not EVENT_HANDLER.search(html)
        allowed = directives(response)["style-src"]
        for text in INLINE_STYLE.findall(html):
            assert source_hash(text) in allowed, text

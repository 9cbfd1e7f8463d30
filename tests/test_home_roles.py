"""あなたの役割 on the home page (issue 17 item 11): each role held gets its Japanese name, one
sentence on what it does here and links to its next actions, only those the user may open; the
CSIRT's untriaged-event count costs one query whatever the number of events."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import User
from governance.roles import Role
from tests.factories import make_user
from tests.incidents_support import csirt_cast, report

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db

ADMIN_LINKS = ("/users/", "/audit/", "/jobs/")
CSIRT_LINKS = ("/incidents/", "/incidents/mine/")


def _block(page: str, role: str) -> str:
    found = re.search(
        rf'<section class="shinsa-role" data-role="{role}">(.*?)</section>', page, re.S
    )
    assert found, f"no block for {role}"
    return found.group(1)


def _roles_card(page: str) -> str:
    found = re.search(r'id="my-roles">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def _home(login: Any, user: User) -> str:
    response = login(user).get("/home/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_sees_user_administration_audit_and_jobs(cast: Any, login: Any) -> None:
    page = _home(login, cast["admin"])
    block = _block(page, "admin")
    assert "システム管理者" in block
    assert "利用者とロール" in block and "監査記録" in block
    assert {"/users/", "/audit/", "/jobs/"} <= _hrefs(block)
    assert ">admin<" not in page  # the group code is never shown


def test_department_staff_get_their_links_and_no_admin_or_csirt_links(
    cast: Any, login: Any
) -> None:
    page = _home(login, cast["staff_a"])
    block = _block(page, "department_staff")
    assert "部局担当者" in block
    assert "自部局のシステム" in block
    hrefs = _hrefs(_roles_card(page))
    assert "/home/cases/" in hrefs and "/incidents/report/" in hrefs
    assert not hrefs & {*ADMIN_LINKS, *CSIRT_LINKS}
    assert 'data-role="admin"' not in page and 'data-role="csirt_member"' not in page


def test_reviewer_and_approver_see_their_work(cast: Any, login: Any) -> None:
    block = _block(_home(login, cast["reviewer"]), "governance_reviewer")
    assert "審査担当（部局担当窓口）" in block
    assert {"#queue-count", "/home/cases/", "/budget/"} <= _hrefs(block)
    assert not _hrefs(block) & {*ADMIN_LINKS[:2], *CSIRT_LINKS}
    block = _block(_home(login, cast["approver"]), "governance_approver")
    assert "決裁者（課長・参事）" in block and "/budget/" in _hrefs(block)


def test_the_csirt_sees_the_event_queue_with_its_untriaged_count(
    csirt_cast: Any, login: Any
) -> None:
    report(csirt_cast["staff_a"])
    report(csirt_cast["staff_a"], what="画面に警告が出た")
    block = _block(_home(login, csirt_cast["csirt"]), "csirt_member")
    assert "CSIRT 要員" in block
    assert {"/incidents/", "/incidents/mine/", "/incidents/events/new/"} <= _hrefs(block)
    assert re.search(r'href="/incidents/">新着の通報</a> <span class="shinsa-count">2<', block)
    assert not _hrefs(block) & set(ADMIN_LINKS)
    lead = _home(login, csirt_cast["lead"])
    assert "CSIRT 責任者" in _block(lead, "csirt_lead")
    assert "CSIRT 要員" in _block(lead, "csirt_member")  # both roles held, both blocks


def test_the_csirt_home_costs_the_same_queries_with_more_events(
    csirt_cast: Any, login: Any
) -> None:
    client = login(csirt_cast["csirt"])
    report(csirt_cast["staff_a"])
    client.get("/home/")
    with CaptureQueriesContext(connection) as few:
        client.get("/home/")
    for n in range(5):
        report(csirt_cast["staff_b"], what=f"事象{n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/home/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_ciso_sees_what_waits_for_a_decision(csirt_cast: Any, login: Any) -> None:
    block = _block(_home(login, csirt_cast["ciso"]), "ciso")
    assert "最高情報セキュリティ責任者（CISO）" in block
    assert {"#inbox-count", "/incidents/mine/", "/network/"} <= _hrefs(block)
    assert not _hrefs(block) & set(ADMIN_LINKS)


@pytest.mark.parametrize(
    ("role", "label"),
    [
        (Role.SECURITY_REVIEWER, "情報セキュリティ担当（監理グループ）"),
        (Role.NETWORK_ADMIN, "ネットワーク管理者"),
    ],
)
def test_network_roles_see_the_connection_approvals(
    cast: Any, login: Any, role: str, label: str
) -> None:
    block = _block(_home(login, make_user(f"net-{role}", role)), role)
    assert label in block
    assert {"/network/", "/network/conditions/"} <= _hrefs(block)
    assert not _hrefs(block) & {*ADMIN_LINKS, *CSIRT_LINKS}


def test_the_english_home_names_the_roles_in_english(cast: Any, login: Any) -> None:
    client = login(cast["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/home/").content.decode()
    block = _block(page, "admin")
    assert "System administrator" in block or "Administrator" in block
    assert "Users and roles" in block and "Audit records" in block
    assert "Your roles" in page

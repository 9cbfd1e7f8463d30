"""The admin role manages people, roles, departments and liaisons on Japanese pages that call the
audited services; every other role is refused, and nobody changes themselves there."""

from __future__ import annotations

import re
from typing import Any

import pytest

from governance import permissions
from governance.models import AuditEvent, Department, User
from governance.org import services as org
from governance.roles import Role
from tests.factories import UserFactory, make_user
from tests.second_factor import device_for

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def _table(html: str, table_id: str) -> str:
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, flags=re.S)
    assert match, table_id
    return match.group(0)


def test_the_user_list_shows_departments_and_japanese_role_names(cast: Any, login: Any) -> None:
    response = login(cast["admin"]).get("/users/")
    assert response.status_code == 200
    table = _table(response.content.decode(), "user-list")
    assert "決裁者（課長・参事）" in table
    assert "監査委員・監査委員事務局" in table
    assert "総務部" in table
    cells = re.findall(r"<td>([^<]*)</td>", table)  # the username cells hold links
    for code in Role.values:
        assert not [cell for cell in cells if code in cell], code


def test_the_user_list_filters_by_department_and_role_and_is_paginated(
    cast: Any, dept_b: Any, login: Any
) -> None:
    client = login(cast["admin"])
    by_department = _table(
        client.get(f"/users/?department={dept_b.pk}").content.decode(), "user-list"
    )
    assert "staff_b" in by_department
    assert "staff_a" not in by_department
    by_role = _table(client.get("/users/?role=governance_approver").content.decode(), "user-list")
    assert ">approver<" in by_role
    assert ">reviewer<" not in by_role
    for number in range(55):
        UserFactory.create(username=f"bulk{number:02d}")
    first = client.get("/users/")
    assert first.context["page_obj"].paginator.num_pages == 2
    assert client.get("/users/?page=2").status_code == 200


@pytest.mark.parametrize("who", ["reviewer", "approver", "staff_a", "csirt", "auditor"])
def test_only_the_admin_role_opens_the_user_pages(cast: Any, login: Any, who: str) -> None:
    client = login(cast[who])
    assert client.get("/users/").status_code == 403
    assert client.get(f"/users/{cast['staff_b'].pk}/").status_code == 403
    assert client.get("/users/liaisons/").status_code == 403
    response = client.post(
        f"/users/{cast['staff_b'].pk}/roles/grant/",
        {"role": Role.GOVERNANCE_APPROVER, "reason": "x"},
    )
    assert response.status_code == 403
    assert not permissions.has_role(_fresh(cast["staff_b"]), Role.GOVERNANCE_APPROVER)
    assert "利用者とロール" not in client.get("/home/").content.decode()


def test_the_admin_role_sees_the_user_pages_in_the_menu(cast: Any, login: Any) -> None:
    assert "利用者とロール" in login(cast["admin"]).get("/home/").content.decode()


def test_a_role_is_granted_and_revoked_on_the_page_with_a_reason(cast: Any, login: Any) -> None:
    client = login(cast["admin"])
    target = cast["reviewer2"]
    refused = client.post(
        f"/users/{target.pk}/roles/grant/",
        {"role": Role.GOVERNANCE_APPROVER, "reason": ""},
        follow=True,
    )
    assert "このフィールドは必須です。" in refused.content.decode()
    assert not permissions.has_role(_fresh(target), Role.GOVERNANCE_APPROVER)

    done = client.post(
        f"/users/{target.pk}/roles/grant/",
        {"role": Role.GOVERNANCE_APPROVER, "reason": "課長代理"},
        follow=True,
    )
    page = done.content.decode()
    assert "ロール「決裁者（課長・参事）」を付与しました。" in page
    assert "課長代理" in _table(page, "history")
    assert permissions.has_role(_fresh(target), Role.GOVERNANCE_APPROVER)

    client.post(
        f"/users/{target.pk}/roles/revoke/",
        {"role": Role.GOVERNANCE_APPROVER, "reason": "代理終了"},
    )
    assert not permissions.has_role(_fresh(target), Role.GOVERNANCE_APPROVER)
    assert list(
        AuditEvent.objects.filter(object_id=str(target.pk)).values_list("action", flat=True)
    ) == ["user.grant_role", "user.revoke_role"]


def test_the_admin_role_is_refused_on_its_own_page(cast: Any, login: Any) -> None:
    client = login(cast["admin"])
    me = cast["admin"]
    page = client.get(f"/users/{me.pk}/").content.decode()
    assert "自分自身のロール" in page
    assert 'id="grant-role"' not in page
    response = client.post(
        f"/users/{me.pk}/roles/grant/", {"role": Role.GOVERNANCE_APPROVER, "reason": "x"}
    )
    assert response.status_code == 403
    assert client.post(f"/users/{me.pk}/deactivate/", {"reason": "x"}).status_code == 403
    assert permissions.roles_of(_fresh(me)) == {Role.ADMIN}
    assert _fresh(me).is_active


def test_accounts_are_deactivated_and_activated_on_the_page(cast: Any, login: Any) -> None:
    client = login(cast["admin"])
    target = cast["staff_b"]
    client.post(f"/users/{target.pk}/deactivate/", {"reason": "退職"})
    assert not _fresh(target).is_active
    client.post(f"/users/{target.pk}/activate/", {"reason": "再雇用"})
    assert _fresh(target).is_active
    assert AuditEvent.objects.filter(action__in=["user.deactivate", "user.activate"]).count() == 2


def test_a_password_reset_on_the_page_shows_the_link_once(cast: Any, login: Any) -> None:
    client = login(cast["admin"])
    target = cast["staff_b"]
    response = client.post(f"/users/{target.pk}/password/", {"reason": "本人から電話で依頼"})
    assert response.status_code == 200
    link = re.search(r'<code id="reset-link">([^<]+)</code>', response.content.decode())
    assert link
    assert "/accounts/reset/" in link.group(1)
    assert not _fresh(target).has_usable_password()
    assert AuditEvent.objects.filter(action="user.reset_password").count() == 1


def test_a_department_is_changed_on_the_page(cast: Any, dept_b: Any, login: Any) -> None:
    client = login(cast["admin"])
    target = cast["staff_a2"]
    client.post(f"/users/{target.pk}/department/", {"department": dept_b.pk, "reason": "異動"})
    assert _fresh(target).department == dept_b
    assert AuditEvent.objects.get(action="user.change_department").reason == "異動"


def test_liaisons_are_changed_on_the_liaison_page(cast: Any, dept_a: Any, login: Any) -> None:
    client = login(cast["admin"])
    page = client.get("/users/liaisons/").content.decode()
    assert "総務部" in _table(page, "liaisons")
    client.post(f"/users/liaisons/{dept_a.pk}/", {"liaison": cast["reviewer2"].pk})
    assert Department.objects.get(pk=dept_a.pk).liaison == cast["reviewer2"]
    # Only reviewers are offered; anyone else is refused with nothing changed.
    client.post(f"/users/liaisons/{dept_a.pk}/", {"liaison": cast["approver"].pk})
    assert Department.objects.get(pk=dept_a.pk).liaison == cast["reviewer2"]
    assert AuditEvent.objects.filter(action="department.assign_liaison").count() == 1


def test_a_lost_second_factor_is_reset_on_the_page(cast: Any, login: Any) -> None:
    client = login(cast["admin"])
    target = cast["approver"]
    device_for(target)
    client.post(f"/users/{target.pk}/second-factor/reset/", {"reason": "端末紛失"})
    assert not org.has_second_factor(target)
    [event] = AuditEvent.objects.filter(action="user.reset_second_factor")
    assert event.reason == "端末紛失"


def test_the_admin_role_cannot_change_a_superuser_on_the_page(cast: Any, login: Any) -> None:
    root = make_user("root", Role.ADMIN)
    root.is_superuser = True
    root.save()
    client = login(cast["admin"])
    assert (
        "スーパーユーザーの利用者を変更できる" in client.get(f"/users/{root.pk}/").content.decode()
    )
    assert client.post(f"/users/{root.pk}/password/", {"reason": "x"}).status_code == 403
    assert _fresh(root).has_usable_password()

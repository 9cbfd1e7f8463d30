"""Django admin is no way around the governed path: the admin role cannot make itself superuser,
join the approvers, set another person's password or change a liaison there, and what a
superuser changes there goes through the audited services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import Model, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import permissions
from governance.models import AuditEvent, User
from governance.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _value(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, QuerySet | list | tuple):
        return [_value(item) for item in value]
    return value


def _form_fields(form: Any, data: dict[str, Any]) -> None:
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = _value(form[name].value())
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = "on" if value is True else value


def change_form_data(response: Any) -> dict[str, Any]:
    """The POST a browser would send back for an admin change page, unchanged."""
    data: dict[str, Any] = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_fields(formset.management_form, data)
        for form in formset.forms:
            _form_fields(form, data)
    return data


@pytest.fixture
def demo_admin(cast: Any) -> User:
    """The demo's ``admin``: the admin role with access to Django admin, not a superuser."""
    user = cast["admin"]
    user.is_staff = True
    user.save()
    return user


def test_the_admin_role_cannot_tick_superuser_or_join_the_approvers_on_itself(
    demo_admin: User, login: Any
) -> None:
    client = login(demo_admin)
    url = f"/admin/governance/user/{demo_admin.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    approvers = Group.objects.get(name=Role.GOVERNANCE_APPROVER)
    data.update(is_superuser="on", is_staff="on", groups=[approvers.pk], is_active="on")
    assert client.post(url, data).status_code == 302  # saved; the privileged fields ignored
    me = User.objects.get(pk=demo_admin.pk)
    assert not me.is_superuser
    assert not permissions.has_role(me, Role.GOVERNANCE_APPROVER)
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


def test_the_admin_role_cannot_set_another_persons_password_in_admin(
    demo_admin: User, cast: Any, login: Any
) -> None:
    auditor = cast["auditor"]
    before = auditor.password
    client = login(demo_admin)
    url = f"/admin/governance/user/{auditor.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": "Hijack-Pass-991", "password2": "Hijack-Pass-991"})
    assert response.status_code == 403
    assert User.objects.get(pk=auditor.pk).password == before


def test_the_admin_role_cannot_change_a_liaison_in_admin(
    demo_admin: User, cast: Any, dept_a: Any, login: Any
) -> None:
    client = login(demo_admin)
    url = f"/admin/governance/department/{dept_a.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    data["liaison"] = cast["approver"].pk  # not even a reviewer
    assert client.post(url, data).status_code == 302
    dept_a.refresh_from_db()
    assert dept_a.liaison == cast["reviewer"]
    assert not AuditEvent.objects.filter(action="department.assign_liaison").exists()


def test_the_admin_role_cannot_change_roles_or_active_state_of_others_in_admin(
    demo_admin: User, cast: Any, login: Any
) -> None:
    client = login(demo_admin)
    target = cast["reviewer2"]
    url = f"/admin/governance/user/{target.pk}/change/"
    data = change_form_data(client.get(url))
    data.pop("is_active", None)
    data.update(
        groups=[Group.objects.get(name=Role.GOVERNANCE_APPROVER).pk],
        is_superuser="on",
        last_name="改名",
    )
    assert client.post(url, data).status_code == 302
    target = User.objects.get(pk=target.pk)
    assert target.last_name == "改名"  # plain profile data is still edited here
    assert target.is_active
    assert not target.is_superuser
    assert permissions.roles_of(target) == {Role.GOVERNANCE_REVIEWER}


def test_a_superuser_gives_privileges_in_admin_through_the_audited_service(
    cast: Any, login: Any
) -> None:
    root = make_user("root", Role.ADMIN)
    root.is_superuser = True
    root.is_staff = True
    root.save()
    client = login(root)
    target = cast["reviewer2"]
    url = f"/admin/governance/user/{target.pk}/change/"
    data = change_form_data(client.get(url))
    data.update(is_staff="on")
    response = client.post(url, data)
    assert response.status_code == 302
    assert User.objects.get(pk=target.pk).is_staff
    [event] = AuditEvent.objects.filter(action="user.set_privileges")
    assert event.actor_id == root.pk
    assert event.changes == {"is_staff": [False, True]}

    # Its own superuser flag is not offered to it.
    own = change_form_data(client.get(f"/admin/governance/user/{root.pk}/change/"))
    assert "is_superuser" not in own
    own.pop("is_active", None)
    client.post(f"/admin/governance/user/{root.pk}/change/", own)
    assert User.objects.get(pk=root.pk).is_superuser


def test_accounts_added_in_admin_are_recorded_and_carry_no_privileges(
    demo_admin: User, login: Any
) -> None:
    client = login(demo_admin)
    response = client.post(
        "/admin/governance/user/add/",
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "Kumo-Sora-Umi-42",
            "password2": "Kumo-Sora-Umi-42",
        },
    )
    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert not newcomer.is_superuser
    assert not newcomer.is_staff
    [event] = AuditEvent.objects.filter(action="user.create")
    assert event.actor_id == demo_admin.pk
    assert event.object_id == str(newcomer.pk)


def test_second_factor_devices_are_not_offered_in_admin() -> None:
    assert not admin.site.is_registered(TOTPDevice)

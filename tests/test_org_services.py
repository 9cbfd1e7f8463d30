"""Who may do what changes only through audited services: the admin role changes other people's
roles, department, liaison duty, active state and password, never its own, and only a superuser
hands out superuser, staff or individual permissions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import Client

from governance import permissions
from governance.budget import services as budget_services
from governance.models import AuditEvent, Section, User
from governance.org import services as org
from governance.roles import Role
from tests import budget_support as support
from tests.factories import InformationSystemFactory, make_user

pytestmark = pytest.mark.django_db

APPROVER_LABEL = "決裁者（課長・参事）"
REVIEWER_LABEL = "審査担当（部局担当窓口）"


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_granting_a_role_records_who_gave_which_role_to_whom_and_why(cast: Any) -> None:
    org.grant_role(
        actor=cast["admin"],
        user=cast["reviewer2"],
        role=Role.GOVERNANCE_APPROVER,
        reason="課長代理として決裁を担当",
    )
    assert permissions.has_role(_fresh(cast["reviewer2"]), Role.GOVERNANCE_APPROVER)
    [event] = _events("user.grant_role")
    assert event.actor_id == cast["admin"].pk
    assert event.object_id == str(cast["reviewer2"].pk)
    assert event.reason == "課長代理として決裁を担当"
    assert event.changes == {"roles": [REVIEWER_LABEL, f"{REVIEWER_LABEL}、{APPROVER_LABEL}"]}


def test_revoking_a_role_records_the_roles_before_and_after(cast: Any) -> None:
    org.revoke_role(
        actor=cast["admin"], user=cast["approver"], role=Role.GOVERNANCE_APPROVER, reason="異動"
    )
    assert not permissions.has_role(_fresh(cast["approver"]), Role.GOVERNANCE_APPROVER)
    [event] = _events("user.revoke_role")
    assert event.changes == {"roles": [APPROVER_LABEL, None]}


def test_a_role_change_without_a_reason_is_refused_and_changes_nothing(cast: Any) -> None:
    with pytest.raises(ValueError, match=org.REASON_REQUIRED):
        org.grant_role(actor=cast["admin"], user=cast["staff_a"], role=Role.AUDITOR, reason="  ")
    assert not permissions.has_role(_fresh(cast["staff_a"]), Role.AUDITOR)
    assert not AuditEvent.objects.exists()


def test_nobody_changes_their_own_roles_department_active_state_or_password(
    cast: Any, dept_a: Any
) -> None:
    admin = cast["admin"]
    attempts = [
        lambda: org.grant_role(
            actor=admin, user=admin, role=Role.GOVERNANCE_APPROVER, reason="自分で"
        ),
        lambda: org.revoke_role(actor=admin, user=admin, role=Role.ADMIN, reason="自分で"),
        lambda: org.change_department(actor=admin, user=admin, department=dept_a),
        lambda: org.set_active(actor=admin, user=admin, active=False, reason="自分で"),
        lambda: org.reset_password(actor=admin, user=admin, reason="自分で"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match=permissions.NOT_ON_YOURSELF):
            attempt()
    admin = _fresh(admin)
    assert permissions.roles_of(admin) == {Role.ADMIN}
    assert admin.department_id is None
    assert admin.is_active
    assert admin.has_usable_password()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "approver", "staff_a", "csirt"])
def test_roles_other_than_admin_cannot_grant_roles(cast: Any, who: str) -> None:
    with pytest.raises(PermissionDenied, match=permissions.NOT_ALLOWED):
        org.grant_role(
            actor=cast[who], user=cast["staff_b"], role=Role.GOVERNANCE_APPROVER, reason="x"
        )
    assert not permissions.has_role(_fresh(cast["staff_b"]), Role.GOVERNANCE_APPROVER)


def test_auditors_change_nobody(cast: Any) -> None:
    with pytest.raises(PermissionDenied, match=permissions.AUDITORS_NEVER_ACT):
        org.set_active(actor=cast["auditor"], user=cast["staff_b"], active=False, reason="x")
    assert _fresh(cast["staff_b"]).is_active


def test_the_admin_role_cannot_change_a_superuser(cast: Any) -> None:
    root = make_user("root", Role.ADMIN)
    root.is_superuser = True
    root.save()
    with pytest.raises(PermissionDenied, match=permissions.SUPERUSER_TARGET):
        org.reset_password(actor=cast["admin"], user=root, reason="乗っ取り")
    assert _fresh(root).has_usable_password()


def test_only_a_superuser_gives_superuser_staff_or_individual_permissions(cast: Any) -> None:
    perm = Permission.objects.get(codename="change_user")
    with pytest.raises(PermissionDenied, match=permissions.SUPERUSER_ONLY):
        org.set_privileges(actor=cast["admin"], user=cast["reviewer"], is_superuser=True)
    with pytest.raises(PermissionDenied, match=permissions.SUPERUSER_ONLY):
        org.set_privileges(actor=cast["admin"], user=cast["reviewer"], user_permissions=[perm])
    assert not _fresh(cast["reviewer"]).is_superuser

    root = make_user("root", Role.ADMIN)
    root.is_superuser = True
    root.save()
    with pytest.raises(PermissionDenied, match=permissions.NOT_ON_YOURSELF):
        org.set_privileges(actor=root, user=root, is_superuser=False)
    org.set_privileges(actor=root, user=cast["reviewer"], is_staff=True, user_permissions=[perm])
    reviewer = _fresh(cast["reviewer"])
    assert reviewer.is_staff
    assert list(reviewer.user_permissions.all()) == [perm]
    [event] = _events("user.set_privileges")
    assert event.changes == {
        "is_staff": [False, True],
        "user_permissions": [None, "governance.change_user"],
    }


def test_a_liaison_keeps_the_reviewer_role_until_the_departments_have_another(
    cast: Any, dept_a: Any
) -> None:
    with pytest.raises(ValueError, match=r"総務部"):
        org.revoke_role(
            actor=cast["admin"], user=cast["reviewer"], role=Role.GOVERNANCE_REVIEWER, reason="x"
        )
    with pytest.raises(ValueError, match=r"部局担当窓口です"):
        org.set_active(actor=cast["admin"], user=cast["reviewer"], active=False, reason="退職")
    assert permissions.has_role(_fresh(cast["reviewer"]), Role.GOVERNANCE_REVIEWER)
    assert _fresh(cast["reviewer"]).is_active


def test_the_liaison_must_be_an_active_reviewer_and_the_change_is_recorded(
    cast: Any, dept_a: Any
) -> None:
    with pytest.raises(ValueError, match=org.LIAISON_MUST_BE_REVIEWER):
        org.assign_liaison(actor=cast["admin"], department=dept_a, liaison=cast["approver"])
    retired = make_user("retired", Role.GOVERNANCE_REVIEWER)
    retired.is_active = False
    retired.save()
    with pytest.raises(ValueError, match=org.LIAISON_MUST_BE_ACTIVE):
        org.assign_liaison(actor=cast["admin"], department=dept_a, liaison=retired)
    with pytest.raises(PermissionDenied):
        org.assign_liaison(actor=cast["reviewer"], department=dept_a, liaison=cast["reviewer2"])
    dept_a.refresh_from_db()
    assert dept_a.liaison == cast["reviewer"]

    org.assign_liaison(
        actor=cast["admin"], department=dept_a, liaison=cast["reviewer2"], reason="担当替え"
    )
    dept_a.refresh_from_db()
    assert dept_a.liaison == cast["reviewer2"]
    [event] = _events("department.assign_liaison")
    assert event.changes == {"liaison": ["reviewer", "reviewer2"]}
    assert event.reason == "担当替え"


def test_moving_a_person_to_another_department_moves_what_they_see(
    cast: Any, dept_a: Any, dept_b: Any
) -> None:
    section_b = Section.objects.create(department=dept_b, name="財政課")
    with pytest.raises(ValueError, match=org.SECTION_NOT_IN_DEPARTMENT):
        org.change_department(
            actor=cast["admin"], user=cast["staff_a2"], department=dept_a, section=section_b
        )
    system_a = InformationSystemFactory.create(department=dept_a)
    check = support.start(cast["staff_a"], system_a)
    assert permissions.can_view_case(cast["staff_a2"], check)

    org.change_department(
        actor=cast["admin"], user=cast["staff_a2"], department=dept_b, section=section_b
    )
    moved = _fresh(cast["staff_a2"])
    assert not permissions.can_view_case(moved, check)
    [event] = _events("user.change_department")
    assert event.changes == {"department": ["総務部", "財務部"], "section": [None, "財政課"]}


def test_department_staff_role_needs_a_department(cast: Any) -> None:
    with pytest.raises(ValueError, match=org.DEPARTMENT_STAFF_NEEDS_DEPARTMENT):
        org.grant_role(
            actor=cast["admin"], user=cast["reviewer2"], role=Role.DEPARTMENT_STAFF, reason="x"
        )


def test_a_deactivated_person_is_signed_out_at_their_next_request(cast: Any, login: Any) -> None:
    client = login(cast["staff_b"])
    assert client.get("/home/").status_code == 200
    org.set_active(actor=cast["admin"], user=cast["staff_b"], active=False, reason="退職")
    response = client.get("/home/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    [event] = _events("user.deactivate")
    assert event.changes == {"is_active": [True, False]}
    org.set_active(actor=cast["admin"], user=cast["staff_b"], active=True, reason="復職")
    assert _fresh(cast["staff_b"]).is_active


def test_a_password_reset_gives_a_one_time_link_and_records_no_password(
    cast: Any, client: Client
) -> None:
    link = org.reset_password(actor=cast["admin"], user=cast["staff_b"], reason="失念")
    assert not _fresh(cast["staff_b"]).has_usable_password()
    [event] = _events("user.reset_password")
    assert event.changes == {"password": [org.PASSWORD_SET, org.PASSWORD_RESET_LINK]}
    recorded = json.dumps([event.changes, event.reason, event.object_repr], ensure_ascii=False)
    assert _fresh(cast["staff_b"]).password not in recorded

    path = link.removeprefix("http://127.0.0.1:8000")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    new = "Kumo-Sora-Umi-42"
    done = client.post(form_page.request["PATH_INFO"], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert _fresh(cast["staff_b"]).check_password(new)
    # The link works once.
    assert "new_password1" not in client.get(path, follow=True).content.decode()


def test_a_role_granted_today_does_not_let_a_reviewer_approve_a_case_they_reviewed(
    cast: Any, dept_a: Any
) -> None:
    """Segregation of duties reads who reviewed the case, not which roles they held then."""
    system = InformationSystemFactory.create(department=dept_a)
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    org.grant_role(
        actor=cast["admin"],
        user=cast["reviewer"],
        role=Role.GOVERNANCE_APPROVER,
        reason="決裁者の不在時の代理",
    )
    reviewer = _fresh(cast["reviewer"])
    assert permissions.has_role(reviewer, Role.GOVERNANCE_APPROVER)
    with pytest.raises(PermissionDenied, match=permissions.REVIEWER_CANNOT_APPROVE):
        budget_services.approve_budget_check(actor=reviewer, budget_check=check)
    check.refresh_from_db()
    assert check.approver is None


def test_auditors_read_role_changes_in_the_audit_trail_with_japanese_role_names(
    cast: Any, login: Any
) -> None:
    org.grant_role(
        actor=cast["admin"], user=cast["staff_b"], role=Role.CSIRT_MEMBER, reason="兼務発令"
    )
    page = login(cast["auditor"]).get("/audit/?action=user.").content.decode()
    assert "user.grant_role" in page
    assert "CSIRT 要員" in page
    assert "兼務発令" in page
    assert "csirt_member" not in page

"""Integration keys: hashed, issued by two administrators, bound to an integration service
user, its scopes and networks, expiring within a year with a clock, rotated with a grace
period, revoked for good; every use stamps last_used_at, every change is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from governance import key_permissions
from governance.integrations import services as keys
from governance.models import (
    AuditEvent,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    IntegrationKey,
    IntegrationKeyRequest,
    KeyState,
    User,
)
from governance.roles import Role
from tests.api_support import LOCAL, clear_throttles, issue_key, key_client
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    clear_throttles()


def _request(cast: dict[str, User], **overrides: Any) -> IntegrationKeyRequest:
    service = User.objects.filter(username="svc_web").first() or make_user(
        "svc_web", Role.INTEGRATION
    )
    arguments: dict[str, Any] = {
        "actor": cast["admin"],
        "service_user": service,
        "source_code": "web_malware",
        "name": "監視",
        "scopes": ["systems:read"],
        "allowed_cidrs": [LOCAL],
        "expires_at": timezone.now() + dt.timedelta(days=30),
        "reason": "受付のため",
    }
    arguments.update(overrides)
    return keys.request_key(**arguments)


def test_the_secret_is_never_stored_only_its_prefix_and_hash(cast: dict[str, User]) -> None:
    key, secret = issue_key(cast)
    prefix, _dot, rest = secret.partition(".")
    row = IntegrationKey.objects.get(pk=key.pk)
    assert row.prefix == prefix
    assert rest not in row.hashed_key
    assert rest not in row.pk
    for event in AuditEvent.objects.all():
        assert rest not in str(event.changes)


def test_the_requester_cannot_approve_their_own_request(cast: dict[str, User]) -> None:
    request = _request(cast)
    with pytest.raises(PermissionDenied) as refused:
        keys.approve_key_request(actor=cast["admin"], key_request=request)
    assert str(refused.value) == key_permissions.KEY_SAME_PERSON
    assert not IntegrationKey.objects.exists()


def test_only_administrators_request_keys(cast: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        _request(cast, actor=cast["reviewer"])
    with pytest.raises(PermissionDenied):
        _request(cast, actor=cast["auditor"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scopes": ["everything"]}, keys.UNKNOWN_SCOPE.format(scope="everything")),
        ({"scopes": []}, keys.SCOPES_REQUIRED),
        ({"allowed_cidrs": ["10.0.0.300/8"]}, keys.BAD_CIDR.format(cidr="10.0.0.300/8")),
        ({"allowed_cidrs": []}, keys.CIDRS_REQUIRED),
        ({"expires_at": dt.datetime(2030, 1, 1)}, keys.NAIVE_EXPIRY),
        ({"expires_at": timezone.now() + dt.timedelta(days=366)}, keys.EXPIRY_TOO_LONG),
        ({"expires_at": timezone.now() - dt.timedelta(days=1)}, keys.EXPIRY_IN_PAST),
        ({"reason": " "}, keys.REASON_REQUIRED),
    ],
)
def test_bad_requests_are_refused_with_a_message_and_nothing_saved(
    cast: dict[str, User], overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        _request(cast, **overrides)
    assert str(refused.value) == message
    assert not IntegrationKeyRequest.objects.exists()


def test_a_key_must_act_as_an_integration_service_user(cast: dict[str, User]) -> None:
    with pytest.raises(ValueError) as refused:
        _request(cast, service_user=cast["reviewer"])
    assert str(refused.value) == keys.NOT_INTEGRATION_USER


def test_issuing_audits_and_starts_the_expiry_clock(cast: dict[str, User]) -> None:
    key, _secret = issue_key(cast, days=60)
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions == ["integration_key.request", "integration_key.issue", "deadline.start"]
    clock = Deadline.objects.get(kind=DeadlineKind.API_KEY_EXPIRY)
    assert clock.status == DeadlineStatus.RUNNING
    assert clock.reminders == ["d30", "d7"]
    assert clock.holder_role == Role.ADMIN
    assert key.expiry_date is not None
    assert timezone.localtime(clock.due_at).date() == timezone.localtime(key.expiry_date).date()


def test_every_use_stamps_last_used_at(cast: dict[str, User]) -> None:
    key, secret = issue_key(cast)
    assert key.last_used_at is None
    assert key_client(secret).get("/api/v1/systems/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_wrong_unknown_expired_and_revoked_keys_get_401(cast: dict[str, User]) -> None:
    key, secret = issue_key(cast)
    prefix = secret.partition(".")[0]
    assert key_client(prefix + ".wrong").get("/api/v1/systems/").status_code == 401
    assert key_client("nothing.here").get("/api/v1/systems/").status_code == 401
    IntegrationKey.objects.filter(pk=key.pk).update(
        expiry_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert key_client(secret).get("/api/v1/systems/").status_code == 401
    other, other_secret = issue_key(cast)
    keys.revoke_key(actor=cast["admin"], key=other, reason="漏えいの疑い")
    response = key_client(other_secret).get("/api/v1/systems/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_deactivated_service_user_makes_its_key_401(cast: dict[str, User]) -> None:
    key, secret = issue_key(cast)
    assert key_client(secret).get("/api/v1/systems/").status_code == 200
    User.objects.filter(pk=key.service_user_id).update(is_active=False)
    assert key_client(secret).get("/api/v1/systems/").status_code == 401


def test_a_call_from_outside_the_allowed_networks_is_403(cast: dict[str, User]) -> None:
    _key, secret = issue_key(cast, cidrs=("192.0.2.0/24",))
    response = key_client(secret).get("/api/v1/systems/")
    assert response.status_code == 403
    ok = key_client(secret).get("/api/v1/systems/", REMOTE_ADDR="192.0.2.10")
    assert ok.status_code == 200


def test_rotation_keeps_the_old_key_for_the_grace_period_only(cast: dict[str, User]) -> None:
    old, old_secret = issue_key(cast)
    new, new_secret = keys.rotate_key(actor=cast["admin"], key=old, reason="定期切替")
    old.refresh_from_db()
    assert old.state == KeyState.ROTATING
    assert old.grace_until is not None
    assert new.replaces_id == old.pk
    assert new.expiry_date == old.expiry_date
    assert key_client(old_secret).get("/api/v1/systems/").status_code == 200
    assert key_client(new_secret).get("/api/v1/systems/").status_code == 200
    IntegrationKey.objects.filter(pk=old.pk).update(
        grace_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert key_client(old_secret).get("/api/v1/systems/").status_code == 401
    assert key_client(new_secret).get("/api/v1/systems/").status_code == 200
    assert AuditEvent.objects.filter(action="integration_key.rotate").count() == 1
    # The request's one clock runs on for the replacement.
    assert Deadline.objects.filter(status=DeadlineStatus.RUNNING).count() == 1
    with pytest.raises(ValueError) as refused:
        keys.rotate_key(actor=cast["admin"], key=old, reason="再切替")
    assert str(refused.value) == keys.KEY_NOT_ACTIVE


def test_revocation_is_audited_final_and_stops_the_clock(cast: dict[str, User]) -> None:
    lead = make_user("lead", Role.CSIRT_LEAD)
    key, _secret = issue_key(cast)
    with pytest.raises(PermissionDenied):
        keys.revoke_key(actor=cast["reviewer"], key=key, reason="x")
    keys.revoke_key(actor=lead, key=key, reason="漏えい")
    key.refresh_from_db()
    assert key.revoked and key.state == KeyState.REVOKED
    event = AuditEvent.objects.get(action="integration_key.revoke")
    assert event.actor_id == lead.pk
    assert event.reason == "漏えい"
    assert Deadline.objects.get().status == DeadlineStatus.CANCELLED
    with pytest.raises(ValueError) as refused:
        keys.revoke_key(actor=cast["admin"], key=key, reason="再度")
    assert str(refused.value) == keys.KEY_ALREADY_REVOKED


def test_rejecting_a_request_needs_another_admin_and_a_reason(cast: dict[str, User]) -> None:
    request = _request(cast)
    second = make_user("admin2", Role.ADMIN)
    with pytest.raises(ValueError):
        keys.reject_key_request(actor=second, key_request=request, reason="")
    keys.reject_key_request(actor=second, key_request=request, reason="用途が不明")
    with pytest.raises(ValueError) as refused:
        keys.approve_key_request(actor=second, key_request=request)
    assert str(refused.value) == keys.NOT_PENDING


def test_a_key_whose_user_gains_another_role_is_refused(cast: dict[str, User]) -> None:
    key, secret = issue_key(cast)
    from django.contrib.auth.models import Group

    key.service_user.groups.add(Group.objects.get(name=Role.GOVERNANCE_REVIEWER))
    assert key_client(secret).get("/api/v1/systems/").status_code == 401

"""The administrators' key page: one admin requests, another approves and sees the secret once;
the notice gives everything but the secret; other roles cannot open the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from governance.models import IntegrationKey, IntegrationKeyRequest, User
from governance.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_request_approve_show_once_notice_rotate_and_revoke(
    cast: dict[str, User], login: Any
) -> None:
    service = make_user("svc", Role.INTEGRATION)
    second = make_user("admin2", Role.ADMIN)
    first = login(cast["admin"])
    assert first.get("/users/keys/").status_code == 200
    expires = (timezone.localdate() + dt.timedelta(days=100)).isoformat()
    response = first.post(
        "/users/keys/request/",
        {
            "service_user": service.pk,
            "source_code": "web_malware",
            "name": "マルウェア検知",
            "scopes": ["systems:read", "targets:read"],
            "allowed_cidrs": "192.0.2.0/24\n198.51.100.7",
            "expires_on": expires,
            "contact": "soc@example.jp",
            "reason": "監視の受付",
        },
    )
    assert response.status_code == 302
    request = IntegrationKeyRequest.objects.get()
    assert request.allowed_cidrs == ["192.0.2.0/24", "198.51.100.7/32"]
    # The requester cannot approve.
    assert first.post(f"/users/keys/requests/{request.pk}/approve/").status_code == 403
    assert not IntegrationKey.objects.exists()
    page = login(second).post(f"/users/keys/requests/{request.pk}/approve/", {"reason": "確認"})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    key = IntegrationKey.objects.get()
    html = page.content.decode()
    secret = html.split('id="api-key-secret">')[1].split("<")[0]
    assert secret.startswith(key.prefix + ".")
    listing = login(second).get("/users/keys/").content.decode()
    assert key.prefix in listing and secret not in listing
    notice = first.get(f"/users/keys/{key.prefix}/notice/").content.decode()
    assert key.prefix in notice and "web_malware" in notice and "192.0.2.0/24" in notice
    assert secret.partition(".")[2] not in notice
    rotated = first.post(f"/users/keys/{key.prefix}/rotate/", {"reason": "定期"})
    assert rotated.status_code == 200
    assert IntegrationKey.objects.count() == 2
    first.post(f"/users/keys/{key.prefix}/revoke/", {"reason": "漏えい"})
    key.refresh_from_db()
    assert key.revoked


@pytest.mark.parametrize("role", ["reviewer", "auditor", "csirt", "staff_a"])
def test_other_roles_cannot_open_the_key_page(role: str, cast: dict[str, User], login: Any) -> None:
    assert login(cast[role]).get("/users/keys/").status_code in (302, 403)

"""The administrators' key page: one admin requests, another approves and sees the secret once;
the notice gives everything but the secret; other roles cannot open the page."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import docx
import pytest
from django.utils import timezone

from governance.models import AuditEvent, IntegrationKey, IntegrationKeyRequest, User
from governance.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a Word file, opened back with python-docx."""
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


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
    download = first.get(f"/users/keys/{key.prefix}/notice/")
    assert download["Content-Disposition"].endswith('.docx"')
    notice = _docx_text(download.content)
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


def test_the_notice_is_a_word_document_with_everything_but_the_secret(
    cast: dict[str, User], login: Any, tmp_path: Any, settings: Any
) -> None:
    from tests.api_support import issue_key

    settings.MEDIA_ROOT = str(tmp_path)
    key, secret = issue_key(cast, scopes=("events:create",))
    download = login(cast["admin"]).get(f"/users/keys/{key.prefix}/notice/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    text = _docx_text(download.content)
    assert "連携用APIキー発行通知" in text
    assert key.prefix in text and "events:create" in text and "soc@example.jp" in text
    assert "{{" not in text  # every placeholder of the master was filled
    hidden = secret.partition(".")[2]
    with zipfile.ZipFile(io.BytesIO(download.content)) as package:
        for name in package.namelist():
            assert hidden.encode() not in package.read(name), name
    # Rendered on download, kept nowhere: no file under MEDIA_ROOT, no row with the secret.
    assert not any(tmp_path.rglob("*"))
    assert not AuditEvent.objects.filter(changes__icontains=hidden).exists()


def test_a_csirt_lead_revokes_a_leaked_key_from_the_incident_pages_with_a_reason(
    cast: dict[str, User], login: Any
) -> None:
    from tests.api_support import issue_key

    key, _secret = issue_key(cast)
    lead = make_user("lead", Role.CSIRT_LEAD)
    client = login(lead)
    page = client.get("/incidents/keys/")
    assert page.status_code == 200 and key.prefix in page.content.decode()
    # No reason: refused with the message, the key still works.
    client.post(f"/incidents/keys/{key.prefix}/revoke/", {"reason": ""})
    key.refresh_from_db()
    assert not key.revoked
    response = client.post(f"/incidents/keys/{key.prefix}/revoke/", {"reason": "キーの漏えい"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked and key.revoke_reason == "キーの漏えい"
    audit = AuditEvent.objects.get(action="integration_key.revoke")
    assert audit.actor == lead
    assert key.prefix not in client.get("/incidents/keys/").content.decode()
    # The page speaks English too (the language tour walks no CSIRT lead).
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/incidents/keys/").content.decode()
    assert "Revoking integration API keys" in english and "失効の理由" not in english


@pytest.mark.parametrize("role", ["csirt", "ciso", "auditor", "admin", "staff_a"])
def test_only_the_csirt_lead_opens_the_csirt_key_page_and_revokes_there(
    role: str, cast: dict[str, User], login: Any
) -> None:
    from tests.api_support import issue_key

    people = dict(cast)
    if role not in people:
        people[role] = make_user(role, Role.CISO)
    key, _secret = issue_key(cast)
    client = login(people[role])
    assert client.get("/incidents/keys/").status_code in (302, 403)
    client.post(f"/incidents/keys/{key.prefix}/revoke/", {"reason": "漏えい"})
    key.refresh_from_db()
    assert not key.revoked


def test_the_revocation_service_checks_the_actor_itself(cast: dict[str, User]) -> None:
    from django.core.exceptions import PermissionDenied

    from governance.integrations import services
    from tests.api_support import issue_key

    key, _secret = issue_key(cast)
    member = make_user("member", Role.CSIRT_MEMBER)
    with pytest.raises(PermissionDenied):
        services.revoke_key(actor=member, key=key, reason="漏えい")
    key.refresh_from_db()
    assert not key.revoked

"""Helpers for the API tests: keys issued through the services (two administrators), clients
that call with a key, and bulk cases and systems for query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from governance.integrations import services as keys
from governance.models import (
    Case,
    CaseKind,
    Consultation,
    Department,
    IntegrationKey,
    User,
)
from governance.roles import Role
from tests.factories import InformationSystemFactory, make_user

LOCAL = "127.0.0.1/32"


def clear_throttles() -> None:
    caches["api_throttle"].clear()


def issue_key(
    cast: dict[str, User],
    *,
    scopes: tuple[str, ...] = ("systems:read", "targets:read"),
    cidrs: tuple[str, ...] = (LOCAL,),
    service_user: User | None = None,
    days: int = 90,
) -> tuple[IntegrationKey, str]:
    """A key requested by ``admin`` and approved by a second administrator."""
    second = User.objects.filter(username="admin2").first() or make_user("admin2", Role.ADMIN)
    service_user = service_user or (
        User.objects.filter(username="svc_web").first() or make_user("svc_web", Role.INTEGRATION)
    )
    request = keys.request_key(
        actor=cast["admin"],
        service_user=service_user,
        source_code="web_malware",
        name="ウェブ感染型マルウェア検知",
        scopes=scopes,
        allowed_cidrs=cidrs,
        expires_at=timezone.now() + dt.timedelta(days=days),
        reason="監視サービスからの受付のため",
        contact="soc@example.jp",
    )
    return keys.approve_key_request(actor=second, key_request=request)


def key_client(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")


def make_consultations(department: Department, requester: User, count: int, start: int = 1) -> None:
    for case in [
        Consultation(
            kind=CaseKind.CONSULTATION,
            fiscal_year=2026,
            sequence=start + n,
            number=f"相-2026-{start + n:05d}",
            title=f"相談{start + n}",
            department=department,
            requester=requester,
            question="内容",
        )
        for n in range(count)
    ]:
        case.save()


def make_systems(department: Department, count: int) -> None:
    InformationSystemFactory.create_batch(count, department=department)


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content.decode()[:500]
    return response.json()["results"]


def all_cases() -> Any:
    return Case.objects.all()

"""The API answers exactly as the pages would: lists scoped like the UI, 404 for what the caller
may not see, auditors read-only, keys limited to their scopes, sessions of second-factor roles
only when verified, and the formats and limits of NEXT_WAVE §D.2."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from governance.api.formats import NAIVE_DATETIME, UNKNOWN_FIELDS
from governance.api.pagination import BAD_CURSOR
from governance.models import Case, User
from governance.roles import Role
from tests.api_support import (
    clear_throttles,
    issue_key,
    key_client,
    make_consultations,
    make_systems,
    results,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    clear_throttles()


@pytest.fixture
def cases(cast: dict[str, User], dept_a: Any, dept_b: Any) -> None:
    make_consultations(dept_a, cast["staff_a"], 3, start=1)
    make_consultations(dept_b, cast["staff_b"], 2, start=100)


def test_department_staff_list_exactly_their_departments_cases(
    cases: None, cast: dict[str, User], login: Any
) -> None:
    rows = results(login(cast["staff_a"]).get("/api/v1/cases/"))
    expected = set(Case.objects.filter(department__code="dept-a").values_list("number", flat=True))
    assert {row["number"] for row in rows} == expected
    assert len(expected) == 3


def test_a_case_of_another_department_is_not_found(
    cases: None, cast: dict[str, User], login: Any
) -> None:
    other = Case.objects.filter(department__code="dept-b").first()
    assert other is not None
    client = login(cast["staff_a"])
    for suffix in ("", "audit-events/", "documents/", "deadlines/"):
        response = client.get(f"/api/v1/cases/{other.number}/{suffix}")
        assert response.status_code == 404, suffix
    assert client.get("/api/v1/cases/相-2099-99999/").status_code == 404


def test_case_detail_nests_the_kinds_own_columns_with_labels(
    cases: None, cast: dict[str, User], login: Any
) -> None:
    case = Case.objects.filter(department__code="dept-a").first()
    assert case is not None
    body = login(cast["staff_a"]).get(f"/api/v1/cases/{case.number}/").json()
    assert body["kind"] == "consultation"
    assert body["kind_label"] == "相談"
    assert body["fiscal_year"] == 2026
    assert body["fiscal_year_label"] == "令和8年度"
    assert body["status_label"] == "受付"
    assert body["details"]["question"] == "内容"
    assert body["updated_at"].endswith("+09:00")


def test_auditors_read_everything_and_write_nothing(
    cases: None, cast: dict[str, User], login: Any
) -> None:
    client = login(cast["auditor"])
    assert len(results(client.get("/api/v1/cases/"))) == 5
    case = Case.objects.first()
    assert case is not None
    assert client.get(f"/api/v1/cases/{case.number}/audit-events/").status_code == 200
    for method in (client.post, client.put, client.patch, client.delete):
        response = method("/api/v1/cases/", data={}, content_type="application/json")
        assert response.status_code in (403, 405)


def test_audit_events_of_a_visible_case_are_refused_to_its_department(
    cases: None, cast: dict[str, User], login: Any
) -> None:
    case = Case.objects.filter(department__code="dept-a").first()
    assert case is not None
    url = f"/api/v1/cases/{case.number}/audit-events/"
    assert login(cast["staff_a"]).get(url).status_code == 403
    assert login(cast["auditor"]).get(url).status_code == 200
    # Administrators read the trail, but only of cases they may see at all (none here).
    assert login(cast["admin"]).get(url).status_code == 404


def test_a_key_reads_the_registry_but_never_cases_or_deadlines(
    cast: dict[str, User], dept_a: Any, dept_b: Any
) -> None:
    make_systems(dept_a, 2)
    make_systems(dept_b, 1)
    _key, secret = issue_key(cast, scopes=("systems:read",))
    client = key_client(secret)
    assert len(results(client.get("/api/v1/systems/"))) == 3
    assert client.get("/api/v1/cases/").status_code == 403
    assert client.get("/api/v1/deadlines/").status_code == 403
    code = results(client.get("/api/v1/systems/"))[0]["code"]
    # targets:read is another scope
    assert client.get(f"/api/v1/systems/{code}/monitored-targets/").status_code == 403


def test_a_key_with_targets_scope_only_sees_no_system_list(
    cast: dict[str, User], dept_a: Any
) -> None:
    make_systems(dept_a, 1)
    _key, secret = issue_key(cast, scopes=("targets:read",))
    client = key_client(secret)
    assert client.get("/api/v1/systems/").status_code == 403
    from governance.models import InformationSystem

    code = InformationSystem.objects.get().code
    assert client.get(f"/api/v1/systems/{code}/monitored-targets/").status_code == 200


def test_department_staff_see_their_own_systems_and_404_for_others(
    cast: dict[str, User], dept_a: Any, dept_b: Any, login: Any
) -> None:
    make_systems(dept_a, 2)
    make_systems(dept_b, 1)
    client = login(cast["staff_a"])
    rows = results(client.get("/api/v1/systems/"))
    assert {row["department"]["code"] for row in rows} == {"dept-a"}
    from governance.models import InformationSystem

    other = InformationSystem.objects.get(department=dept_b)
    assert client.get(f"/api/v1/systems/{other.code}/").status_code == 404
    assert client.get(f"/api/v1/systems/{other.code}/monitored-targets/").status_code == 404


def test_system_filters_and_labels(cast: dict[str, User], dept_a: Any, login: Any) -> None:
    make_systems(dept_a, 2)
    client = login(cast["reviewer"])
    rows = results(client.get("/api/v1/systems/?department=dept-a&internet_facing=false"))
    assert len(rows) == 2
    assert rows[0]["kind_label"]
    assert rows[0]["coverage"] == "not_applicable"
    assert rows[0]["coverage_label"] == "インターネット非公開"
    assert results(client.get("/api/v1/systems/?department=dept-b")) == []
    assert client.get("/api/v1/systems/?kind=nonsense").status_code == 400


def test_a_naive_updated_since_is_refused_with_the_japanese_message(
    cast: dict[str, User], login: Any
) -> None:
    client = login(cast["reviewer"])
    response = client.get("/api/v1/systems/", {"updated_since": "2026-12-01T10:00:00"})
    assert response.status_code == 400
    assert response.json() == {"updated_since": [NAIVE_DATETIME]}
    response = client.get("/api/v1/cases/", {"updated_since": "2026-12-01T10:00:00+09:00"})
    assert response.status_code == 200


def test_updated_since_returns_only_later_changes(
    cast: dict[str, User], dept_a: Any, login: Any
) -> None:
    make_consultations(dept_a, cast["staff_a"], 2)
    first = Case.objects.order_by("pk").first()
    assert first is not None
    Case.objects.filter(pk=first.pk).update(updated_at=first.updated_at - dt.timedelta(days=3))
    since = (first.updated_at - dt.timedelta(days=1)).isoformat()
    rows = results(login(cast["staff_a"]).get("/api/v1/cases/", {"updated_since": since}))
    assert first.number not in {row["number"] for row in rows}
    assert len(rows) == 1


def test_cursor_pages_follow_updated_at_and_a_tampered_cursor_is_400(
    cast: dict[str, User], dept_a: Any, login: Any
) -> None:
    make_consultations(dept_a, cast["staff_a"], 5)
    client = login(cast["staff_a"])
    page = client.get("/api/v1/cases/", {"page_size": 2}).json()
    seen = [row["number"] for row in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["number"] for row in page["results"]]
    assert sorted(seen) == sorted(Case.objects.values_list("number", flat=True))
    assert len(seen) == 5
    response = client.get("/api/v1/cases/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json() == {"cursor": [BAD_CURSOR]}


def test_a_second_factor_role_needs_a_verified_session(
    cases: None, cast: dict[str, User], login: Any
) -> None:
    unverified = login(cast["auditor"], verified=False)
    response = unverified.get("/api/v1/cases/")
    assert response.status_code == 403
    assert "二要素認証" in response.json()["detail"]
    assert login(cast["auditor"]).get("/api/v1/cases/").status_code == 200


def test_anonymous_callers_get_401_json_not_a_login_page(db: None) -> None:
    response = Client().get("/api/v1/systems/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_only_json_is_served_unless_debug(cast: dict[str, User], login: Any, settings: Any) -> None:
    client = login(cast["reviewer"])
    settings.DEBUG = False
    assert client.get("/api/v1/systems/", HTTP_ACCEPT="text/html").status_code == 406
    assert client.get("/api/v1/systems/")["Content-Type"] == "application/json"
    settings.DEBUG = True
    response = client.get("/api/v1/systems/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")


def test_service_users_cannot_use_a_session(db: None, login: Any) -> None:
    service = make_user("svc_session", Role.INTEGRATION)
    assert login(service).get("/api/v1/systems/").status_code == 403


def test_unknown_top_level_fields_are_refused() -> None:
    from rest_framework import serializers as drf

    from governance.api.formats import ReadOnlySerializer

    class Probe(ReadOnlySerializer):
        title = drf.CharField()

    probe = Probe(data={"title": "x", "vendor_extra": 1})
    assert not probe.is_valid()
    assert probe.errors["non_field_errors"] == [UNKNOWN_FIELDS.format(fields="vendor_extra")]


def test_bodies_over_256_kb_are_refused_unread() -> None:
    import io

    from rest_framework.test import APIRequestFactory

    from governance.api.formats import BodyTooLarge, LimitedJSONParser

    body = b'{"raw": "' + b"x" * (256 * 1024) + b'"}'
    request = APIRequestFactory().post("/", data=body, content_type="application/json")
    with pytest.raises(BodyTooLarge):
        LimitedJSONParser().parse(io.BytesIO(body), parser_context={"request": request})
    small = b'{"raw": "ok"}'
    assert LimitedJSONParser().parse(io.BytesIO(small), parser_context={}) == {"raw": "ok"}


def test_reads_are_throttled_per_user_with_retry_after(
    cast: dict[str, User], login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from governance.api.access import SharedScopedRateThrottle

    monkeypatch.setattr(SharedScopedRateThrottle, "THROTTLE_RATES", {"read": "3/min"})
    client = login(cast["reviewer"])
    codes = [client.get("/api/v1/systems/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert int(client.get("/api/v1/systems/")["Retry-After"]) > 0
    # Another user has their own count.
    assert login(cast["approver"]).get("/api/v1/systems/").status_code == 200


def test_throttle_counts_live_in_the_shared_database_cache(db: None) -> None:
    from django.core.cache.backends.db import DatabaseCache

    from governance.api.access import SharedScopedRateThrottle

    assert isinstance(SharedScopedRateThrottle.cache, DatabaseCache)
    SharedScopedRateThrottle.cache.set("probe", 1)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM shinsa_api_throttle")
        assert cursor.fetchone()[0] == 1


def test_deadlines_feed_is_icalendar(cast: dict[str, User], login: Any) -> None:
    issue_key(cast)  # starts an administrators' api_key_expiry clock
    response = login(cast["admin"]).get("/api/v1/deadlines.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:API キーの有効期限" in text
    rows = results(login(cast["admin"]).get("/api/v1/deadlines/"))
    assert [row["kind"] for row in rows] == ["api_key_expiry"]
    assert results(login(cast["staff_a"]).get("/api/v1/deadlines/")) == []

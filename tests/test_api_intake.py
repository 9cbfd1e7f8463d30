"""The monitoring intake over the API: only a key with events:create posts, for its own source;
the same alert twice is one event (200); naive times are refused in Japanese; 60 a minute per
key (429) in the shared cache; a batch of up to 100 is all or nothing; TLP:RED never reaches a
key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from governance.api.access import PerKeyIntakeThrottle
from governance.incidents.services import receive_event
from governance.incidents.services.feeds import BATCH_LIMIT, source_for_key
from governance.models import AuditEvent, MonitoredTarget, SecurityEvent, User
from tests.api_support import clear_throttles, issue_key, key_client
from tests.factories import InformationSystemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/security-events/"
BATCH = "/api/v1/security-events/batch/"
INTAKE = ("events:create", "events:read_own")


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    clear_throttles()


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _alert(ref: str = "WM-1", **extra: Any) -> dict[str, Any]:
    return {
        "source_ref": ref,
        "title": "改ざんを検知しました",
        "detected_at": "2026-11-30T10:00:00+09:00",
        **extra,
    }


@pytest.fixture
def feed(cast: dict[str, User]) -> Client:
    _key, secret = issue_key(cast, scopes=INTAKE)
    return key_client(secret)


def test_an_alert_posted_twice_is_one_event_201_then_200_with_the_same_body(feed: Client) -> None:
    first = _post(feed, URL, _alert())
    assert first.status_code == 201, first.content.decode()
    body = first.json()
    assert body["number"].startswith("EV-")
    assert first["Location"] == f"{URL}{body['number']}/"
    again = _post(feed, URL, _alert())
    assert again.status_code == 200
    assert again.json() == body
    assert SecurityEvent.objects.count() == 1
    event = SecurityEvent.objects.get()
    assert event.channel == "api" and event.source.code == "web-malware"
    assert event.reporters.count() == 0
    assert AuditEvent.objects.filter(action="event.receive").count() == 1
    assert feed.get(first["Location"]).json()["number"] == body["number"]


def test_the_event_is_recorded_as_the_keys_service_user(feed: Client) -> None:
    _post(feed, URL, _alert())
    audit = AuditEvent.objects.get(action="event.receive")
    assert audit.actor is not None and audit.actor.username == "svc_web"


def test_another_source_in_the_body_is_403_and_nothing_is_saved(feed: Client) -> None:
    response = _post(feed, URL, _alert(source="jlis-attack"))
    assert response.status_code == 403
    assert "指定された通報元" in response.json()["detail"]
    assert not SecurityEvent.objects.exists()
    assert _post(feed, URL, _alert(source="web-malware")).status_code == 201


def test_a_key_without_the_events_create_scope_cannot_post(cast: dict[str, User]) -> None:
    _key, secret = issue_key(cast, scopes=("systems:read",))
    response = _post(key_client(secret), URL, _alert())
    assert response.status_code == 403
    assert not SecurityEvent.objects.exists()


def test_people_cannot_post_events_over_the_api(cast: dict[str, User], login: Any) -> None:
    client = login(cast["reviewer"])
    assert _post(client, URL, _alert()).status_code == 403
    assert not SecurityEvent.objects.exists()


def test_a_naive_detected_at_is_400_in_japanese_and_nothing_is_saved(feed: Client) -> None:
    response = _post(feed, URL, _alert(detected_at="2026-12-01T10:00:00"))
    assert response.status_code == 400
    assert response.json()["detected_at"] == [
        "タイムゾーン（例: +09:00）を含む日時を指定してください"
    ]
    assert not SecurityEvent.objects.exists()


def test_a_detected_at_far_in_the_future_is_400(feed: Client) -> None:
    response = _post(feed, URL, _alert(detected_at="2099-01-01T00:00:00+09:00"))
    assert response.status_code == 400
    assert "未来" in response.json()["non_field_errors"][0]
    assert not SecurityEvent.objects.exists()


def test_a_detected_at_before_2000_is_400(feed: Client) -> None:
    # Schemathesis found a year-1454 time accepted and echoed with Tokyo's 1454 offset
    # (+09:18:59), which no client parses.
    response = _post(feed, URL, _alert(detected_at="1454-10-30T02:08:30Z"))
    assert response.status_code == 400
    assert "古すぎます" in response.json()["non_field_errors"][0]
    assert not SecurityEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        # Schemathesis's case on PostgreSQL: a NUL in a key of ``raw`` (a 500 before).
        '{"source_ref": "WM-9", "title": "x", "raw": {"a\\u0000b": 1}}',
        '{"source_ref": "WM-9", "title": "\\u0000"}',
        # An unpaired surrogate is not text either (a pair is: the second body is fine).
        '{"source_ref": "WM-9", "title": "\\udb75"}',
    ],
)
def test_nul_and_unpaired_surrogates_are_400_in_japanese_and_nothing_is_saved(
    feed: Client, body: str
) -> None:
    response = feed.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "使用できない文字" in response.json()["detail"]
    assert not SecurityEvent.objects.exists()


def test_a_surrogate_pair_is_one_character_and_is_accepted(feed: Client) -> None:
    body = (
        '{"source_ref": "WM-10", "title": "\\ud835\\udd4b 検知",'
        ' "detected_at": "2026-11-30T10:00:00+09:00"}'
    )
    response = feed.post(URL, data=body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert SecurityEvent.objects.get().title == "\U0001d54b 検知"


def test_unknown_fields_and_missing_source_ref_are_400(feed: Client) -> None:
    assert _post(feed, URL, {**_alert(), "vendor_field": 1}).status_code == 400
    response = _post(feed, URL, {"title": "x"})
    assert response.status_code == 400 and "source_ref" in response.json()
    assert not SecurityEvent.objects.exists()


def test_the_61st_post_in_a_minute_is_429_per_key_in_the_shared_cache(
    cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache.backends.db import DatabaseCache

    assert isinstance(PerKeyIntakeThrottle.cache, DatabaseCache)
    _key, secret = issue_key(cast, scopes=INTAKE)
    feed = key_client(secret)
    codes = [_post(feed, URL, _alert(f"R-{n}")).status_code for n in range(61)]
    assert codes[:60] == [201] * 60
    assert codes[60] == 429
    assert int(_post(feed, URL, _alert("R-late"))["Retry-After"]) > 0
    assert SecurityEvent.objects.count() == 60
    # The rotated successor of the key counts apart (per key, not per service user).
    from governance.integrations import services as keys

    key = _key
    _new, new_secret = keys.rotate_key(actor=cast["admin"], key=key, reason="定期切替")
    assert _post(key_client(new_secret), URL, _alert("R-new")).status_code == 201


def test_a_batch_records_new_and_existing_alerts_with_per_item_results(feed: Client) -> None:
    _post(feed, URL, _alert("B-0"))
    response = _post(feed, BATCH, {"items": [_alert("B-0"), _alert("B-1"), _alert("B-2")]})
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert (body["created"], body["existing"]) == (2, 1)
    assert [row["result"] for row in body["results"]] == ["existing", "created", "created"]
    assert SecurityEvent.objects.count() == 3


def test_a_batch_with_one_bad_item_saves_nothing_and_names_the_item_in_japanese(
    feed: Client,
) -> None:
    items = [_alert("C-0"), _alert("C-1", detected_at="2026-12-01T10:00:00"), _alert("C-2")]
    response = _post(feed, BATCH, {"items": items})
    assert response.status_code == 400
    errors = response.json()["items"]
    # Errors by the item's position; the good items are not named.
    assert errors == {
        "1": {"detected_at": ["タイムゾーン（例: +09:00）を含む日時を指定してください"]}
    }
    assert not SecurityEvent.objects.exists()


def test_a_batch_refused_by_the_service_rolls_back_every_item(feed: Client) -> None:
    items = [_alert("D-0"), _alert("D-1", detected_at="2099-01-01T00:00:00+09:00")]
    response = _post(feed, BATCH, {"items": items})
    assert response.status_code == 400
    assert "未来" in response.json()["items"]["1"][0]
    assert not SecurityEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="event.receive").exists()


def test_a_batch_of_more_than_100_is_refused(feed: Client) -> None:
    items = [_alert(f"E-{n}") for n in range(BATCH_LIMIT + 1)]
    response = _post(feed, BATCH, {"items": items})
    assert response.status_code == 400
    assert "100件まで" in json.dumps(response.json(), ensure_ascii=False)
    assert not SecurityEvent.objects.exists()
    assert _post(feed, BATCH, {"items": items[:BATCH_LIMIT]}).status_code == 200
    assert SecurityEvent.objects.count() == BATCH_LIMIT


def test_tlp_red_content_is_never_echoed_to_a_key(cast: dict[str, User], feed: Client) -> None:
    receive_event(
        actor=User.objects.get(username="svc_web"),
        source=source_for_key("web_malware"),
        channel="api",
        title="極秘の件名",
        source_ref="RED-1",
        tlp="red",
    )
    response = _post(feed, URL, _alert("RED-1"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "極秘" not in text and '"red"' not in text
    assert response.json()["restricted"] is True
    number = response.json()["number"]
    shown = feed.get(f"{URL}{number}/")
    assert shown.status_code == 200 and "極秘" not in shown.content.decode()


def test_a_key_reads_only_its_own_sources_events(cast: dict[str, User], feed: Client) -> None:
    other, _new = receive_event(
        actor=User.objects.get(username="svc_web"),
        source=source_for_key("jlis-attack"),
        channel="api",
        title="別の通報元",
        source_ref="J-1",
    )
    assert feed.get(f"{URL}{other.number}/").status_code == 404


def test_bad_observables_are_listed_and_the_event_keeps_the_good_ones(feed: Client) -> None:
    observables = [
        {"type": "sha256", "value": "a" * 63},
        {"type": "url", "value": "hxxp://evil[.]example/x"},
    ]
    response = _post(feed, URL, _alert(observables=observables))
    assert response.status_code == 201
    rejected = response.json()["rejected_observables"]
    assert [r["value"] for r in rejected] == ["a" * 63]
    assert "16進数 64 桁" in rejected[0]["error"]
    event = SecurityEvent.objects.get()
    assert event.raw["observables"] == [{"type": "url", "value": "http://evil.example/x"}]


def test_a_target_is_matched_through_the_registry_or_left_unmatched(feed: Client) -> None:
    system: Any = InformationSystemFactory()
    MonitoredTarget.objects.create(
        system=system,
        service="web_malware",
        target="https://www.example.lg.jp",
        registered_on="2026-04-01",
    )
    hit = _post(feed, URL, _alert("T-1", target="https://www.example.lg.jp/top"))
    assert hit.json()["systems"] == [system.code]
    by_code = _post(feed, URL, _alert("T-2", target=system.code))
    assert by_code.json()["systems"] == [system.code]
    miss = _post(feed, URL, _alert("T-3", target="198.51.100.7"))
    assert miss.json()["systems"] == []

"""Incidents over the API answer exactly as the CSIRT's pages: CSIRT roles and auditors read
them, TLP:RED only for those who read RED (an auditor's read on the record), nobody else, no
integration key at all; the CSIRT adds observables in bulk through the service, invalid values
reported one by one (NEXT_WAVE §D.3, §D.4, §D.5 check 6)."""

from __future__ import annotations

from typing import Any

import pytest

from governance.api.access import KEY_WRITES_ONLY
from governance.incidents.observables import BAD_HASH
from governance.models import AuditEvent, Observable, ReportingObligation, TimelineEntry, User
from tests.api_more_support import make_incidents
from tests.api_support import clear_throttles, issue_key, key_client, results
from tests.incidents_support import csirt_cast

pytestmark = pytest.mark.django_db
__all__ = ["csirt_cast"]

SHA256 = "a" * 64
PARTS = ("", "observables/", "obligations/", "timeline/")


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    clear_throttles()


@pytest.fixture
def incidents(csirt_cast: dict[str, User], dept_a: Any) -> dict[str, Any]:
    amber = make_incidents(dept_a, csirt_cast["csirt"], 2, start=1)
    (red,) = make_incidents(dept_a, csirt_cast["csirt"], 1, start=50, tlp="red")
    return {"amber": amber, "red": red}


def _restricted_views(incident: Any) -> int:
    return AuditEvent.objects.filter(action="incident.restricted_view", case_id=incident.pk).count()


def test_csirt_member_lists_every_incident_but_the_red_one_they_are_not_named_on(
    incidents: dict[str, Any], csirt_cast: dict[str, User], login: Any
) -> None:
    client = login(csirt_cast["csirt"])
    numbers = {row["number"] for row in results(client.get("/api/v1/incidents/"))}
    assert numbers == {i.number for i in incidents["amber"]}
    red = incidents["red"].number
    for part in PARTS:
        assert client.get(f"/api/v1/incidents/{red}/{part}").status_code == 404, part
    amber = incidents["amber"][0].number
    for part in PARTS:
        assert client.get(f"/api/v1/incidents/{amber}/{part}").status_code == 200, part


def test_an_auditor_reads_the_red_incident_and_each_read_is_on_the_record(
    incidents: dict[str, Any], csirt_cast: dict[str, User], login: Any
) -> None:
    red = incidents["red"]
    client = login(csirt_cast["auditor"])
    rows = results(client.get("/api/v1/incidents/", {"tlp": "red"}))
    assert [row["number"] for row in rows] == [red.number]
    assert rows[0]["tlp_label"].startswith("TLP:RED")
    assert _restricted_views(red) == 0  # the list shows no content of it
    detail = client.get(f"/api/v1/incidents/{red.number}/")
    assert detail.status_code == 200
    assert detail.json()["phase_label"] == "トリアージ"
    assert _restricted_views(red) == 1
    event = AuditEvent.objects.get(action="incident.restricted_view", case_id=red.pk)
    assert event.actor_id == csirt_cast["auditor"].pk
    assert client.get(f"/api/v1/incidents/{red.number}/timeline/").status_code == 200
    assert _restricted_views(red) == 2
    # The CSIRT lead reads RED as part of the job: not a restricted view.
    assert login(csirt_cast["lead"]).get(f"/api/v1/incidents/{red.number}/").status_code == 200
    assert _restricted_views(red) == 2


def test_no_integration_key_reads_any_incident(
    incidents: dict[str, Any], csirt_cast: dict[str, User]
) -> None:
    """§D.5 check 6: a RED incident is absent from every key-authenticated response (a key
    reads no incident at all, whatever its scopes)."""
    _key, secret = issue_key(
        csirt_cast, scopes=("systems:read", "targets:read", "events:create", "events:read_own")
    )
    client = key_client(secret)
    red = incidents["red"]
    amber = incidents["amber"][0]
    for url in (
        "/api/v1/incidents/",
        *(f"/api/v1/incidents/{red.number}/{part}" for part in PARTS),
        *(f"/api/v1/incidents/{amber.number}/{part}" for part in PARTS),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert red.number not in response.content.decode()
        assert red.title not in response.content.decode()
    posted = client.post(
        f"/api/v1/incidents/{amber.number}/observables/",
        {"observables": [{"type": "sha256", "value": SHA256}]},
        content_type="application/json",
    )
    assert posted.status_code == 403
    assert not Observable.objects.exists()
    assert _restricted_views(red) == 0


@pytest.mark.parametrize("role", ["staff_a", "staff_b", "reviewer", "approver", "admin"])
def test_roles_the_pages_refuse_see_no_incident(
    incidents: dict[str, Any], csirt_cast: dict[str, User], login: Any, role: str
) -> None:
    client = login(csirt_cast[role])
    assert results(client.get("/api/v1/incidents/")) == []
    for incident in (incidents["amber"][0], incidents["red"]):
        for part in PARTS:
            assert client.get(f"/api/v1/incidents/{incident.number}/{part}").status_code == 404


def test_the_csirt_adds_observables_in_bulk_and_invalid_ones_are_reported_one_by_one(
    incidents: dict[str, Any], csirt_cast: dict[str, User], login: Any
) -> None:
    incident = incidents["amber"][0]
    client = login(csirt_cast["csirt"])
    response = client.post(
        f"/api/v1/incidents/{incident.number}/observables/",
        {
            "observables": [
                {"type": "sha256", "value": "b" * 63},
                {"type": "domain", "value": "evil[.]example[.]jp"},
                {"type": "ip", "value": "１９２．０．２．１"},
                {"type": "sha256", "value": SHA256.upper()},
                {"type": "domain", "value": "EVIL.example.jp."},
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert (body["added"], body["rejected"]) == (3, 2)
    first, _domain, _ip, _hash, repeated = body["results"]
    assert first["id"] is None
    assert first["error"] == BAD_HASH.format(type="sha256", length=64)
    assert repeated["id"] is None and repeated["error"]
    stored = set(Observable.objects.filter(incident=incident).values_list("type", "value"))
    assert stored == {("domain", "evil.example.jp"), ("ip", "192.0.2.1"), ("sha256", SHA256)}
    # Each one through the service: its audit event and its timeline line.
    assert AuditEvent.objects.filter(action="incident.observable", case_id=incident.pk).count() == 3
    assert TimelineEntry.objects.filter(incident=incident).count() == 3
    shown = results_of(client.get(f"/api/v1/incidents/{incident.number}/observables/"))
    assert {row["shown"] for row in shown} >= {"evil[.]example[.]jp"}


def results_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content.decode()[:300]
    return list(response.json())


@pytest.mark.parametrize("role", ["auditor", "ciso"])
def test_readers_who_do_not_triage_may_not_add_observables(
    incidents: dict[str, Any], csirt_cast: dict[str, User], login: Any, role: str
) -> None:
    incident = incidents["amber"][0]
    response = login(csirt_cast[role]).post(
        f"/api/v1/incidents/{incident.number}/observables/",
        {"observables": [{"type": "sha256", "value": SHA256}]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Observable.objects.exists()


def test_other_incident_endpoints_are_read_only_even_for_the_csirt(
    incidents: dict[str, Any], csirt_cast: dict[str, User], login: Any
) -> None:
    incident = incidents["amber"][0]
    client = login(csirt_cast["csirt"])
    for part in ("", "obligations/", "timeline/"):
        response = client.post(f"/api/v1/incidents/{incident.number}/{part}")
        assert response.status_code in (403, 405), part
    response = client.post("/api/v1/incidents/")
    assert response.status_code == 403
    assert response.json()["detail"] == KEY_WRITES_ONLY


def test_a_bulk_add_refuses_unknown_fields_and_an_empty_list(
    incidents: dict[str, Any], csirt_cast: dict[str, User], login: Any
) -> None:
    incident = incidents["amber"][0]
    client = login(csirt_cast["csirt"])
    url = f"/api/v1/incidents/{incident.number}/observables/"
    bodies: list[dict[str, Any]] = [{"observables": []}, {"observables": [], "extra": 1}, {}]
    for body in bodies:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
    assert not Observable.objects.exists()


def test_obligations_and_timeline_are_the_incidents_own(
    incidents: dict[str, Any], csirt_cast: dict[str, User], login: Any
) -> None:
    from governance.incidents import services

    incident, other = incidents["amber"]
    services.add_timeline_entry(
        actor=csirt_cast["csirt"], incident=incident, kind="action", text="端末を隔離"
    )
    client = login(csirt_cast["csirt"])
    timeline = results_of(client.get(f"/api/v1/incidents/{incident.number}/timeline/"))
    assert [row["text"] for row in timeline] == ["端末を隔離"]
    assert timeline[0]["kind_label"] == "対応"
    assert results_of(client.get(f"/api/v1/incidents/{other.number}/timeline/")) == []
    obligations = results_of(client.get(f"/api/v1/incidents/{incident.number}/obligations/"))
    assert len(obligations) == ReportingObligation.objects.filter(incident=incident).count()

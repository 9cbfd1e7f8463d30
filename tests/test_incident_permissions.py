"""Who sees what of the CSIRT (§B.7, §B.8): every incident and event URL for every role; TLP:RED
for named members, the lead and the CISO only (an auditor's view is an audit event); reporters
their own reports; administrators no incident (the pages refuse them); other departments 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from governance.incidents import selectors, services
from governance.models import AuditEvent, Incident
from tests.incidents_support import csirt_cast, promote, report, triage

__all__ = ["csirt_cast"]

pytestmark = pytest.mark.django_db

ROLES = ["staff_a", "staff_b", "csirt", "csirt2", "lead", "ciso", "auditor", "admin"]

# url name → expected status per role (staff_a reported the event; csirt handles both
# incidents and is named on the RED one; csirt2 is a CSIRT member named on neither).
# Columns in the order of ROLES.
_TABLE: dict[str, tuple[int, ...]] = {
    "report": (200, 200, 200, 200, 200, 200, 403, 403),
    "my_reports": (200, 200, 200, 200, 200, 200, 200, 403),
    "index": (403, 403, 200, 200, 200, 200, 200, 403),
    "manual": (403, 403, 200, 200, 200, 403, 403, 403),
    "mine": (403, 403, 200, 200, 200, 200, 200, 403),
    "event": (404, 404, 200, 200, 200, 200, 200, 403),
    "my_event": (200, 404, 200, 200, 200, 200, 200, 403),
    "incident": (404, 404, 200, 200, 200, 200, 200, 403),
    "incident_red": (404, 404, 200, 404, 200, 200, 200, 403),
    "start": (403, 403, 200, 200, 200, 403, 403, 403),
}
MATRIX = {name: dict(zip(ROLES, codes, strict=True)) for name, codes in _TABLE.items()}


@pytest.fixture
def world(csirt_cast: dict[str, Any], dept_a: Any) -> dict[str, Any]:
    people = csirt_cast
    event = report(people["staff_a"])
    amber = triage(
        people["csirt"],
        promote(people["csirt"], [report(people["staff_a"], what="別件")], department=dept_a),
        category="malware",
    )
    red = promote(people["csirt"], [], department=dept_a, title="極秘")
    services.set_tlp(actor=people["csirt"], incident=red, tlp="red")
    return {"people": people, "event": event, "amber": amber, "red": red}


def _url(name: str, world: dict[str, Any]) -> str:
    if name in ("event", "my_event"):
        return reverse(f"incidents:{name}", args=[world["event"].pk])
    if name == "incident":
        return reverse("incidents:incident", args=[world["amber"].pk])
    if name == "incident_red":
        return reverse("incidents:incident", args=[world["red"].pk])
    if name == "start":
        return selectors.start_url()
    return reverse(f"incidents:{name}")


@pytest.mark.parametrize("role", ROLES)
def test_every_incident_url_answers_each_role_as_the_matrix_says(world, login, role) -> None:
    client = login(world["people"][role])
    got = {name: client.get(_url(name, world)).status_code for name in MATRIX}
    assert got == {name: expected[role] for name, expected in MATRIX.items()}


def test_an_auditors_view_of_a_red_incident_is_an_audit_event(world, login) -> None:
    red = world["red"]
    before = AuditEvent.objects.filter(action="incident.restricted_view").count()
    login(world["people"]["auditor"]).get(reverse("incidents:incident", args=[red.pk]))
    login(world["people"]["lead"]).get(reverse("incidents:incident", args=[red.pk]))
    assert AuditEvent.objects.filter(action="incident.restricted_view").count() == before + 1


def test_a_red_incident_is_missing_from_the_lists_of_members_not_named_on_it(world) -> None:
    people = world["people"]
    from governance import permissions

    visible = permissions.scope_cases(people["csirt2"], Incident.objects.all())
    assert world["red"] not in visible and world["amber"] in visible
    assert world["red"] in permissions.scope_cases(people["ciso"], Incident.objects.all())


def test_observables_also_seen_elsewhere_are_filtered_by_tlp(world) -> None:
    people = world["people"]
    for incident in (world["amber"], world["red"]):
        services.add_observable(
            actor=people["csirt"], incident=incident, type="domain", value="evil[.]example"
        )
    rows = selectors.observables_of(people["csirt2"], world["amber"])
    assert rows[0].also_seen == []
    rows = selectors.observables_of(people["lead"], world["amber"])
    assert [number for _pk, number in rows[0].also_seen] == [world["red"].number]
    assert "<a" not in rows[0].shown and rows[0].shown == "evil[.]example"

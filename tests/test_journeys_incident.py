"""A security incident goes, in a real browser, from a department report on a phone-sized
window through triage (severity computed from the factors), tasks, observables and containment
to a closure approved by a second person and by the CISO for an L3."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from governance.models import Incident, SecurityEvent, User
from governance.roles import Role
from tests.browser import sign_in, sign_out, submit, wait_for_page
from tests.factories import make_user
from tests.incident_pages import INCIDENT_PAGE, handle_and_close, press, take_and_open

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_phone_report_becomes_an_l3_incident_closed_by_a_second_lead_and_the_ciso(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    base = live_server.url
    lead = make_user("lead", Role.CSIRT_LEAD)
    make_user("ciso", Role.CISO)
    lead.groups.add(Group.objects.get(name=Role.CSIRT_MEMBER))

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "staff_a")
    page.goto(base + reverse("incidents:report"))
    assert "不審なファイルやメールは添付せず" in page.inner_text("#report-banner")
    page.fill("textarea[name=what]", "不審なメールの添付ファイルを開いてしまいました")
    page.check("input[name=personal_data][value=no]")
    page.click("#report-form button[type=submit]")
    wait_for_page(page, re.compile(r"/incidents/my-reports/\d+/$"))
    event = SecurityEvent.objects.get()
    assert event.number in page.inner_text("#event-number")
    sign_out(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "csirt")
    page.goto(base + reverse("incidents:index"))
    page.click(f"text={event.number}")
    wait_for_page(page, re.compile(r"/incidents/events/\d+/$"))
    page.click("#promote-event")
    wait_for_page(page, re.compile(r"/incident/start/"))
    page.select_option("select[name=department]", str(cast["staff_a"].department_id))
    submit(page, INCIDENT_PAGE)
    incident = Incident.objects.get()

    take_and_open(page, "triage")
    page.select_option("select[name=category]", "targeted_mail")
    page.select_option("select[name=functional_impact]", "high")
    page.select_option("select[name=activity_stage]", "completed")
    submit(page, INCIDENT_PAGE)
    assert page.inner_text("#incident-severity") == "L3"

    page.select_option("#incident-observables select[name=type]", "url")
    page.fill("#incident-observables input[name=value]", "hxxps://Evil[.]example/login")
    press(page, "#observable-submit")
    assert "hxxps://evil[.]example/login" in page.inner_text("#incident-observables")
    assert page.locator("#incident-observables a", has_text="evil").count() == 0

    for phase in ("analysis", "containment", "eradication"):
        page.select_option("#incident-phase-card select[name=phase]", phase)
        press(page, "#phase-submit")
    assert page.inner_text("#incident-phase") == "根絶"

    while page.locator("#incident-tasks form.shinsa-inline").count():
        press(page, "#incident-tasks form.shinsa-inline button")

    # An L3 owes the 総務省 report (a submission) and the 公表 decision (the CISO's, below).
    owed = page.locator("#submission-form input[name=obligations]")
    assert owed.count() >= 1
    for index in range(owed.count()):
        owed.nth(index).check()
    page.fill("#submission-form input[name=submitted_at]", f"{timezone.localtime():%Y-%m-%dT%H:%M}")
    page.select_option("#submission-form select[name=method]", "email")
    page.fill("#submission-form input[name=reference]", "MIC-2026-001")
    press(page, "#submission-submit")
    assert "MIC-2026-001" in page.inner_text("#obligation-submissions")
    sign_out(page)

    sign_in(page, base, "ciso")
    page.goto(base + reverse("incidents:incident", args=[incident.pk]))
    press(page, "#obligation-submissions button")
    assert page.locator("#submission-form").count() == 0
    decision = page.locator("#publication-decision-form")
    decision.locator("input[name=choice][value=not_publish]").check()
    decision.locator("textarea[name=reason]").fill("個人情報の漏えいがなく、被害は庁内に限られる")
    press(page, "#publication-decision-submit")
    assert "公表の判断（公表しない）" in page.inner_text("#publication-record")
    press(page, "#ack-submit")
    sign_out(page)

    sign_in(page, base, "csirt")
    page.goto(base + reverse("incidents:incident", args=[incident.pk]))
    handle_and_close(
        page,
        base,
        incident,
        reviewer="lead",
        root_cause="添付ファイルの開封",
        prevention="添付ファイルの自動無害化",
        lessons="通報が早く被害が限定された",
    )
    assert page.inner_text("#incident-phase") == "完了"
    incident.refresh_from_db()
    assert incident.phase == "closed" and incident.severity == "L3"

"""In a real browser, a misdirected e-mail with 101 persons' data goes from the department's
report to a submitted 速報, a 確報 registered before its due date, the 本人通知 and 公表
decisions (taken by the CISO on their decision forms, the other obligations waived by the CISO)
and closure (phases, tasks, the handle step, a second lead's review and the CISO's approval, all
clicked); the documents it needed are generated, downloaded and read back with python-docx."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from docx import Document

from governance.decisions.models import DecisionRecord
from governance.incidents.obligations.models import ObligationSubmission, ReportingObligation
from governance.models import Incident, SecurityEvent, User
from governance.roles import Role
from tests.browser import sign_in, sign_out, submit, wait_for_page
from tests.factories import make_user
from tests.incident_pages import INCIDENT_PAGE, handle_and_close, press, take_and_open

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _obligation(incident: Incident, recipient: str, stage: str) -> ReportingObligation:
    return ReportingObligation.objects.get(incident=incident, recipient=recipient, stage=stage)


def _register(
    page: Any, obligation: ReportingObligation, at: dt.datetime, method: str, reference: str
) -> None:
    form = page.locator("#submission-form")
    form.locator(f"input[name=obligations][value='{obligation.pk}']").check()
    form.locator("input[name=submitted_at]").fill(_local(at))
    form.locator("select[name=method]").select_option(method)
    form.locator("input[name=reference]").fill(reference)
    press(page, "#submission-submit")


def _generate_and_download(page: Any, button: str, link: str) -> tuple[str, str, str]:
    """Press a document button, download the version it made, read it with python-docx:
    (header, body with table rows as ``a | b``, footer)."""
    press(page, button)
    with page.expect_download() as info:
        page.click(link)
    data = Path(info.value.path()).read_bytes()
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return (
        "\n".join(p.text for p in section.header.paragraphs),
        "\n".join(lines),
        "\n".join(p.text for p in section.footer.paragraphs),
    )


def test_a_misdirected_email_of_101_persons_is_reported_decided_closed_and_documented(
    live_server: Any, page: Any, cast: dict[str, User]
) -> None:
    base = live_server.url
    lead = make_user("lead", Role.CSIRT_LEAD)
    make_user("lead2", Role.CSIRT_LEAD)
    make_user("ciso", Role.CISO)
    lead.groups.add(Group.objects.get(name=Role.CSIRT_MEMBER))
    now = timezone.now()
    aware = now - dt.timedelta(hours=3)

    # The department reports from a phone, an hour after it knew.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "staff_a")
    page.goto(base + reverse("incidents:report"))
    page.fill("textarea[name=what]", "住民101人分の名簿を添付したメールを誤った宛先に送信しました")
    page.fill("input[name=aware_at]", _local(aware))
    page.check("input[name=personal_data][value=yes]")
    page.fill("input[name=persons]", "101")
    page.click("#report-form button[type=submit]")
    wait_for_page(page, re.compile(r"/incidents/my-reports/\d+/$"))
    event = SecurityEvent.objects.get()
    sign_out(page)

    # The CSIRT promotes it, triages it and states the facts: the PPC clocks start at 覚知.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "csirt")
    page.goto(base + reverse("incidents:event", args=[event.pk]))
    page.click("#promote-event")
    wait_for_page(page, re.compile(r"/incident/start/"))
    page.select_option("select[name=department]", str(cast["staff_a"].department_id))
    submit(page, INCIDENT_PAGE)
    incident = Incident.objects.get()
    take_and_open(page, "triage")
    page.select_option("select[name=category]", "misdelivery_email")
    submit(page, INCIDENT_PAGE)
    facts = page.locator("form", has=page.locator("#facts-submit"))
    facts.locator("select[name=pd_involved]").select_option("yes")
    facts.locator("[name=pd_items]").fill("氏名、住所、電話番号")
    facts.locator("[name=pd_persons]").fill("101")
    press(page, "#facts-submit")
    incident.refresh_from_db()
    assert incident.pd_persons == 101 and incident.severity == "L3"
    preliminary = _obligation(incident, "ppc", "preliminary")
    final = _obligation(incident, "ppc", "final")
    assert final.due_on is not None
    row = page.locator("#incident-obligations tr[data-recipient=ppc][data-stage=final]")
    assert "未提出" in row.inner_text()

    # 第一報 and the PPC worksheet (速報), downloaded and read back.
    header, body, footer = _generate_and_download(
        page, "#generate-incident_report-update", "#download-incident_report-first-1-v1"
    )
    assert "TLP:AMBER" in header and "TLP:AMBER" in footer
    assert "インシデント報告（第一報）" in body and "本人の数 | 101人" in body
    assert "個人情報保護委員会（漏えい等報告） | 速報 | 要 | 未提出" in body
    header, sheet, footer = _generate_and_download(
        page,
        "#generate-ppc_report_worksheet-preliminary",
        "#download-ppc_report_worksheet-preliminary-v1",
    )
    assert "TLP:AMBER" in header and "TLP:AMBER" in footer
    assert "本人の数が100人を超える（第4号）" in sheet
    assert (
        "3　漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数 | 101人" in sheet
    )

    # The 速報 is sent; an L3's content is approved by the CISO.
    _register(page, preliminary, now - dt.timedelta(hours=1), "electronic", "PPC-R8-0101")
    sign_out(page)
    sign_in(page, base, "ciso")
    page.goto(base + reverse("incidents:incident", args=[incident.pk]))
    press(page, f"#approve-{ObligationSubmission.objects.get().pk}")
    press(page, "#ack-submit")
    preliminary.refresh_from_db()
    assert preliminary.status == "submitted"
    sign_out(page)

    # The 公表 and 本人通知 decisions are the CISO's (L3): decision records, not submissions.
    sign_in(page, base, "ciso")
    page.goto(base + reverse("incidents:incident", args=[incident.pk]))
    shown = page.inner_text("#decision-facts")
    assert "本人の数" in shown and "101" in shown and "公表の判断" in shown
    decision = page.locator("#publication-decision-form")
    decision.locator("input[name=choice][value=publish]").check()
    decision.locator("textarea[name=reason]").fill("101人の個人情報の漏えいのため公表する")
    press(page, "#publication-decision-submit")
    assert "公表の判断（公表する）" in page.inner_text("#publication-record")
    notice_form = page.locator("#notice-decision-form")
    notice_form.locator("input[name=choice][value=notify]").check()
    notice_form.locator("textarea[name=reason]").fill("全員の住所が判明しているため郵送で通知する")
    press(page, "#notice-decision-submit")
    assert "本人通知の判断（本人に通知する）" in page.inner_text("#notice-record")
    sign_out(page)
    publication = _obligation(incident, "publication_decision", "decision")
    assert publication.status == "decided"
    assert _obligation(incident, "individual_notice", "notice").status == "pending"

    # The 確報 (before its due date) and the notice sent are registered; the CISO approves.
    sign_in(page, base, "csirt")
    page.goto(base + reverse("incidents:incident", args=[incident.pk]))
    submission_form = page.locator("#submission-form")
    assert submission_form.locator(f"input[value='{publication.pk}']").count() == 0
    at = timezone.now() - dt.timedelta(minutes=5)
    assert timezone.localdate(at) <= final.due_on
    _register(page, final, at, "electronic", "PPC-R8-0102")
    _register(page, _obligation(incident, "individual_notice", "notice"), at, "paper", "")
    sign_out(page)
    sign_in(page, base, "ciso")
    page.goto(base + reverse("incidents:incident", args=[incident.pk]))
    for awaiting in ObligationSubmission.objects.filter(approval="awaiting").order_by("pk"):
        press(page, f"#approve-{awaiting.pk}")
    # What else the facts owe (総務省's 第一報, the report to the CISO) the CISO waives here.
    for other in ReportingObligation.objects.filter(incident=incident, status="pending"):
        row = page.locator(f"#waive-{other.pk}").locator("xpath=..")
        row.locator("input[name=reason]").fill("CISO に口頭で報告済み、総務省へは別途連絡")
        press(page, f"#waive-{other.pk}")
    sign_out(page)
    assert _obligation(incident, "ppc", "final").status == "submitted"
    assert _obligation(incident, "individual_notice", "notice").status == "submitted"
    assert _obligation(incident, "publication_decision", "decision").status == "decided"

    # Closure, clicked: the handler moves the phases and finishes the tasks, requests closure
    # on the handle step, a second lead reviews it and the CISO approves (an L3).
    sign_in(page, base, "csirt")
    page.goto(base + reverse("incidents:incident", args=[incident.pk]))
    for phase in ("analysis", "containment", "eradication"):
        page.select_option("#incident-phase-card select[name=phase]", phase)
        press(page, "#phase-submit")
    assert page.inner_text("#incident-phase") == "根絶"
    while page.locator("#incident-tasks form.shinsa-inline").count():
        press(page, "#incident-tasks form.shinsa-inline button")
    handle_and_close(
        page,
        base,
        incident,
        reviewer="lead2",
        root_cause="宛先の選択誤り",
        prevention="送信前の宛先確認を二人で行う",
        lessons="部局からの報告が早かった",
    )
    assert page.inner_text("#incident-phase") == "完了"
    incident.refresh_from_db()
    assert incident.phase == "closed"
    # The case's 決定の経緯 lists both decisions with their reasons.
    page.click("#case-trace-link")
    wait_for_page(page, re.compile(r"/cases/\d+/trace/$"))
    trace = page.inner_text("#trace")
    assert "公表の判断（公表する）" in trace and "本人通知の判断（本人に通知する）" in trace
    record = DecisionRecord.objects.get(
        case_id=incident.pk, decision="incident.publication_publish"
    )
    published = page.locator(f"#decision-{record.pk}")
    published.locator("summary").click()
    assert "101人の個人情報の漏えいのため公表する" in published.inner_text()
    sign_out(page)

    # After closure: the 最終報 with every report's 受付番号, and the other documents.
    sign_in(page, base, "csirt")
    page.goto(base + reverse("incidents:incident", args=[incident.pk]))
    header, body, footer = _generate_and_download(
        page, "#generate-incident_report-final", "#download-incident_report-final-2-v1"
    )
    assert "TLP:AMBER" in header and "TLP:AMBER" in footer
    assert "インシデント報告（最終報）" in body
    assert "個人情報保護委員会（漏えい等報告） | 速報 | 要 | 提出済 |" in body
    assert "PPC-R8-0101" in body and "PPC-R8-0102" in body
    assert "原因 | 宛先の選択誤り" in body
    for button, link, expected in (
        (
            "#generate-individual_notice",
            "#download-individual_notice-v1",
            "個人情報の漏えい等についてのお詫びとお知らせ",
        ),
        ("#generate-press_release", "#download-press_release-v1", "送信前の宛先確認を二人で行う"),
        (
            "#generate-post_incident_review",
            "#download-post_incident_review-v1",
            "部局からの報告が早かった",
        ),
    ):
        header, body, footer = _generate_and_download(page, button, link)
        assert "TLP:AMBER" in header and "TLP:AMBER" in footer, button
        assert expected in body, button
    incident.refresh_from_db()
    assert incident.phase == "closed"
    assert (
        incident.documents.count() == 6
    )  # 第一報, 記載整理票, 最終報, 通知文案, 公表資料, レビュー

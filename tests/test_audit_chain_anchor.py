"""The chain's monthly anchor (ChainAnchor, NEXT_WAVE §C.5b) is issued on the first business day
with its Word 監査記録ハッシュ通知, a missed month is the administrators' deadline, and an event
changed before an anchored sequence is reported 不一致 for that anchor by verify_audit and by
the auditors' 監査記録の照合 page, which only auditors and administrators open."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from docx import Document

from governance.audit.anchors import issue_monthly_anchor, schedule_anchor
from governance.audit.notice import first_business_day, grouped_lines, issue_day
from governance.audit.services import record_event
from governance.clocks.models import DeadlineKind, DeadlineStatus
from governance.clocks.selectors import visible_deadlines
from governance.clocks.services import open_deadline_for
from governance.documents import sha256_hex
from governance.models import AuditAnchor, AuditEvent, Deadline, Department, User
from governance.roles import Role
from tests.test_audit import as_attacker

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))


def docx_text(data: bytes) -> str:
    """Every paragraph of the document, its tables' cells included, one per line."""
    document = Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines.extend(paragraph.text for paragraph in cell.paragraphs)
    return "\n".join(lines)


def at(monkeypatch: Any, moment: dt.datetime) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def write_events(count: int) -> list[AuditEvent]:
    department, _created = Department.objects.get_or_create(code="anchor", name="アンカー部")
    events = []
    for index in range(count):
        with transaction.atomic():
            events.append(
                record_event(actor=None, action="test.anchor", obj=department, changes={"n": index})
            )
    return events


def run_anchor_job(run_jobs: Any) -> None:
    """What the periodic runner does each minute: schedule the job, and the relay runs it."""
    if schedule_anchor() == "enqueued":
        run_jobs()


def december_anchor(monkeypatch: Any, run_jobs: Any) -> tuple[AuditAnchor, list[AuditEvent]]:
    """Three events in December 2026, anchored on 2027-01-04 at 09:00."""
    at(monkeypatch, dt.datetime(2026, 12, 15, 10, 0, tzinfo=JST))
    events = write_events(3)
    at(monkeypatch, dt.datetime(2027, 1, 4, 9, 0, tzinfo=JST))
    run_anchor_job(run_jobs)
    return AuditAnchor.objects.get(period="2026-12"), events


# --- The issue day --------------------------------------------------------------------------


def test_the_first_business_day_skips_the_year_end_closure_weekends_and_holidays() -> None:
    assert first_business_day(2027, 1) == dt.date(2027, 1, 4)  # 1/1–1/3 closed
    assert first_business_day(2026, 8) == dt.date(2026, 8, 3)  # the 1st is a Saturday
    # 2027-05-01 is a Saturday and 5/3–5/5 are holidays.
    assert first_business_day(2027, 5) == dt.date(2027, 5, 6)
    assert first_business_day(2027, 2) == dt.date(2027, 2, 1)  # a Monday
    assert issue_day("2026-12") == dt.date(2027, 1, 4)


def test_the_anchor_of_december_is_issued_on_the_first_business_day_of_january(
    monkeypatch: Any, run_jobs: Any
) -> None:
    at(monkeypatch, dt.datetime(2026, 12, 15, 10, 0, tzinfo=JST))
    events = write_events(3)
    for day in (1, 2, 3):  # 年末年始: the month has closed, but the office is not open
        at(monkeypatch, dt.datetime(2027, 1, day, 9, 0, tzinfo=JST))
        run_anchor_job(run_jobs)
        assert not AuditAnchor.objects.exists(), day
    at(monkeypatch, dt.datetime(2027, 1, 4, 0, 5, tzinfo=JST))
    run_anchor_job(run_jobs)
    anchor = AuditAnchor.objects.get()
    assert (anchor.period, anchor.sequence, anchor.hash) == ("2026-12", 3, events[-1].hash)
    assert anchor.issued_on == dt.date(2027, 1, 4)


def test_a_month_whose_first_day_is_a_saturday_is_anchored_on_the_monday(
    monkeypatch: Any, run_jobs: Any
) -> None:
    at(monkeypatch, dt.datetime(2026, 7, 20, 10, 0, tzinfo=JST))
    write_events(2)
    at(monkeypatch, dt.datetime(2026, 8, 1, 9, 0, tzinfo=JST))  # Saturday
    run_anchor_job(run_jobs)
    assert not AuditAnchor.objects.exists()
    at(monkeypatch, dt.datetime(2026, 8, 3, 9, 0, tzinfo=JST))  # Monday
    run_anchor_job(run_jobs)
    assert AuditAnchor.objects.get().period == "2026-07"


def test_two_runners_issuing_the_same_month_make_one_anchor(
    monkeypatch: Any, run_jobs: Any
) -> None:
    _anchor, events = december_anchor(monkeypatch, run_jobs)
    with transaction.atomic():
        again = issue_monthly_anchor(
            period="2026-12", now=timezone.now(), head=(3, events[-1].hash)
        )
    assert again is None
    assert AuditAnchor.objects.count() == 1
    assert AuditEvent.objects.filter(action="audit.anchor").count() == 1


# --- The notice -----------------------------------------------------------------------------


def test_the_notice_opened_with_python_docx_shows_the_era_period_sequence_and_hash(
    monkeypatch: Any, run_jobs: Any
) -> None:
    anchor, events = december_anchor(monkeypatch, run_jobs)
    data = anchor.document.read()
    assert sha256_hex(data) == anchor.document_sha256
    text = docx_text(data)
    assert "監査記録ハッシュ通知（令和8年12月分）" in text
    assert "令和9年1月4日" in text  # issued on
    assert anchor.document_number and anchor.document_number in text
    assert "通番\n3" in text
    hash_lines = grouped_lines(events[-1].hash)
    assert len(hash_lines) == 2 and all(len(line) == 35 for line in hash_lines)
    for line in hash_lines + grouped_lines(anchor.signature):
        assert line in text
    assert f"verify_audit --expect-head 3:{events[-1].hash}" in text
    assert "/audit/verify/" in text
    assert "担当" in text
    assert "{{" not in text and "{%" not in text
    # The notice's hash is sealed into the chain with the anchor.
    event = AuditEvent.objects.get(action="audit.anchor")
    assert event.changes["document_sha256"] == [None, anchor.document_sha256]
    assert event.changes["document_number"] == [None, anchor.document_number]


def test_the_auditor_downloads_the_notice_and_others_are_refused(
    cast: dict[str, User], login: Any, monkeypatch: Any, run_jobs: Any
) -> None:
    anchor, _events = december_anchor(monkeypatch, run_jobs)
    url = f"/audit/anchors/{anchor.pk}/"
    response = login(cast["auditor"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert sha256_hex(b"".join(response.streaming_content)) == anchor.document_sha256
    for name in ("staff_a", "reviewer", "approver", "csirt"):
        assert login(cast[name]).get(url).status_code in (403, 404), name


def test_the_committed_audit_master_is_what_the_build_script_makes() -> None:
    path = Path(settings.BASE_DIR) / "docs" / "masters" / "build_audit_masters.py"
    spec = importlib.util.spec_from_file_location("build_audit_masters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = Path(settings.BASE_DIR) / "templates" / "documents" / "audit_anchor_notice.docx"
    assert module.build_anchor_notice() == committed.read_bytes()
    assert module.build_anchor_notice() == module.build_anchor_notice()


# --- A missed month -------------------------------------------------------------------------


def test_a_month_the_job_missed_is_a_missed_deadline_and_a_warning_for_the_admin(
    cast: dict[str, User], login: Any, monkeypatch: Any, run_jobs: Any
) -> None:
    from governance.clocks.runner import run_deadlines

    anchor, _events = december_anchor(monkeypatch, run_jobs)
    clock = open_deadline_for(anchor, DeadlineKind.AUDIT_CHAIN_ANCHOR)
    assert clock is not None
    # January's anchor is due at the end of 2027-02-01 (a Monday), for the administrators.
    assert timezone.localtime(clock.due_at).date() == dt.date(2027, 2, 1)
    assert clock.holder_role == Role.ADMIN
    assert clock in visible_deadlines(cast["admin"])
    assert clock not in visible_deadlines(cast["reviewer"])
    admin = login(cast["admin"])
    assert 'id="missing-anchors"' not in admin.get("/audit/verify/").content.decode()

    # The job does not run on 2 February: the clock is missed and the page says which month.
    at(monkeypatch, dt.datetime(2027, 2, 2, 9, 0, tzinfo=JST))
    run_deadlines()
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.MISSED
    admin = login(cast["admin"])  # signed in again: a month has passed
    page = admin.get("/audit/verify/").content.decode()
    assert 'id="missing-anchors"' in page and "令和9年1月" in page

    # Issued late, January's anchor meets the clock (late) and starts February's.
    run_anchor_job(run_jobs)
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.MET
    january = AuditAnchor.objects.get(period="2027-01")
    assert open_deadline_for(january, DeadlineKind.AUDIT_CHAIN_ANCHOR) is not None
    assert Deadline.objects.filter(kind=DeadlineKind.AUDIT_CHAIN_ANCHOR).count() == 2
    assert 'id="missing-anchors"' not in admin.get("/audit/verify/").content.decode()


# --- Tampering ------------------------------------------------------------------------------


def tamper_reason(sequence: int) -> None:
    with as_attacker() as cursor:
        cursor.execute(
            "UPDATE governance_auditevent SET reason = %s WHERE sequence = %s",
            ["書き換え", sequence],
        )


def test_an_event_changed_before_the_anchor_is_reported_by_verify_audit_naming_the_anchor(
    monkeypatch: Any, run_jobs: Any
) -> None:
    anchor, _events = december_anchor(monkeypatch, run_jobs)
    call_command("verify_audit", stdout=io.StringIO())  # holds before the change
    tamper_reason(2)
    with pytest.raises(CommandError) as broken:
        call_command("verify_audit", stdout=io.StringIO())
    message = str(broken.value)
    assert "BROKEN at event #2" in message
    assert "不一致: 2026-12 の月次アンカー:" in message
    assert f"通番 {anchor.sequence} までの監査記録はこのアンカーと一致しません" in message


def test_the_verification_page_reports_the_anchor_not_held_and_the_run_is_recorded(
    cast: dict[str, User], login: Any, monkeypatch: Any, run_jobs: Any
) -> None:
    anchor, _events = december_anchor(monkeypatch, run_jobs)
    auditor = login(cast["auditor"])
    page = auditor.get("/audit/verify/").content.decode()
    assert anchor.hash in page and "令和8年12月" in page and "✓ 一致" in page
    assert f"/audit/anchors/{anchor.pk}/" in page
    assert not AuditEvent.objects.filter(action="audit.verify").exists()  # a GET changes nothing

    tamper_reason(2)
    response = auditor.post("/audit/verify/")
    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index('id="anchor-2026-12"') :]
    row = row[: row.index("</tr>")]
    assert "不一致" in row and "通番 2 の記録が改ざんされている" in row
    assert "改ざんを検出しました（通番 2" in page
    run = AuditEvent.objects.get(action="audit.verify")
    assert run.actor_id == cast["auditor"].pk
    assert run.changes["result"] == [None, "不一致"]
    assert run.changes["anchors_not_held"] == [None, ["2026-12"]]


def test_a_verification_of_an_untouched_chain_reports_every_anchor_held(
    cast: dict[str, User], login: Any, monkeypatch: Any, run_jobs: Any
) -> None:
    december_anchor(monkeypatch, run_jobs)
    page = login(cast["admin"]).post("/audit/verify/").content.decode()
    assert "改ざんはありません" in page and "不一致" not in page
    assert AuditEvent.objects.get(action="audit.verify").changes["result"] == [None, "一致"]


def test_only_auditors_and_administrators_open_or_run_the_verification(
    cast: dict[str, User], login: Any, monkeypatch: Any, run_jobs: Any
) -> None:
    december_anchor(monkeypatch, run_jobs)
    for name in ("staff_a", "reviewer", "approver", "csirt"):
        client = login(cast[name])
        assert client.get("/audit/verify/").status_code in (403, 404), name
        assert client.post("/audit/verify/").status_code in (403, 404), name
    assert not AuditEvent.objects.filter(action="audit.verify").exists()
    assert login(cast["auditor"]).get("/audit/verify/").status_code == 200


def test_the_auditors_home_links_to_the_verification_page(
    cast: dict[str, User], login: Any
) -> None:
    page = login(cast["auditor"]).get("/home/").content.decode()
    assert 'id="anchor-verify-link"' in page and "/audit/verify/" in page

"""Without anyone noting the head, a cut tail of the audit chain is detected: the head is
anchored on a clock, through the outbox, to a signed append-only file and monthly to the
auditors, and verify_audit checks every anchor."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from governance.audit.anchors import (
    ANCHOR_JOB,
    anchor_line,
    check_anchors,
    read_file_anchors,
    schedule_anchor,
)
from governance.audit.notice import first_business_day
from governance.audit.services import record_event
from governance.documents import sha256_hex
from governance.jobs import periodic
from governance.models import AuditAnchor, AuditEvent, Department, Job, Notification, User
from tests.test_audit import as_attacker
from tests.test_audit_chain_anchor import docx_text

pytestmark = pytest.mark.django_db


def write_events(count: int) -> list[AuditEvent]:
    department, _created = Department.objects.get_or_create(code="anchor", name="アンカー部")
    events = []
    for index in range(count):
        with transaction.atomic():
            events.append(
                record_event(actor=None, action="test.anchor", obj=department, changes={"n": index})
            )
    return events


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def anchor_now(run_jobs: Any) -> None:
    """What beat does every minute: the periodic tasks, then the relay runs their jobs."""
    assert periodic.run_all()["audit_anchor"] == "enqueued"
    run_jobs()


def cut_tail(after: int) -> None:
    with as_attacker() as cursor:
        cursor.execute("DELETE FROM governance_auditevent WHERE sequence > %s", [after])


def test_the_periodic_task_anchors_the_head_through_the_outbox(run_jobs: Any) -> None:
    events = write_events(3)
    assert schedule_anchor() == "enqueued"
    job = Job.objects.get(kind=ANCHOR_JOB)
    assert not anchor_file().exists()  # written by the job, not by the clock
    run_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    [line] = anchor_file().read_text(encoding="utf-8").splitlines()
    fields = json.loads(line)
    assert (fields["sequence"], fields["hash"]) == (3, events[-1].hash)
    assert set(fields) == {"at", "sequence", "hash", "hmac"}
    [anchor] = read_file_anchors(anchor_file())
    assert anchor.authentic


def test_a_cut_tail_is_detected_without_expect_head(run_jobs: Any) -> None:
    write_events(5)
    anchor_now(run_jobs)
    cut_tail(after=3)
    out = StringIO()
    with pytest.raises(CommandError, match="記録済みの通番 5 が監査記録にありません"):
        call_command("verify_audit", stdout=out)


def test_every_anchor_is_checked_not_only_the_last(run_jobs: Any, settings: Any) -> None:
    write_events(2)
    anchor_now(run_jobs)
    settings.AUDIT_ANCHOR_INTERVAL_SECONDS = 0  # due as soon as the head moves
    write_events(2)
    anchor_now(run_jobs)
    assert [a.sequence for a in read_file_anchors(anchor_file())] == [2, 4]
    cut_tail(after=1)
    problems = check_anchors().problems
    assert len(problems) == 2
    assert "通番 2 " in problems[0]
    assert "通番 4 " in problems[1]


def test_an_unmoved_head_is_not_anchored_again_and_a_moved_one_waits_for_the_interval(
    run_jobs: Any, settings: Any
) -> None:
    write_events(2)
    anchor_now(run_jobs)
    assert schedule_anchor() == "not due"
    write_events(1)
    assert schedule_anchor() == "not due"  # within AUDIT_ANCHOR_INTERVAL_SECONDS
    settings.AUDIT_ANCHOR_INTERVAL_SECONDS = 0
    assert schedule_anchor() == "enqueued"
    assert schedule_anchor() == "pending"  # one job at a time
    run_jobs()
    assert [a.sequence for a in read_file_anchors(anchor_file())] == [2, 3]


def test_an_empty_chain_is_not_anchored() -> None:
    assert schedule_anchor() == "not due"
    assert not Job.objects.filter(kind=ANCHOR_JOB).exists()


def test_verify_audit_reports_how_many_anchors_it_checked(run_jobs: Any) -> None:
    write_events(3)
    anchor_now(run_jobs)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().startswith("OK: 3 events verified.")
    assert "1 anchors from the file, 0 monthly anchors checked" in out.getvalue()


def test_expect_head_still_detects_a_cut_tail_before_any_anchor() -> None:
    events = write_events(4)
    cut_tail(after=3)
    call_command("verify_audit", stdout=StringIO())
    with pytest.raises(CommandError, match="recorded head #4"):
        call_command("verify_audit", expect_head=f"4:{events[-1].hash}")


def test_an_edited_or_forged_anchor_line_is_detected(run_jobs: Any) -> None:
    events = write_events(3)
    anchor_now(run_jobs)
    # Someone replaces the line with one naming an earlier head, without the key.
    forged = json.loads(anchor_file().read_text(encoding="utf-8"))
    forged.update(sequence=2, hash=events[1].hash)
    anchor_file().write_text(json.dumps(forged) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="署名が一致しません"):
        call_command("verify_audit", stdout=StringIO())


def test_verify_audit_checks_a_copy_of_the_anchor_file(tmp_path: Path) -> None:
    events = write_events(3)
    copy = tmp_path / "copy.jsonl"
    copy.write_text(
        anchor_line(at=timezone.now(), sequence=3, digest=events[-1].hash) + "\n", encoding="utf-8"
    )
    cut_tail(after=2)
    call_command("verify_audit", stdout=StringIO())  # no anchor of its own yet
    with pytest.raises(CommandError, match=r"copy\.jsonl:1: 記録済みの通番 3"):
        call_command("verify_audit", anchors=str(copy), stdout=StringIO())


# --- The monthly anchor ---------------------------------------------------------------------


def next_month(monkeypatch: Any) -> dt.datetime:
    """Move the clock to the first business day of next month (the monthly anchor's issue
    day), 9:00 in Tokyo."""
    today = timezone.localdate()
    following = today.replace(day=1) + dt.timedelta(days=32)
    first = first_business_day(following.year, following.month)
    moment = timezone.make_aware(dt.datetime.combine(first, dt.time(9)))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def test_the_closed_month_is_anchored_once_and_handed_to_every_auditor(
    cast: dict[str, User], run_jobs: Any, monkeypatch: Any, login: Any
) -> None:
    events = write_events(3)
    this_month = timezone.localdate().strftime("%Y-%m")
    anchor_now(run_jobs)
    assert not AuditAnchor.objects.exists()  # the month has not closed yet

    next_month(monkeypatch)
    assert schedule_anchor() == "enqueued"
    run_jobs()
    anchor = AuditAnchor.objects.get()
    assert (anchor.period, anchor.sequence, anchor.hash) == (this_month, 3, events[-1].hash)
    [event] = AuditEvent.objects.filter(action="audit.anchor")
    assert event.object_id == str(anchor.pk)
    assert event.changes["hash"] == [None, events[-1].hash]
    notice = Notification.objects.get(recipient=cast["auditor"])
    assert events[-1].hash in notice.body
    assert f"--expect-head 3:{events[-1].hash}" in notice.body
    assert Job.objects.filter(kind="send_email").exists()

    # Later runs the same month anchor the moved head (the anchor's own event and the next
    # month's clock) to the file only: the month is issued once.
    anchor_now(run_jobs)
    assert read_file_anchors(anchor_file())[-1].sequence == AuditEvent.objects.count() == 5
    assert schedule_anchor() == "not due"
    assert AuditAnchor.objects.count() == 1
    assert Notification.objects.filter(recipient=cast["auditor"]).count() == 1

    document = login(cast["auditor"]).get(notice.url)
    assert document.status_code == 200
    assert "attachment" in document["Content-Disposition"]
    data = b"".join(document.streaming_content)
    assert sha256_hex(data) == anchor.document_sha256
    text = docx_text(data)
    assert "通番\n3" in text
    assert f"--expect-head 3:{events[-1].hash}" in text


def test_the_monthly_anchor_names_the_head_at_the_close_of_the_month(
    run_jobs: Any, monkeypatch: Any
) -> None:
    events = write_events(2)
    next_month(monkeypatch)
    write_events(2)  # events of the new month are not part of the closed month's anchor
    anchor_now(run_jobs)
    anchor = AuditAnchor.objects.get()
    assert (anchor.sequence, anchor.hash) == (2, events[-1].hash)


def test_a_monthly_anchor_detects_a_cut_tail_when_the_file_is_gone_too(
    run_jobs: Any, monkeypatch: Any
) -> None:
    write_events(3)
    next_month(monkeypatch)
    anchor_now(run_jobs)
    anchor_file().unlink()
    cut_tail(after=1)
    problems = check_anchors().problems
    assert any("アンカーファイル" in problem for problem in problems)
    assert any("月次アンカー: 記録済みの通番 3 が監査記録にありません" in p for p in problems)


def test_only_auditors_and_administrators_download_the_monthly_anchor(
    cast: dict[str, User], run_jobs: Any, monkeypatch: Any, login: Any
) -> None:
    write_events(1)
    next_month(monkeypatch)
    anchor_now(run_jobs)
    anchor = AuditAnchor.objects.get()
    url = f"/audit/anchors/{anchor.pk}/"
    assert login(cast["admin"]).get(url).status_code == 200
    for name in ("staff_a", "reviewer", "approver"):
        assert login(cast[name]).get(url).status_code == 403, name


def test_the_audit_page_lists_the_monthly_anchors_and_checks_them(
    cast: dict[str, User], run_jobs: Any, monkeypatch: Any, login: Any
) -> None:
    write_events(2)
    next_month(monkeypatch)
    anchor_now(run_jobs)
    anchor = AuditAnchor.objects.get()
    auditor = login(cast["auditor"])
    page = auditor.get("/audit/").content.decode()
    assert anchor.hash in page
    assert f"/audit/anchors/{anchor.pk}/" in page
    cut_tail(after=1)
    checked = auditor.get("/audit/?verify=1").content.decode()
    assert 'id="anchor-result"' in checked
    assert "記録済みの通番 2 が監査記録にありません" in checked

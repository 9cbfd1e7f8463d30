"""Mail intake (manage.py ingest_mail): one event per mail, deduplicated by Message-ID and by
body hash; oversized mails refused and logged; the raw mail and suspicious attachments
quarantined under their content hash, archives never expanded; drills dismissed as training;
the intake sources and playbooks in Django admin go through the audited service."""

from __future__ import annotations

import io
import logging
import zipfile
from email.message import EmailMessage
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from governance.incidents.services.mail import html_to_text, ingest_mail, suspicion
from governance.models import (
    AuditEvent,
    EventAttachment,
    IntakeSource,
    SecurityEvent,
    TaskTemplate,
    User,
)
from governance.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def desk() -> IntakeSource:
    return IntakeSource.objects.get(code="phishing-desk")


@pytest.fixture
def intake_user(db: None) -> User:
    return make_user("mailbot", Role.INTEGRATION)


def _mail(
    *,
    subject: str = "【重要】アカウントの確認",
    body: str = "以下のリンクからパスワードを確認してください。",
    sender: str = "staff-a@example.lg.jp",
    message_id: str | None = "<abc@example.jp>",
    html: str = "",
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = "phishing@example.lg.jp"
    message["Date"] = "Mon, 30 Nov 2026 09:00:00 +0900"
    if message_id:
        message["Message-ID"] = message_id
    if html:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_mail_becomes_an_event_with_its_raw_mail_quarantined(
    intake_user: User, desk: IntakeSource, cast: dict[str, User], _media: Path
) -> None:
    staff = cast["staff_a"]
    staff.email = "staff-a@example.lg.jp"
    staff.save()
    result = ingest_mail(actor=intake_user, source=desk, data=_mail())
    event = result.event
    assert result.created and event is not None
    assert event.channel == "mail" and event.title == "【重要】アカウントの確認"
    assert event.source_ref == "mid:<abc@example.jp>"
    assert list(event.reporters.all()) == [staff]
    raw = event.attachments.get(kind="raw_mail")
    assert raw.quarantined and raw.content_type == "application/octet-stream"
    assert Path(raw.file.path).name == raw.sha256


def test_the_same_message_id_twice_is_one_event(intake_user: User, desk: IntakeSource) -> None:
    first = ingest_mail(actor=intake_user, source=desk, data=_mail())
    again = ingest_mail(actor=intake_user, source=desk, data=_mail(subject="別の件名"))
    assert again.event == first.event and not again.created
    assert SecurityEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="event.receive").count() == 1


def test_a_second_forward_of_the_same_mail_adds_a_reporter(
    intake_user: User, desk: IntakeSource, cast: dict[str, User]
) -> None:
    for user, address in ((cast["staff_a"], "a@example.lg.jp"), (cast["staff_b"], "b@x.lg.jp")):
        user.email = address
        user.save()
    ingest_mail(actor=intake_user, source=desk, data=_mail(sender="a@example.lg.jp"))
    quoted = "> 以下のリンクからパスワードを確認してください。"
    second = ingest_mail(
        actor=intake_user,
        source=desk,
        data=_mail(sender="b@x.lg.jp", message_id="<other@example.jp>", body=quoted),
    )
    assert not second.created
    assert SecurityEvent.objects.count() == 1
    assert {u.username for u in SecurityEvent.objects.get().reporters.all()} == {
        "staff_a",
        "staff_b",
    }


def test_without_message_id_the_body_hash_deduplicates(
    intake_user: User, desk: IntakeSource
) -> None:
    first = ingest_mail(actor=intake_user, source=desk, data=_mail(message_id=None))
    assert first.event is not None and first.event.source_ref.startswith("body:")
    again = ingest_mail(actor=intake_user, source=desk, data=_mail(message_id=None))
    assert again.event == first.event and SecurityEvent.objects.count() == 1
    other = ingest_mail(actor=intake_user, source=desk, data=_mail(message_id=None, body="別文"))
    assert other.created and SecurityEvent.objects.count() == 2


def test_a_mail_over_20_mb_is_refused_logged_and_nothing_is_stored(
    intake_user: User, desk: IntakeSource, caplog: Any, _media: Path
) -> None:
    big = _mail(attachments=(("big.pdf", b"%PDF" + b"0" * (20 * 1024 * 1024)),))
    with caplog.at_level(logging.WARNING, logger="governance.incidents.mail"):
        result = ingest_mail(actor=intake_user, source=desk, data=big, origin="new/1")
    assert result.event is None and "大きすぎる" in result.refused
    assert "mail refused" in caplog.text and "new/1" in caplog.text
    assert not SecurityEvent.objects.exists() and not EventAttachment.objects.exists()
    assert not _media.exists() or not any(_media.rglob("*.*"))


def test_a_zip_inside_a_zip_is_stored_quarantined_and_never_expanded(
    intake_user: User, desk: IntakeSource
) -> None:
    inner = _zip({"invoice.exe": b"MZ" + b"\0" * 100})
    outer = _zip({"請求書.zip": inner})
    with mock.patch.object(zipfile.ZipFile, "read", side_effect=AssertionError("expanded")):
        result = ingest_mail(
            actor=intake_user, source=desk, data=_mail(attachments=(("請求書.zip", outer),))
        )
    assert result.event is not None
    stored = result.event.attachments.get(kind="attachment")
    assert stored.quarantined and "圧縮ファイルの中に圧縮ファイル" in stored.quarantine_reason
    assert Path(stored.file.path).read_bytes() == outer  # stored as it came
    assert stored.original_name == "請求書.zip"


def test_file_names_never_reach_the_disk(
    intake_user: User, desk: IntakeSource, _media: Path
) -> None:
    evil = "../../etc/passwd.pdf"
    result = ingest_mail(
        actor=intake_user, source=desk, data=_mail(attachments=((evil, b"%PDF-1.7 ok"),))
    )
    assert result.event is not None
    stored = result.event.attachments.get(kind="attachment")
    assert stored.original_name == "passwd.pdf" or stored.original_name.endswith("passwd.pdf")
    assert Path(stored.file.path).name == stored.sha256
    assert Path(stored.file.path).resolve().is_relative_to(_media.resolve())
    assert not stored.quarantined  # a real PDF is not suspicious


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("report.exe", b"MZ\0\0", "実行"),
        ("見積.pdf", b"MZ\0\0", "実行"),
        ("写真.jpg", b"%PDF-1.7", "一致しない"),
        ("macro.docm", b"PK\x03\x04", "実行"),
        ("data.zip", _zip({"a.txt": b"x"}), "圧縮ファイル（展開していません）"),
        ("readme.txt", b"hello", ""),
    ],
)
def test_suspicious_attachments_are_recognised(name: str, data: bytes, reason: str) -> None:
    found = suspicion(name, data)
    assert (reason in found) if reason else found == ""


def test_html_is_converted_to_text_never_kept_as_html(
    intake_user: User, desk: IntakeSource
) -> None:
    html = "<p>こちらを<a href='http://evil.example'>クリック</a></p><script>alert(1)</script>"
    result = ingest_mail(actor=intake_user, source=desk, data=_mail(html=html, message_id="<h@x>"))
    assert result.event is not None
    assert result.event.description == "こちらをクリック"
    assert html_to_text("<div>a<br>b</div>") == "a\nb"


def test_a_drill_mail_is_dismissed_as_training_and_counted(
    intake_user: User, desk: IntakeSource
) -> None:
    result = ingest_mail(
        actor=intake_user, source=desk, data=_mail(subject="【訓練】不審メール対応訓練")
    )
    event = SecurityEvent.objects.get(pk=result.event.pk)  # type: ignore[union-attr]
    assert event.is_exercise
    assert (event.status, event.dismiss_reason) == ("dismissed", "training")
    assert SecurityEvent.objects.filter(is_exercise=True, dismiss_reason="training").count() == 1


def test_the_command_reads_a_maildir_once_and_eml_files(
    intake_user: User, desk: IntakeSource, tmp_path: Path
) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_bytes(_mail())
    (maildir / "new" / "2.host").write_bytes(_mail(message_id="<two@x>", body="二通目"))
    out = StringIO()
    call_command("ingest_mail", str(maildir), actor="mailbot", stdout=out)
    assert "created 2" in out.getvalue()
    assert not list((maildir / "new").iterdir())
    assert len(list((maildir / "cur").iterdir())) == 2
    eml = tmp_path / "one.eml"
    eml.write_bytes(_mail())
    out = StringIO()
    call_command("ingest_mail", str(eml), actor="mailbot", stdout=out)
    assert "existing 1" in out.getvalue()
    assert SecurityEvent.objects.count() == 2


def test_the_command_reads_imap_without_the_network(
    intake_user: User, desk: IntakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAIL_IMAP_USER", "desk")
    monkeypatch.setenv("MAIL_IMAP_PASSWORD", "pw")
    server = mock.MagicMock()
    server.search.return_value = ("OK", [b"7"])
    server.fetch.return_value = ("OK", [(b"7 (BODY[] {1}", _mail()), b")"])
    with mock.patch("imaplib.IMAP4_SSL", return_value=server) as connect:
        call_command("ingest_mail", imap="imap.example.lg.jp", actor="mailbot", stdout=StringIO())
    connect.assert_called_once_with("imap.example.lg.jp")
    server.store.assert_called_once_with("7", "+FLAGS", "\\Seen")
    assert SecurityEvent.objects.count() == 1


def test_the_command_refuses_an_unknown_actor(desk: IntakeSource) -> None:
    with pytest.raises(CommandError):
        call_command("ingest_mail", "x.eml", actor="nobody")


def test_people_without_the_intake_role_cannot_ingest(
    cast: dict[str, User], desk: IntakeSource
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        ingest_mail(actor=cast["reviewer"], source=desk, data=_mail())
    assert not SecurityEvent.objects.exists()


# --- Django admin of the CSIRT's master data -----------------------------------------------


@pytest.fixture
def admin_client(cast: dict[str, User], login: Any) -> Any:
    user = cast["admin"]
    user.is_staff = True
    user.save()
    return login(user)


def test_an_intake_source_changed_in_admin_is_audited_and_its_code_is_fixed(
    admin_client: Any, desk: IntakeSource
) -> None:
    from tests.test_admin_governed import change_form_data

    url = f"/admin/governance/intakesource/{desk.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    data.update(name="不審メール通報窓口（新）", code="renamed")
    assert admin_client.post(url, data).status_code == 302
    desk.refresh_from_db()
    assert desk.name == "不審メール通報窓口（新）" and desk.code == "phishing-desk"
    audit = AuditEvent.objects.get(action="intake_source.change")
    assert audit.changes["name"] == ["不審メール通報窓口", "不審メール通報窓口（新）"]
    assert admin_client.post(f"/admin/governance/intakesource/{desk.pk}/delete/").status_code == 403


def test_a_playbook_step_added_in_admin_is_audited(admin_client: Any) -> None:
    response = admin_client.post(
        "/admin/governance/tasktemplate/add/",
        {
            "category": "ransomware",
            "key": "isolate-backup",
            "title": "バックアップの隔離確認",
            "phase": "containment",
            "sort_order": "5",
        },
    )
    assert response.status_code == 302
    assert TaskTemplate.objects.filter(key="isolate-backup").exists()
    assert AuditEvent.objects.filter(action="task_template.add").count() == 1


def test_the_master_data_service_refuses_non_administrators(
    cast: dict[str, User], desk: IntakeSource
) -> None:
    from django.core.exceptions import PermissionDenied

    from governance.incidents.services.master import save_intake_source

    desk.name = "変更"
    with pytest.raises(PermissionDenied):
        save_intake_source(actor=cast["reviewer"], source=desk)
    desk.refresh_from_db()
    assert desk.name == "不審メール通報窓口"

"""``manage.py ingest_mail``: mails to security events (NEXT_WAVE §B.3 item 3), run every
minute by the periodic machinery.

Reads a Maildir (its ``new/`` mails, moved to ``cur/`` once read), ``.eml`` files or folders of
them, or an IMAP mailbox (``--imap HOST``, stdlib ``imaplib`` over TLS; the user and password
come from ``MAIL_IMAP_USER`` and ``MAIL_IMAP_PASSWORD``; unseen mails, marked seen once read).
Each mail goes through ``governance.incidents.services.mail.ingest_mail``, acting as
``--actor`` (a CSIRT member or an integration service user).
"""

from __future__ import annotations

import imaplib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.incidents.services.mail import MailResult, ingest_mail
from governance.models import IntakeSource, User


def _maildir_mails(root: Path) -> Iterator[tuple[str, bytes, Any]]:
    for path in sorted((root / "new").iterdir()):
        if path.is_file():

            def seen(path: Path = path) -> None:
                # Maildir's convention: a read mail moves to cur/ with the "seen" flag.
                path.rename(root / "cur" / f"{path.name}:2,S")

            yield str(path), path.read_bytes(), seen


def _files(paths: list[str]) -> Iterator[tuple[str, bytes, Any]]:
    for name in paths:
        path = Path(name)
        if path.is_dir() and (path / "new").is_dir() and (path / "cur").is_dir():
            yield from _maildir_mails(path)
        elif path.is_dir():
            for item in sorted(path.glob("*.eml")):
                yield str(item), item.read_bytes(), None
        elif path.is_file():
            yield str(path), path.read_bytes(), None
        else:
            raise CommandError(f"not found: {name}")


def _imap_mails(host: str, folder: str) -> Iterator[tuple[str, bytes, Any]]:
    user = os.environ.get("MAIL_IMAP_USER", "")
    password = os.environ.get("MAIL_IMAP_PASSWORD", "")
    if not user or not password:
        raise CommandError("MAIL_IMAP_USER and MAIL_IMAP_PASSWORD are required with --imap")
    connection = imaplib.IMAP4_SSL(host)
    try:
        connection.login(user, password)
        connection.select(folder)
        _status, found = connection.search(None, "UNSEEN")
        for raw_number in (found[0] or b"").split():
            number = raw_number.decode()
            _status, parts = connection.fetch(number, "(BODY.PEEK[])")
            data = next((p[1] for p in parts if isinstance(p, tuple)), b"")

            def seen(number: str = number) -> None:
                connection.store(number, "+FLAGS", "\\Seen")

            yield f"imap:{host}/{folder}/{number}", data, seen
    finally:
        connection.logout()


class Command(BaseCommand):
    help = "Record mails (Maildir, .eml files or an IMAP mailbox) as security events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", help="Maildir folders, .eml files or folders")
        parser.add_argument("--source", default="phishing-desk", help="intake source code")
        parser.add_argument("--actor", required=True, help="username the intake acts as")
        parser.add_argument("--imap", default="", help="IMAP host (TLS) instead of paths")
        parser.add_argument("--folder", default="INBOX", help="IMAP folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = User.objects.get(username=options["actor"], is_active=True)
            source = IntakeSource.objects.get(code=options["source"], active=True)
        except (User.DoesNotExist, IntakeSource.DoesNotExist) as exc:
            raise CommandError(str(exc)) from None
        if options["imap"]:
            mails = _imap_mails(options["imap"], options["folder"])
        elif options["paths"]:
            mails = _files(options["paths"])
        else:
            raise CommandError("give Maildir/.eml paths or --imap HOST")
        counts = {"created": 0, "existing": 0, "refused": 0}
        for origin, data, seen in mails:
            result: MailResult = ingest_mail(actor=actor, source=source, data=data, origin=origin)
            if result.refused:
                counts["refused"] += 1
                self.stderr.write(f"{origin}: {result.refused}")
            else:
                counts["created" if result.created else "existing"] += 1
            if seen is not None:
                seen()
        self.stdout.write(
            f"created {counts['created']}, existing {counts['existing']}, "
            f"refused {counts['refused']}"
        )

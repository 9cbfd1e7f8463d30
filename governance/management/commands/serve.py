"""Serve the embedded default: the development server plus the periodic runner in a thread.

In production Celery beat drives the periodic work; here one process does everything.

With PostgreSQL (a trial of the production database, a developer's copy) database connections
are not kept between requests here. The development server starts a thread per client
connection and keeps it for as long as the browser keeps the connection alive; with
``CONN_MAX_AGE`` each such thread held its own PostgreSQL connection, and 16 clients made it
hold 61 and fail 13% of requests with "too many clients". Closing the connection after each
request bounds them by the requests in progress, at the cost of a connection set-up per
request, which the development server can afford. Refusing instead would only send people to
bare ``runserver``, which has the same problem; production runs gunicorn (README).

What the demo's users meet is what production shows: mails sent while they use it are saved as
files in ``var/demo-mail/`` (unless ``EMAIL_HOST`` names a real server), and a missing page is
the Japanese 404 page even though the demo runs with ``DEBUG=1`` (``SHINSA_FRIENDLY_ERRORS``,
see ``governance.errors``). Links in those mails use ``SITE_URL``, which ``make demo ADDR=…``
sets.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connections
from django.test.utils import override_settings

from governance.env import env_bool
from governance.jobs import outbox, periodic

logger = logging.getLogger(__name__)

PERSISTENCE_OFF_NOTICE = (
    "開発サーバではデータベース接続を要求ごとに閉じます（CONN_MAX_AGE=0）。"
    "本番では gunicorn を使ってください（README「Running in production」）。"
    " (The development server closes database connections after each request;"
    " production runs gunicorn.)"
)


def turn_off_persistent_connections() -> list[str]:
    """Set CONN_MAX_AGE=0 on every database but SQLite; return the aliases changed.

    SQLite keeps its connections: a connection is a file handle, not a server slot, and the
    embedded default was measured with them (0 "database is locked" in 12,843 requests).
    The settings dicts are the ones every thread's connection reads when it connects.
    """
    changed = []
    for alias, database in connections.settings.items():
        if database["ENGINE"] != "django.db.backends.sqlite3" and database["CONN_MAX_AGE"] != 0:
            database["CONN_MAX_AGE"] = 0
            changed.append(alias)
    return changed


FILE_MAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def demo_settings() -> dict[str, Any]:
    """The settings ``serve`` runs with, over those of the environment."""
    overrides: dict[str, Any] = {
        "SHINSA_FRIENDLY_ERRORS": env_bool("SHINSA_FRIENDLY_ERRORS", True),
    }
    if not settings.EMAIL_HOST:
        overrides.update(
            EMAIL_BACKEND=FILE_MAIL_BACKEND,
            EMAIL_FILE_PATH=str(settings.VAR_DIR / "demo-mail"),
        )
    return overrides


def _periodic_loop(stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        try:
            outbox.relay()
            periodic.run_all()
        except Exception:
            logger.exception("periodic runner failed; it will try again")
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "組込み構成でアプリを起動します（開発サーバと定期処理）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if turn_off_persistent_connections():
            self.stdout.write(PERSISTENCE_OFF_NOTICE)
        overrides = demo_settings()
        if "EMAIL_FILE_PATH" in overrides:
            self.stdout.write(f"送信したメールは {overrides['EMAIL_FILE_PATH']} に保存します。")
        self.stdout.write(f"メール内のリンク: {settings.SITE_URL}")
        stop = threading.Event()
        # override_settings is Django's supported way to change settings in a running
        # process; it holds for every thread of the server until the server stops.
        with override_settings(**overrides):
            thread = threading.Thread(
                target=_periodic_loop, args=(stop, options["interval"]), daemon=True
            )
            thread.start()
            try:
                call_command("runserver", options["addrport"], use_reloader=False)
            finally:
                stop.set()

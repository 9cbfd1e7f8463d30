"""Serve the embedded default: the development server plus the periodic runner in a thread.

In production Celery beat drives the periodic work; here one process does everything.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from governance import outbox, periodic

logger = logging.getLogger(__name__)


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
        stop = threading.Event()
        thread = threading.Thread(
            target=_periodic_loop, args=(stop, options["interval"]), daemon=True
        )
        thread.start()
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            stop.set()

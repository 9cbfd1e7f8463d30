"""Print the current TOTP code of a demo user (the demo only: refused with DEBUG off), for
trying the second factor without an authenticator app."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from governance.org.demo import demo_totp_secret


class Command(BaseCommand):
    help = "デモ利用者の現在の TOTP 確認コードを表示します（デモ専用）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("DEBUG=0 では使えません（デモ専用）。")
        secret = demo_totp_secret(options["username"])
        if secret is None:
            raise CommandError(f"{options['username']} のデモ用 TOTP 秘密鍵はありません。")
        code = totp(base64.b32decode(secret))
        self.stdout.write(f"{code:06d}")

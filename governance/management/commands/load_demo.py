"""Load demo data (idempotent): departments, sections, one user per role, liaisons, and the
demo data of each part of the product (registry, cases) registered in ``governance.demo``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from governance.demo import load_all


class Command(BaseCommand):
    help = "デモデータを投入します（何度実行しても同じ結果になります）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (never on a production database).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG=0 ではデモデータを投入しません（--force で強制）。")
        # The demo cases send their notices as the real ones would; they go to files rather
        # than over the printed logins.
        mail_dir = settings.VAR_DIR / "demo-mail"
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
        ):
            logins = load_all(stdout=self.stdout)
        if mail_dir.is_dir():
            self.stdout.write(f"デモの通知メールは {mail_dir} に保存しました。")
        self.stdout.write("")
        self.stdout.write("デモ用ログイン (demo logins; for the demo only):")
        for username, password, role, totp_secret in logins:
            self.stdout.write(f"  {username:<16} {password:<22} {role}")
            if totp_secret:
                self.stdout.write(f"  {'':<16} TOTP 秘密鍵 (secret): {totp_secret}")
        self.stdout.write("")
        self.stdout.write(
            "TOTP 秘密鍵のある利用者は、ログイン後に認証アプリ（秘密鍵を登録）の6桁のコードを"
            "入力します。アプリがなければ python manage.py demo_totp USERNAME で現在のコードを"
            "表示できます。"
        )

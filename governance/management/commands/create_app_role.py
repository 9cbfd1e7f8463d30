"""Print (or, with --apply, check and run) the GRANTs of the application's database role."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from governance.app_role import ROLE_NAME, grant_statements, role_problems


class Command(BaseCommand):
    help = (
        "本番の Web・ワーカー用データベースロールの権限を表示・適用します"
        " (print or apply the GRANTs of the application database role; PostgreSQL only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help="the application role, e.g. shinsa_app")
        parser.add_argument(
            "--apply",
            action="store_true",
            help="check that the role is harmless, then run the statements (as the owner)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if not ROLE_NAME.match(role):
            raise CommandError(f"ロール名 {role!r} は英小文字・数字・_ で指定してください。")
        if connection.vendor != "postgresql":
            raise CommandError("create_app_role は PostgreSQL でのみ使えます。")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema(), current_database()")
            schema, database = cursor.fetchone()
        statements = grant_statements(role=role, schema=schema, database=database)
        if not options["apply"]:
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            problems = role_problems(cursor, role)
            if problems:
                raise CommandError("\n".join(problems))
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"OK: {role} は {database} の業務テーブルを読み書きでき、監査記録は追記と参照のみです。"
        )

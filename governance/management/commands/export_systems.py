"""Export the system registry as an Excel workbook (.xlsx, four sheets) or one sheet as CSV.

The file can be edited and imported again with ``import_systems``; exporting and importing
unchanged data changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.karte import io as karte_io
from governance.karte import selectors
from governance.models import InformationSystem, User


class Command(BaseCommand):
    help = "システムカルテを Excel（.xlsx）または CSV（1 シート）に出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="出力先（.xlsx または .csv）")
        parser.add_argument(
            "--sheet",
            default=karte_io.SHEET_SYSTEMS,
            help="CSV に出力するシート（システム・契約・経費・監視。既定: システム）",
        )
        parser.add_argument(
            "--user",
            help=(
                "この利用者が閲覧できるシステムだけを出力します。省略時はすべて"
                "（サーバを操作できる管理者向け）。"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise CommandError("出力できるのは .xlsx または .csv です。")
        if options["user"]:
            try:
                user = User.objects.get(username=options["user"], is_active=True)
                systems = selectors.systems_to_export(user)
            except User.DoesNotExist:
                raise CommandError(f"利用者「{options['user']}」が見つかりません。") from None
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from None
        else:
            systems = InformationSystem.objects.all()
        try:
            if suffix == ".csv":
                sheet = karte_io.sheet_for(options["sheet"])
                # Excel opens UTF-8 CSV correctly only with a byte-order mark.
                with path.open("w", encoding="utf-8-sig", newline="") as stream:
                    karte_io.write_csv(systems, sheet, stream)
            else:
                with path.open("wb") as binary:
                    karte_io.write_workbook(systems, binary)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"ファイルに書き込めません: {exc}") from None
        self.stdout.write(f"{systems.count()} システムを {path} に出力しました。")

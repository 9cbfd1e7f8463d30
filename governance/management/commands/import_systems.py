"""Import the system registry from an Excel workbook (.xlsx) or one sheet as CSV.

All or nothing: a file with any problem is rejected with every problem listed (sheet, row,
column, reason) and nothing changes. Re-importing the same file changes nothing. Unlike the
import page, the command has no limit on rows (``karte_io.COMMAND_LIMITS``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.karte import io as karte_io
from governance.karte.services import import_systems
from governance.models import User


class Command(BaseCommand):
    help = "システムカルテを Excel（.xlsx）または CSV から取り込みます（全件成功時のみ反映）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="取り込むファイル（.xlsx または .csv）")
        parser.add_argument(
            "--user",
            required=True,
            help="取込を行う利用者名（監査記録に残ります。行政DX推進課の審査担当・決裁者）",
        )
        parser.add_argument(
            "--sheet",
            help="CSV のシート名（システム・契約・経費・監視）。省略時は見出し行から判定します。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError("取り込めるのは .xlsx または .csv のファイルです。")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"ファイルを読み込めません: {exc}") from None
        try:
            actor = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"利用者「{options['user']}」が見つかりません。") from None
        try:
            sheet = karte_io.sheet_for(options["sheet"]) if options["sheet"] else None
            parsed = karte_io.read_file(path.name, data, sheet, karte_io.COMMAND_LIMITS)
            result = import_systems(
                actor=actor,
                parsed=parsed,
                source=f"{path.name} (SHA-256 {hashlib.sha256(data).hexdigest()})",
            )
        except karte_io.KarteImportError as exc:
            raise CommandError(f"取り込みませんでした（何も変更していません）。\n{exc}") from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "この利用者は取込を行えません。") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"取り込みました: 新規 {result.created} 件、更新 {result.updated} 件、"
            f"変更なし {result.unchanged} 件。"
        )
        for sheet_name, added in result.rows_added.items():
            removed = result.rows_removed.get(sheet_name, 0)
            self.stdout.write(f"  {sheet_name}: 追加 {added} 行、削除 {removed} 行")

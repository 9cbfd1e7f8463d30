"""Write the audit package (監査パッケージ) of one case to a ZIP file, as the web page's job does:
``python manage.py audit_package SR-2025-0003 -o SR-2025-0003.zip --user auditor``.

The account named by ``--user`` must be an auditor's or an approver's who may see the case; it
is recorded as the exporter in the audit chain. Anyone else is refused (non-zero exit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from governance.cases.selectors import concrete_case
from governance.decisions import package
from governance.models import Case, User


class Command(BaseCommand):
    help = "案件の監査パッケージ（ZIP）を作成します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="案件番号（例: SR-2025-0003）")
        parser.add_argument("-o", "--output", required=True, help="出力先の ZIP ファイル")
        parser.add_argument(
            "--user", required=True, help="作成者として記録する監査担当者または決裁者の利用者名"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"利用者 {options['user']} は存在しないか、無効です。")
        case = Case.objects.filter(number=options["number"]).first()
        if case is None or not package.can_export_package(user, concrete_case(case)):
            # The same answer whether the case exists or not: existence is not revealed.
            raise CommandError(package.NOT_ALLOWED)
        with transaction.atomic():
            content = package.build(concrete_case(case), user)
        path = Path(options["output"])
        path.write_bytes(content)
        self.stdout.write(
            f"{case.number} の監査パッケージを {path} に書き出しました（{len(content):,} バイト）。"
        )

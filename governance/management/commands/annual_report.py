"""Write the annual activity report (事務事業実績) of a fiscal year as .docx or .xlsx:
``manage.py annual_report 2024 -o annual_report.docx`` (令和6年度).

The draft as the data stands now, for checking; ``--issued-version N`` writes an issued version
again from its frozen snapshot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.activity import render, selectors
from governance.japanese import JapaneseInputError, parse_fiscal_year


class Command(BaseCommand):
    help = "事務事業実績（年度）を Word（.docx）または Excel（.xlsx）で出力します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("fiscal_year", help="年度（2024、令和6 など）")
        parser.add_argument("-o", "--output", required=True, help="出力先（.docx または .xlsx）")
        parser.add_argument(
            "--issued-version", dest="issued_version", type=int, default=None, help="発行済の版"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fiscal_year = parse_fiscal_year(options["fiscal_year"])
        except JapaneseInputError as error:
            raise CommandError(str(error)) from error
        output = Path(options["output"])
        suffix = output.suffix.lower()
        if suffix not in (".docx", ".xlsx"):
            raise CommandError("出力先の拡張子は .docx または .xlsx にしてください。")
        try:
            snapshot = selectors.report_snapshot(fiscal_year, version=options["issued_version"])
        except Exception as error:  # an unknown version: say so instead of a traceback
            raise CommandError(str(error)) from error
        line = str(snapshot.get("issue_line", "（案）"))
        data = (
            render.docx_bytes(snapshot, line)
            if suffix == ".docx"
            else render.xlsx_bytes(snapshot, line)
        )
        output.write_bytes(data)
        self.stdout.write(f"{output} を出力しました（{len(data):,} バイト）。")

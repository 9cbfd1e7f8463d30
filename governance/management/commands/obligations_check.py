"""The rule simulator: what each fact set of a JSON file owes under the rules in force."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from governance.incidents.obligations.engine import evaluate_obligations
from governance.incidents.obligations.factsets import FactSetError, parse_file
from governance.incidents.obligations.rules import rules_in_force
from governance.japanese import fiscal_year_of, parse_date


class Command(BaseCommand):
    help = (
        "インシデントの事実（JSON のリスト）ごとに、適用されるルールで生じる報告義務を JSON で"
        "表示します (print, as JSON, the reporting obligations each fact set owes under the"
        " rules in force, or in force on --as-of DATE)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a JSON list of incident fact sets")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="evaluate under the rules in force on this date (YYYY-MM-DD); default today",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read ({exc})") from None
        day = timezone.localdate()
        if options["as_of"]:
            try:
                day = parse_date(options["as_of"])
            except ValueError:
                raise CommandError(f"--as-of {options['as_of']!r} is not a date") from None
        try:
            fact_sets = parse_file(text)
        except FactSetError as exc:
            raise CommandError(f"{path}: {exc}") from None
        try:
            rules = rules_in_force(fiscal_year_of(day))
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        result = [
            [required.as_json() for required in evaluate_obligations(facts, rules)]
            for facts in fact_sets
        ]
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

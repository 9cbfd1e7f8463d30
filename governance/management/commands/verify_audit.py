"""Verify the audit chain: prints OK with the number of events, or the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.services.audit import verify_chain


class Command(BaseCommand):
    help = "監査記録のハッシュチェーンを検証します (verify the audit hash chain)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="SEQUENCE:HASH",
            help=(
                "A head recorded earlier (printed by a previous run). The chain must still "
                "contain it: this detects a truncated tail, which the chain alone cannot."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"BROKEN at event #{report.broken_sequence}: {report.problem} "
                f"({report.verified} events verified before it)"
            )
        expected = options.get("expect_head")
        if expected:
            from governance.models import AuditEvent

            sequence, _sep, digest = expected.partition(":")
            event = AuditEvent.objects.filter(sequence=int(sequence)).first()
            if event is None or event.hash != digest:
                raise CommandError(
                    f"BROKEN: the recorded head #{sequence} is missing or differs "
                    "(events were removed from the end of the chain)."
                )
        self.stdout.write(
            f"OK: {report.verified} events verified. head {report.head_sequence}:{report.head_hash}"
        )

"""Verify the audit chain and every stored anchor of its head: prints OK with the number of
events, or what is broken (and exits non-zero)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.audit.anchors import check_anchors
from governance.audit.services import verify_chain
from governance.decisions.services import verify_decision_seals
from governance.models import AuditEvent


class Command(BaseCommand):
    help = "監査記録のハッシュチェーンと記録済みアンカーを検証します (verify the audit hash chain)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="SEQUENCE:HASH",
            help=(
                "A head recorded earlier (printed by a previous run, or from a monthly anchor). "
                "The chain must still contain it. The anchors the system stored itself are "
                "checked without this option."
            ),
        )
        parser.add_argument(
            "--anchors",
            metavar="FILE",
            help=(
                "The anchor file to check (default: SHINSA_VAR_DIR/audit-anchors.jsonl), "
                "e.g. a copy kept elsewhere."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        path = Path(options["anchors"]) if options.get("anchors") else None
        if not report.ok:
            # Name every anchor the break reaches back to (不一致), as the 照合 page does.
            held_not = check_anchors(path, chain=report).problems
            raise CommandError(
                f"BROKEN at event #{report.broken_sequence}: {report.problem} "
                f"({report.verified} events verified before it)"
                + ("".join(f"\n  不一致: {problem}" for problem in held_not))
            )
        seals = verify_decision_seals()
        if not seals.ok:
            raise CommandError(
                "BROKEN: decision records no longer match the hashes sealed in the chain:\n  "
                + "\n  ".join(seals.problems)
            )
        anchors = check_anchors(path)
        if not anchors.ok:
            raise CommandError(
                "BROKEN: the chain no longer matches its recorded anchors "
                "(events were removed from the end of the chain, or it was rewritten):\n  "
                + "\n  ".join(anchors.problems)
            )
        expected = options.get("expect_head")
        if expected:
            sequence, _sep, digest = expected.partition(":")
            if not sequence.isdigit() or not digest:
                raise CommandError("--expect-head takes SEQUENCE:HASH, e.g. 1234:9f86d08…")
            event = AuditEvent.objects.filter(sequence=int(sequence)).first()
            if event is None or event.hash != digest:
                raise CommandError(
                    f"BROKEN: the recorded head #{sequence} is missing or differs "
                    "(events were removed from the end of the chain)."
                )
        self.stdout.write(
            f"OK: {report.verified} events verified. head {report.head_sequence}:{report.head_hash}"
            f" ({anchors.from_file} anchors from the file, {anchors.monthly} monthly anchors"
            f" checked; {seals.verified} decision records match their seals)"
        )

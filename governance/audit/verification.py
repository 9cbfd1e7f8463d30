"""A verification run of the audit chain asked for on the 監査記録の照合 page: the whole chain,
every anchor (the file's and the monthly ones), on the record as an audit event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from governance import permissions
from governance.audit.anchors import AnchorCheck, check_anchors
from governance.audit.selectors import AnchorStatus, anchor_status
from governance.audit.services import ChainReport, record_event, verify_chain

VERIFY_ACTION = "audit.verify"


@dataclass(frozen=True)
class Verification:
    """What one run found: the chain's own check, every anchor's, and each monthly anchor."""

    chain: ChainReport
    anchors: AnchorCheck
    statuses: list[AnchorStatus]

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.anchors.ok


def run_verification(*, actor: Any) -> Verification:
    """Verify the chain and check it against every anchor, for an auditor or administrator;
    the run and its outcome are recorded (who checked, when, and what they were shown)."""
    permissions.require(permissions.can_view_audit_trail(actor))
    chain = verify_chain()
    anchors = check_anchors(chain=chain)
    statuses = anchor_status(actor, chain=chain)
    result = Verification(chain=chain, anchors=anchors, statuses=statuses)
    with transaction.atomic():
        record_event(
            actor=actor,
            action=VERIFY_ACTION,
            obj=None,
            changes={
                "result": [None, "一致" if result.ok else "不一致"],
                "verified": [None, chain.verified],
                "head": [None, f"{chain.head_sequence}:{chain.head_hash}"],
                "broken_sequence": [None, chain.broken_sequence],
                "anchors_checked": [None, anchors.from_file + anchors.monthly],
                "anchors_not_held": [
                    None,
                    [status.anchor.period for status in statuses if not status.holds],
                ],
            },
            reason="\n".join(([chain.problem] if chain.problem else []) + anchors.problems)[:2000],
        )
    return result

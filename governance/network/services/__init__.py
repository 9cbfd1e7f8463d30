"""The network connection's services (the only write path), one module per step family:

- ``request``: the department's application (every check before anything is saved), the
  automatic checks against the registry (``run_precheck``), revision and withdrawal;
- ``review``: the security reviewer's findings and checklist, the network admin's check;
- ``decision``: approval (with conditions), the CISO, issuing the approval, connection,
  acknowledgement;
- ``lifecycle``: the approval after the case (suspension, restoration, revocation,
  decommission, disconnection), the clock runner's hooks and the revocation triggers;
- ``conditions``: the conditions in the follow-up ledger;
- ``documents``: the Word documents' contents and the 接続承認一覧 workbook.

Refusal messages are in ``governance.network.messages``. Callers import from here
(``from governance.network import services``)."""

from __future__ import annotations

from governance.network.services.conditions import (
    reopen_condition,
    report_condition,
    verify_condition,
    waive_condition,
)
from governance.network.services.decision import (
    APPROVAL_TEMPLATE,
    REJECTION_TEMPLATE,
    ConditionDraft,
    acknowledge_connection,
    approve_connection,
    ciso_decide,
    default_condition_due,
    issue_approval,
    proposed_condition_findings,
    record_connection,
)
from governance.network.services.documents import (
    EXPORT_HEADERS,
    build_approval_document,
    build_rejection_document,
    build_revocation_document,
    formula_safe,
    validity_text,
    write_approvals_workbook,
)
from governance.network.services.lifecycle import (
    REVOCATION_TEMPLATE,
    approval_expiry_reached,
    approval_unused_lapse_reached,
    confirm_decommission,
    confirm_disconnection,
    report_decommission,
    restore_approval,
    revoke_approval,
    run_approval_triggers,
    settle_review,
    suspend_approvals,
)
from governance.network.services.request import (
    Application,
    FlowInput,
    revise_application,
    run_precheck,
    submit_application,
    withdraw_application,
)
from governance.network.services.review import (
    accept_proposal,
    add_finding,
    complete_network_review,
    complete_security_review,
    dismiss_proposal,
    settle_finding,
)

__all__ = [
    "APPROVAL_TEMPLATE",
    "EXPORT_HEADERS",
    "REJECTION_TEMPLATE",
    "REVOCATION_TEMPLATE",
    "Application",
    "ConditionDraft",
    "FlowInput",
    "accept_proposal",
    "acknowledge_connection",
    "add_finding",
    "approval_expiry_reached",
    "approval_unused_lapse_reached",
    "approve_connection",
    "build_approval_document",
    "build_rejection_document",
    "build_revocation_document",
    "ciso_decide",
    "complete_network_review",
    "complete_security_review",
    "confirm_decommission",
    "confirm_disconnection",
    "default_condition_due",
    "dismiss_proposal",
    "formula_safe",
    "issue_approval",
    "proposed_condition_findings",
    "record_connection",
    "reopen_condition",
    "report_condition",
    "report_decommission",
    "restore_approval",
    "revise_application",
    "revoke_approval",
    "run_approval_triggers",
    "run_precheck",
    "settle_finding",
    "settle_review",
    "submit_application",
    "suspend_approvals",
    "validity_text",
    "verify_condition",
    "waive_condition",
    "withdraw_application",
    "write_approvals_workbook",
]

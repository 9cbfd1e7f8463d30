"""The budget check's services (the only write path), one module per step family:

- ``review``: the refusal messages, the request's facts, routing, the review with its
  send-back loop, the result, approval and acknowledgement;
- ``request``: the department's request;
- ``document``: the advisory document;
- ``ledger``: the guidance-item ledger;
- ``season``: the budget season and its business-day reminders (imported on its own:
  ``governance.budget.services.season``).

Callers import from here (``from governance.budget import services``)."""

from __future__ import annotations

from governance.budget.services.document import (
    build_result_document,
)
from governance.budget.services.ledger import (
    confirm_guidance_item,
    reopen_guidance_item,
    resolve_guidance_item,
    waive_guidance_item,
)
from governance.budget.services.request import (
    request_budget_check,
)
from governance.budget.services.review import (
    ALREADY_REQUESTED,
    AMOUNT_INVALID,
    ANSWER_REQUIRED,
    ATTACHMENT_TYPES,
    CHECKLIST_INCOMPLETE,
    CHECKLIST_NEEDS_GUIDANCE,
    EVIDENCE_REQUIRED,
    FIELD_REQUIRED,
    FISCAL_YEAR_OUT_OF_RANGE,
    GUIDANCE_DUE_IN_PAST,
    GUIDANCE_DUE_REQUIRED,
    GUIDANCE_NOT_ALLOWED,
    GUIDANCE_REQUIRED,
    GUIDANCE_TEXT_REQUIRED,
    ISSUED,
    ISSUING_OFFICE,
    ITEM_NOT_ISSUED,
    ITEM_NOT_OPEN,
    ITEM_NOT_REPORTED,
    MAX_AMOUNT,
    NEW_SYSTEM_EXISTS,
    NEW_SYSTEM_KIND_REQUIRED,
    PENDING,
    QUESTIONS_REQUIRED,
    REOPEN_REASON_REQUIRED,
    RESULT_REQUIRED,
    RESULT_TEMPLATE,
    RESULT_TITLE,
    RETURN_REASON_REQUIRED,
    REVIEWABLE,
    SYSTEM_AND_NEW_SYSTEM,
    SYSTEM_REQUIRED,
    WAIVE_REASON_REQUIRED,
    WRONG_STATUS,
    BudgetRequestFacts,
    GuidanceDraft,
    acknowledge_budget_check,
    approve_budget_check,
    department_assignee,
    record_budget_result,
    request_fiscal_years,
    resubmit_budget_check,
    return_budget_check_to_reviewer,
    review_assignee,
    send_back_budget_check,
)

__all__ = [
    "ALREADY_REQUESTED",
    "AMOUNT_INVALID",
    "ANSWER_REQUIRED",
    "ATTACHMENT_TYPES",
    "CHECKLIST_INCOMPLETE",
    "CHECKLIST_NEEDS_GUIDANCE",
    "EVIDENCE_REQUIRED",
    "FIELD_REQUIRED",
    "FISCAL_YEAR_OUT_OF_RANGE",
    "GUIDANCE_DUE_IN_PAST",
    "GUIDANCE_DUE_REQUIRED",
    "GUIDANCE_NOT_ALLOWED",
    "GUIDANCE_REQUIRED",
    "GUIDANCE_TEXT_REQUIRED",
    "ISSUED",
    "ISSUING_OFFICE",
    "ITEM_NOT_ISSUED",
    "ITEM_NOT_OPEN",
    "ITEM_NOT_REPORTED",
    "MAX_AMOUNT",
    "NEW_SYSTEM_EXISTS",
    "NEW_SYSTEM_KIND_REQUIRED",
    "PENDING",
    "QUESTIONS_REQUIRED",
    "REOPEN_REASON_REQUIRED",
    "RESULT_REQUIRED",
    "RESULT_TEMPLATE",
    "RESULT_TITLE",
    "RETURN_REASON_REQUIRED",
    "REVIEWABLE",
    "SYSTEM_AND_NEW_SYSTEM",
    "SYSTEM_REQUIRED",
    "WAIVE_REASON_REQUIRED",
    "WRONG_STATUS",
    "BudgetRequestFacts",
    "GuidanceDraft",
    "acknowledge_budget_check",
    "approve_budget_check",
    "build_result_document",
    "confirm_guidance_item",
    "department_assignee",
    "record_budget_result",
    "reopen_guidance_item",
    "request_budget_check",
    "request_fiscal_years",
    "resolve_guidance_item",
    "resubmit_budget_check",
    "return_budget_check_to_reviewer",
    "review_assignee",
    "send_back_budget_check",
    "waive_guidance_item",
]

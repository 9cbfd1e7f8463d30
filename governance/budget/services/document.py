"""Budget check, step 5: the advisory document (予算確認結果通知) built from the case."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.budget.services.review import RESULT_TEMPLATE, RESULT_TITLE
from governance.cases.services.documents import DocumentContent, document_builder, office_context
from governance.models import (
    AdvisoryDocument,
    BudgetCheck,
    Case,
)

# --- 5. The advisory document ---------------------------------------------------------------


@document_builder(RESULT_TEMPLATE)
def build_result_document(case: Case) -> DocumentContent:
    """The values the 予算確認結果通知 master is rendered with, as the case is now."""
    check = BudgetCheck.objects.select_related(
        "department", "section", "system", "reviewer", "approver"
    ).get(pk=case.pk)
    number = (
        AdvisoryDocument.objects.filter(case=check, template=RESULT_TEMPLATE)
        .values_list("number", flat=True)
        .first()
    )
    issued = timezone.localtime(check.approved_at or timezone.now()).date()
    items = [
        {
            "sequence": item.sequence,
            "perspective": item.get_perspective_display() if item.perspective else "",
            "text": item.text,
            "due_date": item.due_date,
        }
        for item in check.guidanceitems.order_by("sequence")
    ]
    context = {
        "number": number or "",
        "issued_on": issued,
        **office_context(issued, check.reviewer),
        "case_number": check.number,
        "title": check.title,
        "department": check.department.name,
        "section": check.section.name if check.section else "",
        "system_code": check.system.code if check.system else "",
        "system_name": check.system.name if check.system else "",
        "fiscal_year": check.fiscal_year,
        "initial_cost": check.initial_cost,
        "running_cost": check.running_cost,
        "total_cost": check.total_cost,
        "result": check.get_result_display(),
        "checklist": [
            {"perspective": perspective, "outcome": outcome_label}
            for perspective, _value, outcome_label in check.checklist()
        ],
        "review_notes": check.review_notes,
        "guidance_items": items,
        "reviewer": check.reviewer.display_name if check.reviewer else "",
        "approver": check.approver.display_name if check.approver else "",
    }
    return DocumentContent(title=_(RESULT_TITLE), context=context)

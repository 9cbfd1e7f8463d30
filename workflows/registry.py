"""Every case flow, in menu order. Add a flow here and to ``governance.site``."""

from __future__ import annotations

from workflows.budget_check import BudgetCheckFlow
from workflows.consultation import ConsultationFlow
from workflows.spec_review import SpecReviewFlow

FLOWS = [ConsultationFlow, BudgetCheckFlow, SpecReviewFlow]

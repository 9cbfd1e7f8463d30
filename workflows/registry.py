"""Every case flow, in menu order, registered with the kernel (``governance.flows``) when Django
starts. Add a flow here."""

from __future__ import annotations

from governance import flows
from governance.models import CaseKind
from workflows import driver
from workflows.base import CaseFlowAppViewset
from workflows.budget_check import BudgetCheckAppViewset, BudgetCheckFlow
from workflows.consultation import ConsultationFlow
from workflows.incident import IncidentFlow
from workflows.network_connection import NetworkConnectionAppViewset, NetworkConnectionFlow
from workflows.spec_review import SpecReviewAppViewset, SpecReviewFlow

FLOWS = [ConsultationFlow, BudgetCheckFlow, SpecReviewFlow, NetworkConnectionFlow, IncidentFlow]


def register() -> None:
    flows.register(
        kind=CaseKind.CONSULTATION,
        flow_class=ConsultationFlow,
        viewset=CaseFlowAppViewset(ConsultationFlow, icon="forum"),
    )
    flows.register(
        kind=CaseKind.BUDGET_CHECK,
        flow_class=BudgetCheckFlow,
        viewset=BudgetCheckAppViewset(BudgetCheckFlow, icon="request_quote"),
    )
    flows.register(
        kind=CaseKind.SPEC_REVIEW,
        flow_class=SpecReviewFlow,
        viewset=SpecReviewAppViewset(SpecReviewFlow, icon="fact_check"),
    )
    flows.register(
        kind=CaseKind.NETWORK_CONNECTION,
        flow_class=NetworkConnectionFlow,
        viewset=NetworkConnectionAppViewset(NetworkConnectionFlow, icon="lan"),
    )
    flows.register(
        kind=CaseKind.INCIDENT,
        flow_class=IncidentFlow,
        viewset=CaseFlowAppViewset(IncidentFlow, icon="security"),
    )
    flows.register_driver(driver)

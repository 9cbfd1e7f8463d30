"""Domain models. One module per sub-domain; every model says what one row means."""

from governance.models.audit import AuditEvent
from governance.models.budget import (
    CHECKLIST_FIELDS,
    BudgetCheck,
    BudgetPerspective,
    BudgetSeason,
    CheckOutcome,
    GuidanceItem,
)
from governance.models.cases import (
    CASE_NUMBER_PREFIX,
    REVIEW_KINDS,
    AdvisoryDocument,
    Attachment,
    Case,
    CaseGroupObjectPermission,
    CaseKind,
    CaseMessage,
    CaseStatus,
    CaseUserObjectPermission,
    Counter,
    DocumentVersion,
    Notification,
)
from governance.models.consultation import Consultation
from governance.models.jobs import Job
from governance.models.karte import (
    CUSTOMISABLE_KINDS,
    Contract,
    CostCategory,
    CostKind,
    CostPerspective,
    CostRecord,
    InformationSystem,
    MonitoringEnrolment,
    MonitoringService,
    ServerLocation,
    SystemKind,
    Vendor,
)
from governance.models.ledger import LedgerItem, LedgerStatus
from governance.models.org import Department, Section, User
from governance.models.rules import Rule, RuleKey

__all__ = [
    "CASE_NUMBER_PREFIX",
    "CHECKLIST_FIELDS",
    "CUSTOMISABLE_KINDS",
    "REVIEW_KINDS",
    "AdvisoryDocument",
    "Attachment",
    "AuditEvent",
    "BudgetCheck",
    "BudgetPerspective",
    "BudgetSeason",
    "Case",
    "CaseGroupObjectPermission",
    "CaseKind",
    "CaseMessage",
    "CaseStatus",
    "CaseUserObjectPermission",
    "CheckOutcome",
    "Consultation",
    "Contract",
    "CostCategory",
    "CostKind",
    "CostPerspective",
    "CostRecord",
    "Counter",
    "Department",
    "DocumentVersion",
    "GuidanceItem",
    "InformationSystem",
    "Job",
    "LedgerItem",
    "LedgerStatus",
    "MonitoringEnrolment",
    "MonitoringService",
    "Notification",
    "Rule",
    "RuleKey",
    "Section",
    "ServerLocation",
    "SystemKind",
    "User",
    "Vendor",
]

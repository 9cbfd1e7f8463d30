"""Changes to the system registry (システムカルテ), the only write path, one module per concern:

- ``systems``: create and update a system; the messages the registry refuses with;
- ``contracts``: a system's contracts, cost figures and monitoring enrolments;
- ``imports``: the all-or-nothing workbook import.

Callers import from here (``from governance.karte import services``)."""

from __future__ import annotations

from governance.karte.services.contracts import (
    COST_KEYS,
    CostKey,
    Enrolment,
    add_contract,
    delete_contract,
    set_costs,
    set_monitoring,
)
from governance.karte.services.imports import (
    ImportResult,
    import_systems,
)
from governance.karte.services.systems import (
    CODE_TAKEN,
    CONTRACT_EXISTS,
    ENROLLED_AND_EXEMPT,
    NAME_REQUIRED,
    SECTION_NOT_IN_DEPARTMENT,
    STAFF_IT_EXCEEDS,
    SYSTEM_FIELDS,
    VENDOR_REQUIRED,
    create_system,
    update_system,
)

__all__ = [
    "CODE_TAKEN",
    "CONTRACT_EXISTS",
    "COST_KEYS",
    "ENROLLED_AND_EXEMPT",
    "NAME_REQUIRED",
    "SECTION_NOT_IN_DEPARTMENT",
    "STAFF_IT_EXCEEDS",
    "SYSTEM_FIELDS",
    "VENDOR_REQUIRED",
    "CostKey",
    "Enrolment",
    "ImportResult",
    "add_contract",
    "create_system",
    "delete_contract",
    "import_systems",
    "set_costs",
    "set_monitoring",
    "update_system",
]

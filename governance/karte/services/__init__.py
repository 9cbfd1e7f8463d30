"""Changes to the system registry (システムカルテ), the only write path, one module per concern:

- ``systems``: create and update a system; the messages the registry refuses with;
- ``contracts``: a system's contracts, cost figures and monitoring enrolments;
- ``imports``: the all-or-nothing workbook import;
- ``assets``: a system's equipment and monitored targets.

Callers import from here (``from governance.karte import services``)."""

from __future__ import annotations

from governance.karte.services.assets import (
    ASSET_FIELDS,
    AssetFacts,
    add_monitored_target,
    clean_asset,
    mac_owner,
    register_assets,
    remove_monitored_target,
    retire_asset,
    set_internet_facing,
)
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
    "ASSET_FIELDS",
    "CODE_TAKEN",
    "CONTRACT_EXISTS",
    "COST_KEYS",
    "ENROLLED_AND_EXEMPT",
    "NAME_REQUIRED",
    "SECTION_NOT_IN_DEPARTMENT",
    "STAFF_IT_EXCEEDS",
    "SYSTEM_FIELDS",
    "VENDOR_REQUIRED",
    "AssetFacts",
    "CostKey",
    "Enrolment",
    "ImportResult",
    "add_contract",
    "add_monitored_target",
    "clean_asset",
    "create_system",
    "delete_contract",
    "import_systems",
    "mac_owner",
    "register_assets",
    "remove_monitored_target",
    "retire_asset",
    "set_costs",
    "set_internet_facing",
    "set_monitoring",
    "update_system",
]

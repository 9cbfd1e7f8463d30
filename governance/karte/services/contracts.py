"""Changes to what hangs off one system: its contracts, its cost figures and its
security-monitoring enrolments, each recorded against the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from governance import permissions
from governance.audit.services import record_event
from governance.karte.io import (
    clean_text,
)
from governance.karte.rules import refresh_tenures
from governance.karte.services.systems import CONTRACT_EXISTS, ENROLLED_AND_EXEMPT, VENDOR_REQUIRED
from governance.models import (
    Contract,
    CostCategory,
    CostKind,
    CostPerspective,
    CostRecord,
    InformationSystem,
    MonitoringEnrolment,
    MonitoringService,
    Vendor,
)

# --- Contracts ------------------------------------------------------------------------------


def _contract_item(fiscal_year: int, vendor: str, contract_type: str, amount: int | None) -> list:
    return [fiscal_year, vendor, contract_type, amount]


def add_contract(
    *,
    actor: Any,
    system: InformationSystem,
    fiscal_year: int,
    vendor_name: str,
    contract_type: str = "",
    amount: int | None = None,
) -> Contract:
    """Record that a vendor worked on the system in a fiscal year; tenure is recomputed."""
    permissions.require_edit_system(actor, system)
    vendor_name = clean_text(vendor_name, 200)
    contract_type = clean_text(contract_type, 100)
    if not vendor_name:
        raise ValueError(_(VENDOR_REQUIRED))
    with transaction.atomic():
        vendor, _created = Vendor.objects.get_or_create(name=vendor_name)
        if Contract.objects.filter(
            system=system, fiscal_year=fiscal_year, vendor=vendor, contract_type=contract_type
        ).exists():
            raise ValueError(_(CONTRACT_EXISTS))
        contract = Contract.objects.create(
            system=system,
            fiscal_year=fiscal_year,
            vendor=vendor,
            contract_type=contract_type,
            amount=amount,
        )
        refresh_tenures([system.pk])
        record_event(
            actor=actor,
            action="karte.contract.add",
            obj=system,
            changes={
                "contracts": [
                    [],
                    [_contract_item(fiscal_year, vendor_name, contract_type, amount)],
                ]
            },
        )
    return contract


def delete_contract(*, actor: Any, contract: Contract) -> None:
    system = contract.system
    permissions.require_edit_system(actor, system)
    with transaction.atomic():
        item = _contract_item(
            contract.fiscal_year, contract.vendor.name, contract.contract_type, contract.amount
        )
        contract.delete()
        refresh_tenures([system.pk])
        record_event(
            actor=actor,
            action="karte.contract.delete",
            obj=system,
            changes={"contracts": [[item], []]},
        )


# --- Costs ----------------------------------------------------------------------------------

CostKey = tuple[str, str, str]  # (kind, category, perspective)

COST_KEYS: tuple[CostKey, ...] = tuple(
    (kind, category, perspective)
    for kind in CostKind.values
    for category in CostCategory.values
    for perspective in CostPerspective.values
)


def set_costs(
    *,
    actor: Any,
    system: InformationSystem,
    fiscal_year: int,
    figures: dict[CostKey, int | None],
) -> int:
    """Set a fiscal year's cost figures (thousand yen); None removes a figure. Returns how
    many figures changed."""
    permissions.require_edit_system(actor, system)
    unknown = set(figures) - set(COST_KEYS)
    if unknown:
        raise TypeError(f"unknown cost keys: {sorted(unknown)}")
    with transaction.atomic():
        existing = {
            (record.kind, record.category, record.perspective): record
            for record in CostRecord.objects.filter(system=system, fiscal_year=fiscal_year)
        }
        changes: dict[str, list[Any]] = {}
        for key, amount in figures.items():
            record = existing.get(key)
            old = record.amount_thousand_yen if record else None
            if old == amount:
                continue
            label = f"{fiscal_year} {' '.join(key)}"
            changes[label] = [old, amount]
            if amount is None:
                assert record is not None
                record.delete()
            elif record is None:
                CostRecord.objects.create(
                    system=system,
                    fiscal_year=fiscal_year,
                    kind=key[0],
                    category=key[1],
                    perspective=key[2],
                    amount_thousand_yen=amount,
                )
            else:
                record.amount_thousand_yen = amount
                record.save(update_fields=["amount_thousand_yen"])
        if changes:
            record_event(actor=actor, action="karte.costs.update", obj=system, changes=changes)
    return len(changes)


# --- Monitoring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """What a system's record for one monitoring service says."""

    enrolled: bool
    own_measures: str = ""
    exemption_reason: str = ""


def set_monitoring(
    *,
    actor: Any,
    system: InformationSystem,
    entries: dict[str, Enrolment | None],
) -> int:
    """Set the system's record per monitoring service; None removes it. Returns how many
    services changed."""
    permissions.require_edit_system(actor, system)
    unknown = set(entries) - set(MonitoringService.values)
    if unknown:
        raise TypeError(f"unknown monitoring services: {sorted(unknown)}")
    with transaction.atomic():
        existing = {row.service: row for row in MonitoringEnrolment.objects.filter(system=system)}
        changes: dict[str, list[Any]] = {}
        for service, entry in entries.items():
            if entry is not None:
                entry = Enrolment(
                    entry.enrolled,
                    clean_text(entry.own_measures),
                    clean_text(entry.exemption_reason),
                )
                if entry.enrolled and entry.exemption_reason:
                    raise ValueError(_(ENROLLED_AND_EXEMPT))
            row = existing.get(service)
            old = Enrolment(row.enrolled, row.own_measures, row.exemption_reason) if row else None
            if old == entry:
                continue
            changes[service] = [_enrolment_item(old), _enrolment_item(entry)]
            if entry is None:
                assert row is not None
                row.delete()
            else:
                MonitoringEnrolment.objects.update_or_create(
                    system=system,
                    service=service,
                    defaults={
                        "enrolled": entry.enrolled,
                        "own_measures": entry.own_measures,
                        "exemption_reason": entry.exemption_reason,
                    },
                )
        if changes:
            record_event(actor=actor, action="karte.monitoring.update", obj=system, changes=changes)
    return len(changes)


def _enrolment_item(entry: Enrolment | None) -> list[Any] | None:
    if entry is None:
        return None
    return [entry.enrolled, entry.own_measures, entry.exemption_reason]

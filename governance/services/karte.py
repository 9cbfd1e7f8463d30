"""Changes to the system registry (システムカルテ): systems, contracts, costs, monitoring, and
the workbook import. Each function checks permission itself (``governance.permissions``),
runs in one transaction and records its audit events there.

Every event about a system, its contracts, costs or monitoring is recorded against the system
itself (``obj=system``), so a system's whole history is one indexed query.

The import (``import_systems``) is all-or-nothing and idempotent by system code:

- the file is read and every row checked first; one problem anywhere rejects the whole file,
  listing every problem with sheet, row, column and reason, and nothing changes;
- a system row creates the system or updates it in place (its code never changes); columns
  the file does not have are left as they are;
- a 契約/経費/監視 sheet, when present, is the whole truth for the systems it concerns (those
  in the システム sheet and those its own rows name): rows not in the file are removed, new
  ones added, identical ones untouched. A sheet that is absent changes nothing;
- the audit trail gets one ``karte.import`` summary event (file name, SHA-256, counts) plus one
  ``karte.system.create`` / ``karte.system.update`` event per system that actually changed,
  with its field changes and its removed/added contracts, costs and enrolments. An import
  that changes nothing is not a change of business state and records nothing, so
  re-importing a file (or importing an export) leaves the database exactly as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.karte import refresh_tenures
from governance.karte_io import (
    SHEET_CONTRACTS,
    SHEET_COSTS,
    SHEET_MONITORING,
    SHEET_SYSTEMS,
    CellError,
    ImportIssue,
    KarteImportError,
    ParsedImport,
    clean_text,
    normalise_name,
    read_code,
)
from governance.models import (
    Contract,
    CostCategory,
    CostKind,
    CostPerspective,
    CostRecord,
    Department,
    InformationSystem,
    MonitoringEnrolment,
    MonitoringService,
    Section,
    Vendor,
)
from governance.services.audit import PendingEvent, record_event, record_events

# Messages; tests assert on these.
CODE_TAKEN = gettext_noop("システムコード「{code}」は既に使われています。")
SECTION_NOT_IN_DEPARTMENT = gettext_noop(
    "所属「{section}」は部局「{department}」に属していません。"
)
STAFF_IT_EXCEEDS = gettext_noop("うち情報系職員数が職員数を超えています。")
UNKNOWN_DEPARTMENT = gettext_noop("部局「{name}」は登録されていません。")
UNKNOWN_SECTION = gettext_noop("所属「{name}」は部局「{department}」に登録されていません。")
UNKNOWN_SYSTEM = gettext_noop(
    "システムコード「{code}」のシステムは登録されていません（システムシートにもありません）。"
)
CONTRACT_EXISTS = gettext_noop("同じ年度・事業者・契約種別の契約が既にあります。")
VENDOR_REQUIRED = gettext_noop("事業者名を入力してください。")
ENROLLED_AND_EXEMPT = gettext_noop("登録している監視サービスに対象外理由は書けません。")
NAME_REQUIRED = gettext_noop("システム名を入力してください。")

#: The system's own fields, as services accept and audit them.
SYSTEM_FIELDS = (
    "name",
    "department",
    "section",
    "kind",
    "first_fiscal_year",
    "internet_facing",
    "server_location",
    "staff_total",
    "staff_it",
    "vendor_staff",
    "ledger_records",
    "scale_notes",
    "known_issues",
    "renewal_plan",
    "status",
    "is_synthetic",
)
_TEXT_FIELDS = ("name", "scale_notes", "known_issues", "renewal_plan")


# --- Systems --------------------------------------------------------------------------------


def _audit_value(name: str, value: Any) -> Any:
    """A field's value as the audit trail shows it (names, not ids, for the organisation)."""
    if name in ("department", "section"):
        return str(value.name) if value is not None else None
    return value


def _values_of(system: InformationSystem) -> dict[str, Any]:
    return {name: getattr(system, name) for name in SYSTEM_FIELDS}


def _validate(values: dict[str, Any]) -> None:
    if not values.get("name"):
        raise ValueError(_(NAME_REQUIRED))
    section = values.get("section")
    department = values["department"]
    if section is not None and section.department_id != department.pk:
        raise ValueError(
            _(SECTION_NOT_IN_DEPARTMENT).format(section=section.name, department=department.name)
        )
    total, it = values.get("staff_total"), values.get("staff_it")
    if total is not None and it is not None and it > total:
        raise ValueError(_(STAFF_IT_EXCEEDS))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(SYSTEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown system fields: {sorted(unknown)}")
    cleaned = dict(values)
    for name in _TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = clean_text(cleaned[name] or "")
    return cleaned


def create_system(
    *, actor: Any, code: str, name: str, department: Department, kind: str, **values: Any
) -> InformationSystem:
    """Register a new system. Department staff register for their own department only."""
    permissions.require_register_system(actor, department.pk)
    values = _clean({"name": name, "department": department, "kind": kind, **values})
    try:
        code = read_code(code)
    except CellError as exc:
        raise ValueError(_(str(exc))) from None
    _validate(values)
    with transaction.atomic():
        if InformationSystem.objects.filter(code=code).exists():
            raise ValueError(_(CODE_TAKEN).format(code=code))
        system = InformationSystem(code=code, **values)
        system.full_clean(exclude=["department", "section"])
        system.save()
        record_event(
            actor=actor,
            action="karte.system.create",
            obj=system,
            changes={
                "code": [None, code],
                **{
                    key: [None, _audit_value(key, value)]
                    for key, value in _values_of(system).items()
                    if value not in (None, "")
                },
            },
        )
    return system


def update_system(*, actor: Any, system: InformationSystem, **values: Any) -> InformationSystem:
    """Change a system's own fields (its code never changes). Only governance staff may move a
    system to another department."""
    values = _clean(values)
    new_department = values.get("department")
    permissions.require_edit_system(
        actor, system, new_department_id=new_department.pk if new_department else None
    )
    with transaction.atomic():
        system = InformationSystem.objects.select_for_update().get(pk=system.pk)
        old = _values_of(system)
        merged = {**old, **values}
        _validate(merged)
        changed = {key: value for key, value in values.items() if old[key] != value}
        if not changed:
            return system
        for key, value in changed.items():
            setattr(system, key, value)
        system.full_clean(exclude=["department", "section", "code"])
        system.save()
        record_event(
            actor=actor,
            action="karte.system.update",
            obj=system,
            changes={
                key: [_audit_value(key, old[key]), _audit_value(key, value)]
                for key, value in changed.items()
            },
        )
    return system


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


# --- Import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did, for the page and the summary audit event."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows_added: dict[str, int] = field(default_factory=dict)
    rows_removed: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _chunked(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Resolved:
    departments: dict[str, Department]
    sections: dict[tuple[int, str], Section]
    existing: dict[str, InformationSystem]

    @property
    def departments_by_id(self) -> dict[int, Department]:
        return {department.pk: department for department in self.departments.values()}

    @property
    def sections_by_id(self) -> dict[int, Section]:
        return {section.pk: section for section in self.sections.values()}


def _resolve(parsed: ParsedImport) -> tuple[_Resolved, list[ImportIssue]]:
    """Look up departments, sections and existing systems; report names that do not exist."""
    issues: list[ImportIssue] = []
    departments = {normalise_name(d.name): d for d in Department.objects.all()}
    sections = {(s.department_id, normalise_name(s.name)): s for s in Section.objects.all()}
    codes = {row.code for row in parsed.systems or []}
    child_sheets: list[tuple[str, list[Any]]] = [
        (SHEET_CONTRACTS, parsed.contracts or []),
        (SHEET_COSTS, parsed.costs or []),
        (SHEET_MONITORING, parsed.monitoring or []),
    ]
    for _sheet, rows in child_sheets:
        codes.update(row.code for row in rows)
    existing: dict[str, InformationSystem] = {}
    for chunk in _chunked(sorted(codes)):
        for system in InformationSystem.objects.filter(code__in=chunk):
            existing[system.code] = system
    in_file = {row.code for row in parsed.systems or []}
    for row in parsed.systems or []:
        department = departments.get(normalise_name(row.department_name))
        if department is None:
            issues.append(
                ImportIssue(
                    SHEET_SYSTEMS,
                    row.row,
                    "部局",
                    UNKNOWN_DEPARTMENT.format(name=row.department_name),
                )
            )
        elif row.section_name and (department.pk, normalise_name(row.section_name)) not in sections:
            issues.append(
                ImportIssue(
                    SHEET_SYSTEMS,
                    row.row,
                    "所属",
                    UNKNOWN_SECTION.format(name=row.section_name, department=department.name),
                )
            )
    for sheet, rows in child_sheets:
        for item in rows:
            if item.code not in in_file and item.code not in existing:
                issues.append(
                    ImportIssue(
                        sheet, item.row, "システムコード", UNKNOWN_SYSTEM.format(code=item.code)
                    )
                )
    return _Resolved(departments, sections, existing), issues


def _system_values(row: Any, resolved: _Resolved) -> dict[str, Any]:
    department = resolved.departments[normalise_name(row.department_name)]
    section = (
        resolved.sections[(department.pk, normalise_name(row.section_name))]
        if row.section_name
        else None
    )
    values = {**row.values, "department": department, "section": section}
    if "status" in values and not values["status"]:
        values["status"] = InformationSystem.Status.ACTIVE
    return values


@dataclass
class _ChildSpec:
    """How one child sheet maps to its model: the comparable tuple of a row and of a record."""

    sheet: str
    audit_key: str
    model: Any
    fields: tuple[str, ...]

    def item_of_row(self, row: Any) -> tuple[Any, ...]:
        raise NotImplementedError


class _Contracts(_ChildSpec):
    def item_of_row(self, row: Any) -> tuple[Any, ...]:
        return (row.fiscal_year, row.vendor_name, row.contract_type, row.amount)


class _Costs(_ChildSpec):
    def item_of_row(self, row: Any) -> tuple[Any, ...]:
        return (row.fiscal_year, row.kind, row.category, row.perspective, row.amount_thousand_yen)


class _Monitoring(_ChildSpec):
    def item_of_row(self, row: Any) -> tuple[Any, ...]:
        return (row.service, row.enrolled, row.own_measures, row.exemption_reason)


_CHILDREN = (
    _Contracts(
        SHEET_CONTRACTS,
        "contracts",
        Contract,
        ("fiscal_year", "vendor__name", "contract_type", "amount"),
    ),
    _Costs(
        SHEET_COSTS,
        "costs",
        CostRecord,
        ("fiscal_year", "kind", "category", "perspective", "amount_thousand_yen"),
    ),
    _Monitoring(
        SHEET_MONITORING,
        "monitoring",
        MonitoringEnrolment,
        ("service", "enrolled", "own_measures", "exemption_reason"),
    ),
)


def _id(value: Any) -> Any:
    return value.pk if isinstance(value, Department | Section) else value


def _current(system: InformationSystem, key: str) -> Any:
    """A field's current value, foreign keys by id (no query per system)."""
    if key in ("department", "section"):
        return getattr(system, f"{key}_id")
    return getattr(system, key)


def _old(system: InformationSystem, key: str, resolved: _Resolved) -> Any:
    if key == "department":
        return resolved.departments_by_id.get(system.department_id)
    if key == "section":
        return resolved.sections_by_id.get(system.section_id) if system.section_id else None
    return getattr(system, key)


def _rows_of(parsed: ParsedImport, sheet: str) -> list[Any] | None:
    return {
        SHEET_CONTRACTS: parsed.contracts,
        SHEET_COSTS: parsed.costs,
        SHEET_MONITORING: parsed.monitoring,
    }[sheet]


def _new_child(spec: _ChildSpec, system_id: int, item: tuple[Any, ...], vendors: dict) -> Any:
    if spec.model is Contract:
        year, vendor_name, contract_type, amount = item
        return Contract(
            system_id=system_id,
            fiscal_year=year,
            vendor_id=vendors[vendor_name],
            contract_type=contract_type,
            amount=amount,
        )
    if spec.model is CostRecord:
        year, kind, category, perspective, amount = item
        return CostRecord(
            system_id=system_id,
            fiscal_year=year,
            kind=kind,
            category=category,
            perspective=perspective,
            amount_thousand_yen=amount,
        )
    service, enrolled, own, exemption = item
    return MonitoringEnrolment(
        system_id=system_id,
        service=service,
        enrolled=enrolled,
        own_measures=own,
        exemption_reason=exemption,
    )


def _vendor_ids(parsed: ParsedImport) -> dict[str, int]:
    names = sorted({row.vendor_name for row in parsed.contracts or []})
    ids: dict[str, int] = {}
    for chunk in _chunked(names):
        ids.update(Vendor.objects.filter(name__in=chunk).values_list("name", "pk"))
    missing = [Vendor(name=name) for name in names if name not in ids]
    if missing:
        Vendor.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
        for chunk in _chunked([vendor.name for vendor in missing]):
            ids.update(Vendor.objects.filter(name__in=chunk).values_list("name", "pk"))
    return ids


def import_systems(*, actor: Any, parsed: ParsedImport, source: str = "") -> ImportResult:
    """Apply a parsed workbook to the registry, all or nothing (see the module docstring).

    Raises ``KarteImportError`` listing every problem (from reading the file and from names
    that do not exist); nothing is changed then.
    """
    permissions.require(permissions.can_import_systems(actor))
    with transaction.atomic():
        resolved, issues = _resolve(parsed)
        issues = parsed.issues + issues
        if issues:
            raise KarteImportError(issues)
        return _apply(actor, parsed, resolved, source)


def _apply(actor: Any, parsed: ParsedImport, resolved: _Resolved, source: str) -> ImportResult:
    result = ImportResult()
    field_changes: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    created_codes: set[str] = set()
    systems: dict[str, InformationSystem] = dict(resolved.existing)
    now = timezone.now()

    to_create: list[InformationSystem] = []
    to_update: list[InformationSystem] = []
    update_fields: set[str] = set()
    for row in parsed.systems or []:
        values = _system_values(row, resolved)
        system = systems.get(row.code)
        if system is None:
            system = InformationSystem(code=row.code, **values)
            to_create.append(system)
            systems[row.code] = system
            created_codes.add(row.code)
            field_changes[row.code] = {"code": [None, row.code]} | {
                key: [None, _audit_value(key, value)]
                for key, value in _values_of(system).items()
                if value not in (None, "")
            }
            continue
        changed = {
            key: value for key, value in values.items() if _current(system, key) != _id(value)
        }
        if changed:
            field_changes[row.code] = {
                key: [_audit_value(key, _old(system, key, resolved)), _audit_value(key, value)]
                for key, value in changed.items()
            }
            for key, value in changed.items():
                setattr(system, key, value)
            system.updated_at = now
            update_fields.update(changed)
            to_update.append(system)
    InformationSystem.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        InformationSystem.objects.bulk_update(
            to_update, sorted(update_fields | {"updated_at"}), batch_size=500
        )

    vendors = _vendor_ids(parsed)
    child_changes: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    touched_contracts: set[int] = set()
    system_codes = {row.code for row in parsed.systems or []}
    for spec in _CHILDREN:
        rows = _rows_of(parsed, spec.sheet)
        if rows is None:
            continue
        scope = system_codes | {row.code for row in rows}
        wanted: dict[str, set[tuple[Any, ...]]] = {code: set() for code in scope}
        for row in rows:
            wanted[row.code].add(spec.item_of_row(row))
        code_of = {systems[code].pk: code for code in scope}
        have: dict[str, dict[tuple[Any, ...], int]] = {code: {} for code in scope}
        existing_ids = [pk for pk, code in code_of.items() if code not in created_codes]
        for chunk in _chunked(existing_ids):
            for pk, system_id, *values in spec.model.objects.filter(
                system_id__in=chunk
            ).values_list("pk", "system_id", *spec.fields):
                have[code_of[system_id]][tuple(values)] = pk
        removed_pks: list[int] = []
        new_rows: list[Any] = []
        added_total = removed_total = 0
        for code in sorted(scope):
            removed = set(have[code]) - wanted[code]
            added = wanted[code] - set(have[code])
            if not removed and not added:
                continue
            system_id = systems[code].pk
            removed_pks.extend(have[code][item] for item in removed)
            new_rows.extend(
                _new_child(spec, system_id, item, vendors) for item in sorted(added, key=repr)
            )
            child_changes[code][spec.audit_key] = [
                sorted((list(item) for item in removed), key=repr),
                sorted((list(item) for item in added), key=repr),
            ]
            added_total += len(added)
            removed_total += len(removed)
            if spec.model is Contract:
                touched_contracts.add(system_id)
        for chunk in _chunked(removed_pks):
            spec.model.objects.filter(pk__in=chunk).delete()
        spec.model.objects.bulk_create(new_rows, batch_size=1000)
        result.rows_added[spec.sheet] = added_total
        result.rows_removed[spec.sheet] = removed_total

    refresh_tenures(touched_contracts)

    events: list[PendingEvent] = []
    reason = f"一括取込: {source}" if source else "一括取込"
    for code in sorted(set(field_changes) | set(child_changes)):
        system = systems[code]
        created = code in created_codes
        if created:
            result.created += 1
        else:
            result.updated += 1
        events.append(
            PendingEvent(
                action="karte.system.create" if created else "karte.system.update",
                obj=system,
                changes=field_changes.get(code, {}) | child_changes.get(code, {}),
                reason=reason,
            )
        )
    result.unchanged = len(system_codes - set(field_changes) - set(child_changes))
    if not events:
        # Nothing changed, so nothing is recorded: re-importing a file leaves no trace.
        return result
    record_events(actor=actor, events=events)
    record_event(
        actor=actor,
        action="karte.import",
        obj=None,
        changes={
            "created": [None, result.created],
            "updated": [None, result.updated],
            "unchanged": [None, result.unchanged],
            **{f"{sheet}_added": [None, n] for sheet, n in result.rows_added.items()},
            **{f"{sheet}_removed": [None, n] for sheet, n in result.rows_removed.items()},
        },
        reason=reason,
    )
    return result

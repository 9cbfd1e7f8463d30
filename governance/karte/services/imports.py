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

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import PendingEvent, record_event, record_events
from governance.bulk import insert_rows
from governance.karte.io import (
    SHEET_ASSETS,
    SHEET_CONTRACTS,
    SHEET_COSTS,
    SHEET_MONITORING,
    SHEET_SYSTEMS,
    SHEET_TARGETS,
    ImportIssue,
    KarteImportError,
    ParsedImport,
    normalise_name,
)
from governance.karte.rules import (
    Tenure,
    operators_by_year,
    tenure_from_operators,
    write_tenures,
)
from governance.karte.services import equipment
from governance.karte.services.systems import _audit_value, _values_of
from governance.models import (
    Contract,
    CostRecord,
    Department,
    InformationSystem,
    MonitoringEnrolment,
    Section,
    Vendor,
)

# --- Import ---------------------------------------------------------------------------------


# Messages of the import; tests assert on these.
UNKNOWN_DEPARTMENT = gettext_noop("部局「{name}」は登録されていません。")
UNKNOWN_SECTION = gettext_noop("所属「{name}」は部局「{department}」に登録されていません。")
UNKNOWN_SYSTEM = gettext_noop(
    "システムコード「{code}」のシステムは登録されていません（システムシートにもありません）。"
)


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
        (SHEET_ASSETS, parsed.assets or []),
        (SHEET_TARGETS, parsed.targets or []),
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


#: The columns a new row of each child sheet fills, in the order ``_child_values`` gives them.
_CHILD_COLUMNS: dict[Any, tuple[str, ...]] = {
    Contract: ("system_id", "fiscal_year", "vendor_id", "contract_type", "amount"),
    CostRecord: (
        "system_id",
        "fiscal_year",
        "kind",
        "category",
        "perspective",
        "amount_thousand_yen",
    ),
    MonitoringEnrolment: ("system_id", "service", "enrolled", "own_measures", "exemption_reason"),
}


def _child_values(
    spec: _ChildSpec, system_id: int, item: tuple[Any, ...], vendors: dict[str, int]
) -> tuple[Any, ...]:
    """A new child row as the values of ``_CHILD_COLUMNS`` (no model instance: an import of
    10,000 systems adds some 160,000 of them)."""
    if spec.model is Contract:
        year, vendor_name, contract_type, amount = item
        return (system_id, year, vendors[vendor_name], contract_type, amount)
    return (system_id, *item)


def _tenure(contracts: set[tuple[Any, ...]], vendors: dict[str, int]) -> Tenure:
    """A system's tenure from its contract items (year, vendor name, type, amount)."""
    return tenure_from_operators(
        operators_by_year(
            (year, vendors[vendor_name], vendor_name, amount)
            for year, vendor_name, _type, amount in contracts
        )
    )


def _insert_children(model: Any, rows: list[tuple[Any, ...]]) -> None:
    """Insert child rows without model instances (``governance.bulk.insert_rows``)."""
    insert_rows(model._meta.db_table, _CHILD_COLUMNS[model], rows)


def _insert_systems(systems: list[InformationSystem]) -> None:
    """Insert new systems as rows (``governance.bulk.insert_rows``: COPY on PostgreSQL) and
    give each instance its id, as ``bulk_create`` does. ``bulk_create`` passes every value of
    every instance through the field API (1.5 of its 2.3 s for 10,000 systems); the values
    here are the instances' own: ids for foreign keys, ``auto_now`` stamped by ``pre_save``,
    and the model has no field whose stored form differs from its value (no JSON, no
    decimal)."""
    if not systems:
        return
    meta = InformationSystem._meta
    fields = [column for column in meta.concrete_fields if not column.primary_key]
    stamped = [column for column in fields if getattr(column, "auto_now", False)]
    for system in systems:
        for column in stamped:
            column.pre_save(system, True)
    attributes = [column.attname for column in fields]
    insert_rows(
        meta.db_table,
        [str(column.column) for column in fields],
        [tuple(getattr(system, name) for name in attributes) for system in systems],
    )
    by_code = {system.code: system for system in systems}
    for chunk in _chunked(list(by_code)):
        for code, pk in InformationSystem.objects.filter(code__in=chunk).values_list("code", "pk"):
            system = by_code[code]
            system.pk = pk
            system._state.adding = False
            system._state.db = connection.alias


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
        issues = parsed.issues + issues + equipment.check(parsed)
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
    _insert_systems(to_create)
    if to_update:
        InformationSystem.objects.bulk_update(
            to_update, sorted(update_fields | {"updated_at"}), batch_size=500
        )

    vendors = _vendor_ids(parsed)
    child_changes: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    # The tenure of each system whose contracts change, from its contracts after the import:
    # the sheet is the whole truth for the systems it concerns, so they are the file's rows
    # (``rules.refresh_tenures`` would read the same rows back from the database).
    tenures: dict[InformationSystem, Tenure] = {}
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
                _child_values(spec, system_id, item, vendors) for item in sorted(added, key=repr)
            )
            child_changes[code][spec.audit_key] = [
                sorted((list(item) for item in removed), key=repr),
                sorted((list(item) for item in added), key=repr),
            ]
            added_total += len(added)
            removed_total += len(removed)
            if spec.model is Contract:
                tenures[systems[code]] = _tenure(wanted[code], vendors)
        for chunk in _chunked(removed_pks):
            spec.model.objects.filter(pk__in=chunk).delete()
        _insert_children(spec.model, new_rows)
        result.rows_added[spec.sheet] = added_total
        result.rows_removed[spec.sheet] = removed_total

    write_tenures(tenures)
    equipment_changes, equipment_added, equipment_removed = equipment.apply(parsed, systems)
    for code, changes in equipment_changes.items():
        child_changes[code].update(changes)
    result.rows_added.update(equipment_added)
    result.rows_removed.update(equipment_removed)

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

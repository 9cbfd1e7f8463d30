"""Changes to the registry's systems (システムカルテ): create and update one system, with the
messages the registry's services refuse with. Each function checks permission itself, runs in
one transaction and records its audit event against the system (``obj=system``)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.karte.io import (
    CellError,
    clean_text,
    read_code,
)
from governance.models import (
    Department,
    InformationSystem,
)

# Messages; tests assert on these.
CODE_TAKEN = gettext_noop("システムコード「{code}」は既に使われています。")
SECTION_NOT_IN_DEPARTMENT = gettext_noop(
    "所属「{section}」は部局「{department}」に属していません。"
)
STAFF_IT_EXCEEDS = gettext_noop("うち情報系職員数が職員数を超えています。")
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
        # Not the unique check: a code committed by another request since the check above
        # would fail it with Django's own message (a 500); the database decides below.
        system.full_clean(exclude=["department", "section"], validate_unique=False)
        try:
            with transaction.atomic():  # a savepoint: the clash below leaves the rest usable
                system.save()
        except IntegrityError:
            # Registered by another request since the check above (the same form posted
            # twice, or two people choosing one code): the database's unique code decides.
            raise ValueError(_(CODE_TAKEN).format(code=code)) from None
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

"""Budget check, step 1: the department's request (registering a new system in the karte
when it has none yet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance import permissions
from governance.audit.services import record_event
from governance.budget.services.review import (
    ALREADY_REQUESTED,
    FISCAL_YEAR_OUT_OF_RANGE,
    NEW_SYSTEM_EXISTS,
    NEW_SYSTEM_KIND_REQUIRED,
    SYSTEM_AND_NEW_SYSTEM,
    SYSTEM_REQUIRED,
    BudgetRequestFacts,
    _check_uploads,
    _clean_facts,
    request_fiscal_years,
)
from governance.cases.services import (
    assign_case_number,
    mark_written_by_step,
    next_number,
)
from governance.japanese import fiscal_year_label, in_japanese
from governance.models import (
    BudgetCheck,
    BudgetSeason,
    CaseKind,
    CaseStatus,
    Department,
    InformationSystem,
    SystemKind,
    User,
)
from governance.uploads import store_attachment

# --- 1. Request -----------------------------------------------------------------------------


def _register_system(
    *, actor: User, name: str, kind: str, department_id: int, section_id: int | None
) -> InformationSystem:
    """Put a system not yet in the registry on record (a minimal karte entry)."""
    department = actor.department
    assert department is not None
    while True:
        serial = next_number(f"system:{department.code}", 0)
        code = f"{department.code.upper()}-{serial:04d}"
        if InformationSystem.objects.filter(code=code).exists():
            continue  # taken by hand in the karte: the next number
        try:
            with transaction.atomic():  # a savepoint: a clash leaves the request usable
                system = InformationSystem.objects.create(
                    code=code,
                    name=name,
                    department_id=department_id,
                    section_id=section_id,
                    kind=kind,
                )
        except IntegrityError:
            continue  # the same code registered by hand at this moment: the next number
        break
    with in_japanese():  # records stay Japanese
        record_event(
            actor=actor,
            action="system.register",
            obj=system,
            changes={
                "code": [None, code],
                "name": [None, name],
                "department": [None, department.name],
                "kind": [None, kind],
            },
            reason=_("予算確認の申請時に登録"),
        )
    return system


def _already_requested(system: InformationSystem, fiscal_year: int) -> str | None:
    """The number of the check already requested for this system and year (not withdrawn)."""
    number: str | None = (
        BudgetCheck.objects.filter(system=system, fiscal_year=fiscal_year)
        .exclude(status=CaseStatus.WITHDRAWN)
        .values_list("number", flat=True)
        .first()
    )
    return number


def _refuse_already_requested(system: InformationSystem, fiscal_year: int) -> None:
    existing = _already_requested(system, fiscal_year)
    if existing:
        raise ValueError(
            _(ALREADY_REQUESTED).format(year=fiscal_year_label(fiscal_year), number=existing)
        )


def _new_system(*, actor: User, fiscal_year: int, name: str, kind: str) -> InformationSystem:
    """Register the request's new system, one department at a time.

    The department's row is locked first (PostgreSQL; SQLite's IMMEDIATE transaction already
    serialises), so two requests for the same new system submitted at once do not both find
    the name free: the second waits, then sees the first's system and its request.
    """
    assert actor.department_id is not None
    Department.objects.select_for_update(no_key=True).filter(pk=actor.department_id).exists()
    existing = (
        InformationSystem.objects.filter(department_id=actor.department_id, name=name)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        _refuse_already_requested(existing, fiscal_year)  # the same request, posted twice
        raise ValueError(_(NEW_SYSTEM_EXISTS).format(name=name))
    return _register_system(
        actor=actor,
        name=name,
        kind=kind,
        department_id=actor.department_id,
        section_id=actor.section_id,
    )


def request_budget_check(
    *,
    actor: User,
    fiscal_year: int,
    facts: BudgetRequestFacts,
    system: InformationSystem | None = None,
    new_system_name: str = "",
    new_system_kind: str = "",
    uploads: Sequence[Any] = (),
    process: Any = None,
) -> BudgetCheck:
    """Department staff request a budget check for one of their systems (or a new one, which
    is registered in the karte) and one fiscal year's budget."""
    permissions.require(permissions.may_act(actor) and permissions.is_department_staff(actor))
    assert actor.department_id is not None  # department staff always belong to one
    new_system_name = (new_system_name or "").strip()
    if system is None and not new_system_name:
        raise ValueError(_(SYSTEM_REQUIRED))
    if system is not None and new_system_name:
        raise ValueError(_(SYSTEM_AND_NEW_SYSTEM))
    if system is not None:
        permissions.check_system_choice(actor, system)
    elif new_system_kind not in SystemKind.values:
        raise ValueError(_(NEW_SYSTEM_KIND_REQUIRED))
    first, last = request_fiscal_years()
    if not first <= fiscal_year <= last:
        raise ValueError(
            _(FISCAL_YEAR_OUT_OF_RANGE).format(
                first=fiscal_year_label(first), last=fiscal_year_label(last)
            )
        )
    facts = _clean_facts(facts)
    checked = _check_uploads(uploads)

    with transaction.atomic():
        # A check already requested for the system and year is refused by the database's
        # one-check-per-system-and-year constraint when the case is saved (below), without
        # a read first: the number drawn for it is rolled back with this block.
        if system is None:
            system = _new_system(
                actor=actor, fiscal_year=fiscal_year, name=new_system_name, kind=new_system_kind
            )
        check = BudgetCheck(
            kind=CaseKind.BUDGET_CHECK,
            fiscal_year=fiscal_year,
            title=f"{system.name} {fiscal_year_label(fiscal_year)}予算確認"[:200],
            department_id=actor.department_id,
            section_id=actor.section_id,
            system=system,
            requester=actor,
            status=CaseStatus.SUBMITTED,
            process=process,
            season=BudgetSeason.objects.filter(fiscal_year=fiscal_year).first(),
            registered_system=bool(new_system_name),
            **{f.name: getattr(facts, f.name) for f in fields(BudgetRequestFacts)},
        )
        if "department" in system._state.fields_cache:
            # The system is of the requester's department (``check_system_choice``): its
            # department, read with it, is the case's, and routing reads its liaison.
            check.department = system.department
        assign_case_number(check)
        try:
            with transaction.atomic():  # a savepoint: the clash below leaves the rest usable
                check.save()
        except IntegrityError:
            # The same request committed before, or by another submission meanwhile: say
            # which case holds the year.
            _refuse_already_requested(system, fiscal_year)
            raise
        names = [
            store_attachment(
                case=check, upload=upload, purpose="budget_request", actor=actor
            ).original_name
            for upload in checked
        ]
        record_event(
            actor=actor,
            action="budget_check.request",
            obj=check,
            changes={
                "number": [None, check.number],
                "fiscal_year": [None, fiscal_year],
                "system": [None, system.code],
                "initial_cost": [None, facts.initial_cost],
                "running_cost": [None, facts.running_cost],
                "attachments": [None, names],
            },
        )
    return mark_written_by_step(check)

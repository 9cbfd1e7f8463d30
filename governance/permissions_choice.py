"""Which system a department's staff member may name in a new case (budget check, spec review,
consultation). Part of the rules of ``governance.permissions``, which re-exports every name
here (it asks this module; this module asks nobody)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import compiled
from governance.models import InformationSystem

# --- Choosing a system for a new case -------------------------------------------------------

SYSTEM_OF_OTHER_DEPARTMENT = gettext_noop("他の部局のシステムは選択できません。")
SYSTEM_RETIRED = gettext_noop("廃止済みのシステムは選択できません。")


def selectable_systems_q(user: Any) -> Q:
    """The systems a department's staff member may name in a new case (budget check, spec
    review, consultation): their own department's, and only those in service (a retired system
    gets no new budget, procurement or question)."""
    return _selectable_q(getattr(user, "department_id", None))


def _selectable_q(department_id: Any) -> Q:
    return Q(department_id=department_id, status=InformationSystem.Status.ACTIVE)


def selectable_system(user: Any, pk: int) -> InformationSystem | None:
    """The system ``pk`` if ``user`` may name it (``selectable_systems_q``), with its department
    and that department's liaison (who receives the review); its SQL compiled once."""
    found = compiled.bound_models(
        compiled.query_key("selectable_system"),
        _selectable_system_query,
        (pk, getattr(user, "department_id", None)),
    )
    return found[0] if found else None  # type: ignore[return-value]  # InformationSystem rows


def _selectable_system_query(pk: int, department_id: Any) -> Any:
    return InformationSystem.objects.filter(_selectable_q(department_id), pk=pk).select_related(
        "department__liaison"
    )


def system_choice_error(user: Any, system: Any) -> str | None:
    """Why ``user`` may not name ``system`` in a new case (a message constant), or None."""
    if system.department_id != getattr(user, "department_id", None):
        return SYSTEM_OF_OTHER_DEPARTMENT
    if system.status != InformationSystem.Status.ACTIVE:
        return SYSTEM_RETIRED
    return None


def check_system_choice(user: Any, system: Any) -> None:
    """For services: a ``ValueError`` the user reads (the page shows it) if the choice is wrong."""
    error = system_choice_error(user, system)
    if error is not None:
        raise ValueError(_(error))

"""One rule decides which systems a new case may name, for every kind of case: the requester's
own department's systems that are in service; the three start pages offer exactly those and the
three services refuse any other with the same message."""

from __future__ import annotations

from typing import Any

import pytest

from governance import permissions
from governance.budget import services as budget_services
from governance.consultation import services as consultation_services
from governance.models import Case, InformationSystem, User
from governance.spec_review import services as spec_services
from tests import budget_support as support
from tests.factories import InformationSystemFactory
from tests.spec_docs import clean_spec, docx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def systems(dept_a: Any, dept_b: Any) -> dict[str, InformationSystem]:
    return {
        "own": InformationSystemFactory.create(department=dept_a),
        "retired": InformationSystemFactory.create(
            department=dept_a, status=InformationSystem.Status.RETIRED
        ),
        "other": InformationSystemFactory.create(department=dept_b),
    }


def test_only_the_own_departments_systems_in_service_may_be_named(
    cast: dict[str, User], systems: dict[str, InformationSystem]
) -> None:
    staff = cast["staff_a"]
    assert permissions.system_choice_error(staff, systems["own"]) is None
    assert (
        permissions.system_choice_error(staff, systems["other"])
        == permissions.SYSTEM_OF_OTHER_DEPARTMENT
    )
    assert permissions.system_choice_error(staff, systems["retired"]) == permissions.SYSTEM_RETIRED
    offered = InformationSystem.objects.filter(permissions.selectable_systems_q(staff))
    assert list(offered) == [systems["own"]]


@pytest.mark.parametrize(
    "url", ["/consultation/start/", "/budgetcheck/start/", "/spec_review/start/"]
)
def test_every_start_page_offers_only_the_systems_the_rule_allows(
    url: str, cast: dict[str, User], login: Any, systems: dict[str, InformationSystem]
) -> None:
    page = login(cast["staff_a"]).get(url)
    assert page.status_code == 200
    offered = list(page.context["form"].fields["system"].queryset)
    assert offered == [systems["own"]]


@pytest.mark.parametrize("which", ["retired", "other"])
def test_every_service_refuses_a_system_the_rule_does_not_allow_and_writes_nothing(
    which: str, cast: dict[str, User], systems: dict[str, InformationSystem]
) -> None:
    staff, system = cast["staff_a"], systems[which]
    message = permissions.system_choice_error(staff, system)
    assert message is not None
    with pytest.raises(ValueError, match=message):
        consultation_services.open_consultation(
            actor=staff, title="相談", question="内容", system=system
        )
    with pytest.raises(ValueError, match=message):
        budget_services.request_budget_check(
            actor=staff,
            fiscal_year=support.next_fiscal_year(),
            facts=support.facts(),
            system=system,
        )
    with pytest.raises(ValueError, match=message):
        spec_services.register_spec_review(
            actor=staff,
            title="調達",
            system=system,
            fiscal_year=support.next_fiscal_year(),
            procurement_type="service",
            estimated_price=1_000_000,
            contract_board_date=None,
            spec_file=docx_upload(clean_spec()),
        )
    assert not Case.objects.exists()

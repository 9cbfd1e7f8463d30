"""What documents print about the office (number format, letterhead, contact block, 公印省略)
is versioned data that only the admin role changes, through an audited service (Django admin
included), and the documents issued after a new version follow it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from governance.cases.services.documents import office_context
from governance.models import AdvisoryDocument, AuditEvent, DocumentSettings
from governance.rules import services
from tests import budget_support as support
from tests.factories import InformationSystemFactory

pytestmark = pytest.mark.django_db


def _add(actor: Any, **values: Any) -> DocumentSettings:
    return services.add_document_settings_version(
        actor=actor,
        effective_from=values.pop("effective_from", 2026),
        basis=values.pop("basis", "組織改正"),
        **values,
    )


def test_the_seeded_version_prints_what_the_documents_printed_before() -> None:
    office = services.document_settings_in_force(2026)
    assert office.number_format == "{year}行DX第{serial}号"
    assert office.issuer_title == "スマートシティ戦略部 行政DX推進課長"


def test_only_the_admin_role_adds_a_version_and_it_is_audited(cast: Any) -> None:
    for name in ("reviewer", "approver", "staff_a", "auditor"):
        with pytest.raises(PermissionDenied):
            _add(cast[name], issuer_title="誰か")
    row = _add(
        cast["admin"],
        issuer_title="デジタル戦略部 行政DX推進課長",
        contact_extension="2345",
    )
    event = AuditEvent.objects.get(action="document_settings.add_version")
    assert event.actor_id == cast["admin"].pk
    assert event.changes["issuer_title"] == [
        "スマートシティ戦略部 行政DX推進課長",
        "デジタル戦略部 行政DX推進課長",
    ]
    assert event.reason == "組織改正"
    assert services.document_settings_in_force(2027) == row
    assert services.document_settings_in_force(2025).issuer_title.startswith("スマートシティ")


@pytest.mark.parametrize(
    "number_format", ["{year}行DX号", "{serial}{serial}", "{yaer}第{serial}号"]
)
def test_a_number_format_without_exactly_one_serial_is_refused(
    cast: Any, number_format: str
) -> None:
    with pytest.raises(ValueError, match="serial"):
        _add(cast["admin"], number_format=number_format)
    assert not DocumentSettings.objects.filter(effective_from=2026).exists()


def test_a_version_needs_a_reason_and_a_year_of_its_own(cast: Any) -> None:
    with pytest.raises(ValueError):
        _add(cast["admin"], basis=" ")
    _add(cast["admin"])
    with pytest.raises(ValueError):
        _add(cast["admin"])


def test_documents_issued_after_a_new_version_follow_its_number_format_and_letterhead(
    frozen_now: Any, cast: Any, dept_a: Any, run_jobs: Any
) -> None:
    from forms import budget as budget_forms
    from workflows.budget_check import BudgetCheckFlow

    _add(
        cast["admin"],
        number_format="DX{year}-{serial}",
        issuer_title="デジタル戦略部長",
        contact_section="DX推進グループ",
        contact_extension="2345",
        omit_seal=False,
    )
    system = InformationSystemFactory.create(code="SOMU-001", department=dept_a)
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    support.step(check, BudgetCheckFlow.approve, cast["approver"], budget_forms.approval_data())
    run_jobs()
    document = AdvisoryDocument.objects.get(case=check)
    assert document.number == "DXR8-1"
    context = document.versions.get().case_state
    assert context["issuer_title"] == "デジタル戦略部長"
    assert context["omit_seal"] is False
    assert context["contact_name"] == cast["reviewer"].display_name
    assert context["contact_section"] == "DX推進グループ"


def test_the_contact_falls_back_to_the_office_and_the_persons_mail() -> None:
    class Person:
        display_name = "高橋 健太"
        email = "takahashi@example.lg.jp"

    context = office_context(dt.date(2026, 10, 1), Person())
    assert context["contact_section"] == "スマートシティ戦略部 行政DX推進課"
    assert context["contact_email"] == "takahashi@example.lg.jp"


def test_the_admin_role_adds_a_version_in_django_admin_through_the_service(
    cast: Any, login: Any
) -> None:
    admin_user = cast["admin"]
    admin_user.is_staff = True
    admin_user.save()
    client = login(admin_user)
    response = client.post(
        "/admin/governance/documentsettings/add/",
        {
            "effective_from": "2026",
            "basis": "内線番号の変更",
            "number_format": "{year}行DX第{serial}号",
            "issuer_title": "スマートシティ戦略部 行政DX推進課長",
            "office_name": "スマートシティ戦略部 行政DX推進課",
            "contact_section": "DX推進グループ",
            "contact_extension": "9999",
            "contact_email": "",
            "omit_seal": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = DocumentSettings.objects.get(effective_from=2026)
    assert row.created_by == admin_user
    assert AuditEvent.objects.filter(action="document_settings.add_version").count() == 1
    # Versions are never edited in place.
    page = client.get(f"/admin/governance/documentsettings/{row.pk}/change/").content.decode()
    assert 'name="contact_extension"' not in page

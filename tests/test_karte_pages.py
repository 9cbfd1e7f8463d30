"""The registry's pages over HTTP: each person sees and changes only what the rules allow
(404 for what they may not see, 403 for what they may only read), and the list's query
count does not grow with the number of systems."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from governance.karte.rules import refresh_tenures
from governance.models import (
    AuditEvent,
    Contract,
    CostRecord,
    InformationSystem,
    MonitoringEnrolment,
    SystemKind,
)
from tests.factories import ContractFactory, InformationSystemFactory, VendorFactory
from tests.karte_files import (
    SYSTEM_HEADER,
    basic_workbook,
    system_row,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

LIST = reverse("karte:index")


def _locked_in(department: Any, code: str, budget: int | None = None) -> InformationSystem:
    system = InformationSystemFactory.create(
        department=department, code=code, kind=SystemKind.PACKAGE_CUSTOMISATION
    )
    vendor = VendorFactory.create()
    for year in range(2010, 2022):
        ContractFactory.create(system=system, vendor=vendor, fiscal_year=year)
    if budget is not None:
        CostRecord.objects.create(
            system=system,
            fiscal_year=2021,
            kind="budget",
            category="running",
            perspective="operation",
            amount_thousand_yen=budget,
        )
    refresh_tenures([system.pk])
    system.refresh_from_db()
    return system


@pytest.fixture
def systems(dept_a: Any, dept_b: Any) -> dict[str, InformationSystem]:
    return {
        "a": InformationSystemFactory.create(department=dept_a, code="A-1", name="総務の台帳"),
        "b": InformationSystemFactory.create(department=dept_b, code="B-1", name="財務の台帳"),
    }


# --- Seeing ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client: Any, systems: Any) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_department_staff_see_only_their_departments_systems(
    cast: Any, login: Any, systems: Any
) -> None:
    page = login(cast["staff_a"]).get(LIST).content.decode()
    assert "総務の台帳" in page
    assert "財務の台帳" not in page


@pytest.mark.parametrize("who", ["reviewer", "approver", "csirt", "auditor", "admin"])
def test_governance_csirt_auditors_and_admins_see_every_system(
    cast: Any, login: Any, systems: Any, who: str
) -> None:
    page = login(cast[who]).get(LIST).content.decode()
    assert "総務の台帳" in page
    assert "財務の台帳" in page


def test_another_departments_system_is_not_found_for_department_staff(
    cast: Any, login: Any, systems: Any
) -> None:
    staff = login(cast["staff_a"])
    assert staff.get(reverse("karte:detail", args=[systems["a"].pk])).status_code == 200
    for name in ("detail", "edit", "contract_add", "costs", "monitoring"):
        url = reverse(f"karte:{name}", args=[systems["b"].pk])
        assert staff.get(url).status_code == 404, name
    assert staff.get(reverse("karte:detail", args=[999_999])).status_code == 404


def test_a_user_without_a_registry_role_is_refused_the_registry(login: Any, systems: Any) -> None:
    from tests.factories import UserFactory

    nobody = UserFactory.create(username="nobody")
    assert login(nobody).get(LIST).status_code == 403


def test_the_detail_page_shows_the_contract_timeline_and_costs_in_thousand_yen(
    cast: Any, login: Any, dept_a: Any
) -> None:
    system = _locked_in(dept_a, "L-1", budget=1_200_005)
    page = login(cast["staff_a"]).get(reverse("karte:detail", args=[system.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="lock-in-flag"' in html
    assert "ベンダーロックインの可能性" in html
    assert "令和3年度（2021）" in html
    assert "平成22年度（2010）" in html
    assert "1,200,005" in html


# --- Changing -------------------------------------------------------------------------------


def test_department_staff_edit_their_system_and_the_change_is_audited(
    cast: Any, login: Any, systems: Any, dept_a: Any
) -> None:
    system = systems["a"]
    staff = login(cast["staff_a"])
    url = reverse("karte:edit", args=[system.pk])
    assert staff.get(url).status_code == 200
    response = staff.post(
        url,
        {
            "name": "総務の台帳（新）",
            "department": dept_a.pk,
            "kind": SystemKind.SCRATCH_ACCESS,
            "status": "active",
            "first_fiscal_year": "令和２年度",
            "internet_facing": "1",
            "staff_total": "１２",
            "staff_it": "3",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    system.refresh_from_db()
    assert (system.name, system.first_fiscal_year, system.staff_total) == (
        "総務の台帳（新）",
        2020,
        12,
    )
    assert system.internet_facing is True
    event = AuditEvent.objects.get(action="karte.system.update")
    assert event.actor == cast["staff_a"]


def test_department_staff_cannot_pick_another_department_in_the_form(
    cast: Any, login: Any, systems: Any, dept_b: Any
) -> None:
    system = systems["a"]
    response = login(cast["staff_a"]).post(
        reverse("karte:edit", args=[system.pk]),
        {
            "name": "移動",
            "department": dept_b.pk,
            "kind": SystemKind.SCRATCH,
            "status": "active",
            "internet_facing": "0",
        },
    )
    assert response.status_code == 200
    system.refresh_from_db()
    assert system.department_id != dept_b.pk


@pytest.mark.parametrize("who", ["auditor", "csirt", "admin"])
def test_readers_are_refused_every_edit_page(cast: Any, login: Any, systems: Any, who: str) -> None:
    client = login(cast[who])
    pk = systems["a"].pk
    assert client.get(reverse("karte:detail", args=[pk])).status_code == 200
    for name in ("edit", "contract_add", "costs", "monitoring"):
        assert client.get(reverse(f"karte:{name}", args=[pk])).status_code == 403, name
        assert client.post(reverse(f"karte:{name}", args=[pk]), {}).status_code == 403, name
    assert client.get(reverse("karte:create")).status_code == 403
    assert "基本情報を編集" not in client.get(reverse("karte:detail", args=[pk])).content.decode()


def test_registering_a_system_over_http(cast: Any, login: Any, dept_a: Any) -> None:
    staff = login(cast["staff_a"])
    response = staff.post(
        reverse("karte:create"),
        {
            "code": "NEW-1",
            "name": "新システム",
            "department": dept_a.pk,
            "kind": SystemKind.SERVICE_USE,
            "status": "active",
            "internet_facing": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    system = InformationSystem.objects.get(code="NEW-1")
    assert response["Location"] == reverse("karte:detail", args=[system.pk])
    duplicate = staff.post(
        reverse("karte:create"),
        {
            "code": "NEW-1",
            "name": "重複",
            "department": dept_a.pk,
            "kind": SystemKind.SCRATCH,
            "status": "active",
            "internet_facing": "0",
        },
    )
    assert "既に使われています" in duplicate.content.decode()
    assert InformationSystem.objects.count() == 1


def test_contracts_costs_and_monitoring_are_edited_over_http(
    cast: Any, login: Any, systems: Any
) -> None:
    system = systems["a"]
    staff = login(cast["staff_a"])
    response = staff.post(
        reverse("karte:contract_add", args=[system.pk]),
        {
            "fiscal_year": "Ｒ３",
            "vendor_name": "甲社",
            "contract_type": "リース",
            "amount": "１，０００円",
        },
    )
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert (contract.fiscal_year, contract.amount) == (2021, 1000)
    costs = reverse("karte:costs", args=[system.pk])
    assert "form" not in staff.get(costs).context  # the year is chosen first
    response = staff.post(
        costs + "?fiscal_year=令和3", {"budget__running__operation": "２，５００"}
    )
    assert response.status_code == 302
    record = CostRecord.objects.get()
    assert (record.fiscal_year, record.amount_thousand_yen) == (2021, 2500)
    page = staff.get(costs, {"fiscal_year": "R3"})
    assert 'value="2,500"' in page.content.decode()
    assert staff.get(costs, {"fiscal_year": "来年"}).context.get("form") is None
    response = staff.post(
        reverse("karte:monitoring", args=[system.pk]),
        {"cyber_attack__enrolled": "0", "cyber_attack__own_measures": "WAF"},
    )
    assert response.status_code == 302
    assert MonitoringEnrolment.objects.get().own_measures == "WAF"
    response = staff.post(reverse("karte:contract_delete", args=[system.pk, contract.pk]))
    assert response.status_code == 302
    assert not Contract.objects.exists()


def test_another_department_cannot_delete_a_contract_by_guessing_its_address(
    cast: Any, login: Any, systems: Any
) -> None:
    contract = ContractFactory.create(system=systems["a"])
    outsider = login(cast["staff_b"])
    url = reverse("karte:contract_delete", args=[systems["a"].pk, contract.pk])
    assert outsider.post(url).status_code == 404
    # A contract of system A reached through system B's address is not found either.
    reviewer = login(cast["reviewer"])
    url = reverse("karte:contract_delete", args=[systems["b"].pk, contract.pk])
    assert reviewer.post(url).status_code == 404
    assert Contract.objects.filter(pk=contract.pk).exists()


# --- The list -------------------------------------------------------------------------------


def test_the_list_filters_searches_and_sorts(
    cast: Any, login: Any, systems: Any, dept_a: Any
) -> None:
    flagged = _locked_in(dept_a, "L-1")
    exposed = InformationSystemFactory.create(
        department=dept_a, code="N-1", name="公開サイト", internet_facing=True
    )
    client = login(cast["reviewer"])

    def codes(**params: Any) -> list[str]:
        response = client.get(LIST, params)
        return [system.code for system in response.context["systems"]]

    assert codes(lock_in="yes") == ["L-1"]
    assert "L-1" not in codes(lock_in="no")
    assert codes(internet="yes") == ["N-1"]
    assert codes(coverage="uncovered") == ["N-1"]
    assert codes(department=str(systems["b"].department_id)) == ["B-1"]
    assert codes(kind=SystemKind.PACKAGE_CUSTOMISATION) == ["L-1"]
    assert codes(q="公開") == ["N-1"]
    assert codes(q=flagged.tenure_vendor.name) == ["L-1"]  # type: ignore[union-attr]  # flagged: has one
    assert codes(sort="tenure")[0] == "L-1"
    assert codes(sort="nonsense", kind="nonsense") == ["A-1", "B-1", "L-1", "N-1"]
    assert exposed.code in codes()


def test_the_list_query_count_does_not_grow_with_the_number_of_systems(
    cast: Any, login: Any, dept_a: Any
) -> None:
    client = login(cast["staff_a"])

    def count_queries() -> int:
        client.get(LIST)  # warm the session and role caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"sort": "tenure"})
        assert response.status_code == 200
        return len(queries)

    for index in range(3):
        _locked_in(dept_a, f"S-{index}")
    few = count_queries()
    for index in range(3, 70):
        _locked_in(dept_a, f"S-{index}") if index % 5 == 0 else InformationSystemFactory.create(
            department=dept_a, code=f"S-{index}", internet_facing=index % 2 == 0
        )
    many = count_queries()
    assert many == few
    assert few <= 10


# --- Reports --------------------------------------------------------------------------------


def test_the_lock_in_report_lists_flagged_systems_with_their_budget_total(
    cast: Any, login: Any, dept_a: Any, dept_b: Any
) -> None:
    _locked_in(dept_a, "L-1", budget=1_000)
    _locked_in(dept_b, "L-2", budget=2_345)
    _locked_in(dept_b, "L-3")  # no budget on record: listed, counted as 0
    InformationSystemFactory.create(department=dept_a, code="N-1")
    page = login(cast["auditor"]).get(reverse("karte:lock_in"))
    report = page.context["report"]
    assert [row.system.code for row in report.rows] == ["L-2", "L-1", "L-3"]
    assert report.total_budget == 3_345
    assert "3,345" in page.content.decode()
    mine = login(cast["staff_a"]).get(reverse("karte:lock_in")).context["report"]
    assert [row.system.code for row in mine.rows] == ["L-1"]


def test_the_coverage_report_page_shows_the_gap(cast: Any, login: Any, dept_a: Any) -> None:
    gap = InformationSystemFactory.create(
        department=dept_a, code="GAP-1", name="誰も見ていないサイト", internet_facing=True
    )
    page = login(cast["csirt"]).get(reverse("karte:coverage"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="count-uncovered">1<' in html
    assert "誰も見ていないサイト" in html
    assert reverse("karte:detail", args=[gap.pk]) in html


# --- Import and export ----------------------------------------------------------------------


def test_governance_staff_import_a_workbook_through_the_page(cast: Any, login: Any) -> None:
    client = login(cast["reviewer"])
    upload = io.BytesIO(basic_workbook())
    upload.name = "karte.xlsx"
    response = client.post(reverse("karte:import"), {"file": upload})
    assert response.status_code == 302  # post/redirect/get: a reload does not import again
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-result"' in page
    assert "新規 2 件" in page
    assert 'id="import-result"' not in client.get(reverse("karte:import")).content.decode()
    assert InformationSystem.objects.count() == 2
    summary = AuditEvent.objects.get(action="karte.import")
    assert "karte.xlsx" in summary.reason


def test_a_bad_workbook_shows_every_problem_and_imports_nothing(cast: Any, login: Any) -> None:
    client = login(cast["reviewer"])
    upload = io.BytesIO(
        workbook_bytes({"システム": [SYSTEM_HEADER, system_row(), system_row("X-2", 区分="謎")]})
    )
    upload.name = "karte.xlsx"
    response = client.post(reverse("karte:import"), {"file": upload})
    html = response.content.decode()
    assert 'id="import-errors"' in html
    assert "「謎」は使えません" in html
    assert not InformationSystem.objects.exists()


def test_a_file_of_another_type_is_refused_by_the_upload_check(cast: Any, login: Any) -> None:
    upload = io.BytesIO(b"%PDF-1.4")
    upload.name = "karte.pdf"
    response = login(cast["reviewer"]).post(reverse("karte:import"), {"file": upload})
    assert "この形式のファイルは登録できません" in response.content.decode()


@pytest.mark.parametrize("who", ["staff_a", "auditor", "csirt", "admin"])
def test_people_other_than_governance_staff_are_refused_the_import_page(
    cast: Any, login: Any, who: str
) -> None:
    client = login(cast[who])
    assert client.get(reverse("karte:import")).status_code == 403
    upload = io.BytesIO(basic_workbook())
    upload.name = "karte.xlsx"
    assert client.post(reverse("karte:import"), {"file": upload}).status_code == 403
    assert not InformationSystem.objects.exists()


def test_the_export_downloads_what_the_user_may_see(cast: Any, login: Any, systems: Any) -> None:
    response = login(cast["staff_a"]).get(reverse("karte:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="system_karte_')
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["システム", "契約", "経費", "監視", "機器", "監視対象"]
    codes = [row[0] for row in workbook["システム"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["A-1"]
    csv = login(cast["auditor"]).get(
        reverse("karte:export"), {"format": "csv", "sheet": "システム"}
    )
    text = csv.content.decode("utf-8-sig")
    assert text.startswith("システムコード,システム名,部局")
    assert "A-1" in text
    assert "B-1" in text

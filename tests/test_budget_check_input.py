"""Bad input to a budget check gets a Japanese message and changes nothing; input typed the
way offices type it (full-width digits, era dates, separators) is accepted."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from viewflow.workflow.models import Process

from forms import budget as budget_forms
from governance import permissions
from governance.budget import services
from governance.japanese import INVALID_NUMBER, NEGATIVE_NUMBER
from governance.models import (
    Attachment,
    AuditEvent,
    BudgetCheck,
    Case,
    CaseStatus,
    GuidanceItem,
    InformationSystem,
    Job,
)
from governance.uploads import UPLOAD_NOT_DOCX, UPLOAD_TOO_LARGE, UPLOAD_WRONG_TYPE
from tests import budget_support as support
from tests.factories import InformationSystemFactory
from workflows.budget_check import BudgetCheckFlow

pytestmark = pytest.mark.django_db

START = "/budgetcheck/start/"


@pytest.fixture
def system(dept_a: Any) -> Any:
    return InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )


def _counts() -> dict[str, int]:
    return {
        "case": Case.objects.count(),
        "attachment": Attachment.objects.count(),
        "audit": AuditEvent.objects.count(),
        "process": Process.objects.count(),
        "system": InformationSystem.objects.count(),
        "guidance": GuidanceItem.objects.count(),
        "job": Job.objects.count(),
    }


def _stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


@contextmanager
def nothing_changes() -> Iterator[None]:
    before = _counts()
    files = _stored_files()
    yield
    assert _counts() == before
    assert _stored_files() == files


def _upload(name: str, content: bytes) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def _refused(client: Any, data: dict[str, Any], message: str) -> None:
    response = client.post(START, data)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_start_url_is_the_one_the_tests_post_to() -> None:
    assert BudgetCheckFlow.start.reverse("execute") == START


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("initial_cost", "-100", NEGATIVE_NUMBER),
        ("initial_cost", "▲1,000", NEGATIVE_NUMBER),
        ("running_cost", "百万円", INVALID_NUMBER),
        ("running_cost", "1.5", INVALID_NUMBER),
        ("initial_cost", "", "このフィールドは必須です。"),
        ("purpose", "", "このフィールドは必須です。"),
        ("network_security", "   ", "このフィールドは必須です。"),
        ("fiscal_year", "来年", "年度として読み取れません"),
        ("fiscal_year", "2010", "予算年度は"),
    ],
)
def test_request_with_bad_field_is_refused_in_japanese_and_changes_nothing(
    cast: Any, login: Any, system: Any, field: str, value: str, message: str
) -> None:
    client = login(cast["staff_a"])
    with nothing_changes():
        _refused(client, support.request_post(system, **{field: value}), message)


def test_request_amounts_typed_in_full_width_with_separators_are_read_as_yen(
    cast: Any, login: Any, system: Any
) -> None:
    client = login(cast["staff_a"])
    data = support.request_post(
        system,
        initial_cost="１２，０００，０００円",
        running_cost="  ３４０　０００ ",
        fiscal_year=f"R{support.next_fiscal_year() - 2018}",
    )
    response = client.post(START, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    check = BudgetCheck.objects.get()
    assert (check.initial_cost, check.running_cost) == (12_000_000, 340_000)
    assert check.fiscal_year == support.next_fiscal_year()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", UPLOAD_WRONG_TYPE.split("（")[0]),
        ("見積.docx", b"this is not a zip archive", UPLOAD_NOT_DOCX),
        ("big.csv", b"x" * 5000, UPLOAD_TOO_LARGE.split("（")[0]),
    ],
)
def test_request_with_a_bad_attachment_is_refused_and_nothing_is_stored(
    cast: Any, login: Any, system: Any, settings: Any, name: str, content: bytes, message: str
) -> None:
    settings.UPLOAD_MAX_BYTES = 4096
    client = login(cast["staff_a"])
    data = support.request_post(system)
    data["attachments"] = [_upload("ok.txt", b"fine"), _upload(name, content)]
    with nothing_changes():
        _refused(client, data, message)


def test_request_for_a_system_of_another_department_is_refused(
    cast: Any, login: Any, dept_b: Any
) -> None:
    other = InformationSystemFactory.create(code="ZAIMU-001", department=dept_b)
    client = login(cast["staff_a"])
    with nothing_changes():
        # Not even offered in the form's choices.
        _refused(client, support.request_post(other), "正しく選択してください")
    with nothing_changes(), pytest.raises(ValueError, match=permissions.SYSTEM_OF_OTHER_DEPARTMENT):
        services.request_budget_check(
            actor=cast["staff_a"],
            fiscal_year=support.next_fiscal_year(),
            facts=support.facts(),
            system=other,
        )


def test_request_for_a_retired_or_unknown_system_is_refused_as_a_wrong_choice(
    cast: Any, login: Any, system: Any
) -> None:
    # The chosen system is read by a query compiled once (``permissions.selectable_system``),
    # with the rules of the choices the page offers.
    client = login(cast["staff_a"])
    for value in ("999999999", "abc", "-1"):
        data = support.request_post(system)
        data["system"] = value
        with nothing_changes():
            _refused(client, data, "正しく選択してください")
    system.status = system.Status.RETIRED
    system.save(update_fields=["status"])
    with nothing_changes():
        _refused(client, support.request_post(system), "正しく選択してください")


def test_request_without_a_system_or_with_both_is_refused(
    cast: Any, login: Any, system: Any
) -> None:
    client = login(cast["staff_a"])
    with nothing_changes():
        _refused(client, support.request_post(None), "新しいシステムの名称を入力してください")
        _refused(
            client,
            support.request_post(system, new_system_name="新システム", new_system_kind="scratch"),
            "新しいシステムの名称は空欄に",
        )
        _refused(
            client,
            support.request_post(None, new_system_name="新システム"),
            "新しいシステムの区分を選んでください。",
        )


def test_request_for_a_new_system_registers_it_in_the_karte_for_the_department(
    cast: Any, login: Any, dept_a: Any
) -> None:
    client = login(cast["staff_a"])
    data = support.request_post(
        None, new_system_name="電子申請受付システム", new_system_kind="service_use"
    )
    response = client.post(START, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    check = BudgetCheck.objects.get()
    system = InformationSystem.objects.get(name="電子申請受付システム")
    assert check.system == system
    assert check.registered_system is True
    assert system.department == dept_a
    assert system.kind == "service_use"
    assert system.code == "DEPT-A-0001"
    event = AuditEvent.objects.get(action="system.register")
    assert event.changes["name"] == [None, "電子申請受付システム"]


def test_a_new_system_already_in_the_karte_is_refused_with_a_pointer_to_choose_it(
    cast: Any, login: Any, system: Any
) -> None:
    client = login(cast["staff_a"])
    data = support.request_post(None, new_system_name=system.name, new_system_kind="scratch")
    with nothing_changes():
        _refused(client, data, "すでにシステムカルテに登録されています")


def test_second_request_for_the_same_system_and_year_is_refused(
    cast: Any, login: Any, system: Any
) -> None:
    client = login(cast["staff_a"])
    assert client.post(START, support.request_post(system)).status_code == 302
    number = BudgetCheck.objects.get().number
    with nothing_changes():
        _refused(client, support.request_post(system), number)


def _review(client: Any, check: BudgetCheck, **overrides: Any) -> Any:
    task = support.open_task(check, BudgetCheckFlow.review)
    data: dict[str, Any] = {
        "decision": "record",
        "check_configuration": "adequate",
        "check_continuity": "adequate",
        "check_cost": "adequate",
        "check_operation": "adequate",
        "check_network_security": "adequate",
        "result": "confirmed_with_guidance",
        "guidance-TOTAL_FORMS": "2",
        "guidance-INITIAL_FORMS": "0",
        "guidance-MIN_NUM_FORMS": "0",
        "guidance-MAX_NUM_FORMS": "30",
    }
    data.update(overrides)
    return client.post(support.execute_url(task), data)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, services.GUIDANCE_REQUIRED),
        ({"guidance-0-text": "見積を取ること"}, "対応期限を入力してください。"),
        ({"guidance-0-due_date": "2030-01-01"}, "指導事項の内容を入力してください。"),
        (
            {"guidance-0-text": "見積を取ること", "guidance-0-due_date": "来年の春"},
            "日付として読み取れません",
        ),
        (
            {"guidance-0-text": "見積を取ること", "guidance-0-due_date": "2020-04-01"},
            services.GUIDANCE_DUE_IN_PAST,
        ),
        (
            {"result": "confirmed", "check_cost": "guidance"},
            "確認項目に「指導事項あり」があります。",
        ),
        ({"check_cost": ""}, "結果を選んでください。"),
        ({"result": ""}, "確認結果を選んでください。"),
        ({"decision": "send_back", "result": ""}, "質問・差戻しの理由を入力してください。"),
    ],
)
def test_review_with_bad_input_is_refused_in_japanese_and_changes_nothing(
    cast: Any, login: Any, system: Any, overrides: dict[str, str], message: str
) -> None:
    check = support.start(cast["staff_a"], system)
    client = login(cast["reviewer"])
    with nothing_changes():
        response = _review(client, check, **overrides)
        assert response.status_code == 200
        assert message in response.content.decode()
    check.refresh_from_db()
    assert check.status == CaseStatus.SUBMITTED
    assert check.result == ""


def test_review_accepts_a_due_date_typed_as_a_full_width_era_date(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    era_year = check.fiscal_year - 2018 + 1  # the year after the budget year begins
    response = _review(
        login(cast["reviewer"]),
        check,
        **{
            "guidance-0-text": "見積を取ること",
            "guidance-0-due_date": f"令和{era_year}年３月３１日",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = GuidanceItem.objects.get()
    assert item.due_date is not None
    assert item.due_date.isoformat() == f"{check.fiscal_year + 1}-03-31"


def test_answer_with_a_negative_amount_or_without_text_changes_nothing(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    check = support.step(
        check,
        BudgetCheckFlow.review,
        cast["reviewer"],
        budget_forms.review_data(questions="内訳は？"),
    )
    task = support.open_task(check, BudgetCheckFlow.answer_questions)
    client = login(cast["staff_a"])
    base = {
        "answer": "内訳を添付します。",
        "initial_cost": "1,200,000",
        "running_cost": "3,400,000",
        "purpose": "目的",
        "configuration": "構成",
        "continuity": "継続",
        "operating_structure": "体制",
        "network_security": "要件",
    }
    for overrides, message in (
        ({"running_cost": "-1"}, NEGATIVE_NUMBER),
        ({"answer": ""}, "このフィールドは必須です。"),
    ):
        with nothing_changes():
            response = client.post(support.execute_url(task), {**base, **overrides})
            assert response.status_code == 200
            assert message in response.content.decode()
    check.refresh_from_db()
    assert check.status == CaseStatus.RETURNED
    assert check.running_cost == 3_400_000


def test_return_from_approval_without_a_reason_is_refused(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    task = support.open_task(check, BudgetCheckFlow.approve)
    client = login(cast["approver"])
    assert client.post(support.assign_url(task), {}).status_code == 302
    with nothing_changes():
        response = client.post(support.execute_url(task), {"decision": "return", "comment": ""})
        assert response.status_code == 200
        assert "差し戻す場合は理由を入力してください。" in response.content.decode()
    check.refresh_from_db()
    assert check.status == CaseStatus.AWAITING_APPROVAL


def test_service_refuses_amounts_that_are_not_non_negative_integers(cast: Any, system: Any) -> None:
    for bad in (-1, 1.5, "100", True, None):
        with nothing_changes(), pytest.raises(ValueError, match=r"イニシャルコスト"):
            services.request_budget_check(
                actor=cast["staff_a"],
                fiscal_year=support.next_fiscal_year(),
                facts=support.facts(initial_cost=bad),
                system=system,
            )

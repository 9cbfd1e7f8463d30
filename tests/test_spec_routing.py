"""The spec review is mandatory exactly from the threshold of the rule version in force for the
case's fiscal year; the case keeps that version and says why, however the price was typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from forms.spec_review import RegisterSpecReviewForm
from governance import permissions
from governance.japanese import JapaneseInputError, parse_date
from governance.models import Rule, RuleKey, SpecReview
from governance.rules.services import add_rule_version
from tests.factories import InformationSystemFactory
from tests.spec_cases import register
from tests.spec_docs import clean_spec, docx_upload
from workflows.spec_review import SpecReviewFlow

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("price", "mandatory", "reason"),
    [
        (35_999_999, False, "予定価格 35,999,999円 < 基準額 36,000,000円（仕様書確認は任意）"),
        (36_000_000, True, "予定価格 36,000,000円 ≥ 基準額 36,000,000円（契約局審査会案件）"),
        (36_000_001, True, "予定価格 36,000,001円 ≥ 基準額 36,000,000円（契約局審査会案件）"),
    ],
)
def test_the_threshold_decides_at_exactly_36_million_yen(
    cast: Any, price: int, mandatory: bool, reason: str
) -> None:
    review = register(cast["staff_a"], estimated_price=price, spec_file=docx_upload(clean_spec()))
    assert review.mandatory is mandatory
    assert review.routing_reason == reason
    assert review.rule == Rule.objects.get(key=RuleKey.SPEC_REVIEW_THRESHOLD, effective_from=2000)
    assert review.status == ("submitted" if mandatory else "closed")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("３５，９９９，９９９", 35_999_999),
        ("３６，０００，０００円", 36_000_000),
        ("36,000,001円", 36_000_001),
        ("３６０００００１", 36_000_001),
        (" 36 000 000 ", 36_000_000),
    ],
)
def test_full_width_and_separated_prices_are_read_as_integer_yen(typed: str, amount: int) -> None:
    form = RegisterSpecReviewForm(
        data={
            "title": "調達",
            "fiscal_year": "令和７年度",
            "procurement_type": "lease",
            "estimated_price": typed,
            "contract_board_date": "Ｒ７．１０．１",
        },
        files={"spec_file": docx_upload(clean_spec())},
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["estimated_price"] == amount
    assert form.cleaned_data["fiscal_year"] == 2025
    assert form.cleaned_data["contract_board_date"] == dt.date(2025, 10, 1)


@pytest.mark.parametrize("typed", ["三千六百万円", "36,000,000千円", "-1", "36.000.000"])
def test_prices_that_cannot_be_read_are_refused_with_a_message(typed: str) -> None:
    form = RegisterSpecReviewForm(
        data={
            "title": "調達",
            "fiscal_year": "2025",
            "procurement_type": "goods",
            "estimated_price": typed,
        },
        files={"spec_file": docx_upload(clean_spec())},
    )
    assert not form.is_valid()
    assert form.errors["estimated_price"]


def test_a_new_rule_version_applies_from_its_fiscal_year_and_old_cases_keep_theirs(
    cast: Any, login: Any
) -> None:
    before = register(cast["staff_a"], fiscal_year=2026, estimated_price=38_000_000)
    new_rule = add_rule_version(
        actor=cast["admin"],
        key=RuleKey.SPEC_REVIEW_THRESHOLD,
        effective_from=2027,
        value=40_000_000,
        basis="契約局審査会の付議基準の改正（試験用）",
    )
    same_year = register(cast["staff_a"], fiscal_year=2026, estimated_price=38_000_000)
    later = register(
        cast["staff_a"], fiscal_year=2027, estimated_price=38_000_000, contract_board_date=None
    )

    old_rule = Rule.objects.get(key=RuleKey.SPEC_REVIEW_THRESHOLD, effective_from=2000)
    before.refresh_from_db()
    assert (before.mandatory, before.rule) == (True, old_rule)
    assert (same_year.mandatory, same_year.rule) == (True, old_rule)
    assert (later.mandatory, later.rule) == (False, new_rule)
    assert later.routing_reason == (
        "予定価格 38,000,000円 < 基準額 40,000,000円（仕様書確認は任意）"
    )

    # The same over HTTP, with the year typed as an era year.
    response = login(cast["staff_a"]).post(
        SpecReviewFlow.start.reverse("execute"),
        {
            "title": "令和9年度の調達",
            "fiscal_year": "令和９年度",
            "procurement_type": "goods",
            "estimated_price": "４０，０００，０００",
            "contract_board_date": "令和9年6月1日",
            "spec_file": docx_upload(clean_spec()),
        },
    )
    assert response.status_code == 302
    case = SpecReview.objects.get(title="令和9年度の調達")
    assert (case.fiscal_year, case.mandatory, case.rule) == (2027, True, new_rule)
    page = login(cast["staff_a"]).get(f"/home/cases/{case.pk}/", follow=True).content.decode()
    assert "予定価格 40,000,000円 ≥ 基準額 40,000,000円（契約局審査会案件）" in page
    assert "令和9年度から適用の版" in page


def test_a_fiscal_year_without_a_rule_is_refused(cast: Any) -> None:
    with pytest.raises(ValueError, match="1999年度に適用されるルール"):
        register(cast["staff_a"], fiscal_year=1999)
    assert not SpecReview.objects.exists()


def test_only_department_staff_register_procurements(cast: Any) -> None:
    for role in ("reviewer", "approver", "auditor", "admin"):
        with pytest.raises(permissions.PermissionDenied):
            register(cast[role])
    assert not SpecReview.objects.exists()


def test_a_system_of_another_department_is_refused(cast: Any, dept_b: Any) -> None:
    other = InformationSystemFactory.create(department=dept_b)
    with pytest.raises(ValueError, match=permissions.SYSTEM_OF_OTHER_DEPARTMENT):
        register(cast["staff_a"], system=other)
    assert not SpecReview.objects.exists()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025-10-01", dt.date(2025, 10, 1)),
        ("2025/10/1", dt.date(2025, 10, 1)),
        ("２０２５年１０月１日", dt.date(2025, 10, 1)),
        ("令和7年10月1日", dt.date(2025, 10, 1)),
        ("R7.10.1", dt.date(2025, 10, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
    ],
)
def test_dates_are_read_in_western_and_era_forms(typed: str, expected: dt.date) -> None:
    assert parse_date(typed) == expected


@pytest.mark.parametrize("typed", ["令和元年4月30日", "2025/2/30", "来月", "R7"])
def test_impossible_or_unreadable_dates_are_refused(typed: str) -> None:
    with pytest.raises(JapaneseInputError):
        parse_date(typed)

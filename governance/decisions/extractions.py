"""Saved extraction filters for auditors (監査用抽出, NEXT_WAVE §C.1 item 3, §C.2): populations
to sample, each row with its case number and a permalink, read in a constant number of queries.

Every extraction is read only; exporting one (CSV or .xlsx) is recorded as an audit event by
``governance.decisions.exports``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import japanese, permissions
from governance.models import BudgetCheck, Case, DecisionRecord, LedgerStatus, SpecReview


@dataclass
class Extraction:
    slug: str
    title: Any
    description: Any
    columns: tuple[Any, ...]
    reader: Callable[[Any, dict[str, str], str], list[list[Any]]]
    takes_fiscal_year: bool = False


def can_extract(user: Any) -> bool:
    """Auditors only: they read every department's cases (NEXT_WAVE §C.5b)."""
    return permissions.is_auditor(user)


def _fiscal_year(filters: dict[str, str]) -> int:
    text = filters.get("fiscal_year", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return japanese.fiscal_year_of(timezone.localdate())


def _visible(user: Any) -> Any:
    return permissions.scope_cases(user, Case.objects.all()).values("pk")


def _trace(case_id: int, base: str, anchor: str = "") -> str:
    return f"{base}{reverse('home:case_trace', args=[case_id])}{anchor}"


def _moment(value: Any) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{japanese.era_date(local)} {local:%H:%M}"


def _spec_reviews(user: Any, filters: dict[str, str], base: str) -> list[list[Any]]:
    """Every mandatory spec review of the fiscal year, with whether the approval came before
    the contract board's date (the approval's date in Japan earlier than the board's)."""
    reviews = (
        SpecReview.objects.filter(mandatory=True, fiscal_year=_fiscal_year(filters))
        .filter(pk__in=_visible(user))
        .select_related("department")
        .order_by("number")
    )
    rows = []
    for review in reviews:
        if review.approved_at is None:
            before = _("未決裁")
        elif review.contract_board_date is None:
            before = _("審査会の日付なし")
        elif timezone.localtime(review.approved_at).date() < review.contract_board_date:
            before = _("はい")
        else:
            before = _("いいえ")
        rows.append(
            [
                review.number,
                review.title,
                review.department.label,
                japanese.yen(review.estimated_price),
                japanese.era_date(review.contract_board_date) if review.contract_board_date else "",
                _moment(review.approved_at),
                before,
                _trace(review.pk, base),
            ]
        )
    return rows


def _open_guidance(user: Any, filters: dict[str, str], base: str) -> list[list[Any]]:
    """Budget checks with guidance items still open (未対応)."""
    checks = BudgetCheck.objects.filter(pk__in=_visible(user))
    if filters.get("fiscal_year"):
        checks = checks.filter(fiscal_year=_fiscal_year(filters))
    open_items = Q(guidanceitems__status=LedgerStatus.OPEN)
    checks = (
        checks.annotate(
            open_count=Count("guidanceitems", filter=open_items),
            first_due=Min("guidanceitems__due_date", filter=open_items),
        )
        .filter(open_count__gt=0)
        .select_related("department")
        .order_by("number")
    )
    return [
        [
            check.number,
            check.title,
            check.department.label,
            japanese.fiscal_year_label(check.fiscal_year),
            check.open_count,
            japanese.era_date(check.first_due) if check.first_due else "",
            _trace(check.pk, base),
        ]
        for check in checks
    ]


def _decision_rows(records: Any, base: str) -> list[list[Any]]:
    return [
        [
            record.case.number,
            record.case.title,
            record.case.department.label,
            record.decision_label,
            record.decided_by_name,
            _moment(record.decided_at),
            len(record.evidence or []),
            len(record.evidence_viewed or []),
            _trace(record.case_id, base, f"#decision-{record.pk}"),
        ]
        for record in records
    ]


def _decisions(user: Any) -> Any:
    return (
        DecisionRecord.objects.filter(case__in=_visible(user))
        .select_related("case", "case__department")
        .order_by("decided_at", "pk")
    )


def _self_decided(user: Any, filters: dict[str, str], base: str) -> list[list[Any]]:
    """Decisions whose decider is the case's requester (segregation of duties: must be 0)."""
    return _decision_rows(_decisions(user).filter(decided_by_id=F("case__requester_id")), base)


def _nothing_opened(user: Any, filters: dict[str, str], base: str) -> list[list[Any]]:
    """Decisions taken without the decider opening any of the evidence listed."""
    return _decision_rows(_decisions(user).filter(evidence_viewed=[]), base)


_DECISION_COLUMNS = (
    gettext_lazy("案件番号"),
    gettext_lazy("件名"),
    gettext_lazy("部局"),
    gettext_lazy("決定"),
    gettext_lazy("決定者"),
    gettext_lazy("決定日時"),
    gettext_lazy("判断時の資料数"),
    gettext_lazy("閲覧した資料数"),
    gettext_lazy("リンク"),
)

EXTRACTIONS: dict[str, Extraction] = {
    extraction.slug: extraction
    for extraction in (
        Extraction(
            slug="spec-reviews",
            title=gettext_lazy("確認必須の仕様書確認と審査会前の決裁"),
            description=gettext_lazy(
                "指定した年度の確認必須の仕様書確認すべてと、決裁が契約局審査会の予定日より"
                "前だったかどうか。"
            ),
            columns=(
                gettext_lazy("案件番号"),
                gettext_lazy("件名"),
                gettext_lazy("部局"),
                gettext_lazy("予定価格"),
                gettext_lazy("契約局審査会の予定日"),
                gettext_lazy("決裁日時"),
                gettext_lazy("審査会前の決裁"),
                gettext_lazy("リンク"),
            ),
            reader=_spec_reviews,
            takes_fiscal_year=True,
        ),
        Extraction(
            slug="open-guidance",
            title=gettext_lazy("未対応の指導事項がある予算確認"),
            description=gettext_lazy("指導事項が未対応のまま残っている予算確認。"),
            columns=(
                gettext_lazy("案件番号"),
                gettext_lazy("件名"),
                gettext_lazy("部局"),
                gettext_lazy("年度"),
                gettext_lazy("未対応の指導事項"),
                gettext_lazy("最も早い対応期限"),
                gettext_lazy("リンク"),
            ),
            reader=_open_guidance,
            takes_fiscal_year=True,
        ),
        Extraction(
            slug="self-decided",
            title=gettext_lazy("依頼者自身による決定"),
            description=gettext_lazy(
                "決定者が案件の依頼者と同じ決定（職務分離に反するもの。0件であるべき）。"
            ),
            columns=_DECISION_COLUMNS,
            reader=_self_decided,
        ),
        Extraction(
            slug="nothing-opened",
            title=gettext_lazy("資料を閲覧せずに行われた決定"),
            description=gettext_lazy("決定者が判断前に資料を一つも開かなかった決定。"),
            columns=_DECISION_COLUMNS,
            reader=_nothing_opened,
        ),
    )
}


def extraction_for(user: Any, slug: str) -> Extraction:
    permissions.require(can_extract(user))
    extraction = EXTRACTIONS.get(slug)
    permissions.require(extraction is not None)
    assert extraction is not None
    return extraction


def run(user: Any, extraction: Extraction, filters: dict[str, str], base: str = "") -> list[Any]:
    permissions.require(can_extract(user))
    return extraction.reader(user, filters, base)


def extraction_filters(params: Any) -> dict[str, str]:
    text = str(params.get("fiscal_year", "")).strip()
    return {"fiscal_year": text} if text else {}

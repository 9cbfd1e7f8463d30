"""Demo spec reviews: one mandatory case waiting for its reviewer (with lock-in signals in the
specification and a system run by one vendor for 15 years), one mandatory case approved after
a resubmission (with its 仕様書確認結果), one optional review asked for below the threshold, and
one small procurement that needed none. Cases move through the flow's own pages (the headless
driver).

Systems are created (marked synthetic) only if their code is missing, so this step can run
before or after a registry import.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from forms import spec_review as spec_forms
from governance import flows
from governance.japanese import fiscal_year_of
from governance.karte.rules import refresh_tenures
from governance.models import (
    CaseKind,
    Contract,
    Department,
    Finding,
    InformationSystem,
    LedgerStatus,
    Perspective,
    SpecReview,
    SpecReviewRound,
    SpecScanResult,
    SystemKind,
    User,
    Vendor,
)

CHECKLIST_OK = {p.value: ("ok", "") for p in Perspective}

EXIT_CLAUSES = [
    "契約終了時には、本システムで保有する全てのデータを CSV 形式で抽出し、次期事業者へ提供する"
    "とともに、データ移行作業に協力すること。",
    "受注者は、設計書、運用手順書及びパラメータ一覧等の引継ぎ資料を作成し、次期事業者へ"
    "引き継ぐこと。",
    "本業務の成果物に関する著作権（著作権法第27条及び第28条に定める権利を含む。）は、発注者に"
    "帰属するものとする。",
]


def _spec(title: str, requirements: list[str], *, with_exit_clauses: bool = True) -> bytes:
    document = Document()
    document.add_heading(f"{title} 仕様書", level=0)
    document.add_heading("1 調達の目的", level=1)
    document.add_paragraph(f"本仕様書は、{title}に係る調達の内容について定めるものである。")
    document.add_heading("2 機能・性能要件", level=1)
    for text in requirements:
        document.add_paragraph(text)
    table = document.add_table(rows=3, cols=2)
    for row, (item, value) in zip(
        table.rows,
        [("項目", "要件"), ("稼働時間", "平日 8:00〜22:00"), ("利用者数", "約 1,200 名")],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = item, value
    document.add_heading("3 セキュリティ要件", level=1)
    document.add_paragraph("大阪府情報セキュリティポリシーを遵守すること。")
    if with_exit_clauses:
        document.add_heading("4 契約終了時の対応", level=1)
        for text in EXIT_CLAUSES:
            document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _system(code: str, name: str, department: Department, vendor: str, years: int) -> Any:
    """The registry's system of that name (the karte demo has them), else a synthetic one."""
    system = (
        InformationSystem.objects.filter(department=department, name=name).first()
        or InformationSystem.objects.filter(code=code).first()
    )
    if system is not None:
        return system
    latest = fiscal_year_of(timezone.localdate()) - 1
    system = InformationSystem.objects.create(
        code=code,
        name=name,
        department=department,
        kind=SystemKind.PACKAGE_CUSTOMISATION,
        first_fiscal_year=latest - years + 1,
        is_synthetic=True,
    )
    operator, _created = Vendor.objects.get_or_create(name=vendor)
    for year in range(latest - years + 1, latest + 1):
        Contract.objects.create(
            system=system,
            fiscal_year=year,
            vendor=operator,
            contract_type="運用保守",
            amount=24_000_000,
        )
    refresh_tenures([system.pk])
    return system


def _flow() -> Any:
    return flows.flow_class(CaseKind.SPEC_REVIEW)


def _start(user: User, *, spec_file: SimpleUploadedFile, **values: Any) -> SpecReview:
    """Register a review through the flow's start page (the headless driver)."""
    process = flows.driver().start(
        _flow(),
        user=user,
        data=spec_forms.register_data(**values),
        files={"spec_file": spec_file},
    )
    return SpecReview.objects.get(process_id=process.pk)


def _act(review: SpecReview, user: User, data: dict[str, str]) -> None:
    """A button on the reviewer's page that leaves the review step open."""
    flows.driver().act(review.process, _flow().review, user=user, data=data)


def _step(
    review: SpecReview, node_name: str, user: User, data: dict[str, str], **files: Any
) -> None:
    """Do the open step ``node_name`` of the case as ``user``, as its page would."""
    node = getattr(_flow(), node_name)
    flows.driver().complete(review.process, node, user=user, data=data, files=files)
    review.refresh_from_db()


def _decide_drafts(review: SpecReview, reviewer: User, accept: tuple[str, ...]) -> None:
    for result in SpecScanResult.objects.filter(version__review=review, status="pending"):
        if result.phrase in accept:
            _act(review, reviewer, spec_forms.accept_data(result))
        else:
            reason = "別紙「運用保守要件書」で規定されていることを確認"
            _act(review, reviewer, spec_forms.dismiss_data(result, reason))


def _approved_case(staff: User, reviewer: User, approver: User, system: Any, year: int) -> None:
    title = "職員健康管理システム運用保守業務委託"
    review = _start(
        staff,
        title=title,
        system=system,
        fiscal_year=year,
        procurement_type="service",
        estimated_price=42_350_000,
        contract_board_date=dt.date(year, 9, 17),
        spec_file=_upload(
            _spec(
                title,
                [
                    "ジョブ管理には JP1 を用いること。同等品不可とする。",
                    "給与データは現行システムの独自形式のまま保管すること。",
                ],
                with_exit_clauses=False,
            ),
            "職員健康管理システム運用保守_仕様書.docx",
        ),
    )

    _decide_drafts(
        review, reviewer, accept=("JP1", "同等品不可", "独自形式", "契約終了時のデータ移行・提供")
    )
    _act(
        review,
        reviewer,
        spec_forms.finding_data(
            perspective=Perspective.SCHEDULE,
            text="並行稼働期間が1週間と短く、切替時の障害対応が困難です。",
            requested_revision="並行稼働期間を1か月程度確保するか、その根拠を示してください。",
        ),
    )
    _step(
        review,
        "review",
        reviewer,
        spec_forms.complete_review_data(
            checklist={
                **CHECKLIST_OK,
                "neutrality": ("issue", "製品指定と独自形式への依存あり"),
                "schedule": ("issue", "並行稼働期間が不足"),
            },
            decision=SpecReviewRound.Decision.RETURNED,
            comment="指摘事項5件について、仕様書の修正と回答をお願いします。",
        ),
    )
    findings = list(Finding.objects.filter(case=review).order_by("number"))
    answers = {
        findings[
            0
        ].pk: "「ジョブ管理機能（JP1 又は同等品以上）」とし、必要な機能要件を列挙しました。",
        findings[1].pk: "同等品不可の記載を削除しました。",
        findings[2].pk: "保管形式を CSV（UTF-8）に改めました。",
        findings[3].pk: "「4 契約終了時の対応」を追加しました。",
        findings[4].pk: "並行稼働期間を1か月に延長しました。",
    }
    _step(
        review,
        "resubmit",
        staff,
        spec_forms.resubmit_data(answers=answers, note="指摘事項を反映した第2版です。"),
        spec_file=_upload(
            _spec(title, ["ジョブ管理機能を備えること（機能要件は別表のとおり）。"]),
            "職員健康管理システム運用保守_仕様書_第2版.docx",
        ),
    )

    for finding in findings:
        _act(
            review,
            reviewer,
            spec_forms.settle_data(
                finding, status=LedgerStatus.RESOLVED, resolution="第2版で修正を確認しました。"
            ),
        )
    _step(
        review,
        "review",
        reviewer,
        spec_forms.complete_review_data(
            checklist={**CHECKLIST_OK, "neutrality": ("ok", "第2版で解消")},
            decision=SpecReviewRound.Decision.TO_APPROVAL,
        ),
    )
    _step(review, "approve", approver, spec_forms.approve_data())


def load(stdout: Any) -> None:
    if SpecReview.objects.filter(title="職員健康管理システム運用保守業務委託").exists():
        stdout.write("仕様書確認のデモデータは登録済みです。")
        return
    year = fiscal_year_of(timezone.localdate())
    somu = Department.objects.get(code="somu")
    zaimu = Department.objects.get(code="zaimu")
    staff_somu = User.objects.get(username="staff_somu")
    staff_zaimu = User.objects.get(username="staff_zaimu")
    approver = User.objects.get(username="approver")
    tax_system = _system(
        "DEMO-SR-ZAIMU-01", "税務情報システム", zaimu, "関西システム開発株式会社", 15
    )
    payroll = _system(
        "DEMO-SR-SOMU-01", "大阪府職員健康管理システム", somu, "なにわ情報サービス株式会社", 8
    )

    assert somu.liaison is not None
    _approved_case(staff_somu, somu.liaison, approver, payroll, year)

    title = "税務情報システム機器更新（賃貸借）"
    _start(
        staff_zaimu,
        title=title,
        system=tax_system,
        fiscal_year=year,
        procurement_type="lease",
        estimated_price=186_000_000,
        contract_board_date=dt.date(year, 11, 12),
        spec_file=_upload(
            _spec(
                title,
                [
                    "データベースは Oracle Database 19c Enterprise Edition とすること。",
                    "サーバは PRIMERGY RX2540 M7 相当とし、同等品不可とする。",
                ],
                with_exit_clauses=False,
            ),
            "税務情報システム機器更新_仕様書.docx",
        ),
    )
    _start(
        staff_somu,
        title="会議室予約システム構築",
        fiscal_year=year,
        procurement_type="service",
        estimated_price=8_800_000,
        review_requested=True,
        spec_file=_upload(
            _spec("会議室予約システム構築", ["kintone を用いて構築すること。"]),
            "会議室予約_仕様書.docx",
        ),
    )
    _start(
        staff_zaimu,
        title="窓口用タブレット端末の購入",
        fiscal_year=year,
        procurement_type="goods",
        estimated_price=3_200_000,
        spec_file=_upload(
            _spec("窓口用タブレット端末の購入", ["画面サイズ10インチ以上とすること。"]),
            "タブレット購入_仕様書.docx",
        ),
    )
    stdout.write("仕様書確認 4 件（必須2件・任意1件・対象外1件）を登録しました。")

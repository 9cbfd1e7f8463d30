"""The annual activity report counts what the office received in each fiscal year (in Japan
time), prints seed 000's figures under its headings, and freezes what it issued."""

from __future__ import annotations

import datetime as dt
import io
import re
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from governance.activity import compose, counting, render, selectors, services, typography
from governance.activity.services import FigureEntry
from governance.cases.services import set_status
from governance.japanese import JST
from governance.models import (
    ActivityFigure,
    AnnualReport,
    AuditEvent,
    Case,
    CaseKind,
    CaseStatus,
    ReportStatus,
    User,
)
from governance.permissions import Refused
from tests.annual_report_support import collapsed, docx_text, received

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def seed_000_demo(settings: Any, tmp_path: Path) -> None:
    """The organisation, the registry and the 令和6年度 step of the demo (not the flows)."""
    from governance.activity import demo
    from governance.karte import demo as karte
    from governance.org import demo as org

    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    with transaction.atomic():
        org.load(StringIO())
    with transaction.atomic():
        karte.load(StringIO())
    with transaction.atomic():
        demo.load(StringIO())


def _after(text: str, *parts: str) -> None:
    """``parts`` occur in ``text`` in this order."""
    position = -1
    for part in parts:
        found = text.find(part, position + 1)
        assert found > position, f"{part!r} not after position {position}"
        position = found


def test_report_of_fiscal_2024_prints_the_seed_figures_under_its_headings(
    seed_000_demo: None, tmp_path: Path
) -> None:
    out = tmp_path / "annual_report.docx"
    call_command("annual_report", "2024", "-o", str(out), stdout=StringIO())
    text = docx_text(out.read_bytes())
    assert "令和６年度 事務事業実績" in text
    _after(
        text,
        "企画グループ",
        "(5) ＩＴ事業の推進",
        "・相談件数 19件",
        "・予算確認件数 190件",
        "予定価格が３千６百万円以上",
        "・仕様書確認件数 13件",
        "(6) 他都道府県との連絡調整",
        "監理グループ",
        "(3) ウェブ感染型マルウェア検知",
        "（監視対象 177件）",
        "(4) ホームページレスポンス観測",
        "（監視対象 88件）",
        "(5) サイバー攻撃検知",
        "（監視対象 75件）",
        "(6) 「情報セキュリティに関する基本要綱」の改正対応",
    )
    # The seed's other figures, with one layout (ASCII counts with separators, 約 / 以上).
    assert "（２回、8,191名）" not in text  # counts are ASCII (8,191), never full width
    assert "（2回、8,191名）" in text
    assert "（8部局、395名以上）" in text
    assert "・令和６年度実績：約270名に送付し、約36.7%が開封（通報率:38.9%）" in text
    # The optional reviews are counted on their own line, not printed in the report.
    assert "仕様書確認件数 2件" not in text
    assert "別紙 集計基準（第1版）" in text


def test_the_workbook_holds_every_figure_with_source_basis_and_the_numbers_behind_it(
    seed_000_demo: None, tmp_path: Path
) -> None:
    out = tmp_path / "annual_report.xlsx"
    call_command("annual_report", "令和6", "-o", str(out), stdout=StringIO())
    book = openpyxl.load_workbook(out)
    assert {"実績値", "根拠一覧", "本文", "集計基準"} <= set(book.sheetnames)
    rows = {row[2]: row for row in book["実績値"].iter_rows(min_row=3, values_only=True)}
    assert rows["consultations"][4] == 19
    assert rows["consultations"][8] == "自動集計"
    assert rows["spec_reviews"][4] == 13
    assert rows["spec_reviews_optional"][4] == 2
    assert rows["check_people"][8] == "手入力"
    assert "事務事業実績（令和６年度" in str(rows["check_people"][9])
    basis = list(book["根拠一覧"].iter_rows(min_row=2, values_only=True))
    consultations = [row[3] for row in basis if row[0] == "consultations"]
    assert len(consultations) == 19
    assert all(str(number).startswith("CS-2024-") for number in consultations)
    assert len([row for row in basis if row[0] == "monitor_web_malware"]) == 177
    topics = {
        str(row[0]): int(str(row[1]))
        for row in book["相談の分類"].iter_rows(min_row=2, values_only=True)
    }
    assert sum(topics.values()) == 19
    assert topics["調達・仕様"] == 3


@pytest.fixture
def people(cast: dict[str, User]) -> dict[str, User]:
    return cast


def test_a_budget_check_received_at_midnight_of_1_april_in_japan_counts_in_the_next_year(
    people: dict[str, User],
) -> None:
    reviewer, staff = people["reviewer"], people["staff_a"]
    last_minute = received(
        reviewer, staff, CaseKind.BUDGET_CHECK, dt.datetime(2025, 3, 31, 14, 59, 59, tzinfo=UTC)
    )
    new_year = received(
        reviewer, staff, CaseKind.BUDGET_CHECK, dt.datetime(2025, 3, 31, 15, 0, tzinfo=UTC)
    )
    fy2024 = counting.count_all(2024)["budget_checks"]
    fy2025 = counting.count_all(2025)["budget_checks"]
    assert fy2024 == [last_minute[0].number]
    assert fy2025 == [new_year[0].number]
    assert compose.compose(2025)["figures"]["budget_checks"]["text"] == "1件"


def test_withdrawn_and_synthetic_cases_and_optional_reviews_are_left_out(
    people: dict[str, User],
) -> None:
    reviewer, staff = people["reviewer"], people["staff_a"]
    at = dt.datetime(2024, 6, 3, 10, tzinfo=JST)
    counted, withdrawn, synthetic = received(reviewer, staff, CaseKind.CONSULTATION, at, 3)
    Case.objects.filter(pk=synthetic.pk).update(is_synthetic=True)
    with transaction.atomic():
        set_status(
            actor=reviewer, case=withdrawn, status=CaseStatus.WITHDRAWN, action="case.withdraw"
        )
    optional = received(reviewer, staff, CaseKind.SPEC_REVIEW, at, mandatory=False)
    mandatory = received(reviewer, staff, CaseKind.SPEC_REVIEW, at)
    counts = counting.count_all(2024)
    assert counts["consultations"] == [counted.number]
    assert counts["spec_reviews"] == [mandatory[0].number]
    assert counts["spec_reviews_optional"] == [optional[0].number]


def test_consultations_are_counted_by_topic(people: dict[str, User]) -> None:
    from governance.consultation.services import classify_consultation, open_consultation

    consultation = open_consultation(
        actor=people["staff_a"], title="調達の相談", question="仕様書の書き方", topic="procurement"
    )
    assert consultation.topic == "procurement"
    with pytest.raises(ValueError):
        open_consultation(actor=people["staff_a"], title="x", question="y", topic="weather")
    with pytest.raises(Refused):
        classify_consultation(actor=people["staff_a"], consultation=consultation, topic="budget")
    classify_consultation(actor=people["reviewer"], consultation=consultation, topic="budget")
    year = consultation.fiscal_year
    topics = counting.consultations_by_topic(year)
    assert topics["予算"] == 1 and topics["調達・仕様"] == 0 and len(topics) == 8


def test_an_empty_year_prints_zero_not_blanks(people: dict[str, User]) -> None:
    text = docx_text(render.docx_bytes(compose.compose(2030)))
    assert "・相談件数 0件" in text
    assert "・仕様書確認件数 0件" in text
    assert "（監視対象 0件）" in text


def _issue(people: dict[str, User], year: int) -> Any:
    report = AnnualReport.objects.filter(fiscal_year=year).first() or services.create_report(
        actor=people["reviewer"], fiscal_year=year
    )
    services.submit_report(actor=people["reviewer"], report=report)
    return services.approve_report(actor=people["approver"], report=report)


def test_breakdown_lists_exactly_the_counted_cases_and_the_issued_report_stays_frozen(
    people: dict[str, User], login: Any
) -> None:
    reviewer, staff = people["reviewer"], people["staff_a"]
    cases = received(
        reviewer, staff, CaseKind.CONSULTATION, dt.datetime(2024, 7, 1, 9, tzinfo=JST), 19
    )
    numbers = sorted(case.number for case in cases)
    page = login(people["auditor"]).get("/reports/2024/figures/consultations/")
    assert page.status_code == 200
    listed = re.findall(r'class="breakdown-member">([^<]*)<', page.content.decode())
    assert listed == numbers

    v1 = _issue(people, 2024)
    assert v1.version == 1 and v1.snapshot["figures"]["consultations"]["value"] == "19"
    assert len(v1.sha256) == 64
    assert AuditEvent.objects.filter(action="annual_report.issue").count() == 1
    with transaction.atomic():
        set_status(
            actor=reviewer, case=cases[0], status=CaseStatus.WITHDRAWN, action="case.withdraw"
        )
    # The data now says 18; the issued report, its page and its stored file still say 19.
    assert len(counting.count_all(2024)["consultations"]) == 18
    assert selectors.report_snapshot(2024)["figures"]["consultations"]["text"] == "19件"
    assert "・相談件数 19件" in docx_text(v1.docx.read())
    frozen = login(reviewer).get("/reports/2024/figures/consultations/").content.decode()
    assert frozen.count('class="breakdown-member"') == 19

    report = AnnualReport.objects.get(fiscal_year=2024)
    with pytest.raises(ValueError):
        services.request_correction(actor=reviewer, report=report, reason=" ")
    services.request_correction(actor=reviewer, report=report, reason="取下げ1件の反映")
    v2 = _issue(people, 2024)
    assert (v2.version, v2.reason) == (2, "取下げ1件の反映")
    assert "・相談件数 18件" in docx_text(v2.docx.read())
    v1.refresh_from_db()
    assert "・相談件数 19件" in docx_text(v1.docx.read())
    assert v1.snapshot["figures"]["consultations"]["value"] == "19"
    assert ActivityFigure.objects.get(fiscal_year=2024, item_key="consultations").value == 18


def test_the_drafter_cannot_approve_the_report(people: dict[str, User]) -> None:
    approver, reviewer = people["approver"], people["reviewer"]
    report = services.create_report(actor=approver, fiscal_year=2024)
    services.submit_report(actor=approver, report=report)
    with pytest.raises(Refused, match="作成者・決裁依頼者と同じ人は決裁できません"):
        services.approve_report(actor=approver, report=report)
    with pytest.raises(Refused):
        services.approve_report(actor=reviewer, report=report)  # not an approver
    report.refresh_from_db()
    assert report.status == ReportStatus.AWAITING_APPROVAL
    assert not report.versions.exists()


def test_only_governance_staff_and_auditors_see_the_breakdown(
    people: dict[str, User], login: Any
) -> None:
    url = "/reports/2024/figures/budget_checks/"
    for name in ("reviewer", "approver", "auditor"):
        assert login(people[name]).get(url).status_code == 200, name
    for name in ("staff_a", "csirt"):
        assert login(people[name]).get(url).status_code == 403, name
    assert login(people["auditor"]).get("/reports/2024/figures/check_people/").status_code == 404
    # Auditors read; they never change the report.
    response = login(people["auditor"]).post("/reports/2024/create/")
    assert response.status_code in (302, 403)
    assert not AnnualReport.objects.exists()


def test_manual_figures_keep_who_entered_them_and_their_basis(people: dict[str, User]) -> None:
    reviewer = people["reviewer"]
    with pytest.raises(ValueError):
        services.enter_figure(
            actor=reviewer, fiscal_year=2024, entry=FigureEntry("consultations", 3, "x")
        )
    with pytest.raises(ValueError):
        services.enter_figure(
            actor=reviewer, fiscal_year=2024, entry=FigureEntry("check_people", 8191, " ")
        )
    with pytest.raises(Refused):
        services.enter_figure(
            actor=people["staff_a"], fiscal_year=2024, entry=FigureEntry("check_people", 1, "x")
        )
    figure = services.enter_figure(
        actor=reviewer,
        fiscal_year=2024,
        entry=FigureEntry("training_outreach_people", "395", "研修記録"),
    )
    assert (figure.entered_by, figure.basis, figure.qualifier) == (reviewer, "研修記録", "or_more")
    shown = compose.compose(2024)["figures"]["training_outreach_people"]
    assert (shown["text"], shown["source"]) == ("395名以上", "manual")


def test_section_texts_are_editable_and_refuse_unknown_figures(people: dict[str, User]) -> None:
    reviewer = people["reviewer"]
    report = services.create_report(actor=reviewer, fiscal_year=2024)
    with pytest.raises(ValueError, match="nothing"):
        services.edit_text(actor=reviewer, report=report, section="it_projects", text="［nothing］")
    report = services.edit_text(
        actor=reviewer, report=report, section="it_projects", text="・相談の件数は［consultations］"
    )
    text = docx_text(render.docx_bytes(compose.compose(2024, report)))
    assert "・相談の件数は0件" in text


def test_yen_figures_print_in_seed_003s_table_shapes(people: dict[str, User]) -> None:
    reviewer = people["reviewer"]
    for year, amount in ((2018, 38_294_000), (2019, 42_969_708), (2020, 37_245_320)):
        services.enter_figure(
            actor=reviewer,
            fiscal_year=year,
            entry=FigureEntry(
                "lgwan_contribution", amount, "決算書", label="LGWAN 負担金", table="settlement"
            ),
        )
    services.enter_figure(
        actor=reviewer,
        fiscal_year=2020,
        entry=FigureEntry(
            "security_cloud",
            163_600,
            "契約書（単位要確認）",
            label="大阪版自治体情報セキュリティクラウド構築等業務",
            table="contract",
            details={"vendor": "（株）オプテージ", "period": "平成28年９月～令和９年３月"},
        ),
    )
    services.enter_figure(
        actor=reviewer,
        fiscal_year=2020,
        entry=FigureEntry(
            "grant_kawachinagano",
            5_000,
            "採択通知",
            label="河内長野市",
            table="thousand_yen",
            details={"title": "行政手続オンライン化", "total": 37_527},
        ),
    )
    snapshot = compose.compose(2020)
    text = docx_text(render.docx_bytes(snapshot))
    _after(
        text,
        "平成30年度 令和元年度 令和２年度",
        "LGWAN 負担金 38,294,000円 42,969,708円 37,245,320円",
    )
    _after(
        text,
        "名称 委託先 契約期間 契約金額",
        "（株）オプテージ 平成28年９月～令和９年３月 163,600円",
    )
    _after(text, "金額（千円） 総事業費（千円）", "河内長野市 行政手続オンライン化 5,000 37,527")
    book = openpyxl.load_workbook(io.BytesIO(render.xlsx_bytes(snapshot)))
    assert list(book["決算額"].iter_rows(values_only=True))[1] == (
        "LGWAN 負担金",
        "38,294,000円",
        "42,969,708円",
        "37,245,320円",
    )


def test_typography_of_the_report() -> None:
    assert typography.kanji_money(36_000_000) == "３千６百万円"
    assert typography.kanji_money(120_000_000) == "１億２千万円"
    assert typography.zenkaku_era("令和6年12月") == "令和６年12月"
    assert typography.zenkaku_era("令和6年度") == "令和６年度"
    assert typography.zenkaku_era("平成30年度") == "平成30年度"
    assert typography.figure(8191, "名") == "8,191名"
    assert typography.figure(270, "名", "about") == "約270名"
    assert typography.figure_line("相談件数", "19件") == "・相談件数\u300019件"
    assert collapsed(typography.figure_line("相談件数", "19件")) == "・相談件数 19件"


def test_the_command_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("annual_report", "2024", "-o", str(tmp_path / "x.pdf"), stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("annual_report", "そのうち", "-o", str(tmp_path / "x.docx"), stdout=StringIO())


def test_the_report_is_drafted_approved_and_issued_through_its_pages(
    people: dict[str, User], login: Any
) -> None:
    import hashlib

    reviewer, approver = login(people["reviewer"]), login(people["approver"])
    assert reviewer.post("/reports/2024/create/").status_code == 302
    page = reviewer.get("/reports/2024/")
    assert page.status_code == 200 and "内訳を見る" in page.content.decode()
    assert reviewer.post("/reports/2024/submit/").status_code == 302
    assert approver.post("/reports/2024/approve/").status_code == 302
    report = AnnualReport.objects.get(fiscal_year=2024)
    assert report.status == ReportStatus.ISSUED and report.number.endswith("号")
    version = report.versions.get()
    download = reviewer.get("/reports/2024/download/docx/?version=1")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == version.sha256
    workbook = reviewer.get("/reports/2024/download/xlsx/")
    assert hashlib.sha256(workbook.content).hexdigest() == version.xlsx_sha256
    actions = list(
        AuditEvent.objects.filter(action__startswith="annual_report.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["annual_report.create", "annual_report.submit", "annual_report.issue"]


def test_a_manual_figure_is_entered_on_the_report_page(people: dict[str, User], login: Any) -> None:
    """The office types the figures no data holds (e.g. 研修の参加者) on the report's page,
    full-width digits and separators as written; without a basis nothing is saved."""
    from governance.models import ActivityFigure

    reviewer = login(people["reviewer"])
    page = reviewer.get("/reports/2024/").content.decode()
    assert 'id="enter-figure"' in page and "手入力の実績値を入力する" in page
    refused = reviewer.post(
        "/reports/2024/enter_figure/",
        {"key": "check_people", "value": "８，１９１", "basis": " "},
        follow=True,
    )
    assert "根拠" in refused.content.decode()
    assert not ActivityFigure.objects.filter(fiscal_year=2024, item_key="check_people").exists()
    reviewer.post(
        "/reports/2024/enter_figure/",
        {"key": "check_people", "value": "８，１９１", "basis": "研修受講記録", "qualifier": ""},
    )
    figure = ActivityFigure.objects.get(fiscal_year=2024, item_key="check_people")
    assert (figure.value, figure.basis, figure.entered_by) == (
        8191,
        "研修受講記録",
        people["reviewer"],
    )
    assert AuditEvent.objects.filter(action="activity_figure.enter").count() == 1
    staff = login(people["staff_a"])
    assert 'id="enter-figure"' not in staff.get("/reports/2024/").content.decode()
    staff.post("/reports/2024/enter_figure/", {"key": "check_people", "value": "1", "basis": "x"})
    assert ActivityFigure.objects.get(fiscal_year=2024, item_key="check_people").value == 8191

"""The registry import reads Japanese input, applies all of a file or none of it with every
problem located by sheet, row and column, and is idempotent; export then import changes
nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from governance.karte import io as karte_io
from governance.karte.rules import lock_in_status
from governance.karte.services import import_systems
from governance.models import (
    AuditEvent,
    Contract,
    CostRecord,
    InformationSystem,
    MonitoringEnrolment,
    ServerLocation,
    SystemKind,
    User,
)
from tests.factories import SectionFactory
from tests.karte_files import (
    CONTRACT_HEADER,
    COST_HEADER,
    MONITORING_HEADER,
    SYSTEM_HEADER,
    basic_workbook,
    system_row,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db


def _import(actor: User, data: bytes, name: str = "karte.xlsx") -> Any:
    return import_systems(actor=actor, parsed=karte_io.read_file(name, data), source=name)


def _rejected(actor: User, data: bytes, name: str = "karte.xlsx") -> list[karte_io.ImportIssue]:
    with pytest.raises(karte_io.KarteImportError) as caught:
        _import(actor, data, name)
    return caught.value.issues


def _state() -> tuple[Any, ...]:
    """Everything an import can change, to compare before and after."""
    return (
        sorted(InformationSystem.objects.values_list(*_SYSTEM_FIELDS)),
        sorted(
            Contract.objects.values_list("system__code", "fiscal_year", "vendor__name", "amount")
        ),
        sorted(
            CostRecord.objects.values_list(
                "system__code", "fiscal_year", "kind", "amount_thousand_yen"
            )
        ),
        sorted(MonitoringEnrolment.objects.values_list("system__code", "service", "enrolled")),
        AuditEvent.objects.count(),
    )


_SYSTEM_FIELDS = (
    "code",
    "name",
    "department_id",
    "section_id",
    "kind",
    "first_fiscal_year",
    "internet_facing",
    "server_location",
    "staff_total",
    "staff_it",
    "vendor_staff",
    "known_issues",
    "renewal_plan",
    "status",
    "updated_at",
)


# --- Reading Japanese input ----------------------------------------------------------------


def test_a_workbook_creates_systems_with_their_contracts_costs_and_monitoring(cast: Any) -> None:
    result = _import(cast["reviewer"], basic_workbook())
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    system = InformationSystem.objects.get(code="A-001")
    assert system.department.name == "総務部"
    assert system.kind == SystemKind.SCRATCH
    assert system.server_location == ServerLocation.DATA_CENTRE
    assert system.internet_facing is True
    assert system.contracts.count() == 10
    assert system.costs.get(fiscal_year=2021, perspective="operation").amount_thousand_yen == 1200
    assert system.monitoring.get().enrolled is True
    # The cached tenure is refreshed with the contracts: 10 years, flagged.
    assert system.tenure_years == 10
    assert lock_in_status(system).flagged is True


def test_full_width_digits_era_years_and_separators_are_accepted(cast: Any) -> None:
    data = workbook_bytes(
        {
            "システム": [
                SYSTEM_HEADER,
                system_row(
                    "Ｂ－００１".replace("－", "-"), 初期運用開始年度="令和３年度", 職員数="１２"
                ),
                system_row(
                    "B-002", 初期運用開始年度="R3", 職員数="1,200", うち情報系職員数="１，０００"
                ),
                system_row("B-003", 初期運用開始年度="令和６", インターネット公開="有"),
                system_row(
                    "B-004", 初期運用開始年度="２０２４年度", 区分="スクラッチ（Ａｃｃｅｓｓ）"
                ),
                system_row("B-005", 初期運用開始年度="平成元年", 区分="スクラッチ(Access)"),
            ],
            "契約": [
                CONTRACT_HEADER,
                ["B-001", "令和３年度", "試験株式会社", "委託役務", "１，２３４，５６７円"],
            ],
            "経費": [
                COST_HEADER,
                [
                    "B-001",
                    "Ｒ３",
                    "予算",
                    "ランニングコスト",
                    "回線・クラウド利用",
                    "２，５００千円",
                ],
            ],
        }
    )
    _import(cast["reviewer"], data)
    years = dict(InformationSystem.objects.values_list("code", "first_fiscal_year"))
    assert years == {"B-001": 2021, "B-002": 2021, "B-003": 2024, "B-004": 2024, "B-005": 1989}
    assert InformationSystem.objects.get(code="B-001").staff_total == 12
    assert InformationSystem.objects.get(code="B-002").staff_it == 1000
    assert InformationSystem.objects.get(code="B-004").kind == SystemKind.SCRATCH_ACCESS
    contract = Contract.objects.get()
    assert (contract.fiscal_year, contract.amount) == (2021, 1_234_567)
    assert CostRecord.objects.get().amount_thousand_yen == 2500


def test_column_order_is_free_extra_columns_are_ignored_and_a_title_row_is_skipped(
    cast: Any,
) -> None:
    header = [*list(reversed(SYSTEM_HEADER)), "備考"]
    row = [*list(reversed(system_row("C-001"))), "メモは読まない"]
    data = workbook_bytes({"システム": [["システムカルテ一覧（令和3年度）"], header, row]})
    _import(cast["reviewer"], data)
    assert InformationSystem.objects.get(code="C-001").name == "試験システムC-001"


def test_sections_are_matched_within_the_department(cast: Any, dept_a: Any) -> None:
    section = SectionFactory.create(department=dept_a, name="人事課")
    _import(
        cast["reviewer"], workbook_bytes({"システム": [SYSTEM_HEADER, system_row(所属="人事課")]})
    )
    assert InformationSystem.objects.get().section == section


def test_a_csv_sheet_in_shift_jis_is_read_and_recognised_by_its_header(cast: Any) -> None:
    text = ",".join(SYSTEM_HEADER) + "\r\n" + ",".join(str(v) for v in system_row("D-001")) + "\r\n"
    result = _import(cast["reviewer"], text.encode("cp932"), name="systems.csv")
    assert result.created == 1
    assert InformationSystem.objects.get().name == "試験システムD-001"


# --- Rejections: all or nothing, with the place and the reason --------------------------------


def test_a_workbook_without_the_system_sheet_is_rejected(cast: Any) -> None:
    issues = _rejected(cast["reviewer"], workbook_bytes({"契約": [CONTRACT_HEADER]}))
    assert [str(issue) for issue in issues] == [
        "シート「システム」: シート「システム」がありません。"
    ]


def test_a_missing_column_is_reported_with_its_sheet_and_name(cast: Any) -> None:
    header = [name for name in SYSTEM_HEADER if name != "区分"]
    issues = _rejected(
        cast["reviewer"], workbook_bytes({"システム": [header, ["X"] * len(header)]})
    )
    assert len(issues) == 1
    assert issues[0].sheet == "システム"
    assert issues[0].column == "区分"
    assert "列「区分」がありません" in issues[0].message


def test_a_missing_column_in_a_child_sheet_is_reported(cast: Any) -> None:
    data = basic_workbook(経費=[["システムコード", "年度", "予算決算", "費目", "金額（千円）"]])
    issues = _rejected(cast["reviewer"], data)
    assert [(issue.sheet, issue.column) for issue in issues] == [("経費", "観点")]


def test_bad_values_are_reported_with_sheet_row_column_and_reason(cast: Any) -> None:
    data = workbook_bytes(
        {
            "システム": [
                SYSTEM_HEADER,
                system_row("E-001"),
                system_row("E-002", 区分="クラウド", 初期運用開始年度="来年", 職員数="三人"),
                system_row("E-003", インターネット公開="", 職員数=2, うち情報系職員数=5),
            ],
            "経費": [COST_HEADER, ["E-001", 2021, "予算", "ランニング", "人件費", 10]],
        }
    )
    issues = {(i.sheet, i.row, i.column): i.message for i in _rejected(cast["reviewer"], data)}
    assert issues[("システム", 3, "区分")].startswith(
        "「クラウド」は使えません（使える値: パッケージカスタマイズ"
    )
    assert issues[("システム", 3, "初期運用開始年度")].startswith("年度として読み取れません")
    assert issues[("システム", 3, "職員数")] == "数値として読み取れません。"
    assert issues[("システム", 4, "インターネット公開")] == "値を入力してください。"
    assert issues[("システム", 4, "うち情報系職員数")] == "うち情報系職員数が職員数を超えています。"
    assert issues[("経費", 2, "観点")].startswith("「人件費」は使えません")
    assert InformationSystem.objects.count() == 0


def test_one_bad_row_rejects_the_whole_file_and_changes_nothing(cast: Any) -> None:
    _import(cast["reviewer"], basic_workbook())
    before = _state()
    data = workbook_bytes(
        {
            "システム": [
                SYSTEM_HEADER,
                system_row("A-001", システム名="改名するはずだった"),
                system_row("A-003"),
                system_row("A-004", 部局="存在しない部"),
            ],
            "契約": [CONTRACT_HEADER, ["A-001", 2022, "新会社", "委託", 1]],
        }
    )
    issues = _rejected(cast["reviewer"], data)
    assert [(i.sheet, i.row, i.column) for i in issues] == [("システム", 4, "部局")]
    assert issues[0].message == "部局「存在しない部」は登録されていません。"
    assert _state() == before


def test_unknown_sections_and_system_codes_are_reported(cast: Any) -> None:
    data = workbook_bytes(
        {
            "システム": [SYSTEM_HEADER, system_row("F-001", 所属="存在しない課")],
            "監視": [MONITORING_HEADER, ["F-999", "サイバー攻撃検知通報", "有", "", ""]],
        }
    )
    issues = [str(issue) for issue in _rejected(cast["reviewer"], data)]
    assert issues == [
        "シート「システム」 2行目 列「所属」: "
        "所属「存在しない課」は部局「総務部」に登録されていません。",
        "シート「監視」 2行目 列「システムコード」: "
        "システムコード「F-999」のシステムは登録されていません（システムシートにもありません）。",
    ]


def test_duplicate_rows_are_reported_with_the_first_row(cast: Any) -> None:
    data = workbook_bytes(
        {
            "システム": [SYSTEM_HEADER, system_row("G-001"), system_row("G-001")],
            "契約": [
                CONTRACT_HEADER,
                ["G-001", 2021, "甲", "委託", 1],
                ["G-001", "R3", "甲", "委託", 2],
            ],
        }
    )
    issues = [str(issue) for issue in _rejected(cast["reviewer"], data)]
    assert issues == [
        "シート「システム」 3行目 列「システムコード」: "
        "システムコード「G-001」が 2行目と重複しています。",
        "シート「契約」 3行目: 同じシステム・年度・事業者・契約種別の行が 2行目と重複しています。",
    ]


def test_a_file_that_is_not_a_workbook_is_rejected(cast: Any) -> None:
    issues = _rejected(cast["reviewer"], b"not a zip at all")
    assert issues[0].message == karte_io.UNREADABLE_FILE


# --- Idempotence and round trip -------------------------------------------------------------


def test_an_import_records_a_summary_and_one_event_per_system(cast: Any) -> None:
    _import(cast["reviewer"], basic_workbook())
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions == ["karte.system.create", "karte.system.create", "karte.import"]
    summary = AuditEvent.objects.get(action="karte.import")
    assert summary.changes["created"] == [None, 2]
    assert summary.changes["契約_added"] == [None, 11]
    assert summary.reason == "一括取込: karte.xlsx"
    created = AuditEvent.objects.filter(action="karte.system.create").first()
    assert created is not None
    assert created.changes["kind"] == [None, SystemKind.SCRATCH]
    assert len(created.changes["contracts"][1]) == 10


def test_reimporting_the_same_file_changes_nothing_and_records_nothing(cast: Any) -> None:
    _import(cast["reviewer"], basic_workbook())
    before = _state()
    result = _import(cast["reviewer"], basic_workbook())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert _state() == before


def test_reimporting_updates_by_code_and_audits_each_changed_system(cast: Any) -> None:
    _import(cast["reviewer"], basic_workbook())
    data = basic_workbook(
        システム=[
            SYSTEM_HEADER,
            system_row("A-001", システム名="新しい名前", インターネット公開="有"),
            system_row("A-002", 部局="財務部", 区分="パッケージカスタマイズ"),
        ]
    )
    result = _import(cast["reviewer"], data)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert InformationSystem.objects.get(code="A-001").name == "新しい名前"
    event = AuditEvent.objects.filter(action="karte.system.update").get()
    assert event.object_repr.startswith("A-001")
    assert event.changes == {"name": ["試験システムA-001", "新しい名前"]}
    assert event.actor == cast["reviewer"]


def test_a_child_sheet_replaces_the_rows_of_the_systems_in_the_file(cast: Any) -> None:
    _import(cast["reviewer"], basic_workbook())
    data = basic_workbook(
        契約=[
            CONTRACT_HEADER,
            *[
                ["A-001", year, "試験情報株式会社", "委託役務", 1_000_000]
                for year in range(2013, 2022)
            ],
        ]
    )
    result = _import(cast["reviewer"], data)
    assert result.rows_removed["契約"] == 2  # A-001's 2012 and A-002's only contract
    assert result.rows_added["契約"] == 0
    assert not Contract.objects.filter(system__code="A-002").exists()
    a001 = InformationSystem.objects.get(code="A-001")
    assert a001.tenure_years == 9
    assert lock_in_status(a001).flagged is False
    event = AuditEvent.objects.get(action="karte.system.update", object_id=str(a001.pk))
    assert event.changes["contracts"] == [[[2012, "試験情報株式会社", "委託役務", 1_000_000]], []]


def test_an_absent_child_sheet_leaves_those_rows_alone(cast: Any) -> None:
    _import(cast["reviewer"], basic_workbook())
    data = workbook_bytes(
        {"システム": [SYSTEM_HEADER, system_row("A-001", インターネット公開="有")]}
    )
    _import(cast["reviewer"], data)
    assert Contract.objects.filter(system__code="A-001").count() == 10
    assert CostRecord.objects.count() == 3
    assert MonitoringEnrolment.objects.count() == 1


def test_export_then_import_changes_nothing(cast: Any, dept_a: Any, tmp_path: Path) -> None:
    SectionFactory.create(department=dept_a, name="人事課")
    data = basic_workbook(
        システム=[
            [*SYSTEM_HEADER, "状態", "台帳管理件数"],
            [
                *system_row(
                    "A-001", 所属="人事課", 課題="1行目\n２行目（全角）", インターネット公開="有"
                ),
                "稼働中",
                "12,000",
            ],
            [
                *system_row("A-002", 部局="財務部", 区分="パッケージカスタマイズ", 職員数=""),
                "廃止",
                "",
            ],
        ],
        監視=[
            MONITORING_HEADER,
            ["A-001", "サイバー攻撃検知通報", "無", "WAF を導入", ""],
            ["A-002", "ホームページレスポンス観測", "無", "", "国のシステムのため"],
        ],
    )
    _import(cast["reviewer"], data)
    before = _state()
    exported = io.BytesIO()
    karte_io.write_workbook(InformationSystem.objects.all(), exported)
    result = _import(cast["reviewer"], exported.getvalue())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert all(n == 0 for n in result.rows_added.values())
    assert all(n == 0 for n in result.rows_removed.values())
    assert _state() == before
    # The same through the commands and CSV, sheet by sheet.
    for sheet in karte_io.SHEETS:
        path = tmp_path / f"{sheet}.csv"
        call_command("export_systems", str(path), sheet=sheet, stdout=io.StringIO())
        call_command("import_systems", str(path), user="reviewer", stdout=io.StringIO())
    assert _state() == before


# --- Who may import, and the commands -------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_a", "auditor", "csirt", "admin"])
def test_only_governance_staff_may_import_others_are_refused(cast: Any, who: str) -> None:
    with pytest.raises(PermissionDenied):
        _import(cast[who], basic_workbook())
    assert InformationSystem.objects.count() == 0


def test_the_import_command_reports_problems_and_changes_nothing(cast: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook_bytes({"システム": [SYSTEM_HEADER, system_row(区分="謎")]}))
    with pytest.raises(CommandError) as caught:
        call_command("import_systems", str(path), user="reviewer")
    assert "シート「システム」 2行目 列「区分」" in str(caught.value)
    assert InformationSystem.objects.count() == 0


def test_the_import_command_refuses_a_user_who_may_not_import(cast: Any, tmp_path: Path) -> None:
    path = tmp_path / "karte.xlsx"
    path.write_bytes(basic_workbook())
    with pytest.raises(CommandError):
        call_command("import_systems", str(path), user="auditor")
    out = io.StringIO()
    call_command("import_systems", str(path), user="reviewer", stdout=out)
    assert "新規 2 件" in out.getvalue()


def test_the_export_command_writes_only_what_the_user_may_see(cast: Any, tmp_path: Path) -> None:
    _import(cast["reviewer"], basic_workbook())
    path = tmp_path / "mine.xlsx"
    call_command("export_systems", str(path), user="staff_a", stdout=io.StringIO())
    parsed = karte_io.read_file(path.name, path.read_bytes())
    assert parsed.systems is not None
    assert [row.code for row in parsed.systems] == ["A-001"]
    assert parsed.contracts is not None
    assert {row.code for row in parsed.contracts} == {"A-001"}

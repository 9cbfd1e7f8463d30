"""The network connection's Word documents (承認書 / 条件付承認書, 不承認通知, 取消通知書) read
back with python-docx say what was decided, with fiscal-year numbers, era dates, the validity,
the numbered conditions and the communication matrix; their masters are what the build script
makes; and the 接続承認一覧 workbook lists every approval, formula-safe."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from openpyxl import load_workbook

from forms import network as nc_forms
from governance.models import (
    AdvisoryDocument,
    ApprovalStatus,
    ConnectionApproval,
    DocumentVersion,
    InformationSystem,
)
from governance.network import services
from tests import network_support as nc
from tests.clocks_support import FrozenNow, jst
from tests.factories import InformationSystemFactory
from tests.spec_docs import docx_text

pytestmark = pytest.mark.django_db
MASTERS = Path(settings.BASE_DIR) / "templates" / "documents"


@pytest.fixture
def clock(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 11, 30, 10))


def text_of(version: DocumentVersion) -> str:
    with version.file.open("rb") as handle:
        return docx_text(handle.read())


def latest(document: AdvisoryDocument) -> DocumentVersion:
    return document.versions.order_by("-version").first()  # type: ignore[return-value]  # generated


def test_the_conditional_approval_document_states_validity_conditions_and_the_matrix(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    approval = nc.approved(
        nc_cast,
        system,
        desired_start_on="2026-12-01",
        desired_end_on="令和9年3月31日",
        flows=[
            nc.FLOW,
            nc_forms.flow_row("web01", "*.windowsupdate.com", "443", purpose="OS の更新"),
        ],
        conditions=[
            {"text": "操作ログを1年以上保存すること", "due_date": "令和8年12月28日"},
            {
                "text": "保守端末を固定すること",
                "due_date": "令和9年1月29日",
                "evidence_required": "端末一覧",
            },
        ],
    )
    run_jobs()
    document = approval.document
    assert document is not None
    assert document.number == "R8行DX第1号"  # the series of 令和8年度, the year it is issued
    assert document.title == "ネットワーク接続条件付承認書"
    version = latest(document)
    with version.file.open("rb") as handle:
        data = handle.read()
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    text = docx_text(data)
    assert "R8行DX第1号\n令和8年11月30日\n" in text
    assert "総務部長　様" in text
    assert "ネットワーク接続条件付承認書" in text
    assert "次の条件を付して承認します" in text
    assert f"案件番号 | {approval.case.number}" in text
    assert "有効期間 | 令和8年12月1日から令和9年3月31日まで" in text
    assert "接続先セグメント | LGWAN接続系" in text
    assert "web01 | サーバ | 192.168.10.5 | Windows Server 2022 | 令和13年10月14日" in text
    assert "1 | 操作ログを1年以上保存すること | 令和8年12月28日 | " in text
    assert "2 | 保守端末を固定すること | 令和9年1月29日 | 端末一覧" in text
    # The annex: the communication matrix, one row per communication.
    assert "別紙　通信マトリクス" in text
    assert "1 | web01 | 10.0.0.0/24 | TCP | 443 | 外向き（送信） | 庁内システムとの連携" in text
    assert "2 | web01 | *.windowsupdate.com | TCP | 443 | 外向き（送信） | OS の更新" in text
    assert f"統括情報セキュリティ責任者　{nc_cast['approver'].display_name}" in text
    assert "最高情報セキュリティ責任者" not in text


def test_an_end_of_support_before_the_requested_end_cuts_the_validity_and_says_why(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    approval = nc.approved(
        nc_cast,
        system,
        desired_end_on="令和11年3月31日",
        assets=[{**nc.SERVER, "os_eol_on": "2027-06-30"}],
    )
    assert approval.valid_until == dt.date(2027, 6, 30)
    run_jobs()
    assert approval.document is not None
    text = text_of(latest(approval.document))
    assert "令和9年6月30日まで（機器のサポート終了日による）" in text
    assert "ネットワーク接続承認書" in text and "条件はありません。" in text


def test_a_ciso_routed_approval_names_both_approvers(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    approval = nc.approved(
        nc_cast,
        system,
        segment="mynumber",
        flows=[nc_forms.flow_row("web01", "10.0.0.0/24", "443")],
    )
    run_jobs()
    assert approval.document is not None
    text = text_of(latest(approval.document))
    assert f"最高情報セキュリティ責任者（CISO）　{nc_cast['ciso'].display_name}" in text
    assert "CISO の承認が必要（マイナンバー利用事務系への接続）" in text


def test_the_rejection_notice_gives_the_reason(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    connection = nc.review_through(nc.apply(nc_cast["staff_a"], system), nc_cast)
    nc.approve(
        connection,
        nc_cast["approver"],
        decision="reject",
        comment="業務上の必要性が確認できません。",
    )
    run_jobs()
    document = AdvisoryDocument.objects.get(case=connection)
    text = text_of(latest(document))
    assert document.title == "ネットワーク接続不承認通知"
    assert "承認しないこととしたので通知します" in text
    assert "業務上の必要性が確認できません。" in text
    assert f"案件番号 | {connection.number}" in text


def test_the_revocation_notice_names_the_approval_and_the_disconnection_date(
    clock: FrozenNow, nc_cast: Any, system: Any, run_jobs: Any
) -> None:
    approval = nc.approved(nc_cast, system, desired_end_on="令和9年3月31日")
    services.revoke_approval(
        actor=nc_cast["approver"], approval=approval, reason="承認条件の未履行"
    )
    run_jobs()
    approval.refresh_from_db()
    assert approval.revocation_document is not None and approval.document is not None
    text = text_of(latest(approval.revocation_document))
    assert "ネットワーク接続承認取消通知書" in text
    assert f"取り消す承認 | {approval.document.number}（{approval.case.number}）" in text
    assert "取消の理由 | 承認条件の未履行" in text
    # Five business days after Monday 30 November 2026.
    assert "接続の解除の期日 | 令和8年12月7日" in text
    assert "承認の有効期間 | 令和9年3月31日まで" in text


def _build_script() -> Any:
    path = Path(settings.BASE_DIR) / "docs" / "masters" / "build_network_masters.py"
    spec = importlib.util.spec_from_file_location("build_network_masters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "name",
    [
        "network_connection_approval",
        "network_connection_rejection",
        "network_connection_revocation",
    ],
)
def test_the_committed_masters_are_what_the_build_script_makes(name: str) -> None:
    built = zipfile.ZipFile(io.BytesIO(_build_script().MASTERS[name]()))
    committed = zipfile.ZipFile(MASTERS / f"{name}.docx")
    assert built.namelist() == committed.namelist()
    for entry in built.namelist():
        assert built.read(entry) == committed.read(entry), entry


# --- 接続承認一覧 ------------------------------------------------------------------------------


def _workbook(client: Any, query: str = "") -> Any:
    response = client.get(f"/network/export/{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.content)).active


def test_the_export_lists_every_approval_with_dates_and_cannot_carry_a_formula(
    clock: FrozenNow, nc_cast: Any, system: Any, login: Any
) -> None:
    approval = nc.approved(
        nc_cast,
        system,
        desired_end_on="令和9年3月31日",
        conditions=[{"text": '=HYPERLINK("http://evil")', "due_date": "2026-12-28"}],
    )
    sheet = _workbook(login(nc_cast["security"]))
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == services.EXPORT_HEADERS
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["案件番号"] == approval.case.number
    assert row["状態"] == "接続中"
    assert row["セグメント"] == "LGWAN接続系"
    assert row["有効期限"].date() == dt.date(2027, 3, 31)
    assert row["未対応の条件"] == 1
    assert row["条件"].startswith("1. =HYPERLINK")  # inside text, never at a cell's start
    cells = list(sheet[2])
    assert all(cell.data_type != "f" for cell in cells)
    assert services.formula_safe("=1+1") == "'=1+1"
    assert services.formula_safe("@SUM(A1)") == "'@SUM(A1)"
    assert services.formula_safe("普通の文字列") == "普通の文字列"


def test_a_title_starting_with_a_formula_is_written_as_text(
    clock: FrozenNow, nc_cast: Any, dept_a: Any, login: Any
) -> None:
    risky = InformationSystemFactory.create(
        code="RISK-01", name="=cmd|'/c calc'!A1", department=dept_a
    )
    nc.approved(nc_cast, risky)
    sheet = _workbook(login(nc_cast["auditor"]))
    names = list(sheet["E"][1:])
    assert [cell.value for cell in names] == ["'=cmd|'/c calc'!A1"]
    assert all(cell.data_type == "s" for cell in names)


def test_the_export_is_scoped_like_the_list(
    clock: FrozenNow, nc_cast: Any, system: Any, dept_b: Any, login: Any
) -> None:
    nc.approved(nc_cast, system)
    assert len(list(_workbook(login(nc_cast["staff_a"])).iter_rows())) == 2
    assert len(list(_workbook(login(nc_cast["staff_b"])).iter_rows())) == 1


def test_the_exports_segment_and_status_filter_counts_what_the_registry_filter_counts(
    clock: FrozenNow, nc_cast: Any, dept_a: Any, login: Any
) -> None:
    systems = [
        InformationSystemFactory.create(department=dept_a, code=f"NET-{n}") for n in range(4)
    ]
    for index, system in enumerate(systems):
        segment = "internet" if index < 3 else "lgwan"
        nc.approved(
            nc_cast,
            system,
            title=f"接続{index}",
            segment=segment,
            assets=[nc.asset_of(f"host{index}")],
            flows=[nc.flow_of(f"host{index}")],
            connect=index != 2,
        )
    client = login(nc_cast["security"])
    sheet = _workbook(client, "?segment=internet&status=active")
    exported = len(list(sheet.iter_rows())) - 1
    assert exported == 2
    page = client.get("/karte/?nc_segment=internet&nc_status=active")
    assert page.status_code == 200
    assert page.context["paginator"].count == exported
    assert (
        ConnectionApproval.objects.filter(segment="internet", status=ApprovalStatus.ACTIVE).count()
        == 2
    )
    assert InformationSystem.objects.count() == 4

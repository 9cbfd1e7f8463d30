"""An incident's documents carry its TLP in header and footer, era dates, fiscal-year numbers
and its facts, are stored as versions with their hash, and reach only those who may read it."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from docx import Document
from openpyxl import load_workbook

from governance.incidents import services
from governance.incidents.obligations import submissions
from governance.incidents.obligations.models import ReportingObligation
from governance.incidents.services.documents import ALERT_REFUSED, NCO_REFUSED
from governance.models import AdvisoryDocument, AuditEvent, DocumentVersion, Incident
from tests.clocks_support import FrozenNow, jst
from tests.incidents_support import csirt_cast, promote, report, triage

pytestmark = pytest.mark.django_db
__all__ = ["csirt_cast"]

MASTERS = Path(settings.BASE_DIR) / "templates" / "documents"


@pytest.fixture
def clock(monkeypatch: Any) -> FrozenNow:
    return FrozenNow(monkeypatch, jst(2026, 12, 3, 10))


def leak(csirt_cast: dict[str, Any], dept_a: Any, *, tlp: str = "amber", **facts: Any) -> Incident:
    """A misdirected e-mail carrying 101 persons' data, known since 1 December 10:00."""
    csirt = csirt_cast["csirt"]
    event = report(csirt_cast["staff_a"], what="メールの誤送信", personal_data="yes", persons="101")
    incident = promote(csirt, [event], department=dept_a, title="住民名簿のメール誤送信")
    incident = triage(csirt, incident, category=facts.pop("category", "misdelivery_email"), tlp=tlp)
    services.update_facts(
        actor=csirt,
        incident=incident,
        occurred_at=jst(2026, 12, 1, 9, 30),
        aware_at=jst(2026, 12, 1, 10),
        pd_involved="yes",
        pd_items="氏名、住所、電話番号",
        pd_persons="101",
        **facts,
    )
    services.add_timeline_entry(
        actor=csirt,
        incident=incident,
        kind="action",
        text="送信先に削除を依頼した",
        at=jst(2026, 12, 1, 11),
    )
    return Incident.objects.get(pk=incident.pk)


def generate(user: Any, incident: Incident, kind: str, run_jobs: Any, stage: str = "") -> Any:
    document = services.generate_incident_document(
        actor=user, incident=incident, kind=kind, stage=stage
    )
    run_jobs()
    version = document.versions.order_by("-version").first()
    assert version is not None
    return document, version


def read(version: DocumentVersion) -> tuple[str, str, str]:
    """(header, body with tables as ``a | b`` lines, footer) of a stored .docx."""
    with version.file.open("rb") as handle:
        data = handle.read()
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    header = "\n".join(p.text for p in section.header.paragraphs)
    footer = "\n".join(p.text for p in section.footer.paragraphs)
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return header, "\n".join(lines), footer


def test_the_first_report_prints_tlp_era_dates_number_facts_and_the_timeline(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any
) -> None:
    incident = leak(csirt_cast, dept_a)
    document, version = generate(csirt_cast["csirt"], incident, "incident_report", run_jobs)
    assert document.number == "R8行DX第1号"  # the series of 令和8年度, the year it is issued
    assert document.title == "インシデント報告（第一報）"
    header, body, footer = read(version)
    assert "TLP:AMBER" in header
    assert "TLP:AMBER" in footer and "R8行DX第1号" in footer
    assert "R8行DX第1号\n令和8年12月3日\n" in body
    assert "インシデント報告（第一報）" in body
    assert f"インシデント番号 | {incident.number}" in body
    assert "覚知日時 | 令和8年12月1日 10:00" in body
    assert "本人の数 | 101人" in body
    assert "漏えい等した項目 | 氏名、住所、電話番号" in body
    assert "令和8年12月1日 11:00 | 対応 | 送信先に削除を依頼した" in body
    assert "7　原因と再発防止策" not in body  # only the 最終報 has it
    assert "TLP:AMBER" in version.case_state["tlp_label"]


def test_later_reports_are_numbered_documents_of_their_own_up_to_the_final_one(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any
) -> None:
    incident = leak(csirt_cast, dept_a)
    csirt = csirt_cast["csirt"]
    first, _ = generate(csirt, incident, "incident_report", run_jobs)
    second, _ = generate(csirt, incident, "incident_report", run_jobs, stage="update")
    final, version = generate(csirt, incident, "incident_report", run_jobs, stage="final")
    assert [first.title, second.title, final.title] == [
        "インシデント報告（第一報）",
        "インシデント報告（第2報）",
        "インシデント報告（最終報）",
    ]
    assert [first.number, second.number, final.number] == [
        "R8行DX第1号",
        "R8行DX第2号",
        "R8行DX第3号",
    ]
    _, body, _ = read(version)
    assert "7　原因と再発防止策" in body


def test_regenerating_a_document_adds_a_version_with_its_own_hash(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any
) -> None:
    incident = leak(csirt_cast, dept_a)
    csirt = csirt_cast["csirt"]
    document, first = generate(csirt, incident, "press_release", run_jobs)
    services.update_facts(actor=csirt, incident=incident, root_cause="宛先の選択誤り")
    again, second = generate(csirt, incident, "press_release", run_jobs)
    assert again.pk == document.pk and again.number == document.number
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 != second.sha256
    assert "宛先の選択誤り" in read(second)[1]
    assert (
        AuditEvent.objects.filter(action="document.generate", object_id=str(document.pk)).count()
        == 2
    )


def test_the_ppc_worksheet_fills_the_nine_report_items(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any
) -> None:
    incident = leak(csirt_cast, dept_a, root_cause="宛先の選択誤り", pd_financial_risk=True)
    document, version = generate(
        csirt_cast["csirt"], incident, "ppc_report_worksheet", run_jobs, stage="preliminary"
    )
    assert document.title == "漏えい等報告 記載整理票（速報）"
    header, body, footer = read(version)
    assert "TLP:AMBER" in header and "TLP:AMBER" in footer
    assert "漏えい等報告 記載整理票（速報）" in body
    assert "発覚日（覚知日） | 令和8年12月1日" in body
    assert "財産的被害のおそれ（第2号）" in body
    assert "本人の数が100人を超える（第4号）" in body
    for item in (
        "1　概要 | 発生日：令和8年12月1日 09:30",
        "2　漏えい等が発生し、又は発生したおそれがある保有個人情報の項目 | 氏名、住所、電話番号",
        "3　漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数 | 101人",
        "4　原因 | 宛先の選択誤り",
        "5　二次被害又はそのおそれの有無及びその内容 | 財産的被害のおそれがあります。",
        "6　本人への対応の実施状況 | ",
        "7　公表の実施状況 | ",
        "8　再発防止のための措置 | ",
        f"9　その他参考となる事項 | インシデント番号 {incident.number}",
    ):
        assert item in body, item


def test_the_ppc_worksheet_prints_the_publication_and_notice_decisions(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any
) -> None:
    from governance.incidents.obligations.publication import (
        decide_individual_notice,
        decide_publication,
    )

    incident = leak(csirt_cast, dept_a)
    ciso = csirt_cast["ciso"]
    decide_publication(actor=ciso, incident=incident, choice="publish", reason="101人のため")
    decide_individual_notice(
        actor=ciso, incident=incident, choice="notify", reason="全員に郵送で通知"
    )
    _document, version = generate(
        csirt_cast["csirt"], incident, "ppc_report_worksheet", run_jobs, stage="preliminary"
    )
    _header, body, _footer = read(version)
    published = "公表の判断（公表する）（令和8年12月3日）理由：101人のため、判断：判断済"
    assert f"7　公表の実施状況 | {published}" in body
    assert "6　本人への対応の実施状況 | 本人通知の判断（本人に通知する）（令和8年12月3日）" in body
    assert "理由：全員に郵送で通知、通知：未提出" in body


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("individual_notice", "個人情報の漏えい等についてのお詫びとお知らせ"),
        ("press_release", "住民名簿のメール誤送信について"),
        ("post_incident_review", "事後レビュー報告書"),
    ],
)
def test_the_notice_release_and_review_carry_the_tlp_and_the_facts(
    clock: FrozenNow,
    csirt_cast: dict[str, Any],
    dept_a: Any,
    run_jobs: Any,
    kind: str,
    expected: str,
) -> None:
    incident = leak(csirt_cast, dept_a, recurrence_prevention="送信前の宛先確認を二人で行う")
    _, version = generate(csirt_cast["csirt"], incident, kind, run_jobs)
    header, body, footer = read(version)
    assert "TLP:AMBER" in header and "TLP:AMBER" in footer
    assert expected in body
    assert "令和8年12月3日" in body
    assert "送信前の宛先確認を二人で行う" in body
    if kind == "post_incident_review":
        assert "覚知から CSIRT 受付まで" in body
        assert "発生から覚知まで | 0時間30分" in body


@pytest.mark.parametrize("tlp", ["clear", "green"])
def test_an_alert_is_made_for_a_clear_or_green_incident_with_only_shareable_indicators(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any, tlp: str
) -> None:
    incident = leak(csirt_cast, dept_a, tlp=tlp)
    csirt = csirt_cast["csirt"]
    services.add_observable(
        actor=csirt, incident=incident, type="domain", value="evil.example.com", note="送信元"
    )
    Incident.objects.get(pk=incident.pk).observables.filter(value="evil.example.com").update(
        tlp="green"
    )
    services.add_observable(
        actor=csirt, incident=incident, type="ip", value="203.0.113.9", note="内部のみ"
    )
    incident.observables.filter(value="203.0.113.9").update(tlp="amber")
    _, version = generate(csirt, incident, "alert_notice", run_jobs)
    header, body, footer = read(version)
    label = "TLP:CLEAR" if tlp == "clear" else "TLP:GREEN"
    assert label in header and label in footer
    assert "住民名簿のメール誤送信に関する注意喚起" in body
    assert "evil[.]example[.]com" in body
    assert "203[.]0[.]113[.]9" not in body  # an AMBER indicator stays inside


@pytest.mark.parametrize("tlp", ["amber", "amber_strict", "red"])
def test_an_alert_is_refused_for_amber_and_red_incidents_in_japanese(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, tlp: str
) -> None:
    incident = leak(csirt_cast, dept_a, tlp=tlp)
    with pytest.raises(ValueError, match="注意喚起は TLP:CLEAR 又は TLP:GREEN") as refused:
        services.generate_incident_document(
            actor=csirt_cast["lead"] if tlp == "red" else csirt_cast["csirt"],
            incident=incident,
            kind="alert_notice",
        )
    assert str(refused.value).startswith(ALERT_REFUSED.split("（")[0])
    assert not AdvisoryDocument.objects.filter(case=incident).exists()


def test_the_nco_form_is_a_workbook_with_the_items_and_defanged_indicators(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any
) -> None:
    incident = leak(csirt_cast, dept_a, category="ransomware")
    csirt = csirt_cast["csirt"]
    services.add_observable(
        actor=csirt, incident=incident, type="filename", value=".locked", note="暗号化後の拡張子"
    )
    services.add_observable(
        actor=csirt,
        incident=incident,
        type="ip",
        value="198.51.100.7",
        note="侵入経路の VPN 接続元",
    )
    services.add_observable(
        actor=csirt,
        incident=incident,
        type="filename",
        value='=HYPERLINK("x")',
        note="ランサムノート",
    )
    document, version = generate(csirt, incident, "nco_common_form", run_jobs)
    assert version.file.name.endswith(".xlsx")
    with version.file.open("rb") as handle:
        data = handle.read()
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    sheet: Any = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "共通様式"
    assert sheet["A1"].value == "TLP:AMBER"
    assert "TLP:AMBER" in sheet.oddHeader.right.text and "TLP:AMBER" in sheet.oddFooter.center.text
    items = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value
        for r in range(4, sheet.max_row + 1)
    }
    assert items["文書番号"] == document.number
    assert items["被害の種別"] == "ランサムウェア"
    assert items["覚知日時"] == "令和8年12月1日 10:00"
    assert items["暗号化されたファイルの拡張子"] == ".locked"
    assert items["侵入経路"] == "198[.]51[.]100[.]7"
    # A formula-like value stays text.
    assert items["脅迫文（ランサムノート）"] == '\'=HYPERLINK("x")'
    assert sheet.cell(row=4, column=2).data_type == "s"


def test_the_nco_form_is_refused_for_other_categories(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any
) -> None:
    incident = leak(csirt_cast, dept_a)
    with pytest.raises(ValueError, match=NCO_REFUSED[:10]):
        services.generate_incident_document(
            actor=csirt_cast["csirt"], incident=incident, kind="nco_common_form"
        )


def test_department_staff_and_auditors_cannot_generate_documents(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any
) -> None:
    incident = leak(csirt_cast, dept_a)
    for who in ("staff_a", "auditor"):
        with pytest.raises(PermissionDenied):
            services.generate_incident_document(
                actor=csirt_cast[who], incident=incident, kind="incident_report"
            )


def _download_url(incident: Incident, version: DocumentVersion) -> str:
    return f"/incidents/{incident.pk}/documents/{version.pk}/"


def test_a_reader_downloads_and_another_departments_user_gets_404(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any, login: Any
) -> None:
    incident = leak(csirt_cast, dept_a)
    _, version = generate(csirt_cast["csirt"], incident, "incident_report", run_jobs)
    response = login(csirt_cast["csirt"]).get(_download_url(incident, version))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == version.sha256
    assert response["Content-Disposition"].startswith("attachment;")
    for who in ("staff_b", "staff_a"):
        assert login(csirt_cast[who]).get(_download_url(incident, version)).status_code == 404


def test_a_red_incidents_documents_reach_named_members_only_and_auditor_reads_are_logged(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any, login: Any
) -> None:
    incident = leak(csirt_cast, dept_a, tlp="red")
    _, version = generate(csirt_cast["lead"], incident, "incident_report", run_jobs)
    header, _, footer = read(version)
    assert "TLP:RED" in header and "TLP:RED" in footer
    # csirt2 is a CSIRT member not named on the incident.
    assert login(csirt_cast["csirt2"]).get(_download_url(incident, version)).status_code == 404
    assert login(csirt_cast["auditor"]).get(_download_url(incident, version)).status_code == 200
    assert AuditEvent.objects.filter(
        action="incident.restricted_view", object_id=str(incident.pk)
    ).exists()
    # A download only reads: a POST is refused and writes nothing (the permission matrix found
    # an auditor's POST answered 200 with the read put on the record).
    events = AuditEvent.objects.count()
    auditor = login(csirt_cast["auditor"])
    assert auditor.post(_download_url(incident, version)).status_code == 405
    assert AuditEvent.objects.count() == events


def test_a_version_of_another_incident_is_404_under_this_incidents_address(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any, login: Any
) -> None:
    first = leak(csirt_cast, dept_a)
    other = leak(csirt_cast, dept_a)
    _, version = generate(csirt_cast["csirt"], other, "press_release", run_jobs)
    client = login(csirt_cast["csirt"])
    assert client.get(_download_url(first, version)).status_code == 404


def test_the_incident_page_offers_the_buttons_and_refuses_an_amber_alert_in_japanese(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, login: Any
) -> None:
    incident = leak(csirt_cast, dept_a)
    client = login(csirt_cast["csirt"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    for button in (
        "generate-incident_report-update",
        "generate-incident_report-final",
        "generate-ppc_report_worksheet-preliminary",
        "generate-individual_notice",
        "generate-press_release",
        "generate-post_incident_review",
        "generate-alert_notice",
    ):
        assert f'id="{button}"' in page, button
    assert "generate-nco_common_form" not in page  # not a ransomware or DDoS incident
    response = client.post(
        f"/incidents/{incident.pk}/documents/", {"kind": "alert_notice"}, follow=True
    )
    assert "注意喚起は TLP:CLEAR 又は TLP:GREEN" in response.content.decode()
    response = client.post(
        f"/incidents/{incident.pk}/documents/", {"kind": "press_release"}, follow=True
    )
    assert "公表資料" in response.content.decode()
    assert AdvisoryDocument.objects.filter(case=incident, template="press_release").exists()


def _build_script() -> Any:
    path = Path(settings.BASE_DIR) / "docs" / "masters" / "build_incident_masters.py"
    spec = importlib.util.spec_from_file_location("build_incident_masters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "name",
    [
        "incident_report",
        "ppc_report_worksheet",
        "individual_notice",
        "press_release",
        "post_incident_review",
        "alert_notice",
    ],
)
def test_the_committed_incident_masters_are_what_the_build_script_makes(name: str) -> None:
    built = zipfile.ZipFile(io.BytesIO(_build_script().MASTERS[name]()))
    committed = zipfile.ZipFile(MASTERS / f"{name}.docx")
    assert built.namelist() == committed.namelist()
    for entry in built.namelist():
        assert built.read(entry) == committed.read(entry), entry


def _submit_preliminary(incident: Incident, cast: dict[str, Any]) -> None:
    """The PPC 速報 the facts made owed, sent on 2 December and approved (L3: by the CISO)."""
    preliminary = ReportingObligation.objects.get(
        incident=incident, recipient="ppc", stage="preliminary"
    )
    submissions.submit_and_approve(
        actor=cast["csirt"],
        approver=cast["ciso"],
        incident=incident,
        obligations=[preliminary],
        submitted_at=jst(2026, 12, 2, 15),
        method="electronic",
        reference="PPC-2026-0042",
    )


def test_the_report_and_worksheet_list_the_obligations_with_clocks_and_receipt_numbers(
    clock: FrozenNow, csirt_cast: dict[str, Any], dept_a: Any, run_jobs: Any
) -> None:
    incident = leak(csirt_cast, dept_a)
    assert incident.severity == "L3"
    _submit_preliminary(incident, csirt_cast)
    csirt = csirt_cast["csirt"]
    _, report_version = generate(csirt, incident, "incident_report", run_jobs)
    _, body, _ = read(report_version)
    ppc = "個人情報保護委員会（漏えい等報告）"
    assert (
        f"{ppc} | 速報 | 要 | 提出済 | 目標 令和8年12月4日／期限 令和8年12月6日 |  | PPC-2026-0042"
        in body
    )
    assert (
        f"{ppc} | 確報 | 要 | 未提出 | 令和9年1月4日 | "
        "令和8年12月31日（年末年始の休日）から繰延べ（行政機関の休日に関する法律第2条） | " in body
    )
    assert "本人への通知 | 通知 | 要 | 未提出 | " in body
    assert "公表の判断 | 判断 | 要 | 未提出 | " in body
    assert "警察" not in body  # a misdirected e-mail owes the police nothing
    _, sheet_version = generate(csirt, incident, "ppc_report_worksheet", run_jobs, stage="final")
    _, sheet, _ = read(sheet_version)
    assert "漏えい等報告 記載整理票（確報）" in sheet
    assert f"{ppc} | 確報 | 要 | 未提出 | 令和9年1月4日" in sheet
    assert "公表の判断 | 判断" not in sheet  # the worksheet's table is the PPC's alone
    assert "7　公表の実施状況 | 判断：未提出" in sheet

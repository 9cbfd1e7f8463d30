"""The lock-in scan finds listed phrases wherever they are in a real .docx (paragraphs, tables,
nested tables, headers), reports missing exit clauses, and uses the list governance staff
maintain; its results become findings only by the reviewer's decision."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document

from governance import permissions
from governance.models import AuditEvent, LockInTerm, LockInTermKind, SpecScanResult
from governance.spec_review import services
from governance.spec_review.scan import CLAUSE_SYNTAX_ERROR, read_units, scan_docx
from governance.spec_review.services import lock_in_terms
from tests.spec_cases import register
from tests.spec_docs import CLAUSE_PARAGRAPHS, clean_spec, docx_upload, make_spec

pytestmark = pytest.mark.django_db

DATA_EXPORT = "契約終了時のデータ移行・提供"
HANDOVER = "引継ぎ資料の作成・提供"
OWNERSHIP = "成果物の権利の帰属（著作権）"


def hits_by_phrase(data: bytes) -> dict[str, Any]:
    report = scan_docx(data, services.scan_terms())
    return {(hit.term.label if hit.missing else hit.term.phrase): hit for hit in report.hits}


def test_a_spec_with_exit_clauses_and_neutral_wording_raises_nothing() -> None:
    assert hits_by_phrase(clean_spec()) == {}


def test_listed_phrases_are_found_in_paragraphs_with_their_place_and_excerpt() -> None:
    data = make_spec(
        paragraphs=[
            "データベースは Oracle Database 19c とし、同等品不可とする。",
            "バックアップは現行システムの独自形式で取得すること。",
        ]
    )
    hits = hits_by_phrase(data)
    assert set(hits) == {"Oracle", "同等品不可", "独自形式"}
    oracle = hits["Oracle"]
    assert oracle.occurrences == 1
    assert oracle.locations == ["第3段落（第1章 調達の概要）"]
    assert "データベースは Oracle Database 19c とし" in oracle.excerpt


def test_phrases_in_table_cells_nested_tables_and_headers_are_found() -> None:
    document = Document()
    document.add_paragraph("機器構成は別表のとおり。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "ジョブ管理"
    table.cell(0, 1).text = "JP1 を用いること"
    table.cell(1, 0).text = "ファイル転送"
    inner = table.cell(1, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "HULFT（同等品は認めない）"
    document.sections[0].header.paragraphs[0].text = "サーバは PRIMERGY とする"
    for text in CLAUSE_PARAGRAPHS:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)

    hits = hits_by_phrase(buffer.getvalue())
    assert hits["JP1"].locations == ["表1 1行2列"]
    assert hits["HULFT"].locations == ["表2 1行1列"]
    assert hits["同等品は認めない"].locations == ["表2 1行1列"]
    assert hits["PRIMERGY"].locations == ["ヘッダー"]
    assert not any(hit.missing for hit in hits.values())


def test_full_width_case_and_spacing_do_not_hide_a_phrase() -> None:
    data = make_spec(
        paragraphs=["ＯＲＡＣＬＥ を使用し、同等品 不可とする。kintone で申請を受け付ける。"]
    )
    hits = hits_by_phrase(data)
    assert {"Oracle", "同等品不可", "kintone"} <= set(hits)


def test_a_latin_phrase_must_stand_as_a_word(cast: Any) -> None:
    lock_in_terms.add_lock_in_term(actor=cast["reviewer"], kind=LockInTermKind.BRAND, phrase="NEC")
    data = make_spec(
        paragraphs=[
            "It is necessary to keep the connection open; JP10 is a room number.",
            "サーバは NEC製 とする。",
        ]
    )
    hits = hits_by_phrase(data)
    assert hits["NEC"].occurrences == 1
    assert hits["NEC"].locations == ["第4段落（第1章 調達の概要）"]
    assert "JP1" not in hits


def test_every_occurrence_is_counted() -> None:
    data = make_spec(
        paragraphs=["Oracle を使う。", "Oracle の保守を含む。Oracle ライセンスは府が用意する。"]
    )
    hit = hits_by_phrase(data)["Oracle"]
    assert hit.occurrences == 3
    assert len(hit.locations) == 2


def test_missing_exit_clauses_are_reported_each_by_name() -> None:
    hits = hits_by_phrase(make_spec(with_clauses=False))
    assert {name for name, hit in hits.items() if hit.missing} == {
        DATA_EXPORT,
        HANDOVER,
        OWNERSHIP,
    }


def test_a_clause_split_between_a_heading_and_its_paragraph_counts_as_present() -> None:
    document = Document()
    document.add_heading("契約終了時の対応", level=2)
    document.add_paragraph("受注者は、保有するデータを CSV 形式で提供すること。")
    document.add_paragraph("引継ぎに必要な手順書を作成すること。成果物の著作権は府に帰属する。")
    buffer = io.BytesIO()
    document.save(buffer)
    assert hits_by_phrase(buffer.getvalue()) == {}


def test_a_clause_spread_over_a_table_row_counts_as_present() -> None:
    data = make_spec(
        with_clauses=False,
        table=[
            ["契約満了時", "全データを標準形式で出力し提供する"],
            ["引継ぎ", "設計書・運用マニュアルを引き継ぐ"],
            ["権利", "成果物の著作権は発注者に帰属"],
        ],
    )
    assert hits_by_phrase(data) == {}


def test_a_clause_needs_all_its_groups_in_the_same_paragraph() -> None:
    data = make_spec(
        with_clauses=False,
        paragraphs=[
            "契約終了後の対応は別途協議する。",
            "データは日次でバックアップする。",
            "引継ぎ資料を作成する。成果物の著作権は府に帰属する。",
        ],
    )
    hits = hits_by_phrase(data)
    assert set(hits) == {DATA_EXPORT}


def test_the_scan_reads_every_unit_of_text() -> None:
    units = read_units(make_spec(table=[["a", "b"], ["c", "d"]]))
    kinds = [unit.kind for unit in units]
    assert kinds.count("cell") == 4
    assert kinds.count("row") == 2
    assert scan_docx(make_spec(), []).units_scanned == sum(1 for k in kinds if k != "row") - 4


def test_a_term_added_by_a_reviewer_is_used_from_the_next_upload_and_audited(
    cast: Any,
) -> None:
    data = make_spec(paragraphs=["帳票は株式会社サンプル製の帳票ツールで出力する。"])
    assert "帳票ツール" not in hits_by_phrase(data)
    term = lock_in_terms.add_lock_in_term(
        actor=cast["reviewer"],
        kind=LockInTermKind.BRAND,
        phrase="帳票ツール",
        suggested_revision="帳票の出力要件を機能で記述してください。",
    )
    event = AuditEvent.objects.get(action="lock_in_term.add")
    assert event.changes["phrase"] == [None, "帳票ツール"]
    review = register(cast["staff_a"], spec_file=docx_upload(data))
    result = SpecScanResult.objects.get(version__review=review, phrase="帳票ツール")
    assert result.suggested_revision == "帳票の出力要件を機能で記述してください。"
    assert result.term == term

    lock_in_terms.set_lock_in_term_active(
        actor=cast["approver"], term=term, active=False, reason="汎用的な語のため"
    )
    assert AuditEvent.objects.get(action="lock_in_term.deactivate").reason == "汎用的な語のため"
    assert "帳票ツール" not in hits_by_phrase(data)
    result.refresh_from_db()
    assert result.phrase == "帳票ツール"  # earlier results keep what they matched


def test_department_staff_and_auditors_are_refused_changing_the_list(cast: Any) -> None:
    term = LockInTerm.objects.filter(active=True).first()
    assert term is not None
    for actor in (cast["staff_a"], cast["auditor"]):
        with pytest.raises(permissions.PermissionDenied):
            lock_in_terms.add_lock_in_term(actor=actor, kind=LockInTermKind.BRAND, phrase="X")
        with pytest.raises(permissions.PermissionDenied):
            lock_in_terms.set_lock_in_term_active(
                actor=actor, term=term, active=False, reason="理由"
            )
    assert not AuditEvent.objects.filter(action__startswith="lock_in_term").exists()


@pytest.mark.parametrize(
    ("kind", "phrase", "label", "message"),
    [
        (LockInTermKind.REQUIRED_CLAUSE, "契約終了| & データ", "移行", CLAUSE_SYNTAX_ERROR),
        (
            LockInTermKind.REQUIRED_CLAUSE,
            "契約終了 & データ",
            "",
            lock_in_terms.CLAUSE_LABEL_REQUIRED,
        ),
        (LockInTermKind.BRAND, "   ", "", "語句を入力してください。"),
        (LockInTermKind.BRAND, "Oracle", "", lock_in_terms.TERM_EXISTS),
    ],
)
def test_malformed_or_duplicate_terms_are_refused(
    cast: Any, kind: str, phrase: str, label: str, message: str
) -> None:
    count = LockInTerm.objects.count()
    with pytest.raises(ValueError, match=message.replace("|", r"\|")):
        lock_in_terms.add_lock_in_term(
            actor=cast["reviewer"], kind=kind, phrase=phrase, label=label
        )
    assert LockInTerm.objects.count() == count


def test_the_terms_page_lets_governance_staff_edit_and_others_only_read(
    cast: Any, login: Any
) -> None:
    reviewer = login(cast["reviewer"])
    page = reviewer.get("/spec_review/lock-in-terms/")
    assert page.status_code == 200
    assert "語句の登録" in page.content.decode()
    response = reviewer.post(
        "/spec_review/lock-in-terms/",
        {"action": "add", "kind": "proprietary_format", "phrase": "専用ビューア", "label": ""},
    )
    assert response.status_code == 302
    term = LockInTerm.objects.get(phrase="専用ビューア")
    response = reviewer.post(
        "/spec_review/lock-in-terms/", {"action": "deactivate", "term": term.pk, "reason": ""}
    )
    term.refresh_from_db()
    assert term.active is True  # a reason is required

    staff = login(cast["staff_a"])
    page = staff.get("/spec_review/lock-in-terms/")
    assert page.status_code == 200
    assert "専用ビューア" in page.content.decode()
    assert "語句の登録" not in page.content.decode()
    response = staff.post(
        "/spec_review/lock-in-terms/",
        {"action": "deactivate", "term": term.pk, "reason": "不要"},
    )
    assert response.status_code == 403
    term.refresh_from_db()
    assert term.active is True
    assert login(cast["csirt"]).get("/spec_review/lock-in-terms/").status_code == 403


def test_drafts_become_findings_only_when_the_reviewer_accepts_them(cast: Any) -> None:
    review = register(cast["staff_a"])
    pending = SpecScanResult.objects.filter(version__review=review, status="pending")
    assert pending.count() == 6
    assert not review.findings.exists()
    oracle = pending.get(phrase="Oracle")
    finding = services.accept_scan_result(
        actor=cast["reviewer"], review=review, result=oracle, text="製品名の指定があります。"
    )
    assert finding.text == "製品名の指定があります。"
    assert finding.requested_revision == oracle.suggested_revision
    assert finding.perspective == "neutrality"
    with pytest.raises(ValueError, match=services.RESULT_ALREADY_DECIDED):
        services.dismiss_scan_result(
            actor=cast["reviewer"], review=review, result=oracle, reason="誤検出"
        )
    clause = pending.get(phrase=DATA_EXPORT)
    with pytest.raises(ValueError, match=services.DISMISS_REASON_REQUIRED):
        services.dismiss_scan_result(
            actor=cast["reviewer"], review=review, result=clause, reason=""
        )
    with pytest.raises(permissions.PermissionDenied):
        services.accept_scan_result(actor=cast["staff_a"], review=review, result=clause)
    clause.refresh_from_db()
    assert clause.status == "pending"
    assert review.findings.count() == 1

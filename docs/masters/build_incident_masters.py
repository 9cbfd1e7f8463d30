"""Build the Word masters of CSIRT incidents (templates/documents/, NEXT_WAVE §B.9):

- incident_report.docx        インシデント報告（第一報／第N報／最終報）
- ppc_report_worksheet.docx   漏えい等報告 記載整理票 (the report items, for copying into the
                              個人情報保護委員会's form)
- individual_notice.docx      本人通知文案
- press_release.docx          公表資料
- post_incident_review.docx   事後レビュー報告書
- alert_notice.docx           注意喚起 (TLP:CLEAR / GREEN only; the service refuses the others)

    .venv/bin/python docs/masters/build_incident_masters.py

Every master prints the incident's TLP label in its header and its footer (§B.7), so a page
printed alone still says how far it may travel. Made by this script, not by hand, and
byte-for-byte reproducible like the network masters (their helpers are reused); a test checks
that the committed masters are what this script makes.
"""

from __future__ import annotations

import importlib
import io
import sys
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent


# The network masters' builder holds the shared paragraph and table helpers; it is imported by
# its folder, whether this file runs as a script or is loaded by a test.
sys.path.insert(0, str(_HERE))
nc: Any = importlib.import_module("build_network_masters")
DOCUMENTS = nc.DOCUMENTS
RIGHT, CENTER = nc.RIGHT, nc.CENTER
_paragraph, _table, _repeating_table = nc._paragraph, nc._table, nc._repeating_table

TLP_LINE = "{{ tlp_label }}{% if exercise %}　【訓練】{% endif %}"


def _document(title: str) -> Any:
    """A master with the TLP label in the header (right) and the footer (centre)."""
    document = nc._document(title)
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = TLP_LINE
    header.alignment = RIGHT
    footer = section.footer.paragraphs[0]
    footer.text = TLP_LINE + "　{{ document_number }}"
    footer.alignment = CENTER
    return document


def _save(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return nc._fixed_zip(buffer.getvalue())


def _numbered(document: Any, addressee: str, heading: str) -> None:
    _paragraph(document, "{{ document_number }}", align=RIGHT)
    _paragraph(document, "{{ issued_on|era_date }}", align=RIGHT)
    _paragraph(document)
    _paragraph(document, addressee)
    _paragraph(document, "{{ office }}", align=RIGHT)
    _paragraph(document)
    _paragraph(document, heading, align=CENTER, bold=True, size=14)
    _paragraph(document)


SUMMARY_ROWS = [
    ("インシデント番号", "{{ number }}"),
    ("件名", "{{ title }}"),
    ("分類", "{{ category }}"),
    ("重大度", "{{ severity }}"),
    ("TLP", "{{ tlp_label }}"),
    ("対応段階", "{{ phase }}"),
    ("主管部局", "{{ department }}"),
    ("対象システム", "{{ systems }}"),
    ("発生日時", "{{ occurred_at }}"),
    ("覚知日時", "{{ aware_at }}"),
    ("CSIRT 受付日時", "{{ reported_to_csirt_at }}"),
    ("封じ込め日時", "{{ contained_at }}"),
    ("復旧日時", "{{ recovered_at }}"),
]
SCOPE_ROWS = [
    ("影響の範囲", "{{ scope }}"),
    ("影響を受けたネットワーク", "{{ segments }}"),
    ("業務への影響", "{{ functional_impact }}"),
    ("個人情報の有無", "{{ pd_involved }}"),
    ("漏えい等した項目", "{{ pd_items }}"),
    ("本人の数", "{{ pd_persons }}"),
    ("要配慮個人情報", "{{ pd_sensitive }}"),
    ("特定個人情報（マイナンバー）", "{{ pd_my_number }}"),
]
TIMELINE_COLUMNS = [
    ("日時", "{{ t.at }}", 40),
    ("種類", "{{ t.kind }}", 25),
    ("内容", "{{ t.text }}", 101),
]
TASK_COLUMNS = [
    ("作業", "{{ k.title }}", 70),
    ("担当", "{{ k.assignee }}", 35),
    ("状態", "{{ k.status }}", 20),
    ("結果", "{{ k.result }}", 41),
]
OBLIGATION_COLUMNS = [
    ("報告先", "{{ o.recipient }}", 34),
    ("段階", "{{ o.stage }}", 16),
    ("要否", "{{ o.required }}", 14),
    ("状況", "{{ o.status }}", 16),
    ("期限", "{{ o.due }}", 30),
    ("休日による繰延べ", "{{ o.roll }}", 30),
    ("受付番号", "{{ o.reference }}", 26),
]


def build_incident_report() -> bytes:
    document = _document("インシデント報告")
    _numbered(
        document,
        "最高情報セキュリティ責任者（CISO）　様{% if to_top %}\n知事・副知事　様{% endif %}",
        "インシデント報告（{{ edition_label }}）",
    )
    _paragraph(
        document,
        "標記のインシデントについて、{{ as_of }}時点の状況を次のとおり報告します。",
    )
    _paragraph(document, "記", align=CENTER)
    _paragraph(document, "1　概要", bold=True)
    _table(document, SUMMARY_ROWS)
    _paragraph(document, "{{ description }}")
    _paragraph(document)
    _paragraph(document, "2　影響の範囲", bold=True)
    _table(document, SCOPE_ROWS)
    _paragraph(document)
    _paragraph(document, "3　経過（抜粋）", bold=True)
    _repeating_table(document, TIMELINE_COLUMNS, "t in timeline")
    _paragraph(document)
    _paragraph(document, "4　対応状況", bold=True)
    _repeating_table(document, TASK_COLUMNS, "k in tasks")
    _paragraph(document)
    _paragraph(document, "5　報告義務と期限", bold=True)
    _paragraph(document, "{%p if obligations %}")
    _repeating_table(document, OBLIGATION_COLUMNS, "o in obligations")
    _paragraph(document, "期限はいずれも覚知日時（{{ aware_at }}）から起算しています。")
    _paragraph(document, "{%p else %}")
    _paragraph(document, "現時点で外部への報告義務はありません。")
    _paragraph(document, "{%p endif %}")
    _paragraph(document)
    _paragraph(document, "6　今後の対応", bold=True)
    _paragraph(document, "{{ next_steps }}")
    _paragraph(document, "{%p if final %}")
    _paragraph(document)
    _paragraph(document, "7　原因と再発防止策", bold=True)
    _table(
        document,
        [
            ("原因", "{{ root_cause }}"),
            ("再発防止策", "{{ recurrence_prevention }}"),
            ("教訓", "{{ lessons_learned }}"),
        ],
    )
    _paragraph(document, "{%p endif %}")
    _paragraph(document)
    _paragraph(document, "担当　{{ handler }}", align=RIGHT)
    _paragraph(document, "以上", align=RIGHT)
    return _save(document)


WORKSHEET_ITEMS = [
    ("1　概要", "{{ item_summary }}"),
    ("2　漏えい等が発生し、又は発生したおそれがある保有個人情報の項目", "{{ pd_items }}"),
    ("3　漏えい等が発生し、又は発生したおそれがある保有個人情報に係る本人の数", "{{ pd_persons }}"),
    ("4　原因", "{{ root_cause }}"),
    ("5　二次被害又はそのおそれの有無及びその内容", "{{ secondary_damage }}"),
    ("6　本人への対応の実施状況", "{{ individual_response }}"),
    ("7　公表の実施状況", "{{ publication }}"),
    ("8　再発防止のための措置", "{{ recurrence_prevention }}"),
    ("9　その他参考となる事項", "{{ other }}"),
]


def build_ppc_worksheet() -> bytes:
    document = _document("漏えい等報告 記載整理票")
    _paragraph(document, "{{ document_number }}", align=RIGHT)
    _paragraph(document, "{{ issued_on|era_date }}", align=RIGHT)
    _paragraph(
        document, "漏えい等報告 記載整理票（{{ stage_label }}）", align=CENTER, bold=True, size=14
    )
    _paragraph(
        document,
        "個人情報保護委員会の報告フォームに転記するための整理票です。"
        "報告した後は、受付番号と受領の控えをインシデントに登録してください。",
    )
    _table(
        document,
        [
            ("報告主体（行政機関の長等）", "{{ reporting_body }}"),
            ("インシデント番号", "{{ number }}"),
            ("発生日", "{{ occurred_on }}"),
            ("発覚日（覚知日）", "{{ aware_on }}"),
            ("該当する事態（規則第43条）", "{{ triggers }}"),
        ],
    )
    _paragraph(document)
    _paragraph(document, "報告事項", bold=True)
    _table(document, WORKSHEET_ITEMS)
    _paragraph(document)
    _paragraph(document, "報告の期限", bold=True)
    _paragraph(document, "{%p if obligations %}")
    _repeating_table(document, OBLIGATION_COLUMNS, "o in obligations")
    _paragraph(document, "{%p else %}")
    _paragraph(document, "個人情報保護委員会への報告義務は登録されていません。")
    _paragraph(document, "{%p endif %}")
    return _save(document)


def build_individual_notice() -> bytes:
    document = _document("本人通知文案")
    _paragraph(document, "{{ issued_on|era_date }}", align=RIGHT)
    _paragraph(document, "（本人の氏名）　様")
    _paragraph(document, "{{ department }}", align=RIGHT)
    _paragraph(document)
    _paragraph(
        document, "個人情報の漏えい等についてのお詫びとお知らせ", align=CENTER, bold=True, size=14
    )
    _paragraph(document)
    _paragraph(
        document,
        "このたび、{{ department }}において、あなたの個人情報が漏えい等した（又はそのおそれが"
        "ある）ことが判明しました。ご迷惑とご心配をおかけし、深くお詫び申し上げます。",
    )
    _paragraph(document, "1　起きたこと", bold=True)
    _paragraph(document, "{{ description }}")
    _paragraph(document, "2　対象となった情報", bold=True)
    _paragraph(document, "{{ pd_items }}")
    _paragraph(document, "3　原因", bold=True)
    _paragraph(document, "{{ root_cause }}")
    _paragraph(document, "4　二次被害のおそれ", bold=True)
    _paragraph(document, "{{ secondary_damage }}")
    _paragraph(document, "5　県の対応と再発防止", bold=True)
    _paragraph(document, "{{ recurrence_prevention }}")
    _paragraph(document, "6　お問い合わせ先", bold=True)
    _paragraph(document, "{{ department }}（電話番号：{{ contact_phone }}）")
    _paragraph(
        document,
        "不審な電話やメールがあった場合は、応じずに上記までご連絡ください。",
    )
    return _save(document)


def build_press_release() -> bytes:
    document = _document("公表資料")
    _paragraph(document, "{{ issued_on|era_date }}", align=RIGHT)
    _paragraph(document, "{{ department }}", align=RIGHT)
    _paragraph(document, "{{ title }}について", align=CENTER, bold=True, size=14)
    _paragraph(document)
    _paragraph(
        document,
        "{{ department }}において、次のとおり事案が発生しました。関係する皆様に深くお詫び申し"
        "上げます。",
    )
    _paragraph(document, "1　概要", bold=True)
    _paragraph(document, "{{ description }}")
    _paragraph(document, "{%p if pd_persons %}")
    _paragraph(document, "対象となった情報：{{ pd_items }}（{{ pd_persons }}）")
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "2　経緯", bold=True)
    _repeating_table(document, TIMELINE_COLUMNS[:1] + TIMELINE_COLUMNS[2:], "t in timeline")
    _paragraph(document, "3　原因", bold=True)
    _paragraph(document, "{{ root_cause }}")
    _paragraph(document, "4　対応", bold=True)
    _paragraph(document, "{{ response }}")
    _paragraph(document, "5　再発防止策", bold=True)
    _paragraph(document, "{{ recurrence_prevention }}")
    _paragraph(document)
    _paragraph(document, "お問い合わせ先　{{ department }}", align=RIGHT)
    return _save(document)


REVIEW_TASK_COLUMNS = [
    ("再発防止策・作業", "{{ k.title }}", 70),
    ("担当", "{{ k.assignee }}", 35),
    ("期限", "{{ k.due }}", 30),
    ("状態", "{{ k.status }}", 31),
]


def build_post_incident_review() -> bytes:
    document = _document("事後レビュー報告書")
    _numbered(
        document,
        "情報セキュリティ委員会　委員長　様",
        "事後レビュー報告書（{{ number }}）",
    )
    _paragraph(document, "1　インシデントの概要", bold=True)
    _table(document, SUMMARY_ROWS)
    _paragraph(document, "{{ description }}")
    _paragraph(document)
    _paragraph(document, "2　対応に要した時間", bold=True)
    _table(
        document,
        [
            ("発生から覚知まで", "{{ time_to_aware }}"),
            ("覚知から CSIRT 受付まで", "{{ time_to_csirt }}"),
            ("覚知から封じ込めまで", "{{ time_to_contain }}"),
            ("覚知から復旧まで", "{{ time_to_recover }}"),
        ],
    )
    _paragraph(document)
    _paragraph(document, "3　経過", bold=True)
    _repeating_table(document, TIMELINE_COLUMNS, "t in timeline")
    _paragraph(document)
    _paragraph(document, "4　根本原因", bold=True)
    _paragraph(document, "{{ root_cause }}")
    _paragraph(document, "5　うまくいったこと・教訓", bold=True)
    _paragraph(document, "{{ lessons_learned }}")
    _paragraph(document, "6　再発防止策", bold=True)
    _paragraph(document, "{{ recurrence_prevention }}")
    _repeating_table(document, REVIEW_TASK_COLUMNS, "k in tasks")
    _paragraph(document)
    _paragraph(document, "7　外部への報告", bold=True)
    _paragraph(document, "{%p if obligations %}")
    _repeating_table(document, OBLIGATION_COLUMNS, "o in obligations")
    _paragraph(document, "{%p else %}")
    _paragraph(document, "外部への報告義務はありませんでした。")
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "以上", align=RIGHT)
    return _save(document)


INDICATOR_COLUMNS = [
    ("種類", "{{ i.type }}", 40),
    ("値（無害化表記）", "{{ i.value }}", 90),
    ("備考", "{{ i.note }}", 36),
]


def build_alert_notice() -> bytes:
    document = _document("注意喚起")
    _numbered(
        document,
        "各部局・市町村　情報セキュリティ担当者　様",
        "{{ title }}に関する注意喚起",
    )
    _paragraph(
        document,
        "標記について、次のとおり注意を喚起します。各所属において確認と対策をお願いします。",
    )
    _paragraph(document, "1　概要", bold=True)
    _paragraph(document, "{{ description }}")
    _paragraph(document, "2　確認していただきたい指標", bold=True)
    _paragraph(document, "{%p if indicators %}")
    _repeating_table(document, INDICATOR_COLUMNS, "i in indicators")
    _paragraph(document, "{%p else %}")
    _paragraph(document, "共有できる指標はありません。")
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "3　推奨する対策", bold=True)
    _paragraph(document, "{{ recurrence_prevention }}")
    _paragraph(document, "4　お問い合わせ先", bold=True)
    _paragraph(document, "{{ office }}")
    _paragraph(document, "以上", align=RIGHT)
    return _save(document)


MASTERS = {
    "incident_report": build_incident_report,
    "ppc_report_worksheet": build_ppc_worksheet,
    "individual_notice": build_individual_notice,
    "press_release": build_press_release,
    "post_incident_review": build_post_incident_review,
    "alert_notice": build_alert_notice,
}


def main() -> int:
    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    for name, build in MASTERS.items():
        path = DOCUMENTS / f"{name}.docx"
        path.write_bytes(build())
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

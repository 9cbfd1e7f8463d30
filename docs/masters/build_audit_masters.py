"""Build the Word master of the audit chain's monthly anchor (templates/documents/, NEXT_WAVE
§C.1 point 5, §C.5b):

- audit_anchor_notice.docx  監査記録ハッシュ通知 (the head of the chain at a month's close,
                            handed to 監査委員事務局 on the first business day of the next month)

    .venv/bin/python docs/masters/build_audit_masters.py

Made by this script, not by hand, and byte-for-byte reproducible like the network masters
(their helpers are reused); a test checks that the committed master is what this script makes.
The hash and the signature are printed in groups of eight characters, two lines each, so that
a person can read them aloud and compare them; the command line carries them unbroken, to be
copied.
"""

from __future__ import annotations

import importlib
import io
import sys
from pathlib import Path
from typing import Any

from docx.shared import Mm

_HERE = Path(__file__).resolve().parent


# The network masters' builder holds the shared paragraph and table helpers; it is imported by
# its folder, whether this file runs as a script or is loaded by a test.
sys.path.insert(0, str(_HERE))
nc: Any = importlib.import_module("build_network_masters")
DOCUMENTS = nc.DOCUMENTS
RIGHT, CENTER = nc.RIGHT, nc.CENTER
_paragraph, _cell = nc._paragraph, nc._cell

HEAD_ROWS = [
    ("対象月", ["{{ period_label }}末"]),
    ("通番", ["{{ sequence }}"]),
    ("ハッシュ（SHA-256）", ["{{ hash_lines[0] }}", "{{ hash_lines[1] }}"]),
    ("署名（HMAC-SHA256）", ["{{ signature_lines[0] }}", "{{ signature_lines[1] }}"]),
    ("記録の日時", ["{{ issued_at_label }}"]),
]


def _head_table(document: Any) -> Any:
    """The head as label / value rows; a value of two lines is two paragraphs of its cell."""
    table = document.add_table(rows=len(HEAD_ROWS), cols=2)
    table.style = "Table Grid"
    table.alignment = nc.WD_TABLE_ALIGNMENT.CENTER
    for row, (label, lines) in zip(table.rows, HEAD_ROWS, strict=True):
        _cell(row.cells[0], label, bold=True)
        _cell(row.cells[1], lines[0])
        for line in lines[1:]:
            row.cells[1].add_paragraph().add_run(line)
        row.cells[0].width, row.cells[1].width = Mm(45), Mm(121)
    return table


def build_anchor_notice() -> bytes:
    document = nc._document("監査記録ハッシュ通知")
    _paragraph(document, "{{ document_number }}", align=RIGHT)
    _paragraph(document, "{{ issued_on|era_date }}", align=RIGHT)
    _paragraph(document)
    _paragraph(document, "{{ addressee }}　様")
    _paragraph(document, "{{ issuer_title }}", align=RIGHT)
    _paragraph(document, "{%p if omit_seal %}")
    _paragraph(document, "（公印省略）", align=RIGHT)
    _paragraph(document, "{%p endif %}")
    _paragraph(document)
    heading = "監査記録ハッシュ通知（{{ period_label }}分）"
    _paragraph(document, heading, align=CENTER, bold=True, size=14)
    _paragraph(document)
    _paragraph(
        document,
        "{{ period_label }}末時点の監査記録（ハッシュチェーン）の先頭を、次のとおり通知します。"
        "この通知は、監査記録がこの時点より後に削除又は書き換えられていないことを確かめる基準と"
        "なるものですので、システムの外で保管してください。",
    )
    _paragraph(document, "記", align=CENTER)
    _paragraph(document, "1　監査記録の先頭", bold=True)
    _head_table(document)
    _paragraph(document)
    _paragraph(document, "2　照合の方法", bold=True)
    _paragraph(
        document,
        "(1) 画面：監査証跡の「監査記録の照合」（{{ verify_url }}）で「照合を実行」を押し、"
        "{{ period_label }}の行が「一致」と表示されることを確かめてください。",
    )
    _paragraph(
        document,
        "(2) コマンド：システム管理者に次のコマンドの実行を依頼し、OK と表示されることを"
        "確かめてください。",
    )
    _paragraph(document, "{{ command }}")
    _paragraph(
        document,
        "(3) 一致しない場合は、{{ period_label }}末までの監査記録が削除又は書き換えられて"
        "います。直ちに次の担当へ連絡してください。",
    )
    _paragraph(document)
    _paragraph(document, "3　担当", bold=True)
    _paragraph(document, "{{ contact_section }}")
    _paragraph(document, "{%p if contact_extension %}")
    _paragraph(document, "内線 {{ contact_extension }}")
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{%p if contact_email %}")
    _paragraph(document, "電子メール {{ contact_email }}")
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "以上", align=RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return bytes(nc._fixed_zip(buffer.getvalue()))


MASTERS = {"audit_anchor_notice": build_anchor_notice}


def main() -> int:
    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    for name, build in MASTERS.items():
        path = DOCUMENTS / f"{name}.docx"
        path.write_bytes(build())
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

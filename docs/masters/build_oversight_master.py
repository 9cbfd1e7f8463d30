"""Build the Word master of the 措置状況報告 (templates/documents/audit_measures.docx,
NEXT_WAVE §C.3), in seed 001's shape: 監査実施年月日 → 監査の結果 → 措置の内容, numbered per
finding (①②…), each measure with its frozen figures and the day they speak for.

    .venv/bin/python docs/masters/build_oversight_master.py

Made by this script, not by hand, and byte-for-byte reproducible like the network masters
(their helpers are reused); a test checks that the committed master is what this script makes.
Each docxtpl tag sits in a single run.
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
_paragraph = nc._paragraph


def build_audit_measures() -> bytes:
    document = nc._document("措置状況報告")
    _paragraph(document, "{{ number }}", align=RIGHT)
    _paragraph(document, "{{ issued_on }}", align=RIGHT)
    _paragraph(document)
    _paragraph(document, "監査の結果に対する措置状況報告", align=CENTER, bold=True, size=14)
    _paragraph(document, "{{ title }}（{{ kind }}）", align=CENTER)
    _paragraph(document)
    _paragraph(document, "１　監査実施年月日", bold=True)
    _paragraph(document, "監査（検査）実施年月日（{{ audit_dates }}）")
    _paragraph(document)
    _paragraph(document, "２　監査の結果", bold=True)
    _paragraph(document, "{%p for f in findings %}")
    _paragraph(document, "{{ f.mark }}　{{ f.text }}")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document)
    _paragraph(document, "３　措置の内容", bold=True)
    _paragraph(document, "{%p for f in findings %}")
    _paragraph(document, "{{ f.mark }}　（{{ f.department }}）", bold=True)
    _paragraph(document, "{%p for m in f.measures %}")
    _paragraph(document, "{{ m.text }}")
    _paragraph(document, "{%p if m.lines %}")
    _paragraph(document, "（{{ m.as_of }}の数値。出典：{{ m.query }}）")
    _paragraph(document, "{%p for l in m.lines %}")
    _paragraph(document, "・{{ l.label }}　{{ l.value }}")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "{%p endif %}")
    _paragraph(
        document,
        "{% if m.taken_on %}措置の日：{{ m.taken_on }}　{% endif %}"
        "{% if m.reported_on %}措置の通知日：{{ m.reported_on }}{% endif %}",
        align=RIGHT,
    )
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "{%p if not f.measures %}")
    _paragraph(document, "決裁済の措置はまだありません。")
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document)
    _paragraph(document, "以上", align=RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return nc._fixed_zip(buffer.getvalue())


MASTERS = {"audit_measures": build_audit_measures}


def main() -> int:
    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    for name, build in MASTERS.items():
        path = DOCUMENTS / f"{name}.docx"
        path.write_bytes(build())
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

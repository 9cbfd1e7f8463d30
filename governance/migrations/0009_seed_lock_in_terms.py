"""The first list of phrases the specification scan looks for.

An illustrative starting list (assumption: not taken from the source documents), to be
maintained by governance staff on the 「ロックイン検出語句」 page; every later change is an
audited new entry, not an edit of these rows.
"""

from django.db import migrations

BRANDS = [
    "Oracle",
    "SQL Server",
    "Microsoft Access",
    "Lotus Notes",
    "HCL Notes",
    "Domino",
    "HULFT",
    "JP1",
    "Systemwalker",
    "WebLogic",
    "WebSphere",
    "kintone",
    "Salesforce",
    "ServiceNow",
    "PRIMERGY",
    "Express5800",
    "ProLiant",
    "PowerEdge",
]
NO_EQUIVALENT = [
    "同等品不可",
    "同等品は不可",
    "同等品は認めない",
    "同等品を認めない",
    "指定品に限る",
    "メーカー指定",
]
PROPRIETARY_FORMATS = [
    "独自形式",
    "独自フォーマット",
    "独自仕様",
    "専用形式",
    "専用フォーマット",
    "独自のデータ形式",
    "独自拡張",
]
REQUIRED_CLAUSES = [
    (
        "契約終了時のデータ移行・提供",
        "契約終了|契約満了|契約期間終了|契約期間満了|次期システム|次期事業者|システム更改"
        " & データ",
        "契約終了時（次期システムへの移行時）に、保有する全データを CSV 等の標準的な形式で"
        "抽出・提供し、移行作業に協力する旨を明記してください。",
    ),
    (
        "引継ぎ資料の作成・提供",
        "引継|引き継 & 資料|文書|ドキュメント|手順書|マニュアル|設計書",
        "契約終了時に次期事業者が運用・改修を引き継げるよう、設計書・運用手順書等の"
        "引継ぎ資料を作成して引き継ぐ旨を明記してください。",
    ),
    (
        "成果物の権利の帰属（著作権）",
        "著作権|知的財産|成果物の帰属|成果物の所有権|権利の帰属",
        "成果物（プログラム、設計書、データ等）の著作権（著作権法第27条及び第28条に規定する"
        "権利を含む）が本府に帰属する旨を明記してください。",
    ),
]


#: The rows ``forward`` seeds are seeded again by the tests after a transactional test's flush
#: (tests/conftest.py); ``forward`` must stay idempotent (get_or_create).
SEEDS_ROWS = True


def forward(apps, schema_editor):
    LockInTerm = apps.get_model("governance", "LockInTerm")
    rows = [("brand", phrase, "", "") for phrase in BRANDS]
    rows += [("no_equivalent", phrase, "", "") for phrase in NO_EQUIVALENT]
    rows += [("proprietary_format", phrase, "", "") for phrase in PROPRIETARY_FORMATS]
    rows += [("required_clause", pattern, label, text) for label, pattern, text in REQUIRED_CLAUSES]
    for kind, phrase, label, text in rows:
        LockInTerm.objects.get_or_create(
            kind=kind,
            phrase=phrase,
            defaults={"label": label, "suggested_revision": text, "active": True},
        )


def backward(apps, schema_editor):
    apps.get_model("governance", "LockInTerm").objects.filter(created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0008_spec_review")]

    operations = [migrations.RunPython(forward, backward)]

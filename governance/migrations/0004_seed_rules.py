"""The rules in force when Shinsa was introduced, with the documents they come from."""

from django.db import migrations

RULES = [
    {
        "key": "spec_review_threshold",
        "effective_from": 2000,
        "value": 36_000_000,
        "basis": (
            "契約局の審査会に付議される案件（予定価格3,600万円以上の物品調達・委託役務"
            "（リースを含む））は仕様書確認が必須（行政DX推進課 事務事業概要 §1(5)）。"
        ),
    },
    {
        "key": "lock_in_years",
        "effective_from": 2000,
        "value": 10,
        "basis": (
            "同一事業者との契約が10年以上継続しているシステムをベンダーロックインの"
            "可能性があるものとする（デジタル改革の実現に向けた中期計画 2022年3月）。"
        ),
    },
]


#: The rows ``forward`` seeds are seeded again by the tests after a transactional test's flush
#: (tests/conftest.py); ``forward`` must stay idempotent (get_or_create).
SEEDS_ROWS = True


def forward(apps, schema_editor):
    Rule = apps.get_model("governance", "Rule")
    for rule in RULES:
        Rule.objects.get_or_create(
            key=rule["key"], effective_from=rule["effective_from"], defaults=rule
        )


def backward(apps, schema_editor):
    Rule = apps.get_model("governance", "Rule")
    for rule in RULES:
        Rule.objects.filter(key=rule["key"], effective_from=rule["effective_from"]).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_audit_append_only")]

    operations = [migrations.RunPython(forward, backward)]

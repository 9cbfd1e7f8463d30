"""The rules of the clocks and thresholds of network connections and incidents
(design NEXT_WAVE §2.4), with the texts they come from. Where the design marks a value as an
assumption the basis says so: the office replaces it with a new version, never an edit."""

from django.db import migrations

# 地方公共団体の機関 came under the unified 個人情報保護法 on 2023-04-01 (令和5年度).
UNIFIED_LAW = 2023
ASSUMPTION = 2000

RULES = [
    (
        "ppc_persons_threshold",
        UNIFIED_LAW,
        100,
        "個人情報保護法施行規則第43条第4号「保有個人情報に係る本人の数が百人を超える漏えい等」"
        "（行政機関等。事業者の第7条は千人）。100人は報告不要、101人から報告。",
    ),
    (
        "ppc_preliminary_target_days",
        UNIFIED_LAW,
        3,
        "個人情報保護法施行規則第44条第1項「速やかに」（速報）。個人情報保護委員会の"
        "ガイドラインは概ね3〜5日とする（二次資料）。目標3日、休日による繰延べなし。",
    ),
    (
        "ppc_preliminary_limit_days",
        UNIFIED_LAW,
        5,
        "個人情報保護法施行規則第44条第1項「速やかに」（速報）。個人情報保護委員会の"
        "ガイドラインは概ね3〜5日とする（二次資料）。上限5日、休日による繰延べなし。",
    ),
    (
        "ppc_final_days",
        UNIFIED_LAW,
        30,
        "個人情報保護法施行規則第44条第2項（確報）: 知った日から30日以内（初日不算入、"
        "民法第140条）。末日が行政機関の休日に当たるときは翌開庁日（行政機関の休日に関する"
        "法律第2条）。第44条の文言は事業者の第8条に倣うもので要確認。",
    ),
    (
        "ppc_final_malicious_days",
        UNIFIED_LAW,
        60,
        "個人情報保護法施行規則第44条第2項（確報）: 第43条第3号（不正の目的をもって行われた"
        "おそれがある漏えい等）は知った日から60日以内（初日不算入、民法第140条）。末日が"
        "行政機関の休日に当たるときは翌開庁日（行政機関の休日に関する法律第2条）。",
    ),
    (
        "mynumber_persons_threshold",
        ASSUMPTION,
        100,
        "特定個人情報の漏えい等に関する報告等に関する規則第2条: 本人の数が百人を超える"
        "漏えい等（二次資料）。情報提供ネットワークシステム・個人番号利用事務系は人数によらず報告。",
    ),
    (
        "individual_notice_days",
        UNIFIED_LAW,
        7,
        "個人情報保護法第68条第2項: 本人への通知は「速やかに」。7日は目標（仮定）。",
    ),
    (
        "mic_first_report_days",
        ASSUMPTION,
        0,
        "総務省「地方公共団体における情報セキュリティポリシーに関するガイドライン」: CSIRT は"
        "CISO・総務省・都道府県等へ報告。第一報は当日（仮定。法定の期限はない）。",
    ),
    (
        "jlis_report_days",
        ASSUMPTION,
        0,
        "LGWAN の運用に関する規程による J-LIS（LGWAN全国センター）への報告。当日（仮定）。",
    ),
    (
        "publication_decision_business_days",
        ASSUMPTION,
        5,
        "漏えい等の公表の要否の判断を5開庁日以内に記録する（仮定）。公表基準は府が定める。",
    ),
    (
        "post_incident_review_days",
        ASSUMPTION,
        30,
        "重大度 L2 以上のインシデントの事後レビューを終結から30日以内に行う（仮定）。",
    ),
    (
        "ciso_ack_minutes",
        ASSUMPTION,
        60,
        "CISO への報告の受領確認を60分以内に得る（仮定）。",
    ),
    (
        "severity_matrix_version",
        ASSUMPTION,
        1,
        "重大度判定表 第1版（影響範囲・影響度・時間的緊急性による判定。NIST CSF 2.0 RS.MA-03。"
        "判定表そのものは仮定）。",
    ),
    (
        "nc_review_business_days",
        ASSUMPTION,
        10,
        "ネットワーク接続申請の受付から判断までの標準処理期間 10開庁日（仮定）。差戻し中は停止する。",
    ),
    (
        "nc_approval_max_years",
        ASSUMPTION,
        3,
        "ネットワーク接続承認の最長有効期間 3年（仮定）。",
    ),
    (
        "nc_renewal_lead_days",
        ASSUMPTION,
        60,
        "接続承認の有効期限の60日前から更新を案内する（仮定）。",
    ),
    (
        "nc_unused_lapse_days",
        ASSUMPTION,
        90,
        "承認から90日以内に接続されない承認は失効する（仮定）。",
    ),
    (
        "nc_condition_default_days",
        ASSUMPTION,
        30,
        "承認条件の標準の履行期限は承認から30日（仮定）。",
    ),
    (
        "nc_suspension_confirm_business_days",
        ASSUMPTION,
        1,
        "緊急遮断から1開庁日以内に復旧または承認の取消を判断する（仮定）。",
    ),
    (
        "nc_disconnect_confirm_business_days",
        ASSUMPTION,
        5,
        "有効期限切れ・取消から5開庁日以内にネットワーク管理者が接続の解除を確認する（仮定）。",
    ),
]


#: The rows ``forward`` seeds are seeded again by the tests after a transactional test's flush
#: (tests/conftest.py); ``forward`` must stay idempotent (get_or_create).
SEEDS_ROWS = True


def forward(apps, schema_editor):
    Rule = apps.get_model("governance", "Rule")
    for key, effective_from, value, basis in RULES:
        Rule.objects.get_or_create(
            key=key,
            effective_from=effective_from,
            defaults={"value": value, "basis": basis},
        )


def backward(apps, schema_editor):
    Rule = apps.get_model("governance", "Rule")
    for key, effective_from, _value, _basis in RULES:
        Rule.objects.filter(key=key, effective_from=effective_from).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0011_clocks_roles_and_rule_keys")]

    operations = [migrations.RunPython(forward, backward)]

"""The report's layout: seed 000's groups, chapters and sections in their order, the default
text of each section, and the manual figures the office enters.

A section's text is editable per report; figures are written into it as placeholders
(「・相談件数　［consultations］」), so the counts come from the data while the wording stays the
office's. ［年度］ prints the fiscal year (令和６年度) and ［spec_threshold］ the spec review
threshold in force (「３千６百万円」).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: ［key］: a figure, or one of the words below.
PLACEHOLDER = re.compile(r"［([a-z_0-9年度]+)］")
FISCAL_YEAR_WORD = "年度"
THRESHOLD_WORD = "spec_threshold"

PLANNING = "企画グループ"
OVERSIGHT = "監理グループ"


@dataclass(frozen=True)
class ManualItem:
    """A figure the office enters (no data in Shinsa holds it)."""

    key: str
    group: str
    section_no: str
    label: str
    unit: str
    qualifier: str = ""


MANUAL_ITEMS: tuple[ManualItem, ...] = (
    ManualItem("karte_added", PLANNING, "(2)", "システムカルテの追加項目", "項目"),
    ManualItem("karte_removed", PLANNING, "(2)", "システムカルテの削除項目", "項目"),
    ManualItem("karte_cost_before", PLANNING, "(2)", "経費項目（見直し前）", "項目"),
    ManualItem("karte_cost_after", PLANNING, "(2)", "経費項目（見直し後）", "項目"),
    ManualItem("ict_departments", PLANNING, "(3)", "ICT化意向調査の回答部局", "部局"),
    ManualItem("ict_tasks", PLANNING, "(3)", "ICT化意向調査の回答業務", "業務"),
    ManualItem("national_meetings", PLANNING, "(6)", "全国都道府県情報管理主管課長会議", "回"),
    ManualItem("kinki_meetings", PLANNING, "(6)", "近畿ブロック情報管理主管課長会議", "回"),
    ManualItem("training_new_staff", OVERSIGHT, "(1)", "新規採用職員への研修", "名"),
    ManualItem("training_outreach_departments", OVERSIGHT, "(1)", "おでかけ研修の部局", "部局"),
    ManualItem(
        "training_outreach_people", OVERSIGHT, "(1)", "おでかけ研修の受講者", "名", "or_more"
    ),
    ManualItem("check_rounds", OVERSIGHT, "(1)", "理解度チェックの回数", "回"),
    ManualItem("check_people", OVERSIGHT, "(1)", "理解度チェックの受検者", "名"),
    ManualItem("drill_sent", OVERSIGHT, "(2)", "訓練メールの送付", "名", "about"),
    ManualItem("drill_opened", OVERSIGHT, "(2)", "訓練メールの開封率", "%", "about"),
    ManualItem("drill_reported", OVERSIGHT, "(2)", "訓練メールの通報率", "%"),
    ManualItem("dx_workshop_sessions", OVERSIGHT, "2(1)", "ＤＸワークショップ研修の日程", "日程"),
    ManualItem("dx_workshop_people", OVERSIGHT, "2(1)", "ＤＸワークショップ研修の参加者", "名"),
    ManualItem("dx_workshop_teams", OVERSIGHT, "2(1)", "ＤＸワークショップ研修の班", "班"),
    ManualItem("dx_basic_sessions", OVERSIGHT, "2(2)", "ＤＸ基礎研修の日程", "日程"),
    ManualItem("dx_basic_people", OVERSIGHT, "2(2)", "ＤＸ基礎研修の参加者", "名"),
    ManualItem("pm_training_people", OVERSIGHT, "2(3)", "プロジェクトマネジメント基礎研修", "名"),
)
MANUAL_BY_KEY = {item.key: item for item in MANUAL_ITEMS}


@dataclass(frozen=True)
class Section:
    """One numbered item of the report under its group and chapter heading."""

    key: str
    group: str
    chapter: str
    heading: str
    text: str


_S = Section

SECTIONS: tuple[Section, ...] = (
    _S(
        "plan",
        PLANNING,
        "１　府庁ＤＸ",
        "(1)　大阪府情報システム全体最適化計画の策定",
        "情報システムに関する府の現状や課題をもとに、国の動向や情報通信技術を踏まえ、"
        "各システムの今後の方向性等を示した。\n"
        "○対象システム\n"
        "本府が調達するシステムのうち、以下のものを計画の対象とする。\n"
        "・パッケージカスタマイズ（［plan_package］）\n"
        "・スクラッチ（［plan_scratch］　※うちAccessを用いて開発したもの［plan_scratch_access］）",
    ),
    _S(
        "karte",
        PLANNING,
        "１　府庁ＤＸ",
        "(2)　システムカルテの整備",
        "システムカルテについて、調査項目を見直すとともに、記載事項の時点修正や決算・予算の確認を"
        "実施した。\n"
        "・台帳管理件数等の［karte_added］を追加し、不要な［karte_removed］を削除。\n"
        "・予算・決算の経費項目を［karte_cost_before］から［karte_cost_after］へ集約。",
    ),
    _S(
        "ict",
        PLANNING,
        "１　府庁ＤＸ",
        "(3)　業務のICT化",
        "庁内ICT化を促進し、業務効率の改善を図るため、各部局の業務に係るICT化の意向調査を実施した"
        "（回答：［ict_departments］、［ict_tasks］）。",
    ),
    _S(
        "support",
        PLANNING,
        "１　府庁ＤＸ",
        "(4)　部局支援",
        "部局への技術的な助言や事業者打合せへの参加等、伴走支援を実施した。",
    ),
    _S(
        "it_projects",
        PLANNING,
        "１　府庁ＤＸ",
        "(5)　ＩＴ事業の推進",
        "各部局等が行うＩＴ事業を技術面、調達面から支援するため、部局担当窓口の設置やシステム調達"
        "仕様書の確認をするなど、各部局等がＩＴ事業を計画的・効率的に推進できるよう取り組んだ。\n"
        "○　部局担当窓口\n"
        "部局担当窓口を設置し、各部局等のＩＴ事業に関する相談や予算確認などを実施した。\n"
        "・相談件数　［consultations］\n"
        "・予算確認件数　［budget_checks］\n"
        "○　仕様書確認\n"
        "契約局の審査会案件（予定価格が［spec_threshold］以上の物品調達案件及び委託役務業務"
        "（リースを含む））に該当する各部局等のシステム調達仕様書について、より適正な調達となるよう"
        "仕様の見直し等を指導した。\n"
        "・仕様書確認件数　［spec_reviews］",
    ),
    _S(
        "liaison",
        PLANNING,
        "１　府庁ＤＸ",
        "(6)　他都道府県との連絡調整",
        "他都道府県とのＩＴ事業に関する意見交換のため、以下の会議に参加した。\n"
        "・全国都道府県情報管理主管課長会議　［national_meetings］（春季、秋季実地開催）\n"
        "・近畿ブロック情報管理主管課長会議・担当者会議　［kinki_meetings］（オンライン開催）",
    ),
    _S(
        "training",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(1)　セキュリティ研修",
        "以下のとおり情報セキュリティに係る研修を行った。\n"
        "・新規採用職員への情報セキュリティ研修（※動画配信）（［training_new_staff］）\n"
        "・おでかけ情報セキュリティ研修（［training_outreach_departments］、"
        "［training_outreach_people］）\n"
        "・情報セキュリティに関する理解度チェック（［check_rounds］、［check_people］）",
    ),
    _S(
        "drill",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(2)　標的型攻撃（不審）メール対応訓練",
        "職員に対して訓練用の標的型攻撃メールを送付し、添付ファイルの開封状況、不審メール通報窓口への"
        "通報状況を確認した。\n"
        "・［年度］実績：［drill_sent］に送付し、［drill_opened］が開封（通報率:［drill_reported］）",
    ),
    _S(
        "web_malware",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(3)　ウェブ感染型マルウェア検知",
        "府等が管理するウェブサイトについて、改ざんやマルウェアが埋め込まれていないか定期的に監視した。"
        "（監視対象　［monitor_web_malware］）",
    ),
    _S(
        "response_time",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(4)　ホームページレスポンス観測",
        "府等が管理するウェブサイトについて、レスポンスの変化（応答までの時間の変化）を観測した。"
        "（監視対象　［monitor_response_time］）",
    ),
    _S(
        "cyber_attack",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(5)　サイバー攻撃検知",
        "登録されたネットワークから発生する不審な通信の有無を監視した。"
        "（監視対象　［monitor_cyber_attack］）",
    ),
    _S(
        "policy",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(6)　「情報セキュリティに関する基本要綱」の改正対応",
        "総務省ガイドラインの改訂状況等を踏まえ、情報セキュリティ対策に関する各種規定の見直しを行った。",
    ),
    _S(
        "disposal",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(7)　記憶装置を含む機器の廃棄状況の確認",
        "各所属が独自で調達した記憶装置を含む機器について、廃棄証明書類のコピーを徴収し適切に廃棄"
        "されていることの確認を行った。",
    ),
    _S(
        "self_check",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(8)　情報システムにおける情報セキュリティ対策の自己点検",
        "各情報システムにおいて「情報セキュリティに関する基本要綱」が遵守されているか確認するための"
        "自己点検を実施した。",
    ),
    _S(
        "diagnosis",
        OVERSIGHT,
        "１　情報セキュリティ対策",
        "(9)　情報システムにおけるプラットフォーム診断（脆弱性診断）",
        "グローバルＩＰアドレスを持つ情報システムを対象に脆弱性を診断し、対応策を各所管課へ提示した。",
    ),
    _S(
        "dx_workshop",
        OVERSIGHT,
        "２　ＤＸ人材の育成",
        "(1)　ＤＸワークショップ研修",
        "ＤＸの考え方や進め方を学ぶワークショップ型研修を実施した（参加人数：［dx_workshop_sessions］"
        " 合計［dx_workshop_people］ (［dx_workshop_teams］)）。",
    ),
    _S(
        "dx_basic",
        OVERSIGHT,
        "２　ＤＸ人材の育成",
        "(2)　ＤＸ基礎研修",
        "ＤＸの基礎知識や庁内のデジタル実装事例を学ぶＤＸ基礎研修を実施した（参加人数：［dx_basic_sessions］"
        " 合計［dx_basic_people］）。",
    ),
    _S(
        "pm_training",
        OVERSIGHT,
        "２　ＤＸ人材の育成",
        "(3)　プロジェクトマネジメントに関する基礎研修",
        "情報システムを担当する職員にプロジェクトマネジメントの基礎知識を学習してもらうため、"
        "基礎研修を実施した（参加人数：［pm_training_people］）。",
    ),
    _S(
        "generative_ai",
        OVERSIGHT,
        "３　生成ＡＩの業務利活用",
        "(1)　庁内生成ＡＩシステムの導入",
        "利便性の高い機能を備えつつ安全に利用できるシステムを、庁内ネットワーク環境内に構築し、"
        "稼働を開始した。",
    ),
)
SECTION_BY_KEY = {section.key: section for section in SECTIONS}
GROUPS: tuple[str, ...] = (PLANNING, OVERSIGHT)


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)

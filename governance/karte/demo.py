"""Demo registry: the 39 long-term-vendor systems of seed 002 and synthetic systems around them.

Facts (seed 002, "2021年度情報システム現況調査・執行状況調査"): the name, department, first year
in operation and FY2021 budget (thousand yen) of the 39 systems contracted with the same
vendor for 10 years or more; their budgets total 2,987,046 thousand yen.

Everything else is made up, deterministically (seeded random), and marked:

- the 39 systems' kinds, sections, staff figures, vendors (fictional names ending in 「（架空）」)
  and contract histories, chosen so that each is flagged: the same vendor every year up to
  FY2021 for at least 10 years (some had another vendor before);
- synthetic systems (``is_synthetic``) bringing the registry to 245 with the kind mix of
  seed 000 (34 package customisation, 69 scratch-built of which 26 in Access, the rest kinds
  that cannot be customised) and the exposure figures of seed 001 (67 internet-facing; 35 of
  them not enrolled in the monitoring services, 26 with their own countermeasures, 9 exempt:
  8 under national responsibility, 1 a private SNS service). None of the customisable
  synthetic systems is flagged, so the lock-in report shows exactly the 39.

Loading goes through the audited import service, as the governance reviewer, so loading it
twice changes nothing the second time.
"""

from __future__ import annotations

import random
from typing import Any

from governance.karte.io import ContractRow, CostRow, MonitoringRow, ParsedImport, SystemRow
from governance.karte.services import import_systems
from governance.models import (
    CostCategory,
    CostKind,
    CostPerspective,
    MonitoringService,
    ServerLocation,
    SystemKind,
    User,
)
from governance.org.demo import DEPARTMENTS

SURVEY_YEAR = 2021
TOTAL_SYSTEMS = 245

PKG = SystemKind.PACKAGE_CUSTOMISATION
SCR = SystemKind.SCRATCH
ACC = SystemKind.SCRATCH_ACCESS

# (name, department, first year in operation, FY2021 budget in thousand yen, kind, internet).
# Name, department, year and budget are seed 002's; kind and exposure are assumptions.
LONG_TERM_SYSTEMS: list[tuple[str, str, int, int | None, str, bool]] = [
    ("総務事務システム", "総務部", 2004, 1_200_005, PKG, False),
    ("税務情報システム", "財務部", 2015, 778_869, PKG, False),
    ("水防災情報システム", "都市整備部", 2004, 260_700, SCR, True),
    ("建設CALSシステム", "都市整備部", 2008, 243_545, PKG, True),
    ("土木積算システム", "都市整備部", 2000, 109_157, PKG, False),
    (
        "税周辺システム（地方税電子申告システム・国税連携システム）",
        "財務部",
        2005,
        102_737,
        PKG,
        True,
    ),
    ("住宅総合管理システム", "建築部", 2008, 85_420, PKG, False),
    ("新許認可統合システム【薬事・食品・環境】", "健康医療部", 2007, 49_960, PKG, False),
    ("土木許認可システム", "都市整備部", 2007, 28_002, SCR, False),
    ("汎用電子申請システム", "府民文化部", 2006, 21_226, PKG, True),
    ("府Webサイト管理システム（CMS）", "府民文化部", 2009, 20_235, PKG, True),
    ("児童相談ITナビシステム", "福祉部", 2007, 14_590, SCR, False),
    ("大阪府職員健康管理システム", "総務部", 2004, 13_841, PKG, False),
    ("治山積算システム", "環境農林水産部", 2006, 10_142, SCR, False),
    ("（特別）児童扶養手当システム", "福祉部", 2002, 7_070, SCR, False),
    ("公募公債条件決定システム", "財務部", 2006, 6_300, SCR, False),
    ("被爆者管理システム", "健康医療部", 1982, 4_670, SCR, False),
    ("税周辺システム（自動車OSSシステム）", "財務部", 2005, 4_398, PKG, False),
    ("障害者手帳発行システム", "福祉部", 2006, 4_264, SCR, False),
    ("産業保安業務情報システム", "政策企画部", 2004, 4_098, SCR, False),
    ("障がい児施設給付費支払等システム", "福祉部", 2009, 3_168, SCR, False),
    ("生徒管理システム", "商工労働部", 1996, 2_853, SCR, False),
    ("電子公報システム", "総務部", 2007, 2_215, SCR, True),
    ("税周辺システム（自動車税住所変更システム）", "財務部", 2003, 1_673, SCR, False),
    ("大阪府議会会議録検索システム", "議会事務局", 1999, 1_165, SCR, True),
    ("債権管理システム", "スマートシティ戦略部", 2005, 960, SCR, False),
    ("食品衛生統計システム", "健康医療部", 2003, 810, ACC, False),
    ("職員採用試験システム等", "人事委員会", 2003, 810, SCR, False),
    ("大阪府教育委員会共通コード管理", "教育庁", 2007, 660, ACC, False),
    (
        "タクシーメーター管理システム及び装置検査済証発行システム",
        "商工労働部",
        2010,
        605,
        SCR,
        False,
    ),
    ("文書発送管理システム", "府民文化部", 2004, 504, ACC, False),
    ("共通コード管理システム", "スマートシティ戦略部", 2006, 396, ACC, False),
    ("府有建築物の耐震化サイト", "建築部", 2009, 394, SCR, True),
    ("栄養士管理システム", "健康医療部", 2007, 379, ACC, False),
    ("道路情報登録閲覧システム", "建築部", 2010, 337, SCR, True),
    ("賃上げ・一時金調査集計システム", "商工労働部", 2002, 324, ACC, False),
    ("森林計画システム", "環境農林水産部", 2002, 300, SCR, False),
    ("会計統合型予算管理システム", "環境農林水産部", 2004, 264, ACC, False),
    (
        "税周辺システム（自動車税申告書イメージデータ検索システム）",
        "財務部",
        2000,
        None,  # seed 002: included in 税務情報システム's budget
        SCR,
        False,
    ),
]
LONG_TERM_TOTAL = 2_987_046
#: Seed 002's note on 総務事務システム: the budget includes 608,682 thousand yen of preparation
#: for moving from the third to the fourth operating period.
SOMU_PREPARATION = 608_682

#: Seed 000's kind mix over the whole registry; seed 001's total.
KIND_TARGETS: dict[str, int] = {
    PKG: 34,
    SCR: 69 - 26,
    ACC: 26,
    SystemKind.NETWORK: 18,
    SystemKind.SHARED_INFRASTRUCTURE: 16,
    SystemKind.NATIONAL_SYSTEM: 40,
    SystemKind.SERVICE_USE: 68,
}

#: Synthetic internet-facing systems by coverage and kind (with the 9 facing systems among
#: the 39, all enrolled: 32 enrolled, 26 own measures, 9 exempt = 67).
EXPOSURE_PLAN: dict[str, dict[str, int]] = {
    "enrolled": {PKG: 5, SCR: 6, SystemKind.SERVICE_USE: 10, SystemKind.SHARED_INFRASTRUCTURE: 2},
    "own_measures": {
        PKG: 4,
        SCR: 6,
        SystemKind.SERVICE_USE: 14,
        SystemKind.SHARED_INFRASTRUCTURE: 2,
    },
    "exempt_national": {SystemKind.NATIONAL_SYSTEM: 8},
    "exempt_sns": {SystemKind.SERVICE_USE: 1},
}
EXEMPT_NATIONAL = "国等がセキュリティ対策の権限（責任）を有するシステムのため（個別に確認済み）"
EXEMPT_SNS = "民間事業者の SNS サービスを利用しているため（個別に確認済み）"
OWN_MEASURES = [
    "WAF を導入し、運用事業者が 24 時間監視している。",
    "クラウド事業者のセキュリティ監視サービス（不正アクセス検知）を利用している。",
    "IPS による不正通信の遮断と、年 2 回の脆弱性診断を実施している。",
    "改ざん検知ソフトを導入し、検知時は所属へ即時通知される。",
]

VENDORS = [
    "あおば情報システム株式会社（架空）",
    "いずみソリューションズ株式会社（架空）",
    "うめだ電算株式会社（架空）",
    "えびすデータサービス株式会社（架空）",
    "おおさかベイ情報技術株式会社（架空）",
    "かわち計算センター株式会社（架空）",
    "きたはまシステムズ株式会社（架空）",
    "さかい情報開発株式会社（架空）",
    "しんまち ICT 株式会社（架空）",
    "すいた通信株式会社（架空）",
    "たかつきクラウド株式会社（架空）",
    "なにわ電子計算株式会社（架空）",
    "はんなんネットワーク株式会社（架空）",
    "ひらかたソフト株式会社（架空）",
    "みのおデジタル株式会社（架空）",
    "よどがわ情報サービス株式会社（架空）",
]

TOPICS = [
    "申請受付",
    "統計集計",
    "台帳管理",
    "施設予約",
    "相談記録",
    "補助金管理",
    "検査記録",
    "研修管理",
    "資産管理",
    "情報公開",
    "許可審査",
    "苦情受付",
    "契約管理",
    "文書管理",
    "地図情報",
    "防災情報配信",
    "イベント案内",
    "アンケート集計",
    "手数料管理",
    "登録事業者管理",
]
KIND_NAME: dict[str, str] = {
    PKG: "{topic}システム（{department}）",
    SCR: "{topic}システム（{department}）",
    ACC: "{topic}データベース（{department}・Access）",
    SystemKind.NETWORK: "{department}出先機関回線（{topic}用）",
    SystemKind.SHARED_INFRASTRUCTURE: "{department}共通基盤（{topic}）",
    SystemKind.NATIONAL_SYSTEM: "国の{topic}システム（{department}利用）",
    SystemKind.SERVICE_USE: "{topic}クラウドサービス（{department}）",
}

RENEWAL_PLAN = "次期更新に向けて仕様の標準化と他事業者の参入可能性を検討（デモ用の記載）。"

SECTIONS = {name: sections for _code, name, _en, sections in DEPARTMENTS}


def _split(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights``, summing exactly."""
    parts = [total * weight // sum(weights) for weight in weights]
    parts[0] += total - sum(parts)
    return parts


class _Builder:
    def __init__(self) -> None:
        self.random = random.Random(20211)  # noqa: S311  (demo data, not security)
        self.parsed = ParsedImport(systems=[], contracts=[], costs=[], monitoring=[])
        self.rows: dict[str, int] = {}
        self.names: set[str] = set()

    def _next_row(self, sheet: str) -> int:
        """The row a sheet written by ``export_systems`` would hold it in (header is row 1)."""
        self.rows[sheet] = self.rows.get(sheet, 1) + 1
        return self.rows[sheet]

    def system(self, code: str, name: str, department: str, values: dict[str, Any]) -> None:
        sections = SECTIONS[department]
        section = sections[self.random.randrange(len(sections))]
        assert self.parsed.systems is not None
        self.parsed.systems.append(
            SystemRow(self._next_row("system"), code, department, section, values)
        )

    def contract(self, code: str, year: int, vendor: str, kind: str, amount: int) -> None:
        assert self.parsed.contracts is not None
        self.parsed.contracts.append(
            ContractRow(self._next_row("contract"), code, year, vendor, kind, amount)
        )

    def cost(
        self, code: str, year: int, kind: str, category: str, perspective: str, amount: int
    ) -> None:
        assert self.parsed.costs is not None
        self.parsed.costs.append(
            CostRow(self._next_row("cost"), code, year, kind, category, perspective, amount)
        )

    def monitoring(
        self, code: str, service: str, enrolled: bool, own: str = "", exempt: str = ""
    ) -> None:
        assert self.parsed.monitoring is not None
        self.parsed.monitoring.append(
            MonitoringRow(self._next_row("monitoring"), code, service, enrolled, own, exempt)
        )

    def staff(self, large: bool) -> dict[str, Any]:
        total = self.random.randint(2, 8) if large else self.random.randint(1, 3)
        return {
            "staff_total": total,
            "staff_it": self.random.randint(0, min(total, 2)),
            "vendor_staff": self.random.randint(1, 4) if large else 0,
        }

    def enrol(self, code: str) -> None:
        """Enrolled in at least one service (web malware detection most often)."""
        services = [
            service
            for service in MonitoringService.values
            if self.random.random() < (0.8 if service == MonitoringService.WEB_MALWARE else 0.4)
        ] or [MonitoringService.WEB_MALWARE]
        for service in services:
            self.monitoring(code, service, True)

    def running_costs(self, code: str, year: int, kind: str, amount: int) -> None:
        perspectives = [
            CostPerspective.OPERATION,
            CostPerspective.SOFTWARE,
            CostPerspective.HARDWARE,
            CostPerspective.LINES_CLOUD,
        ]
        for perspective, part in zip(perspectives, _split(amount, [60, 20, 15, 5]), strict=True):
            if part:
                self.cost(code, year, kind, CostCategory.RUNNING, perspective, part)


def _long_term(builder: _Builder) -> dict[str, int]:
    """The 39 systems of seed 002; returns how many of each kind they use."""
    used: dict[str, int] = {}
    for number, (name, department, first_year, budget, kind, facing) in enumerate(
        LONG_TERM_SYSTEMS, start=1
    ):
        code = f"SYS-{number:03d}"
        used[kind] = used.get(kind, 0) + 1
        large = (budget or 0) >= 10_000
        notes = "長期間（10年以上）同一事業者と契約（2021年度情報システム現況調査）。"
        if budget is None:
            notes += "予算は税務情報システムに含む。"
        if number == 1:
            notes += "2021年度予算は第3期運用から第4期運用への移行準備経費 608,682千円を含む。"
        # The current vendor ran it for the last 10–20 years; before that, sometimes another.
        vendor = VENDORS[(number * 5) % len(VENDORS)]
        tenure = builder.random.randint(10, 20)
        since = max(first_year, SURVEY_YEAR - tenure + 1)
        if SURVEY_YEAR - since + 1 < 10:
            # In operation for fewer than 10 years, yet on seed 002's list: the same vendor
            # built and ran its predecessor (an assumption; the seed does not say).
            since = SURVEY_YEAR - tenure + 1
            notes += (
                f"現行システムの運用開始（{first_year}年度）以前から、前身システムを含めて"
                "同一事業者と契約（デモ用の想定）。"
            )
        builder.system(
            code,
            name,
            department,
            {
                "name": name,
                "kind": kind,
                "first_fiscal_year": first_year,
                "internet_facing": facing,
                "server_location": ServerLocation.DATA_CENTRE if large else ServerLocation.SECTION,
                **builder.staff(large),
                "known_issues": notes,
                "renewal_plan": RENEWAL_PLAN,
                "status": "active",
                "ledger_records": None,
                "scale_notes": "",
                "is_synthetic": False,
            },
        )
        if first_year < since:
            previous = VENDORS[(number * 5 + 3) % len(VENDORS)]
            for year in range(max(first_year, since - 6), since):
                amount = max(1, (budget or 500) * builder.random.randint(70, 110) // 100)
                builder.contract(code, year, previous, "委託役務", amount * 1000)
        for year in range(since, SURVEY_YEAR + 1):
            amount = (
                (budget or 500)
                if year == SURVEY_YEAR
                else (max(1, (budget or 500) * builder.random.randint(80, 105) // 100))
            )
            builder.contract(code, year, vendor, "委託役務（運用保守）", amount * 1000)
        if budget is not None:
            running = budget
            if number == 1:
                builder.cost(
                    code,
                    SURVEY_YEAR,
                    CostKind.BUDGET,
                    CostCategory.INITIAL,
                    CostPerspective.DEVELOPMENT,
                    SOMU_PREPARATION,
                )
                running -= SOMU_PREPARATION
            builder.running_costs(code, SURVEY_YEAR, CostKind.BUDGET, running)
        if facing:
            builder.enrol(code)
    return used


def _synthetic(builder: _Builder, used: dict[str, int]) -> None:
    kinds: list[str] = []
    for wanted_kind, target in KIND_TARGETS.items():
        kinds.extend([wanted_kind] * (target - used.get(wanted_kind, 0)))
    builder.random.shuffle(kinds)
    exposure: dict[int, str] = {}
    by_kind: dict[str, list[int]] = {}
    for index, listed_kind in enumerate(kinds):
        by_kind.setdefault(listed_kind, []).append(index)
    for exposure_plan, quotas in EXPOSURE_PLAN.items():
        for quota_kind, count in quotas.items():
            candidates = [i for i in by_kind[quota_kind] if i not in exposure]
            assert len(candidates) >= count, f"not enough synthetic {quota_kind} systems"
            for index in candidates[:count]:
                exposure[index] = exposure_plan
    departments = [name for _code, name, _en, _sections in DEPARTMENTS]
    first_number = len(LONG_TERM_SYSTEMS) + 1
    for offset, kind in enumerate(kinds):
        number = first_number + offset
        code = f"SYS-{number:03d}"
        department = departments[builder.random.randrange(len(departments))]
        topic = TOPICS[builder.random.randrange(len(TOPICS))]
        name = KIND_NAME[kind].format(topic=topic, department=department)
        suffix = 2
        while name in builder.names:
            name = KIND_NAME[kind].format(topic=f"{topic}{suffix}", department=department)
            suffix += 1
        builder.names.add(name)
        first_year = builder.random.randint(2003, SURVEY_YEAR)
        plan = exposure.get(offset)
        large = (
            kind in (PKG, SCR, SystemKind.SHARED_INFRASTRUCTURE) and builder.random.random() < 0.4
        )
        builder.system(
            code,
            name,
            department,
            {
                "name": name,
                "kind": kind,
                "first_fiscal_year": first_year,
                "internet_facing": plan is not None,
                "server_location": builder.random.choice(ServerLocation.values),
                **builder.staff(large),
                "known_issues": "",
                "renewal_plan": "",
                "status": "active",
                "ledger_records": builder.random.randint(100, 200_000)
                if kind != SystemKind.NETWORK
                else None,
                "scale_notes": "",
                "is_synthetic": True,
            },
        )
        budget = builder.random.randint(200, 40_000) if large else builder.random.randint(50, 3_000)
        _synthetic_contracts(builder, code, kind, first_year, budget)
        builder.running_costs(code, SURVEY_YEAR, CostKind.BUDGET, budget)
        if first_year < SURVEY_YEAR:
            settled = budget * builder.random.randint(85, 100) // 100
            builder.running_costs(code, SURVEY_YEAR - 1, CostKind.SETTLEMENT, settled)
        if plan == "enrolled":
            builder.enrol(code)
        elif plan == "own_measures":
            measure = OWN_MEASURES[builder.random.randrange(len(OWN_MEASURES))]
            builder.monitoring(code, MonitoringService.CYBER_ATTACK, False, own=measure)
        elif plan == "exempt_national":
            builder.monitoring(code, MonitoringService.CYBER_ATTACK, False, exempt=EXEMPT_NATIONAL)
        elif plan == "exempt_sns":
            builder.monitoring(code, MonitoringService.CYBER_ATTACK, False, exempt=EXEMPT_SNS)


def _synthetic_contracts(
    builder: _Builder, code: str, kind: str, first_year: int, budget: int
) -> None:
    """Contracts up to FY2021. A customisable system changed vendor within the last 9 years
    (some exactly 9: the boundary, not flagged); others may keep one vendor throughout."""
    customisable = kind in (PKG, SCR, ACC)
    vendor = VENDORS[builder.random.randrange(len(VENDORS))]
    span = SURVEY_YEAR - first_year + 1
    if customisable and span >= 10:
        tenure = builder.random.choice([3, 5, 7, 8, 9, 9])
        switch = SURVEY_YEAR - tenure + 1
        other = VENDORS[(VENDORS.index(vendor) + 7) % len(VENDORS)]
    else:
        switch, other = first_year, vendor
    for year in range(first_year, SURVEY_YEAR + 1):
        who = vendor if year >= switch else other
        amount = budget * builder.random.randint(80, 110) // 100
        builder.contract(code, year, who, "委託役務", amount * 1000)


def build() -> ParsedImport:
    """The demo registry as an import would read it (deterministic)."""
    builder = _Builder()
    used = _long_term(builder)
    _synthetic(builder, used)
    assert builder.parsed.systems is not None
    assert len(builder.parsed.systems) == TOTAL_SYSTEMS
    assert sum(row[3] or 0 for row in LONG_TERM_SYSTEMS) == LONG_TERM_TOTAL
    return builder.parsed


def load(stdout: Any) -> None:
    actor = User.objects.get(username="reviewer")
    result = import_systems(
        actor=actor, parsed=build(), source="デモデータ（governance.karte.demo）"
    )
    stdout.write(
        f"システムカルテ: {TOTAL_SYSTEMS} システム（新規 {result.created}、更新 {result.updated}、"
        f"変更なし {result.unchanged}）。"
    )

"""Demo budget checks: a budget season for next fiscal year's budget (held during the current
fiscal year), and a handful of checks in every state, made by the demo users through the flow's
pages (the headless driver), so that each role finds work in their inbox.

- The systems are taken from the registry when it already holds them (by code, then by name
  in the department); otherwise a minimal karte entry is created, marked synthetic, with a few
  years of made-up cost figures (thousand yen) so the reviewer has a history to compare.
- Last fiscal year's check of 総務事務システム is closed with one guidance item still open, so
  this year's check of the same system shows it to both sides.
- Dates are relative to the day the demo is first loaded (the season's deadline is ten
  business days later). The step does nothing if budget checks already exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from forms import budget as budget_forms
from governance import flows
from governance.budget import services
from governance.budget.services import BudgetRequestFacts, GuidanceDraft
from governance.budget.services.season import create_budget_season
from governance.japanese import add_business_days, fiscal_year_label, fiscal_year_of
from governance.models import (
    BudgetCheck,
    BudgetSeason,
    CaseKind,
    CostRecord,
    Department,
    InformationSystem,
    SystemKind,
    User,
)

# (code, name, department code, kind, first fiscal year, running cost per year in thousand yen)
SYSTEMS: list[tuple[str, str, str, str, int, int]] = [
    ("DEMO-SOMU-01", "総務事務システム", "somu", SystemKind.SCRATCH, 2004, 420_000),
    ("DEMO-SOMU-02", "電子公報システム", "somu", SystemKind.SCRATCH, 2007, 2_215),
    ("DEMO-ZAIMU-01", "税務情報システム", "zaimu", SystemKind.PACKAGE_CUSTOMISATION, 2015, 778_869),
    ("DEMO-ZAIMU-02", "公募公債条件決定システム", "zaimu", SystemKind.SCRATCH, 2006, 6_300),
]


_USERNAMES = ("staff_somu", "staff_zaimu", "reviewer", "approver")


def _system(code: str, name: str, department_code: str, kind: str, first: int) -> Any:
    department = Department.objects.get(code=department_code)
    found = (
        InformationSystem.objects.filter(code=code).first()
        or InformationSystem.objects.filter(department=department, name=name).first()
    )
    if found is not None:
        return found
    return InformationSystem.objects.create(
        code=code,
        name=name,
        department=department,
        kind=kind,
        first_fiscal_year=first,
        is_synthetic=True,
    )


def _costs(system: Any, running: int, this_year: int) -> None:
    """A few years of budget and settlement figures, if the karte has none for the system."""
    if CostRecord.objects.filter(system=system).exists():
        return
    for offset, growth in ((3, 0.96), (2, 0.98), (1, 1.0)):
        year = this_year - offset
        budget = round(running * growth)
        for kind, amount in (("budget", budget), ("settlement", round(budget * 0.97))):
            CostRecord.objects.create(
                system=system,
                fiscal_year=year,
                kind=kind,
                category="running",
                perspective="operation",
                amount_thousand_yen=amount,
            )


def _facts(system: Any, running_thousand: int, initial: int = 0) -> BudgetRequestFacts:
    return BudgetRequestFacts(
        initial_cost=initial,
        running_cost=running_thousand * 1000,
        purpose=f"{system.name}の安定稼働と事務の効率化",
        configuration="データセンター設置のサーバ（AP・DB 各2台、冗長構成）、庁内端末から利用",
        continuity="日次バックアップを遠隔地に保管。障害時は待機系へ切替え、最大1営業日で復旧",
        operating_structure="所管課職員2名（うち情報系1名）、保守事業者の常駐1名",
        network_security="庁内LANのみで利用。インターネット接続なし。利用者認証は庁内認証基盤",
    )


def _flow() -> Any:
    return flows.flow_class(CaseKind.BUDGET_CHECK)


def _start(actor: User, *, fiscal_year: int, facts: BudgetRequestFacts, **kwargs: Any) -> Any:
    """Request a check through the flow's start page (the headless driver)."""
    data = budget_forms.request_data(fiscal_year=fiscal_year, facts=facts, **kwargs)
    process = flows.driver().start(_flow(), user=actor, data=data)
    return BudgetCheck.objects.get(process_id=process.pk)


def _step(check: BudgetCheck, node_name: str, actor: User, data: dict[str, str]) -> Any:
    """Do the step on its page as ``actor``, picking it up first if it waits in a queue."""
    flows.driver().complete(check.process, getattr(_flow(), node_name), user=actor, data=data)
    return BudgetCheck.objects.get(pk=check.pk)


CHECKLIST = {
    "configuration": "adequate",
    "continuity": "adequate",
    "cost": "guidance",
    "operation": "guidance",
    "network_security": "adequate",
}


def _record(guidance: list[GuidanceDraft]) -> dict[str, str]:
    return budget_forms.review_data(
        checklist=CHECKLIST,
        result=BudgetCheck.Result.CONFIRMED_WITH_GUIDANCE,
        guidance=guidance,
        review_notes="前年度決算と比較し、保守費の増加理由を確認した。",
    )


def load(stdout: Any) -> None:
    if BudgetCheck.objects.exists():
        stdout.write("予算確認のデモデータは登録済みです。")
        return
    today = timezone.localdate()
    this_year = fiscal_year_of(today)
    budget_year = this_year + 1
    users = {u.username: u for u in User.objects.filter(username__in=_USERNAMES)}
    staff_somu, staff_zaimu = users["staff_somu"], users["staff_zaimu"]
    approver = users["approver"]
    # The departments' liaisons review (as in production); a reviewer if none is set.
    reviewer_of: dict[str, User] = {
        code: Department.objects.select_related("liaison").get(code=code).liaison
        or users["reviewer"]
        for code in ("somu", "zaimu")
    }

    if not BudgetSeason.objects.filter(fiscal_year=budget_year).exists():
        create_budget_season(
            actor=approver,
            fiscal_year=budget_year,
            opens_on=today - dt.timedelta(days=30),
            deadline=add_business_days(today, 10),
            reminder_lead_days=3,
            notes="財政課への予算要求締切に合わせる。",
        )

    systems = {}
    for code, name, department, kind, first, running in SYSTEMS:
        systems[code] = _system(code, name, department, kind, first)
        _costs(systems[code], running, budget_year)

    def due(days: int) -> dt.date:
        return today + dt.timedelta(days=days)

    # Last year's check of 総務事務システム: closed, one item resolved, one still open.
    somu_main = systems["DEMO-SOMU-01"]
    last = _start(
        staff_somu,
        fiscal_year=this_year,
        facts=_facts(somu_main, 410_000),
        system=somu_main,
    )
    last = _step(
        last,
        "review",
        reviewer_of["somu"],
        _record(
            [
                GuidanceDraft("保守契約の作業内容と単価の妥当性を検証すること", due(30), "cost"),
                GuidanceDraft(
                    "次期更新に向けた調達方針（ベンダーロックイン回避）を示すこと",
                    due(150),
                    "operation",
                ),
            ]
        ),
    )
    last = _step(last, "approve", approver, budget_forms.approval_data())
    last = _step(last, "acknowledge", staff_somu, budget_forms.acknowledge_data())
    services.resolve_guidance_item(
        actor=staff_somu,
        item=last.guidanceitems.get(sequence=1),
        evidence="保守事業者から作業実績を取得し、単価を他団体事例と比較した。",
    )

    # This year's requests, one per state.
    _start(staff_somu, fiscal_year=budget_year, facts=_facts(somu_main, 430_000), system=somu_main)

    gazette = _start(
        staff_somu,
        fiscal_year=budget_year,
        facts=_facts(systems["DEMO-SOMU-02"], 2_300, initial=1_500_000),
        system=systems["DEMO-SOMU-02"],
    )
    _step(
        gazette,
        "review",
        reviewer_of["somu"],
        budget_forms.review_data(
            questions="イニシャルコスト 1,500,000円の内訳（改修内容と見積根拠）を示してください。"
        ),
    )

    tax = _start(
        staff_zaimu,
        fiscal_year=budget_year,
        facts=_facts(systems["DEMO-ZAIMU-01"], 790_000),
        system=systems["DEMO-ZAIMU-01"],
    )
    _step(
        tax,
        "review",
        reviewer_of["zaimu"],
        _record(
            [GuidanceDraft("標準準拠システムへの移行計画を示すこと", due(120), "configuration")]
        ),
    )

    bonds = _start(
        staff_zaimu,
        fiscal_year=budget_year,
        facts=_facts(systems["DEMO-ZAIMU-02"], 6_300),
        system=systems["DEMO-ZAIMU-02"],
    )
    bonds = _step(
        bonds,
        "review",
        reviewer_of["zaimu"],
        _record(
            [
                GuidanceDraft(
                    "利用者アカウントの棚卸しを年1回実施すること", due(90), "network_security"
                )
            ]
        ),
    )
    _step(bonds, "approve", approver, budget_forms.approval_data())

    _start(
        staff_zaimu,
        fiscal_year=budget_year,
        facts=BudgetRequestFacts(
            initial_cost=4_800_000,
            running_cost=1_200_000,
            purpose="ふるさと納税の寄附受付をオンライン化する",
            configuration="民間の寄附受付サービスを利用（SaaS）",
            continuity="サービス停止時は電話・郵送受付で継続",
            operating_structure="所管課職員1名、サービス事業者のサポート窓口",
            network_security="インターネット経由で利用。多要素認証、個人情報の取扱いは契約で担保",
        ),
        new_system_name="ふるさと納税寄附受付サービス",
        new_system_kind=SystemKind.SERVICE_USE,
    )
    stdout.write(
        f"予算確認: {fiscal_year_label(budget_year)}のシーズンと"
        f"案件 {BudgetCheck.objects.count()} 件を登録しました。"
    )

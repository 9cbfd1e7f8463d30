"""Demo data from seed 001: the 監査委員's audit of 令和4年度 (委員 令和4年8月1日,
事務局 令和4年6月1日から同年8月31日まで), its two results (① online procedures,
② security monitoring of the systems), and the measure on ② with the karte's coverage
figures as of 令和5年5月31日 (the demo registry gives seed 001's 245 / 67 / 35 / 26 / 9),
approved and reported, so the auditor sees it. Nothing is done once the engagement exists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.models import AuditEngagement, Department, User
from governance.oversight import selectors, services

TITLE = "スマートシティ戦略部に係る定期監査（令和４年度）"
FINDINGS = (
    (
        1,
        "中期計画において、業務のICT化の推進を府庁DXにおける重点取組の一つとして掲げているが、"
        "行政手続全体のうちオンラインに対応していない手続が約91.8%（3,269種類）と十分に進捗して"
        "いるとは言えない状況である。",
        "オンライン化の推進について、制度所管課として関係部局への働き掛けを強化し、全庁を挙げて"
        "取り組むために主導的役割を果たされたい。",
    ),
    (
        2,
        "システム運用時においては、３事業を所属の申込みにより実施しているが、申込みのない所属の"
        "セキュリティ対策については把握していない。",
        "情報システムのセキュリティ対策について、関係部局と連携して、主体的に実施状況を把握する"
        "とともに、必要な対策を講じられたい。",
    ),
)
MEASURE_2 = (
    "各情報システムにおけるセキュリティ対策の実施状況把握のため、令和５年５月31日に全庁照会を"
    "実施し、３事業への申込み状況及び独自で実施しているサイバー攻撃対策内容を調査した。"
    "３事業に申込みしていないシステムのうち、独自のサイバー攻撃対策を実施していないものは、"
    "個別にヒアリング等を行い、３事業への申込みが不要と確認できた。今後とも、必要に応じて詳細を"
    "ヒアリングするなどし、必要なサイバー攻撃対策を実施するよう指導していく。"
)


def load(stdout: Any) -> None:
    if AuditEngagement.objects.filter(title=TITLE).exists():
        return
    reviewer = User.objects.get(username="reviewer")
    approver = User.objects.get(username="approver")
    department = Department.objects.get(code="smartcity")
    engagement = services.create_engagement(
        actor=reviewer,
        kind="kansa_periodic",
        fiscal_year=2022,
        title=TITLE,
        member_audit_on=dt.date(2022, 8, 1),
        secretariat_from=dt.date(2022, 6, 1),
        secretariat_to=dt.date(2022, 8, 31),
        departments=[department],
    )
    findings = {
        number: services.create_finding(
            actor=reviewer,
            engagement=engagement,
            number=number,
            facts=facts,
            text=text,
            owner_department=department,
        )
        for number, facts, text in FINDINGS
    }
    measure = services.draft_measure(
        actor=reviewer,
        finding=findings[2],
        text=MEASURE_2,
        taken_on=dt.date(2023, 5, 31),
        figures_query=selectors.COVERAGE,
        figures_as_of=dt.date(2023, 5, 31),
        evidence_note="全庁照会（令和５年５月31日）の回答",
    )
    services.approve_measure(actor=approver, measure=measure)
    services.report_measure(actor=reviewer, measure=measure, reported_on=dt.date(2023, 8, 1))
    stdout.write(f"oversight: {TITLE} with its findings ① ② and the measure on ②\n")

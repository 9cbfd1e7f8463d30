"""The obligations engine (NEXT_WAVE §B.6): what an incident's facts owe, to whom, when and why.

``evaluate_obligations(facts, rules)`` is pure: no database, no clock. The rules are the
versions in force (``RuleValue``: key, value, fiscal year, basis), so a change of law or of
its reading is a new rule version, never a code change. It returns one ``Required`` per
recipient and stage of §B.6, each ``yes`` / ``maybe`` (要判断, the clock runs) / ``no`` /
``not_applicable`` with its basis in words and its dates:

- ``due``: the hard last day (確報: 知った日 + 30 or 60 days, first day not counted, rolled past
  行政機関の休日), or the 速報's limit (not rolled);
- ``target``: a soft target (速報 3 days, 本人通知 7 days, 総務省・J-LIS the same day), never
  rolled;
- ``unrolled_due``: ``due`` before the holiday roll.

Records are Japanese whatever the reader's language: basis texts are not translated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from governance.incidents import severity as matrix
from governance.japanese import add_business_days, legal_due

JST = ZoneInfo("Asia/Tokyo")

# Recipient, stage and requirement codes (the choices of the obligation model).
PPC = "ppc"
PPC_MY_NUMBER = "ppc_my_number"
INDIVIDUAL_NOTICE = "individual_notice"
MIC = "mic"
JLIS = "jlis"
POLICE = "police"
NCO_FORM = "nco_form"
PUBLICATION_DECISION = "publication_decision"
CISO = "ciso"
TOP = "top"
PRELIMINARY, FINAL, FIRST, NOTICE, DECISION = "preliminary", "final", "first", "notice", "decision"
YES, MAYBE, NO, NOT_APPLICABLE = "yes", "maybe", "no", "not_applicable"
#: The requirements that create an obligation (and start its clock).
OWED = (YES, MAYBE)

ASSEMBLY = "assembly"
#: Categories the 総務省 report covers when the level is high enough (cyber incidents).
CYBER_CATEGORIES = frozenset(
    {
        "targeted_mail",
        "malware",
        "ransomware",
        "unauthorized_access",
        "ddos",
        "web_tampering",
        "account_compromise",
        "vulnerability",
    }
)
#: Categories that are leaks of what they carry (the simulator reads a fact set of these as
#: involving personal data unless it says otherwise).
LEAK_CATEGORIES = frozenset(
    {"misdelivery_email", "misdelivery_post", "loss_theft", "mispublication"}
)
#: A police consultation is recommended (no legal duty) for these.
POLICE_CATEGORIES = frozenset({"ransomware", "ddos", "unauthorized_access"})
#: The NCO's common forms (since 2025-10-01) are for ransomware and DDoS.
NCO_CATEGORIES = frozenset({"ransomware", "ddos"})

# The rule keys the engine reads (values of governance.rules.models.RuleKey).
R_PPC_PERSONS = "ppc_persons_threshold"
R_PRELIM_TARGET = "ppc_preliminary_target_days"
R_PRELIM_LIMIT = "ppc_preliminary_limit_days"
R_FINAL = "ppc_final_days"
R_FINAL_MALICIOUS = "ppc_final_malicious_days"
R_MYNUMBER_PERSONS = "mynumber_persons_threshold"
R_NOTICE = "individual_notice_days"
R_MIC_DAYS = "mic_first_report_days"
R_JLIS_DAYS = "jlis_report_days"
R_PUBLICATION_DAYS = "publication_decision_business_days"
R_ORDINANCE = "ppc_ordinance_sensitive_applies"
R_FIRST_DAY_EXCLUDED = "ppc_first_day_excluded"
R_HOLIDAY_ROLL = "ppc_holiday_roll"
R_MIC_LEVEL = "mic_report_min_level"
R_PUBLICATION_LEVEL = "publication_decision_min_level"
R_CISO_LEVEL = "ciso_report_min_level"
R_TOP_LEVEL = "top_report_min_level"
RULE_KEYS = (
    R_PPC_PERSONS,
    R_PRELIM_TARGET,
    R_PRELIM_LIMIT,
    R_FINAL,
    R_FINAL_MALICIOUS,
    R_MYNUMBER_PERSONS,
    R_NOTICE,
    R_MIC_DAYS,
    R_JLIS_DAYS,
    R_PUBLICATION_DAYS,
    R_ORDINANCE,
    R_FIRST_DAY_EXCLUDED,
    R_HOLIDAY_ROLL,
    R_MIC_LEVEL,
    R_PUBLICATION_LEVEL,
    R_CISO_LEVEL,
    R_TOP_LEVEL,
)

# The clock kinds (values of governance.clocks.models.DeadlineKind) of each obligation.
CLOCK_KINDS: dict[tuple[str, str], str] = {
    (PPC, PRELIMINARY): "ppc_preliminary",
    (PPC, FINAL): "ppc_final",
    (PPC_MY_NUMBER, PRELIMINARY): "mynumber_preliminary",
    (PPC_MY_NUMBER, FINAL): "mynumber_final",
    (INDIVIDUAL_NOTICE, NOTICE): "individual_notice",
    (MIC, FIRST): "mic_first_report",
    (JLIS, FIRST): "jlis_report",
    (PUBLICATION_DECISION, DECISION): "publication_decision",
}


@dataclass(frozen=True)
class RuleValue:
    """One rule version as the engine reads it (and as an obligation keeps it)."""

    key: str
    value: int
    effective_from: int
    basis: str
    id: int | None = None

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "value": self.value,
            "effective_from": self.effective_from,
            "basis": self.basis,
        }


Rules = Mapping[str, RuleValue]


@dataclass(frozen=True)
class ObligationFacts:
    """What the engine reads; every default is the incident form's default. ``aware_at`` is
    when any section of the prefecture knew (a vendor leak: when the vendor's notice came)."""

    aware_at: dt.datetime
    category: str = "other"
    personal_data: str = "unknown"
    persons_count: int | None = None
    persons_upper_bound: int | None = None
    sensitive: bool = False
    ordinance_sensitive: bool = False
    financial_damage_risk: bool = False
    malicious: bool = False
    high_encryption: bool = False
    high_encryption_evidence: str = ""
    recovered_unviewed: bool = False
    recovered_unviewed_evidence: str = ""
    my_number: bool = False
    my_number_system: bool = False
    publicly_viewable: bool = False
    reporting_body: str = "governor"
    segments_hit: tuple[str, ...] = ()
    severity: str = ""


@dataclass(frozen=True)
class Required:
    """One obligation the facts call for (or not), with its basis and dates."""

    recipient: str
    stage: str
    required: str
    basis: str
    due: dt.date | None = None
    target: dt.date | None = None
    unrolled_due: dt.date | None = None
    rule_key: str | None = None
    triggers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def owed(self) -> bool:
        return self.required in OWED

    @property
    def clock_kind(self) -> str | None:
        return CLOCK_KINDS.get((self.recipient, self.stage))

    def as_json(self) -> dict[str, Any]:
        """The shape ``obligations_check`` prints."""

        def iso(day: dt.date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "recipient": self.recipient,
            "stage": self.stage,
            "required": self.required,
            "due": iso(self.due),
            "target": iso(self.target),
            "unrolled_due": iso(self.unrolled_due),
            "basis": self.basis,
        }


def aware_date(facts: ObligationFacts) -> dt.date:
    """知った日: the date in Japan of ``aware_at``."""
    return facts.aware_at.astimezone(JST).date()


def level_of(facts: ObligationFacts) -> str:
    """The severity given, or the one the current matrix derives from the leak facts."""
    if facts.severity:
        return facts.severity
    return matrix.derive(
        matrix.Facts(
            category=facts.category,
            personal_data=facts.personal_data,
            persons=facts.persons_count,
            persons_upper=facts.persons_upper_bound,
            sensitive=facts.sensitive,
            financial_risk=facts.financial_damage_risk,
            malicious=facts.malicious,
            my_number=facts.my_number,
            high_encryption=_encrypted(facts),
            recovered_unviewed=_recovered(facts),
            activity_stage="completed" if facts.personal_data == "yes" else "attempted",
            information_impact="privacy" if facts.personal_data == "yes" else "none",
        )
    ).level


def _at_least(level: str, minimum: int) -> bool:
    return bool(level) and level in matrix.LEVELS and matrix.LEVELS.index(level) + 1 >= minimum


def _encrypted(facts: ObligationFacts) -> bool:
    """高度な暗号化等 counts only with its evidence (a claim removing a duty needs its basis)."""
    return facts.high_encryption and bool(facts.high_encryption_evidence.strip())


def _recovered(facts: ObligationFacts) -> bool:
    return facts.recovered_unviewed and bool(facts.recovered_unviewed_evidence.strip())


def _exemption(facts: ObligationFacts) -> str:
    if _encrypted(facts):
        return (
            "高度な暗号化その他の個人の権利利益を保護するために必要な措置が講じられている"
            f"（施行規則第43条各号括弧書）。根拠: {facts.high_encryption_evidence.strip()}"
        )
    if _recovered(facts):
        return (
            "閲覧されないうちに全てを回収しており漏えいに当たらない（通則編ガイドライン 3-5-1-1"
            f" の読み）。根拠: {facts.recovered_unviewed_evidence.strip()}"
        )
    return ""


def possible_leak(facts: ObligationFacts) -> bool:
    """Personal data is known to be involved (an unknown count then may exceed the threshold);
    while it is not known whether any is, only the facts given trigger a report."""
    return facts.personal_data == "yes"


def _persons(facts: ObligationFacts, threshold: int) -> tuple[str, str]:
    """(requirement, wording) of the persons trigger: a count over ``threshold`` is ``yes``; an
    unknown count of a possible leak, or an upper bound over it, is ``maybe`` (「発生した
    おそれ」, clock running)."""
    count, upper = facts.persons_count, facts.persons_upper_bound
    if count is None and upper is None and not possible_leak(facts):
        return NO, ""
    if count is not None and count > threshold:
        return YES, f"本人の数 {count:,}人（{threshold:,}人を超える）"
    if upper is not None and upper > threshold:
        return MAYBE, f"本人の数の上限 {upper:,}人（{threshold:,}人を超えるおそれ）"
    if count is None and upper is None:
        return MAYBE, f"本人の数が不明（{threshold:,}人を超えるおそれ）"
    return NO, ""


def _count(start: dt.date, days: int, rules: Rules, *, roll: bool) -> tuple[dt.date, dt.date]:
    """(due, unrolled) of a legal period, with the counting convention of the rules."""
    excluded = rules[R_FIRST_DAY_EXCLUDED].value if R_FIRST_DAY_EXCLUDED in rules else 1
    length = days if excluded else max(days - 1, 0)
    rolls = roll and (rules[R_HOLIDAY_ROLL].value if R_HOLIDAY_ROLL in rules else 1)
    due = legal_due(start, length, roll=bool(rolls))
    return due.due, due.unrolled


def _report_pair(
    recipient: str,
    requirement: str,
    basis: str,
    facts: ObligationFacts,
    rules: Rules,
    triggers: tuple[str, ...],
) -> list[Required]:
    """速報 and 確報 of a PPC report with the clocks of 規則第44条 (§B.6 #1, #2)."""
    if requirement not in OWED:
        return [
            Required(recipient, PRELIMINARY, requirement, basis, triggers=triggers),
            Required(recipient, FINAL, requirement, basis, triggers=triggers),
        ]
    start = aware_date(facts)
    target = legal_due(start, rules[R_PRELIM_TARGET].value, roll=False).due
    limit = legal_due(start, rules[R_PRELIM_LIMIT].value, roll=False).due
    final_key = R_FINAL_MALICIOUS if facts.malicious else R_FINAL
    days = rules[final_key].value
    due, unrolled = _count(start, days, rules, roll=True)
    prelim_basis = (
        f"{basis}。速報: 「速やかに」（施行規則第44条第1項）、"
        f"目標{rules[R_PRELIM_TARGET].value}日・上限{rules[R_PRELIM_LIMIT].value}日"
        "（ガイドラインの目安、休日による繰延べなし）"
    )
    malicious = "（第43条第3号: 不正の目的）" if facts.malicious else ""
    final_basis = f"{basis}。確報: 知った日から{days}日以内{malicious}（施行規則第44条第2項）"
    if due != unrolled:
        final_basis += "。末日が行政機関の休日のため翌開庁日（行政機関の休日に関する法律第2条）"
    return [
        Required(
            recipient,
            PRELIMINARY,
            requirement,
            prelim_basis,
            due=limit,
            target=target,
            unrolled_due=limit,
            rule_key=R_PRELIM_LIMIT,
            triggers=triggers,
        ),
        Required(
            recipient,
            FINAL,
            requirement,
            final_basis,
            due=due,
            unrolled_due=unrolled,
            rule_key=final_key,
            triggers=triggers,
        ),
    ]


def _ppc(facts: ObligationFacts, rules: Rules) -> tuple[str, str, tuple[str, ...]]:
    """(requirement, basis, triggers) of the 個人情報保護法 leak report, before the 議会 check."""
    law = "個人情報保護法第68条第1項・施行規則第43条"
    if facts.personal_data == "no":
        return NO, f"{law}: 保有個人情報の漏えい等なし", ()
    exemption = _exemption(facts)
    if exemption:
        return NO, f"{law}: {exemption}", ()
    items = []
    if facts.sensitive:
        items.append("第1号: 要配慮個人情報")
    if facts.financial_damage_risk:
        items.append("第2号: 財産的被害が生じるおそれ")
    if facts.malicious:
        items.append("第3号: 不正の目的をもって行われたおそれ")
    persons, wording = _persons(facts, rules[R_PPC_PERSONS].value)
    if persons == YES:
        items.append(f"第4号: {wording}")
    if facts.ordinance_sensitive and rules[R_ORDINANCE].value:
        items.append("第5号: 条例要配慮個人情報")
    if items:
        return YES, f"{law}（{'、'.join(items)}）", tuple(items)
    if persons == MAYBE:
        return MAYBE, f"{law}（第4号の要判断: {wording}）", (wording,)
    return NO, f"{law}: 各号に該当しない", ()


def _my_number(facts: ObligationFacts, rules: Rules) -> tuple[str, str, tuple[str, ...]]:
    law = "番号法第29条の4・特定個人情報の漏えい等に関する報告等に関する規則第2条"
    if facts.personal_data == "no" or not facts.my_number:
        return NO, f"{law}: 特定個人情報の漏えい等なし", ()
    exemption = _exemption(facts)
    if exemption:
        return NO, f"{law}: {exemption}", ()
    items = []
    if facts.my_number_system:
        items.append(
            "情報提供ネットワークシステム・個人番号利用事務のシステムからの漏えい等（人数によらない）"
        )
    if facts.malicious:
        items.append("不正の目的をもって行われたおそれ")
    if facts.publicly_viewable:
        items.append("不特定多数の者に閲覧されたおそれ")
    persons, wording = _persons(facts, rules[R_MYNUMBER_PERSONS].value)
    if persons == YES:
        items.append(wording)
    if items:
        return YES, f"{law}（{'、'.join(items)}）", tuple(items)
    if persons == MAYBE:
        return MAYBE, f"{law}（要判断: {wording}）", (wording,)
    return NO, f"{law}: 報告の要件に該当しない", ()


def _soft(
    recipient: str,
    stage: str,
    requirement: str,
    basis: str,
    facts: ObligationFacts,
    rules: Rules,
    key: str,
) -> Required:
    """An obligation with a soft target only (no roll, no hard due)."""
    target = None
    if requirement in OWED:
        target = legal_due(aware_date(facts), rules[key].value, roll=False).due
    return Required(recipient, stage, requirement, basis, target=target, rule_key=key)


def evaluate_obligations(facts: ObligationFacts, rules: Rules) -> list[Required]:
    """Every obligation of §B.6 for ``facts`` under ``rules`` (one row per recipient and
    stage, in the order of the table)."""
    level = level_of(facts)
    ppc_required, ppc_basis, ppc_triggers = _ppc(facts, rules)
    assembly = facts.reporting_body == ASSEMBLY
    # What the leak would call for outside the 議会 (the 公表判断 still follows it).
    leak = ppc_required
    if assembly:
        ppc_required = NOT_APPLICABLE
        ppc_basis = (
            "地方公共団体の機関のうち議会は行政機関等に含まれない（個人情報保護法第2条第11項"
            "第2号「議会を除く」）。議会の条例による"
        )
    mn_required, mn_basis, mn_triggers = _my_number(facts, rules)
    result = _report_pair(PPC, ppc_required, ppc_basis, facts, rules, ppc_triggers)
    result += _report_pair(PPC_MY_NUMBER, mn_required, mn_basis, facts, rules, mn_triggers)

    # 本人通知: whenever a report is owed (法第68条第2項, 番号法第29条の4第2項).
    owed = [r for r in (ppc_required, mn_required) if r in OWED]
    if YES in owed:
        notice = YES
    elif owed:
        notice = MAYBE
    elif assembly and leak in OWED:
        notice = NOT_APPLICABLE
    else:
        notice = NO
    notice_basis = (
        "個人情報保護法第68条第2項（本人への通知は「速やかに」。目標日数は仮定）。通知が困難な"
        "場合は代替措置（公表等）"
    )
    if notice == NOT_APPLICABLE:
        notice_basis = ppc_basis
    result.append(_soft(INDIVIDUAL_NOTICE, NOTICE, notice, notice_basis, facts, rules, R_NOTICE))

    # 総務省: a report owed, or a cyber incident of a high level (assumption).
    cyber = facts.category in CYBER_CATEGORIES and _at_least(level, rules[R_MIC_LEVEL].value)
    if YES in owed or cyber:
        mic = YES
    elif owed:
        mic = MAYBE
    else:
        mic = NO
    mic_basis = (
        "総務省ガイドライン: CSIRT は CISO・総務省・都道府県等へ報告（第一報は当日、仮定）。"
        f"重大度 {level or '—'}"
    )
    result.append(_soft(MIC, FIRST, mic, mic_basis, facts, rules, R_MIC_DAYS))

    jlis = YES if "lgwan" in facts.segments_hit else NO
    jlis_basis = "LGWAN の運用に関する規程: LGWAN接続系に影響する事案は J-LIS へ報告（当日、仮定）"
    result.append(_soft(JLIS, FIRST, jlis, jlis_basis, facts, rules, R_JLIS_DAYS))

    if facts.category in POLICE_CATEGORIES:
        police = YES
    elif facts.category == "loss_theft":
        police = MAYBE
    else:
        police = NO
    result.append(
        Required(
            POLICE,
            FIRST,
            police,
            "警察（サイバー犯罪相談窓口）への相談・届出は「速やかに」（法的義務はなく推奨。"
            "国家サイバー統括室の共通様式を使用可）",
        )
    )
    nco = YES if facts.category in NCO_CATEGORIES else NO
    result.append(
        Required(
            NCO_FORM,
            FIRST,
            nco,
            "国家サイバー統括室 ランサムウェア・DDoS 攻撃の共通様式（2025年10月1日から）。"
            "個人情報保護委員会・総務省・警察への報告に用いる",
        )
    )

    # 公表判断: a reportable leak (also in the 議会), or a high level.
    if (
        YES in owed
        or (assembly and leak == YES)
        or _at_least(level, rules[R_PUBLICATION_LEVEL].value)
    ):
        publication = YES
    elif owed or (assembly and leak == MAYBE):
        publication = MAYBE
    else:
        publication = NO
    publication_due = None
    if publication in OWED:
        publication_due = add_business_days(aware_date(facts), rules[R_PUBLICATION_DAYS].value)
    result.append(
        Required(
            PUBLICATION_DECISION,
            DECISION,
            publication,
            "公表の要否の判断（府の公表基準による。判断期限は仮定）",
            due=publication_due,
            unrolled_due=publication_due,
            rule_key=R_PUBLICATION_DAYS,
        )
    )
    ciso = YES if _at_least(level, rules[R_CISO_LEVEL].value) else NO
    top = YES if _at_least(level, rules[R_TOP_LEVEL].value) else NO
    result.append(
        Required(
            CISO,
            FIRST,
            ciso,
            f"要綱第11条の2 による CSIRT の対応フロー: 重大度 {level or '—'} の CISO への報告",
            rule_key=R_CISO_LEVEL,
        )
    )
    result.append(
        Required(
            TOP,
            FIRST,
            top,
            f"重大度 {level or '—'}: 知事・副知事への報告（仮定）",
            rule_key=R_TOP_LEVEL,
        )
    )
    return result

"""The obligations engine, table-driven (NEXT_WAVE §B.6, §B.10, §B.11 checks 1–8): one row per
boundary of 施行規則第43条 (each item, 100/101 persons, 条例要配慮), the exemptions with and
without their evidence, the 議会 and the 教育委員会, the My Number system, an unknown count,
不正の目的 → 60 days, and the clocks of Appendix A; and the seeded rules are the ones read."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from governance.incidents.obligations import engine
from governance.incidents.obligations.engine import ObligationFacts, RuleValue
from governance.incidents.obligations.rules import rules_in_force
from tests.clocks_support import jst

D = dt.date

SEEDED = {
    "ppc_persons_threshold": 100,
    "ppc_preliminary_target_days": 3,
    "ppc_preliminary_limit_days": 5,
    "ppc_final_days": 30,
    "ppc_final_malicious_days": 60,
    "mynumber_persons_threshold": 100,
    "individual_notice_days": 7,
    "mic_first_report_days": 0,
    "jlis_report_days": 0,
    "publication_decision_business_days": 5,
    "ppc_ordinance_sensitive_applies": 1,
    "ppc_first_day_excluded": 1,
    "ppc_holiday_roll": 1,
    "mic_report_min_level": 3,
    "publication_decision_min_level": 3,
    "ciso_report_min_level": 3,
    "top_report_min_level": 4,
}


def rules(**changed: int) -> dict[str, RuleValue]:
    values = {**SEEDED, **changed}
    return {key: RuleValue(key, value, 2023, f"basis of {key}") for key, value in values.items()}


AWARE = jst(2026, 12, 1, 10)
LEAK = {"category": "misdelivery_email", "personal_data": "yes"}


def evaluate(**facts: Any) -> dict[tuple[str, str], engine.Required]:
    rule_values = facts.pop("rules", rules())
    facts.setdefault("aware_at", AWARE)
    result = engine.evaluate_obligations(ObligationFacts(**facts), rule_values)
    return {(r.recipient, r.stage): r for r in result}


PPC_P, PPC_F = ("ppc", "preliminary"), ("ppc", "final")
MN_P, MN_F = ("ppc_my_number", "preliminary"), ("ppc_my_number", "final")
NOTICE, MIC, JLIS = ("individual_notice", "notice"), ("mic", "first"), ("jlis", "first")
POLICE, NCO = ("police", "first"), ("nco_form", "first")
PUB, CISO, TOP = ("publication_decision", "decision"), ("ciso", "first"), ("top", "first")

# (id, facts, {obligation: required}, {obligation: (due, target, unrolled_due)})
ROWS: list[tuple[str, dict[str, Any], dict[Any, str], dict[Any, tuple[Any, Any, Any]]]] = [
    ("100 persons: no item 4", {**LEAK, "persons_count": 100}, {PPC_F: "no", NOTICE: "no"}, {}),
    (
        "101 persons: report, 30 days rolled past 年末年始",
        {**LEAK, "persons_count": 101},
        {PPC_P: "yes", PPC_F: "yes", NOTICE: "yes", PUB: "yes", CISO: "yes", TOP: "no"},
        {
            PPC_P: (D(2026, 12, 6), D(2026, 12, 4), D(2026, 12, 6)),
            PPC_F: (D(2027, 1, 4), None, D(2026, 12, 31)),
        },
    ),
    (
        "1,001 persons: L4, top report",
        {**LEAK, "persons_count": 1001},
        {PPC_F: "yes", TOP: "yes"},
        {},
    ),
    (
        "phishing with personal data not known and no count: nothing to report",
        {"category": "targeted_mail", "personal_data": "unknown", "severity": "L2"},
        {PPC_F: "no", MN_F: "no", NOTICE: "no"},
        {},
    ),
    (
        "misdelivery with personal data not yet known and no count: not yet",
        {"category": "misdelivery_email", "personal_data": "unknown"},
        {PPC_F: "no"},
        {},
    ),
    ("0 persons", {**LEAK, "persons_count": 0}, {PPC_F: "no"}, {}),
    (
        "unknown count: maybe, clock running",
        {**LEAK},
        {PPC_F: "maybe", NOTICE: "maybe", PUB: "maybe"},
        {PPC_F: (D(2027, 1, 4), None, D(2026, 12, 31))},
    ),
    (
        "upper bound 101 with 80 known: maybe",
        {**LEAK, "persons_count": 80, "persons_upper_bound": 101},
        {PPC_F: "maybe"},
        {},
    ),
    (
        "upper bound 100 with count unknown: no",
        {**LEAK, "persons_upper_bound": 100},
        {PPC_F: "no"},
        {},
    ),
    (
        "upper bound 150 with count unknown: maybe",
        {**LEAK, "persons_upper_bound": 150},
        {PPC_F: "maybe"},
        {},
    ),
    (
        "item 1 要配慮, one person",
        {**LEAK, "persons_count": 1, "sensitive": True},
        {PPC_F: "yes"},
        {PPC_F: (D(2027, 1, 4), None, D(2026, 12, 31))},
    ),
    (
        "item 2 財産的被害, one person",
        {**LEAK, "persons_count": 1, "financial_damage_risk": True},
        {PPC_F: "yes"},
        {},
    ),
    (
        "item 3 不正の目的, one person: 60 days, Sat → Mon",
        {
            "category": "unauthorized_access",
            "personal_data": "yes",
            "persons_count": 1,
            "malicious": True,
        },
        {PPC_F: "yes", POLICE: "yes", MIC: "yes"},
        {PPC_F: (D(2027, 2, 1), None, D(2027, 1, 30))},
    ),
    (
        "item 5 条例要配慮 (ordinance defines it)",
        {**LEAK, "persons_count": 1, "ordinance_sensitive": True},
        {PPC_F: "yes"},
        {},
    ),
    (
        "item 5 条例要配慮 (ordinance does not)",
        {
            **LEAK,
            "persons_count": 1,
            "ordinance_sensitive": True,
            "rules": rules(ppc_ordinance_sensitive_applies=0),
        },
        {PPC_F: "no"},
        {},
    ),
    (
        "high encryption with evidence: no report",
        {
            **LEAK,
            "persons_count": 500,
            "high_encryption": True,
            "high_encryption_evidence": "AES-256 全体暗号化、鍵は別管理",
        },
        {PPC_F: "no", NOTICE: "no"},
        {},
    ),
    (
        "high encryption without evidence: still owed",
        {**LEAK, "persons_count": 500, "high_encryption": True},
        {PPC_F: "yes"},
        {},
    ),
    (
        "recovered unviewed with evidence: no report",
        {
            **LEAK,
            "persons_count": 300,
            "recovered_unviewed": True,
            "recovered_unviewed_evidence": "受信者が未開封で削除",
        },
        {PPC_F: "no"},
        {},
    ),
    (
        "recovered unviewed without evidence: still owed",
        {
            **LEAK,
            "persons_count": 300,
            "recovered_unviewed": True,
            "recovered_unviewed_evidence": " ",
        },
        {PPC_F: "yes"},
        {},
    ),
    (
        "encryption exempts item 1 too",
        {
            **LEAK,
            "persons_count": 1,
            "sensitive": True,
            "high_encryption": True,
            "high_encryption_evidence": "BitLocker",
        },
        {PPC_F: "no"},
        {},
    ),
    (
        "議会 500 persons: not applicable, 公表判断 stays",
        {**LEAK, "persons_count": 500, "reporting_body": "assembly"},
        {PPC_P: "not_applicable", PPC_F: "not_applicable", NOTICE: "not_applicable", PUB: "yes"},
        {},
    ),
    (
        "議会 3 persons no trigger: not applicable, no 公表判断",
        {**LEAK, "persons_count": 3, "reporting_body": "assembly", "severity": "L2"},
        {PPC_F: "not_applicable", PUB: "no"},
        {},
    ),
    (
        "教育委員会 101 persons: reports in its own name",
        {**LEAK, "persons_count": 101, "reporting_body": "board_of_education"},
        {PPC_F: "yes"},
        {},
    ),
    (
        "人事委員会 101 persons",
        {**LEAK, "persons_count": 101, "reporting_body": "personnel_commission"},
        {PPC_F: "yes"},
        {},
    ),
    (
        "no personal data",
        {"category": "misdelivery_email", "personal_data": "no"},
        {PPC_F: "no", MN_F: "no"},
        {},
    ),
    (
        "My Number system, 3 persons: 番号法 report regardless of count",
        {**LEAK, "persons_count": 3, "my_number": True, "my_number_system": True},
        {MN_P: "yes", MN_F: "yes", PPC_F: "no", NOTICE: "yes"},
        {MN_F: (D(2027, 1, 4), None, D(2026, 12, 31))},
    ),
    (
        "My Number outside the system, 3 persons",
        {**LEAK, "persons_count": 3, "my_number": True},
        {MN_F: "no"},
        {},
    ),
    (
        "My Number 101 persons",
        {**LEAK, "persons_count": 101, "my_number": True},
        {MN_F: "yes", PPC_F: "yes"},
        {},
    ),
    ("My Number 100 persons", {**LEAK, "persons_count": 100, "my_number": True}, {MN_F: "no"}, {}),
    (
        "My Number publicly viewable",
        {**LEAK, "persons_count": 2, "my_number": True, "publicly_viewable": True},
        {MN_F: "yes", PPC_F: "no"},
        {},
    ),
    (
        "My Number malicious",
        {**LEAK, "persons_count": 2, "my_number": True, "malicious": True},
        {MN_F: "yes", PPC_F: "yes"},
        {},
    ),
    ("My Number unknown count: maybe", {**LEAK, "my_number": True}, {MN_F: "maybe"}, {}),
    (
        "My Number system in the 議会 still reports under 番号法",
        {
            **LEAK,
            "persons_count": 3,
            "my_number": True,
            "my_number_system": True,
            "reporting_body": "assembly",
        },
        {MN_F: "yes", PPC_F: "not_applicable"},
        {},
    ),
    (
        "ransomware: police, NCO form, MIC",
        {"category": "ransomware", "personal_data": "no", "severity": "L4"},
        {POLICE: "yes", NCO: "yes", MIC: "yes", CISO: "yes", TOP: "yes", PUB: "yes"},
        {},
    ),
    (
        "DDoS at L2: police and NCO form, no MIC",
        {"category": "ddos", "personal_data": "no", "severity": "L2"},
        {POLICE: "yes", NCO: "yes", MIC: "no", CISO: "no"},
        {},
    ),
    (
        "targeted mail at L3: MIC",
        {"category": "targeted_mail", "personal_data": "no", "severity": "L3"},
        {MIC: "yes", POLICE: "no", NCO: "no", CISO: "yes", TOP: "no"},
        {MIC: (None, D(2026, 12, 1), None)},
    ),
    (
        "lost laptop: police maybe",
        {"category": "loss_theft", "personal_data": "no"},
        {POLICE: "maybe"},
        {},
    ),
    (
        "LGWAN hit: J-LIS same day",
        {"category": "malware", "personal_data": "no", "segments_hit": ("lgwan",)},
        {JLIS: "yes"},
        {JLIS: (None, D(2026, 12, 1), None)},
    ),
    (
        "internet segment only: no J-LIS",
        {"category": "malware", "personal_data": "no", "segments_hit": ("internet",)},
        {JLIS: "no"},
        {},
    ),
    (
        "L1 phishing: nothing owed",
        {"category": "targeted_mail", "personal_data": "no", "severity": "L1"},
        {PPC_F: "no", MIC: "no", PUB: "no", CISO: "no"},
        {},
    ),
    (
        "individual notice target 7 days, not rolled",
        {**LEAK, "persons_count": 101},
        {NOTICE: "yes"},
        {NOTICE: (None, D(2026, 12, 8), None)},
    ),
    (
        "publication decision in 5 business days",
        {**LEAK, "persons_count": 101},
        {PUB: "yes"},
        {PUB: (D(2026, 12, 8), None, D(2026, 12, 8))},
    ),
    (
        "aware 2027-05-10: 30 days plain",
        {**LEAK, "persons_count": 101, "aware_at": jst(2027, 5, 10, 9)},
        {PPC_F: "yes"},
        {PPC_F: (D(2027, 6, 9), None, D(2027, 6, 9))},
    ),
    (
        "aware 2027-05-10 malicious: 60 days plain",
        {**LEAK, "persons_count": 1, "malicious": True, "aware_at": jst(2027, 5, 10, 9)},
        {PPC_F: "yes"},
        {PPC_F: (D(2027, 7, 9), None, D(2027, 7, 9))},
    ),
    (
        "Golden Week: 速報 target on a Saturday is not rolled; 60 days Sun → Mon",
        {**LEAK, "persons_count": 1, "malicious": True, "aware_at": jst(2027, 4, 28, 9)},
        {PPC_P: "yes"},
        {
            PPC_P: (D(2027, 5, 3), D(2027, 5, 1), D(2027, 5, 3)),
            PPC_F: (D(2027, 6, 28), None, D(2027, 6, 27)),
        },
    ),
    (
        "成人の日: day 30 on 2027-01-11 moves to 01-12",
        {**LEAK, "persons_count": 101, "aware_at": jst(2026, 12, 12, 9)},
        {PPC_F: "yes"},
        {PPC_F: (D(2027, 1, 12), None, D(2027, 1, 11))},
    ),
    (
        "late-night 覚知 counts the JST date",
        {**LEAK, "persons_count": 101, "aware_at": dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC)},
        {PPC_F: "yes"},
        {PPC_F: (D(2027, 1, 4), None, D(2026, 12, 31))},
    ),
    (
        "first day counted (a rule version)",
        {**LEAK, "persons_count": 101, "rules": rules(ppc_first_day_excluded=0)},
        {PPC_F: "yes"},
        {PPC_F: (D(2027, 1, 4), None, D(2026, 12, 30))},
    ),
    (
        "no holiday roll (a rule version)",
        {**LEAK, "persons_count": 101, "rules": rules(ppc_holiday_roll=0)},
        {PPC_F: "yes"},
        {PPC_F: (D(2026, 12, 31), None, D(2026, 12, 31))},
    ),
    (
        "threshold raised to 1,000 (a rule version)",
        {**LEAK, "persons_count": 500, "rules": rules(ppc_persons_threshold=1000)},
        {PPC_F: "no"},
        {},
    ),
]


@pytest.mark.parametrize(
    ("facts", "required", "dates"), [row[1:] for row in ROWS], ids=[r[0] for r in ROWS]
)
def test_evaluate_obligations_table(
    facts: dict[str, Any], required: dict[Any, str], dates: dict[Any, Any]
) -> None:
    found = evaluate(**dict(facts))
    for key, expected in required.items():
        assert found[key].required == expected, (key, found[key].basis)
    for key, (due, target, unrolled) in dates.items():
        row = found[key]
        assert (row.due, row.target, row.unrolled_due) == (due, target, unrolled), key


def test_the_table_has_forty_rows_and_every_recipient_and_stage() -> None:
    assert len(ROWS) >= 40
    found = evaluate(**LEAK)
    assert sorted({r for r, _s in found}) == sorted(
        [
            "ppc",
            "ppc_my_number",
            "individual_notice",
            "mic",
            "jlis",
            "police",
            "nco_form",
            "publication_decision",
            "ciso",
            "top",
        ]
    )
    assert {s for _r, s in found} == {"preliminary", "final", "first", "notice", "decision"}


def test_the_basis_names_the_item_and_the_roll() -> None:
    found = evaluate(**LEAK, persons_count=101)
    assert "第4号: 本人の数 101人（100人を超える）" in found[PPC_F].basis
    assert "行政機関の休日に関する法律第2条" in found[PPC_F].basis
    assert (
        "議会を除く" in evaluate(**LEAK, persons_count=101, reporting_body="assembly")[PPC_F].basis
    )
    encrypted = evaluate(
        **LEAK, persons_count=101, high_encryption=True, high_encryption_evidence="鍵は別送"
    )
    assert "鍵は別送" in encrypted[PPC_F].basis


def test_the_json_shape() -> None:
    row = evaluate(**LEAK, persons_count=101)[PPC_F].as_json()
    assert row == {
        "recipient": "ppc",
        "stage": "final",
        "required": "yes",
        "due": "2027-01-04",
        "target": None,
        "unrolled_due": "2026-12-31",
        "basis": row["basis"],
    }


@pytest.mark.django_db
def test_the_seeded_rules_are_the_ones_the_table_assumes() -> None:
    seeded = rules_in_force(2026)
    assert {key: rule.value for key, rule in seeded.items()} == SEEDED
    assert all(rule.basis for rule in seeded.values())
    assert rules_in_force(2026)["ppc_persons_threshold"].effective_from == 2023


@pytest.mark.django_db
def test_a_missing_rule_is_named() -> None:
    with pytest.raises(LookupError, match="ppc_persons_threshold"):
        rules_in_force(2019)


def test_facts_default_to_the_form() -> None:
    facts = ObligationFacts(aware_at=AWARE)
    assert dataclasses.asdict(facts)["reporting_body"] == "governor"

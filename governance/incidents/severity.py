"""The severity matrix (重大度, NEXT_WAVE §B.5) as pure code, versioned.

``derive(facts)`` returns the level and the reasons, so the page can show why. A new version is
a new function in ``MATRICES``; an incident keeps the version it was triaged with.

Matrix v1 (an assumption of the design; the seeds fix no levels):

- L4 重大: マイナンバー利用事務系 compromised; ransomware confirmed; recoverability extended or
  not recoverable with high functional impact; prefecture-wide or external bodies (LGWAN,
  municipalities); a reportable leak of more than 1,000 persons.
- L3 高: any PPC / 番号法 reportable leak; high functional impact; a residents' service down;
  confirmed web tampering.
- L2 中: a confirmed incident of limited scope.
- L1 低: attempted or blocked, no impact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

CURRENT_VERSION = 1
LEVELS = ("L1", "L2", "L3", "L4")
#: More than this many persons in a reportable leak is L4 (matrix v1).
L4_PERSONS = 1000
#: More than this many persons makes a leak reportable (規則第43条第4号, for 行政機関等).
PPC_PERSONS = 100


@dataclass(frozen=True)
class Facts:
    """What the matrix reads; every field has the value of an untriaged incident."""

    category: str = "other"
    functional_impact: str = "none"
    information_impact: str = "none"
    recoverability: str = "regular"
    activity_stage: str = "attempted"
    scope: str = "one_terminal"
    mynumber_system: bool = False
    public_service_down: bool = False
    personal_data: str = "no"
    persons: int | None = None
    persons_upper: int | None = None
    sensitive: bool = False
    financial_risk: bool = False
    malicious: bool = False
    my_number: bool = False
    high_encryption: bool = False
    recovered_unviewed: bool = False


@dataclass(frozen=True)
class Result:
    level: str
    version: int
    reasons: tuple[str, ...] = field(default_factory=tuple)


def persons_reach(facts: Facts) -> int | None:
    """The largest count the facts allow (the upper bound when one is given)."""
    counts = [c for c in (facts.persons, facts.persons_upper) if c is not None]
    return max(counts) if counts else None


def reportable_leak(facts: Facts) -> bool:
    """Whether the leak is one the PPC (or 番号法) report is owed for, as far as severity goes."""
    if facts.personal_data == "no" or facts.high_encryption or facts.recovered_unviewed:
        return False
    reach = persons_reach(facts)
    return (
        facts.sensitive
        or facts.financial_risk
        or facts.malicious
        or facts.my_number
        or (reach is not None and reach > PPC_PERSONS)
    )


def _v1(facts: Facts) -> Result:
    l4: list[str] = []
    if facts.mynumber_system and facts.activity_stage != "attempted":
        l4.append("マイナンバー利用事務系の侵害")
    if facts.category == "ransomware" and facts.activity_stage != "attempted":
        l4.append("ランサムウェアの感染")
    if (
        facts.recoverability in ("extended", "not_recoverable")
        and facts.functional_impact == "high"
    ):
        l4.append("復旧困難かつ機能への影響が大")
    if facts.scope in ("prefecture_wide", "external_bodies"):
        l4.append("庁内全体または外部機関に影響")
    reach = persons_reach(facts)
    if reportable_leak(facts) and reach is not None and reach > L4_PERSONS:
        l4.append("1,000人を超える報告対象の漏えい等")
    if l4:
        return Result("L4", 1, tuple(l4))
    l3: list[str] = []
    if reportable_leak(facts):
        l3.append("個人情報保護委員会への報告対象")
    if facts.functional_impact == "high":
        l3.append("機能への影響が大")
    if facts.public_service_down:
        l3.append("住民向けサービスの停止")
    if facts.category == "web_tampering" and facts.activity_stage != "attempted":
        l3.append("Web 改ざんの確認")
    if l3:
        return Result("L3", 1, tuple(l3))
    if (
        facts.activity_stage == "attempted"
        and facts.functional_impact == "none"
        and (facts.information_impact == "none")
    ):
        return Result("L1", 1, ("未遂・遮断済で影響なし",))
    return Result("L2", 1, ("影響が限定された事案",))


MATRICES: dict[int, Callable[[Facts], Result]] = {1: _v1}


def derive(facts: Facts, *, version: int = CURRENT_VERSION) -> Result:
    """The level the matrix ``version`` gives for ``facts``."""
    return MATRICES[version](facts)


def is_higher(level: str, than: str) -> bool:
    return LEVELS.index(level) > LEVELS.index(than) if than else True

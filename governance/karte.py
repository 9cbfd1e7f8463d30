"""Rules read from the registry: vendor tenure and lock-in.

- The vendor that *ran* a system in a fiscal year is the one with the largest total contract
  amount that year (ties: the name first in order), since a year can hold several contracts
  (a lease and a maintenance contract, say).
- Tenure is the number of consecutive fiscal years, ending with the latest year on record,
  run by that same vendor. A change of vendor, or a year with no contract on record, restarts
  the count.
- A system is flagged as locked in when its kind can be customised and the tenure reaches the
  ``lock_in_years`` rule in force for the latest year (10 when Shinsa was introduced).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from governance.models import CUSTOMISABLE_KINDS, Contract, InformationSystem, Rule, RuleKey
from governance.services.rules import rule_in_force


@dataclass(frozen=True)
class Tenure:
    vendor_id: int | None
    vendor_name: str
    years: int
    since_fiscal_year: int | None
    latest_fiscal_year: int | None


NO_TENURE = Tenure(None, "", 0, None, None)


@dataclass(frozen=True)
class LockInStatus:
    tenure: Tenure
    flagged: bool
    customisable: bool
    threshold_years: int | None
    rule: Rule | None


def operators_by_year(
    contracts: Iterable[tuple[int, int, str, int | None]],
) -> dict[int, tuple[int, str]]:
    """``{fiscal_year: (vendor_id, vendor_name)}`` from (year, vendor_id, vendor_name, amount)."""
    totals: dict[int, dict[tuple[int, str], int]] = defaultdict(lambda: defaultdict(int))
    for fiscal_year, vendor_id, vendor_name, amount in contracts:
        totals[fiscal_year][(vendor_id, vendor_name)] += amount or 0
    result = {}
    for fiscal_year, by_vendor in totals.items():
        result[fiscal_year] = min(by_vendor, key=lambda item: (-by_vendor[item], item[1]))
    return result


def tenure_from_operators(operators: dict[int, tuple[int, str]]) -> Tenure:
    if not operators:
        return NO_TENURE
    latest = max(operators)
    vendor_id, vendor_name = operators[latest]
    year = latest
    while operators.get(year - 1, (None, ""))[0] == vendor_id:
        year -= 1
    return Tenure(vendor_id, vendor_name, latest - year + 1, year, latest)


def vendor_tenure(system: InformationSystem) -> Tenure:
    rows = Contract.objects.filter(system=system).values_list(
        "fiscal_year", "vendor_id", "vendor__name", "amount"
    )
    return tenure_from_operators(operators_by_year(rows))


def lock_in_status(system: InformationSystem, tenure: Tenure | None = None) -> LockInStatus:
    """Whether ``system`` is flagged as locked in to its current vendor, and why."""
    tenure = tenure if tenure is not None else vendor_tenure(system)
    customisable = system.kind in CUSTOMISABLE_KINDS
    if tenure.latest_fiscal_year is None:
        return LockInStatus(tenure, False, customisable, None, None)
    try:
        rule = rule_in_force(RuleKey.LOCK_IN_YEARS, tenure.latest_fiscal_year)
    except LookupError:
        return LockInStatus(tenure, False, customisable, None, None)
    flagged = customisable and tenure.years >= rule.value
    return LockInStatus(tenure, flagged, customisable, int(rule.value), rule)

"""Reading the obligation rules from the rule table (the engine itself reads no database)."""

from __future__ import annotations

from typing import Any

from governance.incidents.obligations.engine import RULE_KEYS, RuleValue
from governance.models import Rule


def _value(rule: Rule) -> RuleValue:
    return RuleValue(
        key=rule.key,
        value=int(rule.value),
        effective_from=rule.effective_from,
        basis=rule.basis,
        id=rule.pk,
    )


def rules_in_force(fiscal_year: int, *, earliest_if_missing: bool = False) -> dict[str, RuleValue]:
    """The version of every obligation rule in force in ``fiscal_year`` (one query). A key
    with no version by then is missing: ``LookupError`` names it; or, with
    ``earliest_if_missing`` (an incident known before the unified law), its first version."""
    found: dict[str, RuleValue] = {}
    earliest: dict[str, RuleValue] = {}
    rows = Rule.objects.filter(key__in=RULE_KEYS).order_by("key", "-effective_from")
    for rule in rows:
        if rule.effective_from <= fiscal_year:
            found.setdefault(rule.key, _value(rule))
        earliest[rule.key] = _value(rule)
    if earliest_if_missing:
        found = {**{k: v for k, v in earliest.items() if k not in found}, **found}
    missing = [key for key in RULE_KEYS if key not in found]
    if missing:
        raise LookupError(f"no rule in force in FY{fiscal_year}: {', '.join(missing)}")
    return found


def snapshot(rules: dict[str, RuleValue]) -> dict[str, Any]:
    """The rules as an incident keeps them (``Incident.obligation_rules``)."""
    return {key: rule.snapshot() for key, rule in sorted(rules.items())}


def from_snapshot(data: dict[str, Any]) -> dict[str, RuleValue]:
    return {
        key: RuleValue(
            key=key,
            value=int(item["value"]),
            effective_from=int(item["effective_from"]),
            basis=str(item["basis"]),
            id=item.get("id"),
        )
        for key, item in data.items()
    }

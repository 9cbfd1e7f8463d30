"""Versioned rules: adding a version, and finding the version in force for a fiscal year."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.models import Rule

NO_RULE = gettext_noop("{year}年度に適用されるルール（{key}）が登録されていません。")
RULE_EXISTS = gettext_noop("同じ適用開始年度のルールが既にあります。新しい年度で登録してください。")


def rule_in_force(key: str, fiscal_year: int) -> Rule:
    """The version of ``key`` in force in ``fiscal_year`` (the latest that started by then)."""
    rule = (
        Rule.objects.filter(key=key, effective_from__lte=fiscal_year)
        .order_by("-effective_from")
        .first()
    )
    if rule is None:
        raise LookupError(_(NO_RULE).format(year=fiscal_year, key=key))
    return rule


def add_rule_version(*, actor: Any, key: str, effective_from: int, value: int, basis: str) -> Rule:
    """Add a new version of a rule; earlier versions stay as they were for replay."""
    permissions.require(permissions.is_admin(actor) and permissions.may_act(actor))
    with transaction.atomic():
        if Rule.objects.filter(key=key, effective_from=effective_from).exists():
            raise ValueError(_(RULE_EXISTS))
        rule = Rule.objects.create(
            key=key, effective_from=effective_from, value=value, basis=basis, created_by=actor
        )
        record_event(
            actor=actor,
            action="rule.add_version",
            obj=rule,
            changes={
                "key": [None, key],
                "effective_from": [None, effective_from],
                "value": [None, value],
            },
            reason=basis,
        )
    return rule

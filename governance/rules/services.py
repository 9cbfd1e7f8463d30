"""Versioned rules: adding a version, and finding the version in force for a fiscal year."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import compiled, permissions
from governance.audit.services import record_event
from governance.models import DocumentSettings, Rule

NO_RULE = gettext_noop("{year}年度に適用されるルール（{key}）が登録されていません。")
REASON_REQUIRED = gettext_noop("変更の理由を入力してください。")
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


# --- What outgoing documents print about the office ----------------------------------------

NUMBER_FORMAT_INVALID = gettext_noop(
    "文書番号の書式には {serial}（通し番号）を一度だけ含め、{year}（年度の略号）以外の"
    "波括弧は使えません。"
)
SETTINGS_EXIST = gettext_noop(
    "同じ適用開始年度の設定が既にあります。新しい年度で登録してください。"
)
SETTINGS_FIELDS = (
    "number_format",
    "issuer_title",
    "office_name",
    "contact_section",
    "contact_extension",
    "contact_email",
    "omit_seal",
)
#: Printed until an administrator registers a version (and seeded by 0027_desk).
DEFAULT_DOCUMENT_SETTINGS: dict[str, Any] = {
    "number_format": "{year}行DX第{serial}号",
    "issuer_title": "スマートシティ戦略部 行政DX推進課長",
    "office_name": "スマートシティ戦略部 行政DX推進課",
    "contact_section": "",
    "contact_extension": "",
    "contact_email": "",
    "omit_seal": True,
}


def document_settings_in_force(fiscal_year: int) -> DocumentSettings:
    """The version in force for documents issued in ``fiscal_year`` (an unsaved row of the
    defaults when none is registered)."""
    # Asked for every document issued: its SQL compiled once in this process.
    found = compiled.bound_models(
        compiled.query_key("document_settings"), _settings_query, (fiscal_year,)
    )
    if found:
        return cast(DocumentSettings, found[0])
    return DocumentSettings(effective_from=0, basis="", **DEFAULT_DOCUMENT_SETTINGS)


def _settings_query(fiscal_year: int) -> QuerySet[DocumentSettings]:
    return DocumentSettings.objects.filter(effective_from__lte=fiscal_year).order_by(
        "-effective_from"
    )[:1]


def format_document_number(number_format: str, *, year: str, serial: int) -> str:
    return number_format.replace("{year}", year).replace("{serial}", str(serial))


def check_number_format(number_format: str) -> None:
    rest = number_format.replace("{year}", "").replace("{serial}", "", 1)
    if number_format.count("{serial}") != 1 or "{" in rest or "}" in rest:
        raise ValueError(_(NUMBER_FORMAT_INVALID))


def add_document_settings_version(
    *, actor: Any, effective_from: int, basis: str, **values: Any
) -> DocumentSettings:
    """Register a new version of the documents' office settings (administrators only);
    earlier versions stay as they were, for the documents made with them."""
    permissions.require(permissions.is_admin(actor) and permissions.may_act(actor))
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown document settings: {sorted(unknown)}")
    fields = {**DEFAULT_DOCUMENT_SETTINGS, **values}
    check_number_format(fields["number_format"])
    if not (basis or "").strip():
        raise ValueError(_(REASON_REQUIRED))
    with transaction.atomic():
        if DocumentSettings.objects.filter(effective_from=effective_from).exists():
            raise ValueError(_(SETTINGS_EXIST))
        previous = document_settings_in_force(effective_from)
        row = DocumentSettings.objects.create(
            effective_from=effective_from, basis=basis.strip(), created_by=actor, **fields
        )
        record_event(
            actor=actor,
            action="document_settings.add_version",
            obj=row,
            changes={
                "effective_from": [None, effective_from],
                **{
                    name: [getattr(previous, name), fields[name]]
                    for name in SETTINGS_FIELDS
                    if getattr(previous, name) != fields[name]
                },
            },
            reason=basis.strip(),
        )
    return row

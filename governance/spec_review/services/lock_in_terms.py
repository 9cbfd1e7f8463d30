"""The list of phrases the specification scan looks for: governance staff maintain it.

Entries are never edited or deleted. A new wording is a new entry; an entry that no longer
applies is deactivated (and may be reactivated), always with an audit event, so the list in
force at any moment can be replayed from the audit chain, and every scan result keeps a copy
of the phrase it matched.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.audit.services import record_event
from governance.models import LockInTerm, LockInTermKind, User
from governance.spec_review.scan import PHRASE_EMPTY, parse_clause, phrase_pattern

UNKNOWN_KIND = gettext_noop("種類を選んでください。")
CLAUSE_LABEL_REQUIRED = gettext_noop(
    "必須条項には名称を入力してください（例: 契約終了時のデータ移行）。"
)
TERM_EXISTS = gettext_noop("同じ種類・語句の有効な登録が既にあります。")
CHANGE_REASON_REQUIRED = gettext_noop("変更の理由を入力してください。")
NOT_CHANGED = gettext_noop("状態は変わっていません。")


def _require_editor(actor: User) -> None:
    permissions.require(permissions.can_edit_lock_in_terms(actor))


def add_lock_in_term(
    *, actor: User, kind: str, phrase: str, label: str = "", suggested_revision: str = ""
) -> LockInTerm:
    """Add an entry to the scan's list; it applies to specifications uploaded from now on."""
    _require_editor(actor)
    if kind not in LockInTermKind.values:
        raise ValueError(_(UNKNOWN_KIND))
    phrase = " ".join(phrase.split())
    if not phrase:
        raise ValueError(_(PHRASE_EMPTY))
    try:
        if kind == LockInTermKind.REQUIRED_CLAUSE:
            for alternatives in parse_clause(phrase):
                for alternative in alternatives:
                    phrase_pattern(alternative)
        else:
            phrase_pattern(phrase)
    except ValueError as exc:
        # The scanner's messages are Japanese constants; shown here in the user's language.
        raise ValueError(_(str(exc))) from None
    if kind == LockInTermKind.REQUIRED_CLAUSE and not label.strip():
        raise ValueError(_(CLAUSE_LABEL_REQUIRED))
    with transaction.atomic():
        if LockInTerm.objects.filter(kind=kind, phrase=phrase, active=True).exists():
            raise ValueError(_(TERM_EXISTS))
        term = LockInTerm.objects.create(
            kind=kind,
            phrase=phrase,
            label=label.strip(),
            suggested_revision=suggested_revision.strip(),
            created_by=actor,
        )
        record_event(
            actor=actor,
            action="lock_in_term.add",
            obj=term,
            changes={
                "kind": [None, kind],
                "phrase": [None, phrase],
                "label": [None, term.label],
                "suggested_revision": [None, term.suggested_revision],
            },
        )
    return term


def set_lock_in_term_active(
    *, actor: User, term: LockInTerm, active: bool, reason: str
) -> LockInTerm:
    """Stop (or resume) using an entry in scans of specifications uploaded from now on."""
    _require_editor(actor)
    if not reason.strip():
        raise ValueError(_(CHANGE_REASON_REQUIRED))
    if term.active == active:
        raise ValueError(_(NOT_CHANGED))
    with transaction.atomic():
        if (
            active
            and LockInTerm.objects.filter(kind=term.kind, phrase=term.phrase, active=True)
            .exclude(pk=term.pk)
            .exists()
        ):
            raise ValueError(_(TERM_EXISTS))
        term.active = active
        term.save(update_fields=["active"])
        record_event(
            actor=actor,
            action="lock_in_term.reactivate" if active else "lock_in_term.deactivate",
            obj=term,
            changes={"active": [not active, active]},
            reason=reason.strip(),
        )
    return term

"""Labels of choices for pages that list many rows, without Django's per-call work.

``instance.get_status_display()`` rebuilds the field's choices into a dict and hashes the lazy
translation proxies on every call; a page of 25 rows with three labels each paid it 75 times
(about a fifth of the home page). ``choice_label`` builds each map once per language and
process: choices are fixed in the code, so the map never goes stale.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db.models import Choices
from django.utils import translation


@cache
def _labels(choices: type[Choices], language: str) -> dict[str, str]:
    with translation.override(language):
        return {str(value): str(label) for value, label in choices.choices}


def choice_label(choices: type[Choices], value: str) -> str:
    """The label of ``value`` in the active language (the value itself if it is not a choice)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return _labels(choices, language).get(value, value)


@cache
def _attribute(owner: object, name: str, language: str) -> str:
    with translation.override(language):
        return str(getattr(owner, name))


def fixed_text(owner: object, name: str) -> str:
    """``str(owner.name)`` for a lazy label fixed in the code (a flow node's ``task_title``),
    once per owner and language. ``owner`` is hashed by identity: hashing a lazy text
    instead would translate it on every call."""
    return _attribute(owner, name, translation.get_language() or settings.LANGUAGE_CODE)

"""Password rules beyond Django's: a password must not be built from the person's own name.

Django's ``UserAttributeSimilarityValidator`` compares the whole password with each attribute
by a similarity ratio. Japanese names are two or three characters long, so ``加藤修2024pass``
is only 40% "similar" to 加藤 and passes. Here the password is also refused when, after
NFKC normalisation (full-width letters and digits become half-width) and lower-casing, it
contains the username, the family or given name, the full name in either order, or the
e-mail's local part.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.contrib.auth.password_validation import UserAttributeSimilarityValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

PASSWORD_CONTAINS_NAME = gettext_noop(
    "パスワードに氏名・ユーザー名・メールアドレスを含めることはできません。"
)
PASSWORD_HELP = gettext_noop(
    "氏名・ユーザー名・メールアドレスを含む、またはそれらに似たパスワードは使えません。"
)

# Shorter pieces would refuse too much: "jp", or a one-kanji given name such as 修.
_MIN_ASCII = 3
_MIN_OTHER = 2


def _normalise(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value).lower())


def _long_enough(piece: str) -> bool:
    return len(piece) >= (_MIN_ASCII if piece.isascii() else _MIN_OTHER)


class NameSimilarityValidator(UserAttributeSimilarityValidator):
    """``UserAttributeSimilarityValidator`` that also refuses passwords containing a name."""

    def name_pieces(self, user: Any) -> set[str]:
        values: list[str] = []
        for attribute in self.user_attributes:
            value = getattr(user, attribute, None)
            if not value or not isinstance(value, str):
                continue
            if attribute == "email":
                value = value.partition("@")[0]
            values.append(value)
        family = getattr(user, "last_name", "") or ""
        given = getattr(user, "first_name", "") or ""
        if family and given:
            values.extend([family + given, given + family])
        pieces: set[str] = set()
        for value in values:
            normalised = unicodedata.normalize("NFKC", value).lower()
            pieces.add(_normalise(normalised))
            pieces.update(part for part in re.split(r"[\W_]+", normalised) if part)
        return {piece for piece in pieces if _long_enough(piece)}

    def validate(self, password: str, user: Any = None) -> None:
        super().validate(password, user)
        if not user:
            return
        candidate = _normalise(password)
        for piece in self.name_pieces(user):
            if piece in candidate:
                raise ValidationError(_(PASSWORD_CONTAINS_NAME), code="password_contains_name")

    def get_help_text(self) -> str:
        return _(PASSWORD_HELP)

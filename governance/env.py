"""Reading configuration from the environment, failing loudly on bad values.

Settings call these helpers so that a mistyped variable stops start-up with a message that
names the variable and the accepted values, instead of running with a surprising default.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"環境変数 {name}={raw!r} を解釈できません。"
        "1/0、true/false、yes/no のいずれかを指定してください。"
        f" (Cannot read {name}={raw!r}: use 1/0, true/false or yes/no.)"
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"環境変数 {name}={raw!r} は整数ではありません。 ({name} must be an integer.)"
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(
            f"環境変数 {name}={raw!r} は {minimum} 以上にしてください。"
            f" ({name} must be at least {minimum}.)"
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(
            f"環境変数 {name}={raw!r} は {', '.join(choices)} のいずれかにしてください。"
            f" ({name} must be one of {', '.join(choices)}.)"
        )
    return value

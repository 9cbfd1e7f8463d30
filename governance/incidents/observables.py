"""Observables as pure text: re-fanging what analysts paste defanged, normalising, and
defanging for display (an indicator is never shown as a working link)."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from django.utils.translation import gettext_noop

BAD_IP = gettext_noop("IP アドレスの形式が正しくありません。")
BAD_CIDR = gettext_noop("CIDR の形式が正しくありません。")
BAD_HASH = gettext_noop("{type} のハッシュ値の形式が正しくありません（16進数 {length} 桁）。")
EMPTY_VALUE = gettext_noop("値を入力してください。")

HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}

_REFANG = [
    (re.compile(r"^hxxp", re.I), "http"),
    (re.compile(r"^fxp", re.I), "ftp"),
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]", re.I), "."),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\[@\]|\[at\]", re.I), "@"),
    (re.compile(r"\[://\]"), "://"),
]


def refang(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    for pattern, replacement in _REFANG:
        value = pattern.sub(replacement, value)
    return value


def normalise(kind: str, text: str) -> str:
    """The stored form of ``text`` as an observable of ``kind``; ValueError (a message
    constant) when it cannot be one."""
    value = refang(text)
    if not value:
        raise ValueError(EMPTY_VALUE)
    if kind == "ip":
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError(BAD_IP) from None
    if kind == "cidr":
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(BAD_CIDR) from None
    if kind in HASH_LENGTHS:
        value = value.lower()
        if not re.fullmatch(rf"[0-9a-f]{{{HASH_LENGTHS[kind]}}}", value):
            raise ValueError(BAD_HASH)
        return value
    if kind in ("domain", "hostname", "email_address"):
        return value.lower().rstrip(".")
    if kind == "url":
        match = re.match(r"^([a-z][a-z0-9+.-]*://)([^/]*)(.*)$", value, re.I)
        if match:
            return match.group(1).lower() + match.group(2).lower() + match.group(3)
    return value


def defang(kind: str, value: str) -> str:
    """How an observable is shown: dots of hosts bracketed, schemes broken."""
    if kind in ("ip", "cidr", "domain", "hostname", "url", "email_address"):
        shown = value.replace(".", "[.]")
        shown = re.sub(r"^http", "hxxp", shown, flags=re.I)
        shown = re.sub(r"^ftp", "fxp", shown, flags=re.I)
        return shown.replace("@", "[@]")
    return value

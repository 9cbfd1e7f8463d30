"""Network addresses as people type them: IP addresses, CIDR blocks, port lists, host names
(FQDN) and MAC addresses, full-width or not.

Every reader NFKC-normalises first (``１９２．１６８．１．１０`` is 192.168.1.10, ``４４３`` is
443), then validates with ``ipaddress`` or a strict pattern, and returns the canonical form the
database stores. A value that cannot be read raises ``NetInputError`` whose message names the
field, e.g. 「通信先: ネットワークアドレスではありません（192.168.1.0/24 の意味ですか）。」.
Nothing here touches the database: forms and services call these before anything is saved.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Messages; tests assert on these. ``{field}`` is the label of the field being read.
IP_INVALID = gettext_noop(
    "{field}: 「{value}」は IP アドレスとして読み取れません（例: 192.168.1.10）。"
)
CIDR_INVALID = gettext_noop(
    "{field}: 「{value}」は CIDR（ネットワークアドレス/プレフィックス長）として読み取れません"
    "（例: 192.168.1.0/24）。"
)
CIDR_NOT_NETWORK = gettext_noop(
    "{field}: ネットワークアドレスではありません（{suggestion} の意味ですか）。"
)
PORT_INVALID = gettext_noop(
    "{field}: ポート「{value}」は 1〜65535 の番号または範囲"
    "（例: 443、8000-8080）で入力してください。"
)
PORT_RANGE_REVERSED = gettext_noop(
    "{field}: ポートの範囲「{value}」は小さい番号から書いてください（例: {suggestion}）。"
)
PORTS_TOO_MANY = gettext_noop("{field}: 1行に指定できるポートは {limit} 件までです。")
PORTS_REQUIRED = gettext_noop("{field}: ポートを入力してください（すべての場合は any）。")
FQDN_INVALID = gettext_noop(
    "{field}: 「{value}」はホスト名（FQDN）として読み取れません（例: www.pref.osaka.lg.jp）。"
)
ENDPOINT_INVALID = gettext_noop(
    "{field}: 「{value}」は IP アドレス、CIDR、ホスト名（FQDN）のいずれとしても読み取れません。"
)
MAC_INVALID = gettext_noop(
    "{field}: 「{value}」は MAC アドレスとして読み取れません"
    "（例: aa:bb:cc:dd:ee:ff、AA-BB-CC-DD-EE-FF、aabb.ccdd.eeff）。"
)

#: More ports than this in one communication row are refused (NEXT_WAVE §A.9).
MAX_PORT_ENTRIES = 20
#: What "every destination" / "every port" is written as.
ANY = "any"
ANY_ADDRESSES = frozenset({"any", "0.0.0.0/0", "::/0", "*", "全て", "すべて"})

_SEPARATORS = re.compile(r"[,、;\s]+")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MAC_PLAIN = re.compile(r"^[0-9a-f]{12}$")
_MAC_PAIRS = re.compile(r"^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$")
_MAC_DOTTED = re.compile(r"^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$")
# Hyphens people type that NFKC leaves as they are (minus sign, dashes, long vowel mark).
_DASHES = str.maketrans({"−": "-", "‐": "-", "‑": "-", "–": "-", "—": "-", "ー": "-", "〜": "-"})


class NetInputError(ValueError):
    """A value that cannot be read; the message is Japanese, names the field, and is meant for
    the user."""


def _fail(message: str, **values: object) -> NetInputError:
    return NetInputError(_(message).format(**values))


def normalize(text: object) -> str:
    """NFKC (full-width digits, letters, dots and colons to ASCII), dashes unified, trimmed."""
    return unicodedata.normalize("NFKC", str(text or "")).translate(_DASHES).strip()


def parse_ip(text: object, *, field: str) -> str:
    """An IPv4 or IPv6 address, canonical (``１９２．１６８．１．１０`` → 192.168.1.10)."""
    raw = normalize(text)
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise _fail(IP_INVALID, field=field, value=raw) from None


def parse_cidr(text: object, *, field: str) -> str:
    """A network in canonical CIDR form. A bare address is a single host (/32 or /128). Host
    bits set is refused with the network it probably meant: 192.168.1.10/24 →
    「ネットワークアドレスではありません（192.168.1.0/24 の意味ですか）」."""
    raw = normalize(text)
    if "/" not in raw:
        return str(ipaddress.ip_network(parse_ip(raw, field=field)))
    try:
        return str(ipaddress.ip_network(raw, strict=True))
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        raise _fail(CIDR_INVALID, field=field, value=raw) from None
    raise _fail(CIDR_NOT_NETWORK, field=field, suggestion=str(loose))


def is_fqdn(raw: str, *, wildcard: bool = False) -> bool:
    """Whether ``raw`` (already normalised, lower case) is a host name of at least two labels;
    ``wildcard`` allows a leading ``*.``."""
    name = raw.removesuffix(".")
    if wildcard and name.startswith("*."):
        name = name[2:]
    if not name or len(name) > 253 or "." not in name:
        return False
    labels = name.split(".")
    if labels[-1].isdigit():
        return False  # an IP address typed wrong is not a host name
    return all(_LABEL.match(label) for label in labels)


def is_host_label(text: object) -> bool:
    """A single-label host name (``web01``): how an application names its own equipment."""
    raw = normalize(text).lower()
    return bool(_LABEL.match(raw)) and not raw.isdigit()


def parse_fqdn(text: object, *, field: str, wildcard: bool = False) -> str:
    """A host name in lower case without the trailing dot; ``*.example.jp`` only if allowed."""
    raw = normalize(text).lower()
    if not is_fqdn(raw, wildcard=wildcard):
        raise _fail(FQDN_INVALID, field=field, value=raw)
    return raw.removesuffix(".")


@dataclass(frozen=True)
class Endpoint:
    """One end of a communication as read: ``kind`` is ``any``, ``cidr`` (a host is a /32),
    ``fqdn`` or ``wildcard`` (``*.example.jp``); ``value`` is canonical."""

    kind: str
    value: str

    @property
    def is_any(self) -> bool:
        return self.kind == ANY


def parse_endpoint(text: object, *, field: str) -> Endpoint:
    """A source or destination: ``any``/``0.0.0.0/0``, an address or CIDR, or a host name."""
    raw = normalize(text)
    if raw.lower() in ANY_ADDRESSES:
        return Endpoint(ANY, ANY)
    if re.fullmatch(r"[0-9a-fA-F:.]+(/\d{1,3})?", raw) and any(c in raw for c in ".:"):
        return Endpoint("cidr", parse_cidr(raw, field=field))
    lowered = raw.lower()
    if is_fqdn(lowered):
        return Endpoint("fqdn", lowered.removesuffix("."))
    if is_fqdn(lowered, wildcard=True):
        return Endpoint("wildcard", lowered.removesuffix("."))
    raise _fail(ENDPOINT_INVALID, field=field, value=raw)


def parse_ports(text: object, *, field: str) -> str:
    """A list of ports and ranges, canonical and comma-separated: ``４４３、8000－8080`` →
    ``443,8000-8080``; ``any`` for every port. Out of 1–65535, reversed ranges and more than
    ``MAX_PORT_ENTRIES`` entries are refused."""
    raw = normalize(text)
    if not raw:
        raise _fail(PORTS_REQUIRED, field=field)
    if raw.lower() in {"any", "*", "全て", "すべて"}:
        return ANY
    entries = [entry for entry in _SEPARATORS.split(raw) if entry]
    if len(entries) > MAX_PORT_ENTRIES:
        raise _fail(PORTS_TOO_MANY, field=field, limit=MAX_PORT_ENTRIES)
    result: list[str] = []
    for entry in entries:
        match = re.fullmatch(r"(\d{1,5})(?:-(\d{1,5}))?", entry)
        if match is None:
            raise _fail(PORT_INVALID, field=field, value=entry)
        low = int(match[1])
        high = int(match[2]) if match[2] is not None else low
        if not (1 <= low <= 65535 and 1 <= high <= 65535):
            raise _fail(PORT_INVALID, field=field, value=entry)
        if high < low:
            raise _fail(PORT_RANGE_REVERSED, field=field, value=entry, suggestion=f"{high}-{low}")
        canonical = str(low) if low == high else f"{low}-{high}"
        if canonical not in result:
            result.append(canonical)
    return ",".join(result)


def parse_mac(text: object, *, field: str) -> str:
    """A MAC address as ``aa:bb:cc:dd:ee:ff`` from ``AA-BB-CC-DD-EE-FF``, ``aabb.ccdd.eeff``,
    ``aa:bb:…`` or plain hex, full-width or not."""
    raw = normalize(text).lower()
    if _MAC_PAIRS.match(raw) or _MAC_DOTTED.match(raw) or _MAC_PLAIN.match(raw):
        digits = re.sub(r"[^0-9a-f]", "", raw)
        return ":".join(digits[index : index + 2] for index in range(0, 12, 2))
    raise _fail(MAC_INVALID, field=field, value=raw)


def is_global(cidr: str) -> bool:
    """Whether a canonical CIDR (or address) lies in global (internet-routable) space."""
    try:
        return ipaddress.ip_network(cidr, strict=False).is_global
    except ValueError:
        return False

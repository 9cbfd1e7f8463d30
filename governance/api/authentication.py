"""Who is calling: an integration key (``Authorization: Api-Key <prefix>.<secret>``) acting as
its service user, or a browser session.

A key is refused (401) when unknown, wrong, revoked, expired, past its rotation grace, or when
its service user was deactivated; a call from outside its allowed networks is refused (403) and
logged (not in the audit chain). Each accepted use stamps ``last_used_at``.

A session of a role that must pass the second factor (or of anyone who enrolled one) is
accepted only once the session is verified: the API never lets a password alone read what the
pages would guard with a code. Keys are for integration service users only: a key whose user
holds any other role is refused.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp import user_has_device
from rest_framework import authentication, exceptions

from governance import permissions
from governance.integrations.services import record_key_use
from governance.models import IntegrationKey, KeyState
from governance.roles import Role

logger = logging.getLogger("governance.api")

KEY_INVALID = gettext_noop("APIキーが無効です（不明・失効・期限切れ）。")
KEY_NETWORK = gettext_noop("このAPIキーは、この接続元からは利用できません。")
SECOND_FACTOR_REQUIRED = gettext_noop(
    "このロールでは二要素認証が必要です。画面で認証コードを入力してから API を利用してください。"
)

KEYWORD = "Api-Key"


def key_refusal(key: IntegrationKey, now: Any) -> bool:
    """Whether ``key`` may not be used at ``now`` (revoked, expired, past its grace, or its
    user deactivated or no longer an integration user)."""
    if key.revoked or key.state == KeyState.REVOKED:
        return True
    if key.expiry_date is not None and key.expiry_date <= now:
        return True
    if key.state == KeyState.ROTATING and (key.grace_until is None or key.grace_until <= now):
        return True
    user = key.service_user
    return not (user.is_active and permissions.roles_of(user) == frozenset({Role.INTEGRATION}))


def _address_allowed(key: IntegrationKey, address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for cidr in key.allowed_cidrs or []:
        try:
            if ip in ipaddress.ip_network(cidr, strict=False):
                return True
        except ValueError:
            continue
    return False


class IntegrationKeyAuthentication(authentication.BaseAuthentication):
    def authenticate_header(self, request: Any) -> str:
        return KEYWORD

    def authenticate(self, request: Any) -> tuple[Any, IntegrationKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _sep, secret = header.partition(" ")
        if keyword != KEYWORD:
            return None
        secret = secret.strip()
        prefix = secret.partition(".")[0]
        key = (
            IntegrationKey.objects.select_related("service_user").filter(prefix=prefix).first()
            if prefix
            else None
        )
        now = timezone.now()
        if key is None or not key.is_valid(secret) or key_refusal(key, now):
            raise exceptions.AuthenticationFailed(_(KEY_INVALID))
        address = request.META.get("REMOTE_ADDR", "")
        if not _address_allowed(key, address):
            logger.warning("API key %s refused from %s (not in its networks)", key.prefix, address)
            raise exceptions.PermissionDenied(_(KEY_NETWORK))
        record_key_use(key=key, now=now)
        return key.service_user, key


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """Django's session, with CSRF on writes, refused while a second factor is owed."""

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        django_user = getattr(request._request, "user", None)
        verified = bool(django_user is not None and django_user.is_verified())
        if not verified and (
            permissions.requires_second_factor(user) or user_has_device(user, confirmed=True)
        ):
            raise exceptions.PermissionDenied(_(SECOND_FACTOR_REQUIRED))
        if permissions.has_role(user, Role.INTEGRATION):
            # Service users act only through their keys.
            raise exceptions.PermissionDenied(_(permissions.NOT_ALLOWED))
        return result

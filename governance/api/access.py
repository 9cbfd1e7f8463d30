"""The API's gate: authenticated callers only, keys limited to their scopes, throttled per
scope on the shared database cache.

What a caller may see is not decided here but by the selectors (``governance.permissions``
and each package's ``selectors``), exactly as for the pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import permissions as drf
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.throttling import ScopedRateThrottle

from governance import key_permissions
from governance.models import IntegrationKey

KEY_WRITES_ONLY = gettext_noop(
    "この API は参照専用です。登録はイベント受付の権限範囲を持つ APIキーでのみ行えます。"
)


def calling_key(request: Any) -> IntegrationKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, IntegrationKey) else None


class ApiAccess(drf.BasePermission):
    """A signed-in, active user; with a key, the view's ``key_scope`` must be one of the key's
    scopes (a view without ``key_scope`` is for people only). v1 reads, except the monitoring
    intake (``key_writes``), which only a key may post to, and the few writes people make
    over a session (``session_writes``: the CSIRT's bulk add of observables), each through a
    service that checks the actor."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        key = calling_key(request)
        writing = request.method not in drf.SAFE_METHODS
        if writing and not (
            getattr(view, "key_writes", False)
            if key is not None
            else getattr(view, "session_writes", False)
        ):
            self.message = _(KEY_WRITES_ONLY)
            return False
        if key is None:
            return True
        scope = getattr(view, "key_scope", None)
        if scope is None or not key_permissions.key_has_scope(key, scope):
            self.message = _(key_permissions.KEY_SCOPE_MISSING)
            return False
        return True


class SharedScopedRateThrottle(ScopedRateThrottle):
    """DRF's per-scope throttle (per user, or per key's service user), counting in the
    database cache so every server process shares the same counts."""

    cache = caches["api_throttle"]


class PerKeyIntakeThrottle(SharedScopedRateThrottle):
    """The intake's count is per key (§D.2: 60 a minute per key), not per service user: a
    rotated key and its successor count apart, in the same shared database cache."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = calling_key(request)
        if key is None:
            return super().get_cache_key(request, view)
        return self.cache_format % {"scope": self.scope, "ident": f"key-{key.pk}"}


class JsonUnlessDebug(DefaultContentNegotiation):
    """JSON only; the browsable API is offered only while ``DEBUG`` is on."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        if not settings.DEBUG:
            renderers = [r for r in renderers if not isinstance(r, BrowsableAPIRenderer)]
        return super().select_renderer(request, renderers, format_suffix)

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
from rest_framework import permissions as drf
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.throttling import ScopedRateThrottle

from governance import key_permissions
from governance.models import IntegrationKey


def calling_key(request: Any) -> IntegrationKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, IntegrationKey) else None


class ApiAccess(drf.BasePermission):
    """A signed-in, active user; with a key, the view's ``key_scope`` must be one of the key's
    scopes (a view without ``key_scope`` is for people only). v1 is read-only."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method not in drf.SAFE_METHODS:
            return False
        key = calling_key(request)
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


class JsonUnlessDebug(DefaultContentNegotiation):
    """JSON only; the browsable API is offered only while ``DEBUG`` is on."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        if not settings.DEBUG:
            renderers = [r for r in renderers if not isinstance(r, BrowsableAPIRenderer)]
        return super().select_renderer(request, renderers, format_suffix)

"""The error pages users meet: Japanese 403/404/500 pages in the Material look.

``permission_denied`` (the 403 handler) shows the reason only when Shinsa wrote it for the
user (``permissions.Refused``); viewflow's own refusals ("Start :: no transition from DONE")
get the page's general sentence.

``FriendlyErrorsMiddleware``: with ``DEBUG=1`` Django answers a missing page with its English
debug page, listing every URL pattern. The demo runs with ``DEBUG=1`` (runserver serves the
static files, the development key is allowed), and its users are office staff, so ``manage.py
serve`` turns ``SHINSA_FRIENDLY_ERRORS`` on and they meet the same Japanese 404 page as in
production; a developer's ``runserver`` keeps Django's debug page. Server errors keep Django's
debug page with ``DEBUG=1``: the demo is where a traceback is most useful to whoever reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from governance import permissions


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) if isinstance(exception, permissions.Refused) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


class FriendlyErrorsMiddleware:
    """With ``SHINSA_FRIENDLY_ERRORS`` on, a 404 shows ``404.html`` even with ``DEBUG=1``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and settings.DEBUG
            and getattr(settings, "SHINSA_FRIENDLY_ERRORS", False)
        ):
            return defaults.page_not_found(request, Http404())
        return response

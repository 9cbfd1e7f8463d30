"""Japanese first: the language is Japanese unless the user chose English on the site.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an office PC set up
in English would show English pages nobody asked for. Here only an explicit choice (the
language cookie set by the switch in the page header) changes the language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class JapaneseFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> Any:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            # The active language is thread-local: without this, the next request served on
            # this thread (or a job run in it) would start in this user's language.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response

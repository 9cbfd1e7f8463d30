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
from django.utils.functional import LazyObject, empty


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


def concrete_user(user: Any) -> Any:
    """The user object behind ``request.user``'s lazy wrappers (Django's, then django-otp's
    around it), loaded if it was not yet: the same object, without the two proxies every
    attribute read went through (a page's role checks and template read it some 200 times)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class SecondFactorRequiredMiddleware:
    """Sessions that still owe a second factor reach only the OTP pages and logout.

    It reads ``request.user`` on every request, and leaves it there unwrapped
    (``concrete_user``) for the view and the templates.

    A session owes it when the user's roles require one (``permissions.requires_second_factor``)
    or when the user enrolled one of their own accord, until they enter a code
    (``django_otp.login`` marks the session verified). Everything else, GET or POST, Django
    admin included, is redirected to the code page (or the enrolment page when no device is
    confirmed yet), so a stolen password alone changes and reads nothing.
    """

    EXEMPT_URL_NAMES = frozenset({"otp_verify", "otp_enrol", "logout", "set_language"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        from django.contrib.auth.views import redirect_to_login
        from django.urls import reverse
        from django_otp import user_has_device

        from governance import permissions

        user = request.user = concrete_user(request.user)
        if not user.is_authenticated:
            return None
        if user.is_verified():  # added by OTPMiddleware
            return None
        match = request.resolver_match
        if match is not None and match.url_name in self.EXEMPT_URL_NAMES:
            return None
        if getattr(view_func, "shinsa_api", False):
            # The API answers in JSON: its session authentication refuses such a session with
            # a 403 (governance.api.authentication), rather than a redirect to the code page.
            return None
        enrolled = user_has_device(user, confirmed=True)
        if not enrolled and not permissions.requires_second_factor(user):
            return None
        target = reverse("otp_verify" if enrolled else "otp_enrol")
        return redirect_to_login(request.get_full_path(), target)

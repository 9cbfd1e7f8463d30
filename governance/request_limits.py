"""Refusing a request body that is too large before anything of it is read.

Django parses a multipart body the first time anything touches ``request.POST`` or
``request.FILES`` (the CSRF check does, before any view) and writes each file over
``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file: a 300 MB upload was written to disk in
full before the form said it was too large. This middleware answers 413 from the declared
``Content-Length`` instead, without reading the body.

The declared length is enough under WSGI: Django reads a request body through a stream
limited to ``CONTENT_LENGTH`` (a request without one has an empty body), so no more can
arrive than was declared. The limit is ``UPLOAD_MAX_BYTES`` (the largest file) plus
``REQUEST_BODY_MARGIN`` for the form's other fields and the multipart framing; several
files sent in one request share it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

REQUEST_TOO_LARGE = gettext_noop(
    "送信されたデータが大きすぎます（1 回に送信できるのはファイルを含めて {limit} までです）。"
    "ファイルを小さくするか分けて、もう一度送信してください。"
)


def request_body_limit() -> int:
    return int(settings.UPLOAD_MAX_BYTES) + int(settings.REQUEST_BODY_MARGIN)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django then reads no body at all
        limit = request_body_limit()
        if length > limit:
            return self.refuse(request, limit)
        return self.get_response(request)

    def refuse(self, request: HttpRequest, limit: int) -> HttpResponse:
        message = _(REQUEST_TOO_LARGE).format(limit=filesizeformat(limit))
        html = render_to_string(
            "governance/request_too_large.html", {"message": message}, request=request
        )
        response = HttpResponse(html, status=413)
        # The unread body is still on the connection: close it rather than read it.
        response["Connection"] = "close"
        return response

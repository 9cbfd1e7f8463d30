"""Requests that lost a race inside PostgreSQL: retried once, then told so in Japanese.

Two requests that lock the same rows in opposite orders deadlock; PostgreSQL ends one of them
(``40P01``), and a serializable transaction can fail the same way (``40001``). The loser's
transaction is rolled back whole, so running the view again is safe as long as the view did
all its writing in that one transaction: the flow's step views (viewflow's wrapper holds the
transaction) and the few domain views that call one service. ``retry_once_on_conflict``
decorates exactly those; a second failure answers with a Japanese page, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

#: deadlock_detected, serialization_failure
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})

BUSY = gettext_noop(
    "他の操作と同時に処理されたため、完了できませんでした。何も変更されていません。"
    "もう一度操作してください。"
)


def is_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL ending a transaction that lost a race (deadlock or
    serialization failure), as opposed to any other database error."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in CONFLICT_SQLSTATES


def _rewind_uploads(request: HttpRequest) -> None:
    """The first attempt read the uploaded files; the second reads them from the start."""
    for uploads in request.FILES.lists():
        for upload in uploads[1]:
            upload.seek(0)


def busy_response(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "governance/conflict.html", {"refusal": _(BUSY)}, status=503)


def retry_once_on_conflict(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Run ``view`` again once if PostgreSQL ended its transaction in a deadlock or a
    serialization failure; after a second such failure answer with ``BUSY`` (HTTP 503)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        for attempt in (1, 2):
            try:
                return view(request, *args, **kwargs)
            except OperationalError as exc:
                # Inside an outer transaction (a test's, or a caller's) nothing was rolled
                # back yet: the caller must deal with it.
                if not is_conflict(exc) or connection.in_atomic_block:
                    raise
                logger.warning("%s %s: %s (attempt %d)", request.method, request.path, exc, attempt)
                _rewind_uploads(request)
        return busy_response(request)

    return wrapper

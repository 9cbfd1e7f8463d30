"""A request body larger than the upload limit (plus a margin for the form) is refused with a
413 page in the user's language before any of it is read, so nothing of it reaches the disk;
a request within the limit is served as before."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from governance.models import InformationSystem
from governance.request_limits import request_body_limit
from tests.karte_files import basic_workbook

pytestmark = pytest.mark.django_db

BOUNDARY = "shinsa-test-boundary"


class CountingBody:
    """A request body of ``size`` bytes made as it is read, counting what was read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="karte.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()

    def _take(self, size: int) -> bytes:
        left = self.size - self.read_bytes
        size = left if size < 0 else min(size, left)
        start = self.read_bytes
        self.read_bytes += size
        head = self.head[start : start + size]
        return head + b"x" * (size - len(head))

    def read(self, size: int = -1, /) -> bytes:
        return self._take(size)

    def readline(self, size: int = -1, /) -> bytes:
        return self._take(size)


def _post_huge(client: Any, size: int) -> tuple[Any, CountingBody]:
    body = CountingBody(size)
    response = client.generic(
        "POST",
        reverse("karte:import"),
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": body},
    )
    return response, body


def test_a_300_mb_upload_is_refused_with_413_before_a_byte_of_it_is_read(
    cast: Any, login: Any, tmp_path: Any, settings: Any
) -> None:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    response, body = _post_huge(login(cast["reviewer"]), 300 * 1024 * 1024)
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert list(tmp_path.iterdir()) == []
    page = response.content.decode()
    assert "送信されたデータが大きすぎます" in page
    assert "21.0" in page  # 20 MB per file and 1 MB for the rest of the form
    assert response["Connection"] == "close"


def test_the_limit_follows_upload_max_bytes(cast: Any, login: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 2048
    assert request_body_limit() == 2048 + django_settings.REQUEST_BODY_MARGIN
    response, body = _post_huge(login(cast["reviewer"]), request_body_limit() + 1)
    assert (response.status_code, body.read_bytes) == (413, 0)


def test_the_refusal_is_in_english_for_a_user_who_chose_english(cast: Any, login: Any) -> None:
    client = login(cast["reviewer"])
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response, _body = _post_huge(client, 300 * 1024 * 1024)
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_an_upload_within_the_limit_reaches_the_page(cast: Any, login: Any) -> None:
    upload = io.BytesIO(basic_workbook())
    upload.name = "karte.xlsx"
    response = login(cast["reviewer"]).post(reverse("karte:import"), {"file": upload})
    assert response.status_code == 302
    assert InformationSystem.objects.count() == 2

"""The API's contract: no serializer writes a model, the schema is valid OpenAPI 3 with every
operation and enum described in Japanese under stable names, and schema and docs sit behind the
login and are served from this site (no CDN) under the site's Content-Security-Policy."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest
import yaml
from django.db import models
from django.test import Client
from rest_framework import serializers

import governance.api.serializers as api_serializers
from governance.api.formats import ReadOnlySerializer
from governance.models import User
from tests.api_support import clear_throttles, issue_key, key_client, make_consultations

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _serializer_classes() -> list[type]:
    found: list[type] = []
    for info in pkgutil.iter_modules(api_serializers.__path__):
        module = importlib.import_module(f"{api_serializers.__name__}.{info.name}")
        for _name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, serializers.BaseSerializer)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def test_every_api_serializer_is_read_only_and_never_saves() -> None:
    classes = _serializer_classes()
    assert len(classes) >= 10
    for cls in classes:
        assert issubclass(cls, ReadOnlySerializer), cls
        for method in ("create", "update", "save"):
            assert getattr(cls, method) is getattr(
                ReadOnlySerializer if method != "save" else serializers.BaseSerializer, method
            ), f"{cls.__name__}.{method} is overridden: writes go through the services"
        source = inspect.getsource(cls)
        assert ".save(" not in source and "objects.create" not in source, cls


def test_a_serializer_refuses_to_write(db: None) -> None:
    from governance.api.serializers.systems import DepartmentRefSerializer

    serializer = DepartmentRefSerializer(data={"code": "x", "name": "y"})
    serializer.is_valid()
    with pytest.raises(NotImplementedError):
        serializer.save()


@pytest.mark.django_db
def test_reading_every_endpoint_writes_nothing_but_the_keys_last_use(
    cast: dict[str, User], dept_a: Any, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Model.save is watched during every list and detail call: none may happen."""
    clear_throttles()
    make_consultations(dept_a, cast["staff_a"], 2)
    _key, secret = issue_key(cast)
    saved: list[str] = []
    original = models.Model.save

    def watching(self: models.Model, *args: Any, **kwargs: Any) -> None:
        saved.append(type(self).__name__)
        original(self, *args, **kwargs)

    reviewer = login(cast["reviewer"])
    number = reviewer.get("/api/v1/cases/").json()["results"][0]["number"]
    monkeypatch.setattr(models.Model, "save", watching)
    for url in (
        "/api/v1/cases/",
        f"/api/v1/cases/{number}/",
        f"/api/v1/cases/{number}/documents/",
        f"/api/v1/cases/{number}/deadlines/",
        "/api/v1/systems/",
        "/api/v1/deadlines/",
        "/api/v1/deadlines.ics",
    ):
        assert reviewer.get(url).status_code == 200, url
    assert key_client(secret).get("/api/v1/systems/").status_code == 200
    assert saved == []


@pytest.fixture
def schema(cast: dict[str, User], login: Any) -> dict[str, Any]:
    response = login(cast["reviewer"]).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_the_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    from drf_spectacular.validation import validate_schema

    assert schema["openapi"].startswith("3.0")
    validate_schema(schema)  # raises on a violation of the OpenAPI 3.0 JSON schema


@pytest.mark.django_db
def test_every_operation_is_described_in_japanese(schema: dict[str, Any]) -> None:
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 9
    for path, method, operation in operations:
        assert path.startswith("/api/v1/"), path
        assert JAPANESE.search(operation.get("summary", "")), (path, method)
        assert JAPANESE.search(operation.get("description", "")), (path, method)


@pytest.mark.django_db
def test_every_enum_has_a_stable_name_and_japanese_labels(schema: dict[str, Any]) -> None:
    enums = {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if "enum" in component
    }
    for name in ("CaseKindEnum", "CaseStatusEnum", "SystemKindEnum", "DeadlineStatusEnum"):
        assert name in enums
    for name, component in enums.items():
        # drf-spectacular suffixes a hash to colliding names (Status7b4Enum): none may remain.
        assert not re.search(r"[0-9a-f]{3}Enum$", name), name
        assert JAPANESE.search(component.get("description", "")), name


@pytest.mark.django_db
def test_the_schema_is_also_yaml(cast: dict[str, User], login: Any) -> None:
    response = login(cast["reviewer"]).get("/api/schema/?format=yaml")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "審査 Shinsa API"


@pytest.mark.django_db
def test_schema_and_docs_need_a_login() -> None:
    for url in ("/api/schema/", "/api/docs/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_docs_are_served_from_this_site_under_the_csp(cast: dict[str, User], login: Any) -> None:
    client = login(cast["reviewer"])
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assert "<style" not in html
    assert re.search(r"<script>", html) is None  # no inline script
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        assert source.startswith("/"), source
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_schema_and_docs_need_the_second_factor_where_the_pages_do(
    cast: dict[str, User], login: Any
) -> None:
    unverified = login(cast["auditor"], verified=False)
    for url in ("/api/schema/", "/api/docs/"):
        response = unverified.get(url)
        assert response.status_code == 302
        assert "/accounts/otp/" in response["Location"]
    assert login(cast["auditor"]).get("/api/docs/").status_code == 200

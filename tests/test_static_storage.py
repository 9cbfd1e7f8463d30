"""Production static files: collectstatic survives a third-party stylesheet that points at a
file its package does not ship (viewflow's Roboto-Thin.woff2), leaving that reference as
written, while an unresolvable reference in Shinsa's own files still stops it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile

from governance.staticfiles import ShinsaStaticFilesStorage

# The stylesheet viewflow 2.4.0 ships twice; this copy has no fonts beside it.
VIEWFLOW_ORPHAN_CSS = (
    "viewflow/fonts/roboto/node_modules/roboto-fontface/css/roboto/roboto-fontface.css"
)


def collect(root: Path, files: dict[str, bytes]) -> tuple[ShinsaStaticFilesStorage, list]:
    """Copy ``files`` into a storage at ``root`` and post-process them, as collectstatic does."""
    storage = ShinsaStaticFilesStorage(location=str(root), base_url="/static/")
    for name, content in files.items():
        storage.save(name, ContentFile(content))
    results = list(storage.post_process({name: (storage, name) for name in files}))
    return storage, results


def test_viewflow_stylesheet_pointing_at_fonts_it_does_not_ship_is_collected_as_written(
    tmp_path: Path,
) -> None:
    source = finders.find(VIEWFLOW_ORPHAN_CSS)
    assert source, "viewflow no longer ships the orphan stylesheet: this test is out of date"
    original = Path(source).read_bytes()
    assert b"url('./Roboto-Thin.woff2')" in original

    storage, results = collect(tmp_path, {VIEWFLOW_ORPHAN_CSS: original})

    assert [error for _, _, error in results if isinstance(error, Exception)] == []
    manifest = json.loads((tmp_path / storage.manifest_name).read_text())
    hashed = manifest["paths"][VIEWFLOW_ORPHAN_CSS]
    assert hashed != VIEWFLOW_ORPHAN_CSS
    assert b"url('./Roboto-Thin.woff2')" in (tmp_path / hashed).read_bytes()
    assert (VIEWFLOW_ORPHAN_CSS, "./Roboto-Thin.woff2") in storage.unresolved


def test_references_that_resolve_still_get_hashed_names_beside_those_left_alone(
    tmp_path: Path,
) -> None:
    css = b".a { background: url('../img/logo.png') } .b { background: url('missing.png') }"
    storage, results = collect(
        tmp_path, {"vendor/css/site.css": css, "vendor/img/logo.png": b"\x89PNG not really"}
    )

    assert [error for _, _, error in results if isinstance(error, Exception)] == []
    manifest = json.loads((tmp_path / storage.manifest_name).read_text())["paths"]
    written = (tmp_path / manifest["vendor/css/site.css"]).read_text()
    logo = manifest["vendor/img/logo.png"].rsplit("/", 1)[1]
    assert f'url("../img/{logo}")' in written
    assert "url('missing.png')" in written
    assert storage.unresolved == {("vendor/css/site.css", "missing.png")}


def test_an_unresolvable_reference_in_shinsa_own_files_still_stops_collectstatic(
    tmp_path: Path,
) -> None:
    css = b".a { background: url('missing.png') }"
    _, results = collect(tmp_path, {"shinsa/broken.css": css})

    errors = [error for _, _, error in results if isinstance(error, Exception)]
    assert len(errors) == 1
    assert "missing.png" in str(errors[0])


@pytest.mark.parametrize("name", ["viewflow/img/favicon.png", "shinsa/shinsa.css"])
def test_files_every_page_links_are_in_the_manifest(tmp_path: Path, name: str) -> None:
    """The pages answer 500 when these are missing from the manifest (issue 10, item 1)."""
    source = finders.find(name)
    assert source
    storage, _ = collect(tmp_path, {name: Path(source).read_bytes()})
    assert storage.stored_name(name) != name


def test_a_files_address_is_worked_out_once_and_made_again_by_a_new_collect(
    tmp_path: Path,
) -> None:
    storage, _ = collect(tmp_path, {"vendor/css/site.css": b".a { color: red }"})
    first = storage.url("vendor/css/site.css")
    assert first != "/static/vendor/css/site.css" and first.endswith(".css")
    assert storage.url("vendor/css/site.css") == first == storage.url("vendor/css/site.css", True)
    assert storage._urls == {("vendor/css/site.css", False): first}

    # The same name with new content, collected again by the same storage: a new address.
    storage.delete("vendor/css/site.css")
    storage.save("vendor/css/site.css", ContentFile(b".a { color: blue }"))
    list(storage.post_process({"vendor/css/site.css": (storage, "vendor/css/site.css")}))
    second = storage.url("vendor/css/site.css")
    assert second != first
    assert second == storage.url("vendor/css/site.css", True)

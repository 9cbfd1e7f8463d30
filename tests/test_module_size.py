"""No module of the product outside migrations passes 800 lines: a module that grows past it is
split along its seams (see docs/DEVELOPING.md)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("governance", "workflows", "forms")
LIMIT = 800


def test_no_module_outside_migrations_passes_800_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    assert len(sizes) > 50, "no modules found: the paths are out of date"
    too_long = {path: lines for path, lines in sizes.items() if lines > LIMIT}
    assert too_long == {}

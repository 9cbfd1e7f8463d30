"""The README stays true: it opens with the two set-up commands and documents every
environment variable the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_opens_with_the_two_setup_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:400]
    assert "make demo" in head
    assert "make test" in head


def test_every_environment_variable_of_the_settings_is_documented() -> None:
    settings = (ROOT / "governance" / "settings.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = set(re.findall(r'env_(?:str|bool|int|list|choice)\(\s*"([A-Z_]+)"', settings))
    assert names, "no environment variables found: the pattern is out of date"
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []


def test_every_makefile_target_in_the_readme_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.MULTILINE))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"`make ([a-z-]+)`", readme):
        assert target in targets


def test_every_path_in_the_code_map_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code_map = readme.split("## Code map", 1)[1].split("\n## ", 1)[0]
    paths = set(
        re.findall(r"`((?:governance|workflows|forms|templates|tests|bench|docs)/[^`]*)`", code_map)
    )
    assert len(paths) > 10, "no paths found: the pattern is out of date"
    missing = sorted(path for path in paths if not any(ROOT.glob(path)))
    assert missing == []

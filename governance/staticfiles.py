"""Static files in production: hashed names and compressed copies (WhiteNoise), tolerating
third-party stylesheets that point at files their package does not ship.

viewflow 2.4.0 ships a second copy of ``roboto-fontface.css`` under ``node_modules/`` whose
``url(./Roboto-Thin.woff2)`` points at fonts that only exist beside the first copy. Django's
manifest storage stops ``collectstatic`` on such a reference, writes no manifest, and every
page then answers 500. A reference that cannot be resolved in someone else's files is left as
written (the browser would get a 404 for it, exactly as with the original file) and reported
once; in Shinsa's own files (``shinsa/``) it still stops ``collectstatic``, because there it is
our mistake to fix.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)

# At most this many addresses are kept (the templates name a few dozen files).
MAX_KEPT_URLS = 4096
# Files under these prefixes are ours: an unresolvable reference in them is an error.
STRICT_PREFIXES = ("shinsa/",)


class ShinsaStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage that leaves unresolvable references alone
    in third-party files (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (file, reference) pairs left as written, reported once each although
        # post-processing runs several passes.
        self.unresolved: set[tuple[str, str]] = set()
        # The addresses given out, by name: the manifest is read once, when this storage is
        # made (a changed STATIC_URL or STORAGES makes a new one), so a name's address stays
        # the same for the process; every page's shell asks for the same few dozen.
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        """The hashed file's address, worked out once per name (``force``: not kept)."""
        key = (name or "", settings.DEBUG)
        found = None if force else self._urls.get(key)
        if found is None:
            found = super().url(name, force)
            if not force and len(self._urls) < MAX_KEPT_URLS:
                self._urls[key] = found
        return found

    def url_converter(
        self, name: str, hashed_files: dict[str, str], template: str | None = None
    ) -> Callable[[re.Match[str]], str]:
        convert = super().url_converter(name, hashed_files, template)
        if name.startswith(STRICT_PREFIXES):
            return convert

        def converter(matchobj: re.Match[str]) -> str:
            try:
                return convert(matchobj)
            except ValueError:
                # The referenced file does not exist (HashedFilesMixin.hashed_name).
                self.unresolved.add((name, matchobj.group("url")))
                return matchobj.group("matched")

        return converter

    def post_process(self, *args: Any, **kwargs: Any) -> Iterator[tuple[str, str, bool]]:
        self._urls.clear()  # the files' hashed names are being made again
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
        for name in sorted({name for name, _ in self.unresolved}):
            references = sorted(url for file, url in self.unresolved if file == name)
            logger.warning(
                "%s の参照 %d 件は存在しないファイルを指すため、そのまま残しました。"
                " (Left %d unresolvable references in %s as written: %s)",
                name,
                len(references),
                len(references),
                name,
                ", ".join(references),
            )

"""Rendering Word masters (templates/documents/*.docx) with docxtpl in a Jinja sandbox.

Masters are edited by people, so they are treated as untrusted: the sandbox refuses attribute
tricks such as ``{{ ''.__class__.__mro__ }}`` (an unsandboxed environment executes them).
Values are XML-escaped (autoescape), so a guidance item containing ``<`` or ``&`` cannot
break the document.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from governance import japanese

MASTERS_DIR = Path(settings.BASE_DIR) / "templates" / "documents"


def jinja_environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=True)
    env.filters.update(
        {
            "era_date": japanese.era_date,
            "yen": japanese.yen,
            "thousand_yen": japanese.thousand_yen,
            "fiscal_year": japanese.fiscal_year_label,
        }
    )
    return env


def master_path(template: str) -> Path:
    path = (MASTERS_DIR / f"{template}.docx").resolve()
    if path.parent != MASTERS_DIR.resolve() or not path.is_file():
        raise FileNotFoundError(f"Word master not found: {template}")
    return path


def render_docx(template: str, context: dict[str, Any]) -> bytes:
    """Render a master with ``context`` and return the .docx bytes."""
    document = DocxTemplate(str(master_path(template)))
    document.render(context, jinja_env=jinja_environment(), autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keep_with_row(file: FieldFile, name: str, data: bytes, save: Callable[[], object]) -> None:
    """Store ``data`` as ``file`` (a FileField of an unsaved row), then ``save`` the row (and
    whatever must be recorded with it); if that fails, the stored file goes too, so no stray
    file is left beside the rows."""
    file.save(name, ContentFile(data), save=False)
    try:
        save()
    except BaseException:
        file.delete(save=False)
        raise

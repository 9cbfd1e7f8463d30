"""The annual report renders to PDF with LibreOffice, as the office prints and publishes it.

Without ``soffice`` the test is skipped, except under ``SHINSA_REQUIRE_SERVICES=1`` (CI), where
a missing LibreOffice fails the run (.ci/run installs Debian's libreoffice-writer-nogui).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

pytestmark = pytest.mark.django_db

SOFFICE = os.environ.get("SHINSA_SOFFICE", "soffice")


def _soffice() -> str:
    found = shutil.which(SOFFICE)
    if found is None:
        if os.environ.get("SHINSA_REQUIRE_SERVICES") == "1":
            pytest.fail(f"LibreOffice ({SOFFICE}) is missing (SHINSA_REQUIRE_SERVICES=1)")
        pytest.skip(f"LibreOffice ({SOFFICE}) is not installed")
    return found


def test_the_report_of_fiscal_2024_converts_to_pdf_with_libreoffice(
    settings: Any, tmp_path: Path
) -> None:
    soffice = _soffice()
    from governance.activity import demo
    from governance.karte import demo as karte
    from governance.org import demo as org

    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    for step in (org, karte, demo):
        with transaction.atomic():
            step.load(StringIO())
    source = tmp_path / "annual_report.docx"
    call_command("annual_report", "2024", "-o", str(source), stdout=StringIO())
    # Its own profile directory: a second LibreOffice (a developer's, another test run) would
    # otherwise hand the conversion to the running instance or refuse the locked profile.
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "annual_report.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.is_file(), result.stdout + result.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 10_000

"""How long the annual report (事務事業実績) takes the machine, against bare docxtpl.

    .venv/bin/python bench/bench_annual_report.py [--runs 10]

Runs on a throw-away test database (SQLite by default, PostgreSQL when DATABASE_URL is set),
loaded with the demo's organisation, registry and 令和6年度 step (19 相談, 191 予算確認, 15
仕様書確認, 340 monitored targets, 22 manual figures). Prints, in milliseconds (median / mean /
95th percentile):

- bare docxtpl: ``DocxTemplate(master).render(context)`` and save, with the context already
  built (the floor: what docxtpl alone costs for this master and this content);
- compose: counting every automatic figure with the identifiers behind it, reading the manual
  figures and rules (the database part);
- report .docx: compose + the sandboxed render (``render.docx_bytes``), what the command and
  the download do;
- report .xlsx: compose + the workbook with the 根拠一覧;
- issue: submit and approve (compose, both files, hashes, stored version, audit events);

and the ratio of the .docx report to bare docxtpl.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = tempfile.mkdtemp(prefix="shinsa-bench-report-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ["SHINSA_VAR_DIR"] = _TMP
os.environ["MEDIA_ROOT"] = str(Path(_TMP) / "media")
os.environ["JOBS_RUNNER"] = "inline"

import django  # noqa: E402

django.setup()

import statistics  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from docxtpl import DocxTemplate  # noqa: E402

from bench.common import summary, timed  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.DEBUG = True  # the demo steps refuse production settings


def _load() -> None:
    from governance.activity import demo
    from governance.karte import demo as karte
    from governance.org import demo as org

    for step in (org, karte, demo):
        with transaction.atomic():
            step.load(StringIO())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from governance.activity import compose, render, services
        from governance.documents import master_path
        from governance.models import AnnualReport, User

        _load()
        snapshot = compose.compose(2024)
        context = render.docx_context(snapshot, "（案）")

        def bare() -> None:
            document = DocxTemplate(str(master_path(render.TEMPLATE)))
            document.render(context, autoescape=True)
            document.save(io.BytesIO())

        runs = range(args.runs)
        bare_ms = [timed(bare) for _ in runs]
        compose_ms = [timed(lambda: compose.compose(2024)) for _ in runs]
        docx_ms = [timed(lambda: render.docx_bytes(compose.compose(2024), "（案）")) for _ in runs]
        xlsx_ms = [timed(lambda: render.xlsx_bytes(compose.compose(2024), "（案）")) for _ in runs]
        reviewer = User.objects.get(username="reviewer")
        approver = User.objects.get(username="approver")
        report = AnnualReport.objects.get(fiscal_year=2024)

        def issue() -> None:
            current = AnnualReport.objects.get(pk=report.pk)
            if current.status == "issued":
                current = services.request_correction(actor=reviewer, report=current, reason="計測")
            services.submit_report(actor=reviewer, report=current)
            services.approve_report(actor=approver, report=current)

        issue_ms = [timed(issue) for _ in runs]
        print(summary("bare docxtpl (same master, context)", bare_ms))
        print(summary("compose (counts + identifiers)", compose_ms))
        print(summary("report .docx (compose + render)", docx_ms))
        print(summary("report .xlsx (compose + workbook)", xlsx_ms))
        print(summary("issue (submit + approve, both files)", issue_ms))
        ratio = statistics.median(docx_ms) / statistics.median(bare_ms)
        print(f"ratio report .docx / bare docxtpl (median): {ratio:.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time and peak memory of the heaviest uploads: each runs alone in a fresh process, through
the code a request runs, and the script prints how long it took and how much memory it added.
Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_uploads.py [--only NAME]

Cases:
- ``spec bomb``: a .docx of about 125 KB whose document.xml (just under the 30 MB part limit)
  is a million tiny paragraphs: ``read_spec`` (upload check + lock-in scan).
- ``spec worst accepted``: the heaviest specifications the limits let through, one per limit
  (paragraphs, elements and attributes, text), and a 250-page document formatted by Word.
- ``workbook 6 MB``: a registry workbook of 16,000 systems with their contracts, costs and
  monitoring: the import page's path (upload check, ``read_file``, ``import_systems``) on a
  fresh SQLite database with the demo organisation.
- ``workbook worst accepted``: 1,000 new systems and 9,000 contract rows, padded with ignored
  columns to just under the XML budget.
- ``workbook: most text``: 1,000 new systems whose texts reach the text budget.
- ``CSV``: the システム sheet as a CSV file just under the 20 MB upload limit, 1,000 new
  systems with long texts.
- ``300 MB POST``: a 300 MB multipart body sent to the import page through the WSGI handler;
  prints how much of the body was read (and so written to a temporary file).

The cases run with production settings (``DEBUG=0``) on SQLite. Memory is the process's
peak resident size during the case (``VmHWM``, reset before it)
minus its size just before; the baseline (Django, the file in memory) is printed too. Time
is wall-clock and CPU time of the process: with other work on the machine the wall clock
stretches, the CPU time is what the case costs on an idle machine (it runs in one thread).
Run it in another checkout to compare (copy the script there): it only uses functions that
exist before and after the limits.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.parsers import expat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

MB = 1024 * 1024
SPEC_PART = 30 * MB  # MAX_SPEC_XML_PART, the same before and after


# --- Measuring, in the child process --------------------------------------------------------


def _status() -> dict[str, float]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values


def measure(action: Any) -> dict[str, Any]:
    import gc

    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current size
    before = _status()["VmRSS"]
    start, cpu = time.perf_counter(), time.process_time()
    try:
        outcome = action()
    except Exception as exc:
        outcome = f"refused: {type(exc).__name__}: {str(exc)[:90]}"
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _status()["VmHWM"]
    return {"seconds": seconds, "cpu": cpu, "before": before, "peak": peak, "outcome": outcome}


def run_spec(path: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance.spec_review.services import read_spec

    data = Path(path).read_bytes()

    def action() -> str:
        spec = read_spec(SimpleUploadedFile("仕様書.docx", data))
        return f"accepted: {spec.report.units_scanned:,} paragraphs and cells"

    return measure(action)


def run_workbook(path: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance.karte import io as karte_io
    from governance.karte.services import import_systems
    from governance.models import User
    from governance.uploads import check_upload

    data = Path(path).read_bytes()
    actor = User.objects.get(username="reviewer")

    def action() -> str:
        name = "karte" + Path(path).suffix
        upload = check_upload(SimpleUploadedFile(name, data), allowed=("xlsx", "csv"))
        parsed = karte_io.read_file(upload.name, upload.data)
        result = import_systems(actor=actor, parsed=parsed, source="bench")
        rows = sum(result.rows_added.values())
        return f"accepted: {result.created:,} systems created, {rows:,} rows added"

    return measure(action)


class _Body:
    """A multipart body of ``size`` bytes, made as it is read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0
        self.head = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="k.xlsx"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )

    def read(self, size: int = -1, /) -> bytes:
        left = self.size - self.read_bytes
        size = left if size < 0 else min(size, left)
        start = self.read_bytes
        self.read_bytes += size
        head = self.head[start : start + size]
        return head + b"x" * (size - len(head))

    readline = read


def run_post(size: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    body = _Body(int(size))
    statuses = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/karte/import/",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "CONTENT_TYPE": "multipart/form-data; boundary=b",
        "CONTENT_LENGTH": size,
        "HTTP_HOST": "127.0.0.1",
        # A CSRF cookie, so the CSRF check reads the token from the body.
        "HTTP_COOKIE": "csrftoken=" + "a" * 32,
    }

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    def action() -> str:
        response = handler(environ, start_response)
        for _chunk in response:
            pass
        return f"answered {statuses[0]}; body read: {body.read_bytes / MB:,.0f} MB"

    return measure(action)


# --- Building the files, in the parent ------------------------------------------------------


def _spec_template() -> tuple[dict[str, bytes], bytes]:
    from tests.spec_docs import make_spec

    archive = zipfile.ZipFile(io.BytesIO(make_spec(paragraphs=["本文"])))
    entries = {name: archive.read(name) for name in archive.namelist()}
    head = entries["word/document.xml"].partition(b"<w:body>")[0]
    return entries, head


def spec_with(block: bytes, count: int) -> bytes:
    entries, head = _spec_template()
    entries["word/document.xml"] = (
        head + b"<w:body>" + block * count + b"<w:sectPr/></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def count_nodes(data: bytes) -> tuple[int, int]:
    """(elements + attributes, characters of text) of every XML part of an Office file."""
    nodes = text = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            parser = expat.ParserCreate()
            counts = [0, 0]

            def start(_name: str, attributes: dict[str, str], counts: list[int] = counts) -> None:
                counts[0] += 1 + len(attributes)

            def chars(data: str, counts: list[int] = counts) -> None:
                counts[1] += len(data)

            parser.StartElementHandler = start
            parser.CharacterDataHandler = chars
            parser.Parse(archive.read(name), True)
            nodes, text = nodes + counts[0], text + counts[1]
    return nodes, text


WORD_PARAGRAPH = (
    '<w:p w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3" w:rsidP="00D4E5F6"><w:pPr>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    '<w:ind w:firstLineChars="100" w:firstLine="210"/></w:pPr>'
    '<w:r><w:rPr><w:rFonts w:ascii="ＭＳ 明朝" w:hAnsi="ＭＳ 明朝" w:hint="eastAsia"/>'
    '<w:szCs w:val="21"/></w:rPr><w:t>受注者は、本業務の実施にあたり、Oracle と協議のうえ</w:t>'
    '</w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr>'
    "<w:t>詳細な作業計画を策定すること。</w:t></w:r></w:p>"
).encode()


def spec_cases() -> dict[str, bytes]:
    """The bomb, and the heaviest specification each limit lets through."""
    from governance.spec_review import scan as spec_scan

    base_nodes, base_text = count_nodes(spec_with(b"", 0))
    tiny = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    cases = {"spec bomb (1M paragraphs, 125 KB)": spec_with(tiny, (SPEC_PART - 4096) // len(tiny))}
    nodes = getattr(spec_scan, "MAX_SPEC_XML_NODES", 500_000)
    units = getattr(spec_scan, "MAX_SPEC_UNITS", 60_000)
    text = getattr(spec_scan, "MAX_SPEC_TEXT", 1_500_000)
    attributes = b"<w:p " + b" ".join(b'w:a%d="x"' % n for n in range(199)) + b"/>"
    matching = (
        b"<w:p><w:r><w:t>" + "Oracle 同等品不可 独自形式 ".encode() * 50 + b"</w:t></w:r></w:p>"
    )
    cases.update(
        {
            "spec: most paragraphs (all matching)": spec_with(
                b"<w:p><w:t>Oracle</w:t></w:p>", units - 10
            ),
            "spec: most nodes (attributes)": spec_with(attributes, (nodes - base_nodes) // 200),
            "spec: most text (all matching)": spec_with(matching, (text - base_text) // 1050),
            "spec: 250 pages formatted by Word": spec_with(
                WORD_PARAGRAPH, min(13_000, (nodes - base_nodes) // 34)
            ),
        }
    )
    return cases


SYSTEM_HEADER = [
    "システムコード",
    "システム名",
    "部局",
    "所属",
    "区分",
    "初期運用開始年度",
    "インターネット公開",
    "サーバ設置場所",
    "職員数",
    "うち情報系職員数",
    "常駐委託業者人数",
    "課題",
    "更新計画",
]


def worst_workbook(departments: list[str], node_budget: int, systems: int, rows: int) -> bytes:
    """``systems`` new systems and contract rows up to ``rows`` in all, the contract rows
    padded with ignored columns so that the XML stays just under ``node_budget``."""

    def build(padding: int) -> bytes:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("システム")
        sheet.append(SYSTEM_HEADER)
        for n in range(systems):
            sheet.append(
                [
                    f"W-{n:05d}",
                    f"上限確認用システム{n}（業務の名称が長い場合を想定）",
                    departments[n % len(departments)],
                    "",
                    "スクラッチ",
                    2005 + n % 20,
                    "有" if n % 3 else "無",
                    "データセンター",
                    5,
                    1,
                    2,
                    "サーバ機器の保守期限が近い。" * 8,
                    "令和9年度に更新予定。" * 5,
                ]
            )
        contracts = workbook.create_sheet("契約")
        extra = [f"メモ{n}" for n in range(padding)]
        contracts.append(["システムコード", "年度", "事業者名", "契約種別", "契約金額", *extra])
        per_system = (rows - systems) // systems
        for n in range(systems):
            for year in range(2024 - per_system + 1, 2025):
                contracts.append(
                    [f"W-{n:05d}", year, f"事業者{n % 50}株式会社", "委託役務", 1_000_000]
                    + ["備考"] * padding
                )
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    plain = build(0)
    nodes = count_nodes(plain)[0]
    per_cell = 5  # <c r t><is><t> of an inline string
    padding = max(0, (node_budget - nodes) // (per_cell * (rows - systems) + per_cell) - 1)
    return build(padding)


def text_heavy_workbook(departments: list[str], text: int, systems: int) -> bytes:
    """``systems`` new systems whose 課題 hold ``text`` characters in all (openpyxl writes
    each of them as a character reference, ``&#35506;``: 8 bytes of a 30 MB part)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("システム")
    sheet.append(SYSTEM_HEADER)
    issue = "課題" * ((text // systems - 100) // 2)
    for n in range(systems):
        department = departments[n % len(departments)]
        row = [f"T-{n:05d}", f"文章の多いシステム{n}", department, "", "スクラッチ", 2010]
        sheet.append([*row, "無", "データセンター", 3, 1, 0, issue, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def text_heavy_csv(departments: list[str], size: int, systems: int) -> bytes:
    """The システム sheet as CSV: ``systems`` new systems whose 課題 fill ``size`` bytes."""
    lines = [",".join(SYSTEM_HEADER)]
    text = "課題" * ((size // systems - 200) // 6)
    for n in range(systems):
        department = departments[n % len(departments)]
        lines.append(
            f"C-{n:05d},文章の多いシステム{n},{department},,スクラッチ,2010,無,"
            f"データセンター,3,1,0,{text},"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def six_mb_workbook(departments: list[str]) -> bytes:
    sys.path.insert(0, str(ROOT))
    from bench import bench_karte

    return bytes(bench_karte.make_workbook(16_000, departments))


# --- The parent -----------------------------------------------------------------------------


def prepare_database(var: Path) -> list[str]:
    env = {**os.environ, "SHINSA_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        check=True,
        env=env,
    )
    code = (
        "import io, django; django.setup(); from governance.demo import org; "
        "org.load(io.StringIO()); from governance.models import Department; "
        "print('\\n'.join(Department.objects.values_list('name', flat=True)))"
    )
    names = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    return [name for name in names if name]


def child(kind: str, argument: str, var: Path, work: Path) -> dict[str, Any]:
    """Run one case in a fresh process on a fresh copy of the database."""
    fresh = work / f"var-{random.randrange(1 << 30)}"
    shutil.copytree(var, fresh)
    env = {
        **os.environ,
        "SHINSA_VAR_DIR": str(fresh),
        # As in production: with DEBUG on, Django keeps every query with its parameters.
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_hex(32),
        "AUDIT_CHAIN_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
    }
    env.pop("DATABASE_URL", None)
    try:
        completed = subprocess.run(
            [sys.executable, __file__, "--child", kind, argument],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ARGUMENT"))
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()
    if args.child:
        kind, argument = args.child
        runner = {"spec": run_spec, "workbook": run_workbook, "post": run_post}[kind]
        sys.stdout.write(json.dumps(runner(argument)) + "\n")
        return 0

    with tempfile.TemporaryDirectory(prefix="shinsa-bench-uploads-") as temp:
        work = Path(temp)
        var = work / "var"
        var.mkdir()
        os.environ["SHINSA_VAR_DIR"] = str(work / "parent")
        import django

        django.setup()
        departments = prepare_database(var)
        from governance.karte import io as karte_io

        limits = getattr(karte_io, "UPLOAD_LIMITS", None)
        cases: list[tuple[str, str, str]] = []
        for name, data in spec_cases().items():
            path = work / f"{len(cases)}.docx"
            path.write_bytes(data)
            cases.append((name, "spec", str(path)))
        for name, build in (
            ("workbook 6 MB (16,000 systems)", lambda: six_mb_workbook(departments)),
            (
                "workbook: most accepted (1,000 systems, 10,000 rows or XML budget)",
                lambda: worst_workbook(
                    departments,
                    getattr(limits, "xml_nodes", None) or 300_000,
                    getattr(limits, "systems", None) or 1_000,
                    getattr(limits, "rows", None) or 10_000,
                ),
            ),
        ):
            path = work / f"{len(cases)}.xlsx"
            path.write_bytes(build())
            cases.append((name, "workbook", str(path)))
        path = work / f"{len(cases)}.xlsx"
        path.write_bytes(
            text_heavy_workbook(
                departments,
                min(getattr(limits, "text", None) or 10_000_000, SPEC_PART // 8 - 200_000),
                getattr(limits, "systems", None) or 1_000,
            )
        )
        cases.append(
            ("workbook: most text (1,000 systems, 3.7 M characters)", "workbook", str(path))
        )
        path = work / f"{len(cases)}.csv"
        path.write_bytes(
            text_heavy_csv(
                departments, 20 * MB - 64 * 1024, getattr(limits, "systems", None) or 1_000
            )
        )
        cases.append(("CSV: 1,000 systems, 20 MB of text", "workbook", str(path)))
        cases.append(("300 MB POST to the import page", "post", str(300 * MB)))

        sys.stdout.write(
            f"{'case':<66}{'file':>9}{'wall s':>8}{'CPU s':>7}{'base MB':>9}{'peak MB':>9}"
            f"{'added':>7}  outcome\n"
        )
        for name, kind, argument in cases:
            if args.only and args.only not in name:
                continue
            size = Path(argument).stat().st_size / 1024 if kind != "post" else int(argument) / 1024
            result = child(kind, argument, var, work)
            added = result["peak"] - result["before"]
            sys.stdout.write(
                f"{name:<66}{size:>7.0f}KB{result['seconds']:>8.2f}{result['cpu']:>7.2f}"
                f"{result['before']:>9.0f}{result['peak']:>9.0f}{added:>7.0f}"
                f"  {result['outcome']}\n"
            )
            sys.stdout.flush()
    load = os.getloadavg()[0]
    sys.stdout.write(f"(load average {load:.1f} on {os.cpu_count()} cores while measuring)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

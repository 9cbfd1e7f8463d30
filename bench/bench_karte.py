"""Benchmark of the system registry: the list page (time and queries) with the demo's 245
systems and with 10,000 more, and importing a workbook of 10,000 systems, saved two ways: as
streaming writers save it (no ``<dimension>``, inline strings) and as Excel saves it
(``<dimension>``, a shared-strings table). Each import step prints its wall time, the CPU time
of this process (wall time is inflated on a busy machine; the database server's own time is
in neither CPU figure), its queries and the process's peak resident size during the step.

Runs against a throw-away database: SQLite in a temporary directory by default, or a
``bench_<name>`` database next to ``DATABASE_URL`` when it is set. Prints numbers; asserts
nothing about time.

    .venv/bin/python bench/bench_karte.py [--systems 10000] [--repeat 15] [--import-only]
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ.setdefault("SHINSA_VAR_DIR", tempfile.mkdtemp(prefix="shinsa-bench-"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from governance.karte.io.layout import LAYOUTS, SHEETS  # noqa: E402

KINDS = [
    ("パッケージカスタマイズ", 14),
    ("スクラッチ", 18),
    ("スクラッチ（Access）", 11),
    ("ネットワーク・回線", 7),
    ("情報基盤", 7),
    ("国等のシステムを利用", 16),
    ("サービス・パッケージを利用", 27),
]
PERSPECTIVES = ["ハードウェア", "ソフトウェア", "開発・改修", "運用・保守", "回線・クラウド利用"]
SERVICES = ["サイバー攻撃検知通報", "ウェブ感染型マルウェア検知", "ホームページレスポンス観測"]


#: The required columns of each sheet, in the layout's order (the rows below follow it).
HEADERS = {
    sheet: [column.header for column in LAYOUTS[sheet] if column.required] for sheet in SHEETS
}


def sheet_rows(
    count: int, departments: list[str], seed: int = 7, prefix: str = "BENCH"
) -> Iterator[tuple[str, list[Any]]]:
    """(sheet, row) for ``count`` systems, each with 1–12 contract years, four cost figures
    and, for a quarter of them, monitoring rows — about what the office's sheets hold. Headers
    first; the same ``seed`` gives the same rows."""
    rng = random.Random(seed)
    kinds = [kind for kind, weight in KINDS for _ in range(weight)]
    yield from HEADERS.items()
    vendors = [f"ベンチ事業者{n:03d}株式会社" for n in range(300)]
    for number in range(1, count + 1):
        code = f"{prefix}-{number:05d}"
        first = rng.randint(2005, 2024)
        facing = rng.random() < 0.27
        yield (
            "システム",
            [
                code,
                f"ベンチマーク用システム{number}",
                departments[number % len(departments)],
                "",
                rng.choice(kinds),
                f"令和{first - 2018}" if first >= 2019 else first,
                "有" if facing else "無",
                rng.choice(["所属内", "データセンター", "クラウド", "ガバメントクラウド"]),
                rng.randint(1, 9),
                rng.randint(0, 1),
                rng.randint(0, 3),
                "",
                "",
            ],
        )
        vendor = rng.choice(vendors)
        for year in range(max(first, 2013), 2025):
            yield "契約", [code, year, vendor, "委託役務", rng.randint(1, 50) * 100_000]
        for perspective in rng.sample(PERSPECTIVES, 2):
            yield "経費", [code, 2024, "予算", "ランニング", perspective, rng.randint(100, 90_000)]
            yield "経費", [code, 2023, "決算", "ランニング", perspective, rng.randint(100, 90_000)]
        if facing:
            yield "監視", [code, rng.choice(SERVICES), "有", "", ""]


def make_workbook(
    count: int,
    departments: list[str],
    seed: int = 7,
    *,
    excel_way: bool = False,
    prefix: str = "BENCH",
) -> bytes:
    """A workbook of ``count`` systems (``sheet_rows``).

    By default it is written as streaming writers write (openpyxl's write-only mode: no
    ``<dimension>`` element, every text an inline string); ``excel_way`` saves it as Excel
    does (``excel_workbook``)."""
    rows = sheet_rows(count, departments, seed, prefix)
    if excel_way:
        return excel_workbook(rows)
    workbook = Workbook(write_only=True)
    sheets = {name: workbook.create_sheet(name) for name in HEADERS}
    for sheet, row in rows:
        sheets[sheet].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SHARED_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SHARED_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def excel_workbook(rows: Iterable[tuple[str, list[Any]]]) -> bytes:
    """The rows saved as Excel saves a workbook (openpyxl, whatever its mode, writes every
    text as an inline string and never a shared-strings table): each sheet's size in
    ``<dimension>``, ``spans`` on each row, every text once in ``xl/sharedStrings.xml`` and
    cells pointing at it (``t="s"``), numbers without a type, empty cells left out. The other
    parts (workbook, styles, relationships) are openpyxl's."""
    strings: dict[str, int] = {}
    uses = 0
    parts: dict[str, list[str]] = {name: [] for name in HEADERS}
    numbers = dict.fromkeys(HEADERS, 0)
    for sheet, row in rows:
        numbers[sheet] += 1
        number = numbers[sheet]
        cells = []
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            reference = f"{get_column_letter(index + 1)}{number}"
            if isinstance(value, str):
                uses += 1
                position = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{reference}" t="s"><v>{position}</v></c>')
            else:
                cells.append(f'<c r="{reference}"><v>{value}</v></c>')
        parts[sheet].append(f'<row r="{number}" spans="1:{len(row)}">{"".join(cells)}</row>')
    skeleton = Workbook(write_only=True)
    for name in HEADERS:
        skeleton.create_sheet(name)
    buffer = io.BytesIO()
    skeleton.save(buffer)
    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            text = source.read(info).decode()
            if info.filename == "[Content_Types].xml":
                text = text.replace(
                    "</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SHARED_TYPE}"/>'
                    "</Types>",
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                text = text.replace(
                    "</Relationships>",
                    f'<Relationship Type="{_SHARED_REL}" Target="sharedStrings.xml" Id="rIdSST"/>'
                    "</Relationships>",
                )
            elif info.filename.startswith("xl/worksheets/sheet"):
                continue
            target.writestr(info.filename, text)
        for index, (name, lines) in enumerate(parts.items(), start=1):
            width = len(HEADERS[name])
            target.writestr(
                f"xl/worksheets/sheet{index}.xml",
                f'{declaration}<worksheet xmlns="{_MAIN}">'
                f'<dimension ref="A1:{get_column_letter(width)}{len(lines)}"/>'
                '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
                '<sheetFormatPr defaultRowHeight="18.75"/>'
                f"<sheetData>{''.join(lines)}</sheetData>"
                '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3"'
                ' footer="0.3"/></worksheet>',
            )
        table = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        target.writestr(
            "xl/sharedStrings.xml",
            f'{declaration}<sst xmlns="{_MAIN}" count="{uses}" uniqueCount="{len(strings)}">'
            f"{table}</sst>",
        )
    return output.getvalue()


def measure_page(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
    """(median ms, max ms, queries) of ``repeat`` GETs after one warm-up."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(timings), max(timings), len(queries)


PAGES = [
    ("list, first page", "/karte/"),
    ("list, lock-in filter + sort by tenure", "/karte/?lock_in=yes&sort=tenure"),
    ("list, coverage = not covered", "/karte/?coverage=uncovered"),
    ("list, search", "/karte/?q=%E3%82%B7%E3%82%B9%E3%83%86%E3%83%A0"),
    ("list, last page", "/karte/?page=last"),
    ("lock-in report", "/karte/reports/lock-in/"),
    ("coverage report", "/karte/reports/coverage/"),
]


def report_pages(label: str, clients: dict[str, Client], repeat: int, total: int) -> None:
    print(f"\n== {label}: {total:,} systems ({connection.vendor})")
    print(f"{'page':<40}{'as':<10}{'median ms':>10}{'max ms':>9}{'queries':>9}")
    for name, url in PAGES:
        for who, client in clients.items():
            median, worst, queries = measure_page(client, url, repeat)
            print(f"{name:<40}{who:<10}{median:>10.1f}{worst:>9.1f}{queries:>9}")


class _Step:
    """What ``_step`` measured of one call."""

    def __init__(
        self, value: Any, wall: float, cpu: float, before: float, peak: float, queries: int
    ) -> None:
        self.value, self.wall, self.cpu, self.queries = value, wall, cpu, queries
        self.before, self.peak = before, peak

    def __str__(self) -> str:
        return (
            f"{self.wall:.2f} s (CPU {self.cpu:.2f} s),"
            f" peak {self.peak:.0f} MB (+{self.peak - self.before:.0f} MB)"
        )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory line (VmRSS, VmHWM) in MB; 0 where there is none."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _resident_mb() -> float:
    return _status_mb("VmRSS")


def _reset_peak() -> bool:
    """Start the peak resident size (VmHWM) over from the current size (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _step(func: Callable[[], Any]) -> _Step:
    """Wall time, CPU time, the peak resident size of this process during ``func`` (the size
    so far where the peak cannot be reset) and the queries it ran."""
    gc.collect()
    reset = _reset_peak()
    before = _resident_mb()
    start, cpu = time.perf_counter(), _cpu()
    with CaptureQueriesContext(connection) as queries:
        value = func()
    wall, cpu = time.perf_counter() - start, _cpu() - cpu
    peak = (
        _status_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    return _Step(value, wall, cpu, before, peak, len(queries))


# Run in the child before manage.py: writes the process's own peak resident size (VmHWM) at
# exit. The rusage of a child is no use for this: Linux counts in it the parent's size when
# the child was forked.
_PEAK_PROBE = """
import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as status, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _command(workbook: bytes) -> str:
    """``manage.py import_systems`` of ``workbook`` in a process of its own (Django's start
    included): its wall time, CPU time and peak resident size, as an administrator sees
    them."""
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        url = (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or 'localhost'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
        if settings_dict.get("PASSWORD"):
            return "not run (a database password is not passed on)"
    else:
        url = f"sqlite:///{settings_dict['NAME']}"
    connection.close()
    with tempfile.TemporaryDirectory(prefix="shinsa-bench-") as folder:
        path, peak_file = Path(folder) / "registry.xlsx", Path(folder) / "peak"
        path.write_bytes(workbook)
        command = [sys.executable, "-c", _PEAK_PROBE, str(ROOT / "manage.py"), "import_systems"]
        start = time.perf_counter()
        child = subprocess.Popen(
            [*command, str(path), "--user", "reviewer"],
            env={**os.environ, "DATABASE_URL": url, "BENCH_PEAK_FILE": str(peak_file)},
            stdout=subprocess.DEVNULL,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else 0.0
    outcome = "ok" if os.waitstatus_to_exitcode(status) == 0 else "FAILED"
    return (
        f"{outcome}, {wall:.2f} s (CPU {usage.ru_utime + usage.ru_stime:.2f} s), peak {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--import-only", action="store_true", help="only the import (no pages, no export)"
    )
    args = parser.parse_args()

    setup_test_environment()
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{settings_dict['NAME']}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.systems, args.repeat, import_only=args.import_only)
    finally:
        connection.creation.destroy_test_db(settings_dict["NAME"], verbosity=0)


def run(count: int, repeat: int, *, import_only: bool = False) -> None:
    from governance.karte import demo as demo_karte
    from governance.karte import io as karte_io
    from governance.karte.services import import_systems
    from governance.models import Department, InformationSystem, User
    from governance.org import demo as org

    org.load(io.StringIO())
    reviewer = User.objects.get(username="reviewer")
    import_systems(actor=reviewer, parsed=demo_karte.build(), source="demo")
    clients = {}
    for who in ("reviewer", "staff_somu"):
        client = Client()
        client.force_login(User.objects.get(username=who))
        clients[who] = client
    if not import_only:
        report_pages("Demo registry", clients, repeat, InformationSystem.objects.count())

    departments = list(Department.objects.values_list("name", flat=True))
    start = time.perf_counter()
    data = make_workbook(count, departments)
    excel = make_workbook(count, departments, excel_way=True, prefix="EXCEL")
    built = time.perf_counter() - start
    print(f"\n== Import of {count:,} systems (workbooks made in {built:.1f} s)")
    print(
        "wall s, CPU s of this process, peak resident MB of this process during the step"
        f" (+ over its size when the step began); load average {_load()}"
    )
    for label, name, workbook in (
        ("streamed (no <dimension>, inline strings)", "bench.xlsx", data),
        ("saved the Excel way (<dimension>, shared strings)", "excel.xlsx", excel),
    ):
        print(f"-- {label}: {len(workbook) / 1e6:.1f} MB")
        read = _step(partial(karte_io.read_file, name, workbook, limits=karte_io.COMMAND_LIMITS))
        parsed = read.value
        assert not parsed.issues, parsed.issues[:3]
        rows = {
            "契約": len(parsed.contracts or []),
            "経費": len(parsed.costs or []),
            "監視": len(parsed.monitoring or []),
        }
        print(f"rows: {count:,} systems, " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        print(f"read and check the file: {read}")
        apply = _step(partial(import_systems, actor=reviewer, parsed=parsed, source=name))
        print(f"apply (created {apply.value.created:,}): {apply}, {apply.queries:,} queries")
        del parsed, read, apply
    print(f"load average {_load()}")
    for label, prefix, excel_way in (("streamed", "CMD", False), ("Excel way", "CMDX", True)):
        workbook = make_workbook(count, departments, excel_way=excel_way, prefix=prefix)
        print(f"manage.py import_systems, {label}: {_command(workbook)}")
    start = time.perf_counter()
    parsed = karte_io.read_file("bench.xlsx", data, limits=karte_io.COMMAND_LIMITS)
    result = import_systems(actor=reviewer, parsed=parsed, source="bench.xlsx")
    print(
        f"re-import, nothing changes (unchanged {result.unchanged:,}): "
        f"{time.perf_counter() - start:.2f} s"
    )
    if import_only:
        return
    buffer = io.BytesIO()
    start = time.perf_counter()
    karte_io.write_workbook(InformationSystem.objects.all(), buffer)
    print(
        f"export of {InformationSystem.objects.count():,} systems: "
        f"{time.perf_counter() - start:.2f} s ({len(buffer.getvalue()) / 1e6:.1f} MB)"
    )

    report_pages("Large registry", clients, repeat, InformationSystem.objects.count())


if __name__ == "__main__":
    main()

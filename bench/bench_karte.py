"""Benchmark of the system registry: the list page (time and queries) with the demo's 245
systems and with 10,000 more, and importing a workbook of 10,000 systems.

Runs against a throw-away database: SQLite in a temporary directory by default, or a
``bench_<name>`` database next to ``DATABASE_URL`` when it is set. Prints numbers; asserts
nothing about time.

    .venv/bin/python bench/bench_karte.py [--systems 10000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def make_workbook(
    count: int,
    departments: list[str],
    seed: int = 7,
    *,
    excel_way: bool = False,
    prefix: str = "BENCH",
) -> bytes:
    """A workbook of ``count`` systems, each with 1–12 contract years, four cost figures and,
    for a quarter of them, monitoring rows — about what the office's sheets hold.

    By default it is written as streaming writers write (openpyxl's write-only mode: no
    ``<dimension>`` element); ``excel_way`` saves it as Excel does (the sheet's size in
    ``<dimension>``, text in the shared-strings table)."""
    rng = random.Random(seed)
    kinds = [kind for kind, weight in KINDS for _ in range(weight)]
    workbook = Workbook(write_only=not excel_way)
    if excel_way and workbook.active is not None:
        workbook.remove(workbook.active)  # the default sheet
    systems = workbook.create_sheet("システム")
    contracts = workbook.create_sheet("契約")
    costs = workbook.create_sheet("経費")
    monitoring = workbook.create_sheet("監視")
    systems.append(
        [
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
    )
    contracts.append(["システムコード", "年度", "事業者名", "契約種別", "契約金額"])
    costs.append(["システムコード", "年度", "予算決算", "費目", "観点", "金額（千円）"])
    monitoring.append(["システムコード", "サービス", "登録", "独自対策", "対象外理由"])
    vendors = [f"ベンチ事業者{n:03d}株式会社" for n in range(300)]
    for number in range(1, count + 1):
        code = f"{prefix}-{number:05d}"
        first = rng.randint(2005, 2024)
        facing = rng.random() < 0.27
        systems.append(
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
            ]
        )
        vendor = rng.choice(vendors)
        for year in range(max(first, 2013), 2025):
            contracts.append([code, year, vendor, "委託役務", rng.randint(1, 50) * 100_000])
        for perspective in rng.sample(PERSPECTIVES, 2):
            costs.append([code, 2024, "予算", "ランニング", perspective, rng.randint(100, 90_000)])
            costs.append([code, 2023, "決算", "ランニング", perspective, rng.randint(100, 90_000)])
        if facing:
            monitoring.append([code, rng.choice(SERVICES), "有", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    setup_test_environment()
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{settings_dict['NAME']}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.systems, args.repeat)
    finally:
        connection.creation.destroy_test_db(settings_dict["NAME"], verbosity=0)


def run(count: int, repeat: int) -> None:
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
    report_pages("Demo registry", clients, repeat, InformationSystem.objects.count())

    departments = list(Department.objects.values_list("name", flat=True))
    start = time.perf_counter()
    data = make_workbook(count, departments)
    built = time.perf_counter() - start
    size = len(data) / 1e6
    print(f"\n== Import of {count:,} systems ({size:.1f} MB .xlsx, made in {built:.1f} s)")
    start = time.perf_counter()
    parsed = karte_io.read_file("bench.xlsx", data, limits=karte_io.COMMAND_LIMITS)
    parse_seconds = time.perf_counter() - start
    assert not parsed.issues, parsed.issues[:3]
    rows = {
        "契約": len(parsed.contracts or []),
        "経費": len(parsed.costs or []),
        "監視": len(parsed.monitoring or []),
    }
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = import_systems(actor=reviewer, parsed=parsed, source="bench.xlsx")
    apply_seconds = time.perf_counter() - start
    print(f"rows: {count:,} systems, " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    print(f"read and check the file: {parse_seconds:.2f} s")
    print(f"apply (created {result.created:,}): {apply_seconds:.2f} s, {len(queries):,} queries")
    print(f"total first import: {parse_seconds + apply_seconds:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process so far: {peak:.0f} MB")
    excel = make_workbook(count, departments, excel_way=True, prefix="EXCEL")
    start = time.perf_counter()
    parsed_excel = karte_io.read_file("excel.xlsx", excel, limits=karte_io.COMMAND_LIMITS)
    excel_parse = time.perf_counter() - start
    assert not parsed_excel.issues, parsed_excel.issues[:3]
    start = time.perf_counter()
    import_systems(actor=reviewer, parsed=parsed_excel, source="excel.xlsx")
    excel_apply = time.perf_counter() - start
    print(
        f"the same saved the Excel way ({len(excel) / 1e6:.1f} MB, <dimension>, shared strings):"
        f" read {excel_parse:.2f} s, apply {excel_apply:.2f} s"
    )
    start = time.perf_counter()
    parsed = karte_io.read_file("bench.xlsx", data, limits=karte_io.COMMAND_LIMITS)
    result = import_systems(actor=reviewer, parsed=parsed, source="bench.xlsx")
    print(
        f"re-import, nothing changes (unchanged {result.unchanged:,}): "
        f"{time.perf_counter() - start:.2f} s"
    )
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

"""The tables ``bench_ratios.py`` prints: one run, or two runs side by side (``--compare``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# --- Output -------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.2f}{unit}"


def _millions(value: int | None) -> str:
    return "—" if value is None else f"{value / 1e6:.1f}"


def print_table(figures: list[Any], title: str) -> None:
    """Milliseconds (wall, then CPU of the web process), queries, and where they were counted
    (``--instructions``) millions of instructions, ours against the floor."""
    counted = any(f.ours_instructions is not None for f in figures)
    print(title)
    print(
        f"  {'what':<40} {'ours ms':>8} {'floor ms':>8} {'ratio':>6}"
        f" {'cpu ours':>8} {'cpu floor':>9} {'ratio':>6} {'queries':>9}"
        + (f" {'M instr ours':>12} {'floor':>7} {'ratio':>6}" if counted else "")
    )
    group = ""
    for figure in figures:
        if figure.group != group:
            group = figure.group
            print(f"  [{group}]")
        floor_queries = figure.floor_queries if figure.floor_queries is not None else "—"
        queries = (
            f"{figure.ours_queries}/{floor_queries}" if figure.ours_queries is not None else "—"
        )
        line = (
            f"  {figure.label:<40} {figure.ours_ms:>8.2f} {_fmt(figure.floor_ms):>8}"
            f" {_fmt(figure.ratio, '×'):>6} {_fmt(figure.ours_cpu):>8} {_fmt(figure.floor_cpu):>9}"
            f" {_fmt(figure.cpu_ratio, '×'):>6} {queries:>9}"
        )
        if counted:
            line += (
                f" {_millions(figure.ours_instructions):>12}"
                f" {_millions(figure.floor_instructions):>7}"
                f" {_fmt(figure.instruction_ratio, '×'):>6}"
            )
        print(line)


def compare(before_path: str, after_path: str) -> None:
    """Two runs side by side: the ratios to the floor (wall, CPU, instructions where counted)
    and the queries."""
    before_run = json.loads(Path(before_path).read_text())
    before = {(f["group"], f["label"]): f for f in before_run["figures"]}
    after = json.loads(Path(after_path).read_text())
    print(f"{after['database']}, {after['cases']:,} cases; before: {before_run['code']}")
    print(
        f"  {'what':<46} {'ms before → after (floor)':>28} {'× floor, wall':>14}"
        f" {'× floor, CPU':>14} {'queries':>12} {'× floor, instr':>15}"
    )

    def ratio(ours: float | None, floor: float | None) -> str:
        return f"{ours / floor:.2f}" if ours and floor else "—"

    for f in after["figures"]:
        b = before.get((f["group"], f["label"]), {})
        ms = f"{_fmt(b.get('ours_ms'))} → {f['ours_ms']:.2f} ({_fmt(f['floor_ms'])})"
        wall = (
            f"{ratio(b.get('ours_ms'), b.get('floor_ms'))} → {ratio(f['ours_ms'], f['floor_ms'])}"
        )
        cpu = (
            f"{ratio(b.get('ours_cpu'), b.get('floor_cpu'))}"
            f" → {ratio(f.get('ours_cpu'), f.get('floor_cpu'))}"
        )
        queries = (
            f"{b.get('ours_queries', '—')} → {f['ours_queries']}" if f["ours_queries"] else "—"
        )
        instr = (
            f"{ratio(b.get('ours_instructions'), b.get('floor_instructions'))}"
            f" → {ratio(f.get('ours_instructions'), f.get('floor_instructions'))}"
        )
        print(
            f"  {f['group'] + ': ' + f['label']:<46} {ms:>28} {wall:>14} {cpu:>14} {queries:>12}"
            f" {instr:>15}"
        )
    print(
        f"  peak RSS of the web process: {before_run.get('peak_rss_mb')}"
        f" → {after.get('peak_rss_mb')} MB"
    )


BASELINES = Path(__file__).resolve().parent / "baselines"


def baseline_for(cases: int) -> Path | None:
    """The kept measurement from before issue 11's work (``baselines/before-*.json``) of the
    size nearest ``cases``, if one is within half again of it."""
    best: tuple[float, Path] | None = None
    for path in sorted(BASELINES.glob("before-*.json")):
        size = json.loads(path.read_text())["cases"]
        distance = max(size, cases) / max(1, min(size, cases))
        if distance <= 1.5 and (best is None or distance < best[0]):
            best = (distance, path)
    return best[1] if best else None

"""The geometry of the dashboards' charts: bars, stacked bars, a donut and a burndown line,
computed here and drawn as inline SVG by ``templates/dashboards/charts/*.html``.

Why SVG drawn by hand in templates rather than a charting library such as pygal: pygal's SVG
carries ``<script>`` elements (its tooltips load a script from a CDN, with an inline config),
which the Content-Security-Policy forbids (``governance/csp.py``: scripts from this site's
files only, no inline script) and which ARCHITECTURE's self-hosting rule forbids; stripping them
leaves a library used for a few rectangles. The charts here need bars, stacked bars, a donut
(a circle's ``stroke-dasharray``) and one polyline: a few lines of arithmetic, no dependency,
every number printed in the page (so tests read it and a printer prints it), and each chart
has a ``<title>`` and its data as a table in a ``<details>`` element, which opens without
JavaScript. Colours are CSS classes (``dashboards.css``), so print and high contrast follow.

Every function is pure: numbers in, coordinates out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: Width of the drawing area of a bar chart, in SVG user units.
BAR_WIDTH = 320
BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 150


#: Characters of a label drawn beside a bar (the data table and the tooltip show it whole).
LABEL_CHARS = 12


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _scale(maximum: int) -> float:
    return BAR_WIDTH / maximum if maximum > 0 else 0.0


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: float
    tone: str = ""

    @property
    def short_label(self) -> str:
        return short(self.label)

    @property
    def value_x(self) -> float:
        return round(LABEL_WIDTH + self.width + 6, 1)


@dataclass
class BarChart:
    """Horizontal bars, one per (label, value); ``tone`` names a CSS class (e.g. "danger")."""

    slug: str
    title: str
    unit: str
    bars: list[Bar]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + 60
    label_width: int = LABEL_WIDTH

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)


def bar_chart(slug: str, title: str, rows: Sequence[tuple[Any, ...]], unit: str = "") -> BarChart:
    scale = _scale(max((row[1] for row in rows), default=0))
    bars = []
    for index, row in enumerate(rows):
        tone = row[2] if len(row) > 2 else ""
        bars.append(
            Bar(
                label=str(row[0]),
                value=int(row[1]),
                y=index * (BAR_HEIGHT + BAR_GAP),
                width=round(row[1] * scale, 1),
                tone=str(tone),
            )
        )
    height = max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(slug=slug, title=title, unit=unit, bars=bars, height=height)


@dataclass(frozen=True)
class Segment:
    series: int
    label: str
    value: int
    x: float
    width: float


@dataclass
class StackedRow:
    label: str
    total: int
    y: int
    segments: list[Segment]
    values: list[int]

    @property
    def short_label(self) -> str:
        return short(self.label)


@dataclass
class StackedChart:
    """One horizontal bar per row, split by series (a matrix such as severity × phase); the
    data table shows the whole matrix with its totals."""

    slug: str
    title: str
    series: list[str]
    rows: list[StackedRow]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + 60
    label_width: int = LABEL_WIDTH
    column_totals: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.column_totals)


def stacked_chart(
    slug: str, title: str, series: Sequence[Any], rows: Sequence[tuple[Any, list[int]]]
) -> StackedChart:
    scale = _scale(max((sum(values) for _label, values in rows), default=0))
    built = []
    for index, (label, values) in enumerate(rows):
        x = 0.0
        segments = []
        for number, value in enumerate(values):
            if value:
                width = round(value * scale, 1)
                segments.append(
                    Segment(
                        number % 8, str(series[number]), value, round(LABEL_WIDTH + x, 1), width
                    )
                )
                x += width
        built.append(
            StackedRow(str(label), sum(values), index * (BAR_HEIGHT + BAR_GAP), segments, values)
        )
    height = max(1, len(built)) * (BAR_HEIGHT + BAR_GAP)
    totals = [sum(values[i] for _label, values in rows) for i in range(len(series))]
    return StackedChart(
        slug=slug,
        title=title,
        series=[str(name) for name in series],
        rows=built,
        height=height,
        column_totals=totals,
    )


@dataclass(frozen=True)
class Arc:
    series: int
    label: str
    value: int
    dash: float
    gap: float
    offset: float
    percent: str


@dataclass
class Donut:
    """A ring split into arcs (``stroke-dasharray`` on one circle each), the ``total`` in the
    middle with its caption, and the figures beside it."""

    slug: str
    title: str
    total: int
    caption: str
    arcs: list[Arc]
    radius: int = 60
    extra: list[tuple[Any, int]] = field(default_factory=list)

    @property
    def circumference(self) -> float:
        return round(2 * math.pi * self.radius, 2)


def donut(
    slug: str,
    title: str,
    rows: Sequence[tuple[Any, int]],
    *,
    total: int | None = None,
    caption: str = "",
    extra: Sequence[tuple[Any, int]] | None = None,
    radius: int = 60,
) -> Donut:
    """Arcs for ``rows``; ``total`` (the number in the middle) defaults to their sum."""
    whole = sum(value for _label, value in rows)
    circumference = 2 * math.pi * radius
    arcs, done = [], 0.0
    for index, (label, value) in enumerate(rows):
        share = value / whole if whole else 0.0
        dash = round(share * circumference, 2)
        arcs.append(
            Arc(
                series=index % 8,
                label=str(label),
                value=value,
                dash=dash,
                gap=round(circumference - dash, 2),
                offset=round(-done, 2),
                percent=f"{share * 100:.1f}",
            )
        )
        done += dash
    return Donut(
        slug=slug,
        title=title,
        total=whole if total is None else total,
        caption=caption,
        arcs=arcs,
        radius=radius,
        extra=list(extra or []),
    )


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass
class LineSeries:
    label: str
    series: int
    points: list[Point]

    @property
    def svg_points(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass
class Burndown:
    """Still undecided per day (received so far minus decided so far) from the season's
    opening, with the finance deadline as a vertical line; one line per liaison plus the
    total. ``table`` is (day, received, decided, remaining) for the data table."""

    slug: str
    title: str
    lines: list[LineSeries]
    deadline_x: float | None
    today_x: float | None
    maximum: int
    table: list[tuple[dt.date, int, int, int]]
    start: dt.date | None
    end: dt.date | None
    width: int = 480
    height: int = 200
    left: int = 36
    bottom: int = 180


def burndown(
    slug: str,
    title: str,
    received: dict[Any, dict[dt.date, int]],
    decided: dict[Any, dict[dt.date, int]],
    names: dict[Any, str],
    *,
    start: dt.date,
    deadline: dt.date,
    today: dt.date,
) -> Burndown:
    """``received[holder][day]`` and ``decided[holder][day]`` are counts per day; the lines
    run from ``start`` to the later of the deadline and today."""
    end = max(deadline, min(today, deadline + dt.timedelta(days=60)), start)
    days = (end - start).days + 1
    holders = sorted(set(received) | set(decided), key=lambda h: names.get(h, ""))

    def remaining_of(keys: list[Any]) -> list[tuple[dt.date, int, int, int]]:
        rows, got, done = [], 0, 0
        early_got = sum(n for k in keys for d, n in received.get(k, {}).items() if d < start)
        early_done = sum(n for k in keys for d, n in decided.get(k, {}).items() if d < start)
        got, done = early_got, early_done
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            got += sum(received.get(k, {}).get(day, 0) for k in keys)
            done += sum(decided.get(k, {}).get(day, 0) for k in keys)
            rows.append((day, got, done, got - done))
        return rows

    total_rows = remaining_of(holders)
    per_holder = {holder: remaining_of([holder]) for holder in holders}
    maximum = max([row[3] for row in total_rows] + [1])
    chart = Burndown(slug, title, [], None, None, maximum, total_rows, start, end)
    span = chart.width - chart.left - 10
    step = span / max(1, days - 1)

    def line(label: str, series: int, rows: list[tuple[dt.date, int, int, int]]) -> LineSeries:
        points = [
            Point(
                round(chart.left + index * step, 1),
                round(chart.bottom - row[3] * (chart.bottom - 10) / maximum, 1),
            )
            for index, row in enumerate(rows)
            if row[0] <= today
        ]
        return LineSeries(label, series, points)

    chart.lines.append(line("", 0, total_rows))
    for index, holder in enumerate(holders):
        chart.lines.append(line(names.get(holder, ""), index % 7 + 1, per_holder[holder]))
    chart.deadline_x = round(chart.left + (deadline - start).days * step, 1)
    if start <= today <= end:
        chart.today_x = round(chart.left + (today - start).days * step, 1)
    return chart

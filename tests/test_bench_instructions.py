"""The benchmarks' instruction counter (``bench/instructions.py``): one count per call, the
same count (within 5 %) for the same warmed-up work, twice the count for twice the work. Needs
valgrind (on every machine of this project's kind; skipped elsewhere)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench import instructions

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not instructions.available(), reason="valgrind is not installed")


def test_each_call_is_counted_alone_and_the_same_work_counts_the_same(tmp_path: Path) -> None:
    script = tmp_path / "work.py"
    out = tmp_path / "counts.json"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, sys
            sys.path.insert(0, {str(ROOT)!r})
            from bench import instructions

            def work(n):
                return lambda: sum(i * i for i in range(n))

            assert instructions.active()
            work(20_000)()  # warmed up, as the bench warms every page up (3.11 specialises)
            counts = [instructions.count(work(n)) for n in (20_000, 40_000, 20_000)]
            try:
                instructions.count(lambda: 1 / 0)
            except ZeroDivisionError:
                counts.append("raised")
            with open({str(out)!r}, "w") as f:
                json.dump(counts, f)
            """
        )
    )
    folder = tmp_path / "dumps"
    folder.mkdir()

    assert instructions.run_under_callgrind([str(script)], folder) == 0

    small, double, again, raised = json.loads(out.read_text())
    assert abs(small - again) < small / 20
    assert 1.8 < double / small < 2.2
    assert raised == "raised"
    assert not instructions.active()


def test_outside_callgrind_nothing_is_counted() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from bench import instructions; print(instructions.active())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"

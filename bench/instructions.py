"""Instructions executed by one call, counted by valgrind's callgrind (where valgrind is present).

Wall and CPU times move with whatever else the machine runs; the count of instructions a call
executes does not (the same binary and inputs give the same total twice, a loaded core or not).
``bench_ratios.py --instructions`` runs itself once more under

    valgrind --tool=callgrind --collect-atstart=no \
        --toggle-collect=sys_call_tracing --dump-after=sys_call_tracing

and each measured call is made through ``sys.call_tracing`` (CPython's C function
``sys_call_tracing``, which nothing else in the process calls, and which adds no tracing when no
trace function is set): callgrind counts only while it is on the stack and writes one dump file
when it returns, which ``count`` reads back at once. The count is of this process (the web side:
Django, the templates, psycopg's client work), not of PostgreSQL's server.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Set, to the folder of the dump files, in the process valgrind runs.
ENVIRONMENT = "SHINSA_BENCH_CALLGRIND"
_TOTALS = re.compile(rb"^(?:totals|summary):\s+(\d+)", re.MULTILINE)


def available() -> bool:
    return shutil.which("valgrind") is not None


def active() -> bool:
    """Whether this process runs under callgrind for ``count``."""
    return bool(os.environ.get(ENVIRONMENT))


def run_under_callgrind(argv: list[str], folder: Path) -> int:
    """Run ``python argv`` under callgrind with dump files in ``folder``; its exit status."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--collect-atstart=no",
        "--toggle-collect=sys_call_tracing",
        "--dump-after=sys_call_tracing",
        "--cache-sim=no",
        f"--log-file={folder / 'valgrind.log'}",
        f"--callgrind-out-file={folder / 'callgrind.out'}",
        sys.executable,
        *argv,
    ]
    environment = {**os.environ, ENVIRONMENT: str(folder), "PYTHONHASHSEED": "0"}
    return subprocess.run(command, env=environment, stdout=subprocess.DEVNULL).returncode


def count(func: Callable[[], Any]) -> int:
    """Instructions executed by ``func()`` (call only where ``active()``)."""
    folder = Path(os.environ[ENVIRONMENT])
    before = set(folder.iterdir())
    gc.collect()  # each call starts from the same collector state (not counted)
    sys.call_tracing(func, ())
    dumps = sorted(set(folder.iterdir()) - before)
    if len(dumps) != 1:
        raise RuntimeError(f"callgrind wrote {len(dumps)} dump files for one call, not one")
    found = _TOTALS.search(dumps[0].read_bytes())
    if found is None:
        raise RuntimeError(f"no totals in {dumps[0]}")
    dumps[0].unlink()
    return int(found.group(1))

"""Demo data, loaded by ``manage.py load_demo``. Every step is idempotent.

Each part of the product adds its own step module here and lists it in ``STEPS``; a step is a
function ``load(stdout) -> None`` run in order after the organisation and users exist.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.db import transaction

from governance.org import demo as org

#: Modules with a ``load(stdout)`` function, run in this order after the organisation.
STEPS: list[str] = [
    "governance.karte.demo",
    "governance.budget.demo",
    "governance.spec_review.demo",
    "governance.incidents.demo",
    "governance.network.demo",
    "governance.activity.demo",
    "governance.oversight.demo",
]


def load_all(stdout: Any) -> list[tuple[str, str, str, str]]:
    with transaction.atomic():
        logins = org.load(stdout)
    for name in STEPS:
        module = importlib.import_module(name)
        with transaction.atomic():
            module.load(stdout)
    return logins

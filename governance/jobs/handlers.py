"""Imports every module that registers an outbox job handler, a document builder or a periodic
task, so workers and the periodic runner know them all.

The modules are named, not imported at the top: they depend on the outbox (to enqueue) and
the outbox must not depend on them, so the sub-domain packages stay free of cycles.
"""

from importlib import import_module

from django.conf import settings

#: Add the module of a new handler, document builder or periodic task here.
HANDLER_MODULES = [
    "governance.audit.anchors",
    "governance.budget.services",
    "governance.clocks.runner",
    "governance.decisions.package",
    "governance.budget.services.season",
    "governance.cases.services.documents",
    "governance.cases.services.notifications",
    "governance.incidents.services.documents",
    "governance.network.services",
    "governance.spec_review.services",
]

for _module in [*HANDLER_MODULES, *settings.JOBS_EXTRA_MODULES]:
    import_module(_module)

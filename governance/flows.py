"""The case flows, known to the kernel without importing them.

Dependencies point one way: ``workflows`` imports ``governance``, never the reverse (import-linter
checks it). The workflows app registers each flow here when Django starts
(``workflows.apps.WorkflowsConfig.ready``), with its application in the Site, and the headless
driver that starts flows and completes their steps. The Site, the start links on the home page
and demo data read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class RegisteredFlow:
    """One case flow: the ``CaseKind`` it moves, its viewflow class and its Site application."""

    kind: str
    flow_class: Any
    viewset: Any


class FlowDriver(Protocol):
    """What ``workflows.driver`` offers (see there)."""

    def start(self, flow_class: Any, *, user: Any, data: Any = ..., files: Any = ...) -> Any: ...

    def act(
        self, target: Any, node: Any = ..., *, user: Any, data: Any, files: Any = ...
    ) -> Any: ...

    def complete(
        self, target: Any, node: Any = ..., *, user: Any, data: Any = ..., files: Any = ...
    ) -> Any: ...


_flows: list[RegisteredFlow] = []
_driver: list[FlowDriver] = []

NOT_READY = "The workflows app has not registered its flows yet (is it in INSTALLED_APPS?)."


def register(*, kind: str, flow_class: Any, viewset: Any) -> None:
    """Add a flow, in menu order; registering a kind again replaces it."""
    _flows[:] = [entry for entry in _flows if entry.kind != kind]
    _flows.append(RegisteredFlow(kind=kind, flow_class=flow_class, viewset=viewset))


def register_driver(driver: FlowDriver) -> None:
    _driver[:] = [driver]


def flows() -> list[RegisteredFlow]:
    if not _flows:
        raise LookupError(NOT_READY)
    return list(_flows)


def flow_class(kind: str) -> Any:
    for entry in flows():
        if entry.kind == kind:
            return entry.flow_class
    raise LookupError(kind)


def driver() -> FlowDriver:
    if not _driver:
        raise LookupError(NOT_READY)
    return _driver[0]

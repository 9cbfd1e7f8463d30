"""The write path of incidents, split by seam: intake, event triage, incident triage and
severity, handling work, closure, and the emergency disconnection hook."""

from governance.incidents.services.closure import (
    acknowledge,
    ciso_closure,
    closure_errors,
    dismiss_incident,
    merge_incidents,
    request_closure,
    review_closure,
)
from governance.incidents.services.documents import generate_incident_document
from governance.incidents.services.events import (
    dismiss_event,
    mark_duplicate,
    merge_event,
    take_event,
)
from governance.incidents.services.hooks import request_emergency_disconnection
from governance.incidents.services.intake import (
    receive_event,
    record_manual_event,
    submit_department_report,
)
from governance.incidents.services.triage import open_incident, set_severity, triage_incident
from governance.incidents.services.work import (
    add_observable,
    add_observables,
    add_task,
    add_timeline_entry,
    move_phase,
    record_restricted_view,
    set_task_status,
    set_tlp,
    update_facts,
)

__all__ = [
    "acknowledge",
    "add_observable",
    "add_observables",
    "add_task",
    "add_timeline_entry",
    "ciso_closure",
    "closure_errors",
    "dismiss_event",
    "dismiss_incident",
    "generate_incident_document",
    "mark_duplicate",
    "merge_event",
    "merge_incidents",
    "move_phase",
    "open_incident",
    "receive_event",
    "record_manual_event",
    "record_restricted_view",
    "request_closure",
    "request_emergency_disconnection",
    "review_closure",
    "set_severity",
    "set_task_status",
    "set_tlp",
    "submit_department_report",
    "take_event",
    "triage_incident",
    "update_facts",
]

"""Drive a case flow without a browser: start it, pick up and complete its human steps as a given
user with given form data.

Every call goes through the very step views the browser reaches (viewflow's wrappers included):
the node's permission and assignment checks, segregation of duties, the form, the service and
its audit event, the flow's lock and transaction. Nothing here writes business state itself.
Demo data, tests and the REST API use it instead of hand-written activation code.

- ``start(FlowClass, user=..., data=..., files=...)`` → the new process.
- ``complete(task, user=..., data=..., files=...)`` → the finished task; a task still in a
  queue is picked up first (``assign``), as the browser's 「引き受ける」 button does.
- ``act(task, user=..., data=...)`` posts an in-page action of a step that leaves it open
  (the spec reviewer's accept/dismiss/finding buttons).

A user who may not do the step gets ``PermissionDenied`` (or ``Http404`` for a task out of
their reach); invalid data or a service's refusal raises ``StepRefused`` (a ``ValueError``)
carrying the messages the page would show, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import get_resolver
from django.utils.encoding import force_str
from django.utils.http import urlencode
from viewflow.workflow.status import STATUS

from governance import compiled
from workflows.models import CaseProcess, CaseTask

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


class StepRefused(ValueError):
    """The step's page refused the data: form errors or the service's reason, as shown."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(" / ".join(errors))


class _Messages(BaseStorage):
    """Keeps the messages a step adds, so a refusal shown as a message can be raised."""

    def _get(self, *args: Any, **kwargs: Any) -> tuple[list[Any], bool]:
        return [], True

    def _store(self, messages: list[Any], response: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return []


def _load_urls() -> None:
    """Viewflow names a node's URLs when the Site's URLconf is built; a management command or a
    worker has not built it yet."""
    get_resolver().url_patterns  # noqa: B018  (builds and caches the URLconf)


def _request(path: str, user: Any, data: Mapping[str, Any] | None, files: Any) -> HttpRequest:
    payload: dict[str, Any] = {}
    for name, value in (data or {}).items():
        payload[name] = "" if value is None else value
    for name, value in (files or {}).items():
        if value is not None:
            if hasattr(value, "seek"):
                value.seek(0)
            payload[name] = value
    if any(map(_holds_file, payload.values())):  # as the page posts them (multipart/form-data)
        request = RequestFactory().post(path, payload)
    else:
        # Without files, the form's fields as a form without an upload posts them: parsed
        # as a query string, not through Django's multipart parser (a budget check's five posts:
        # 8.6 M instructions parsed as multipart, 1.6 M as a query string).
        encoded = urlencode(
            {name: _form_value(value) for name, value in payload.items()}, doseq=True
        )
        request = RequestFactory().post(
            path, encoded, content_type="application/x-www-form-urlencoded"
        )
    request.user = user
    request.session = SessionStore()
    request._messages = _Messages(request)  # type: ignore[attr-defined]  # what MessageMiddleware sets
    return request


def _is_file(value: Any) -> bool:
    return callable(getattr(value, "read", None))


def _holds_file(value: Any) -> bool:
    if _is_file(value):
        return True
    return (
        isinstance(value, Iterable)
        and not isinstance(value, str | bytes)
        and any(map(_is_file, value))
    )


def _form_value(value: Any) -> Any:
    """A value as Django's multipart encoder writes it: an iterable item by item, the rest
    as text."""
    if isinstance(value, str | bytes):
        return force_str(value)
    if isinstance(value, Iterable):
        return [force_str(item) for item in value]
    return force_str(value)


def _errors_of(response: HttpResponse) -> list[str]:
    """What the page shows as wrong: the form's and formset's errors."""
    context = getattr(response, "context_data", None) or {}
    errors: list[str] = []
    if context.get("refusal"):  # a page that only says why (a step done meanwhile, a conflict)
        errors.append(str(context["refusal"]))
    form = context.get("form")
    if form is not None:
        for name, field_errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else None
            errors.extend(f"{label}: {error}" if label else str(error) for error in field_errors)
    formset = context.get("formset")
    if formset is not None:
        errors.extend(str(error) for error in formset.non_form_errors())
        for row in formset.errors:
            for name, field_errors in row.items():
                errors.extend(f"{name}: {error}" for error in field_errors)
    return errors or [f"HTTP {response.status_code}"]


def _refusals(request: HttpRequest) -> list[str]:
    stored = request._messages._queued_messages  # type: ignore[attr-defined]  # BaseStorage keeps them there
    return [str(message) for message in stored if message.level >= messages.ERROR]


def _send(view: Any, request: HttpRequest, **kwargs: Any) -> Any:
    """Post ``request`` to ``view``; the step's activation, as viewflow left it, is returned
    (its process and task are what the step wrote, so they are not read again)."""
    response = view(request, **kwargs)
    if response.status_code != 302:
        raise StepRefused(_errors_of(response))
    refusals = _refusals(request)
    if refusals:
        raise StepRefused(refusals)
    return request.activation  # type: ignore[attr-defined]  # set by viewflow's wrapper


def start(
    flow_class: Any,
    *,
    user: Any,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
    node: Any = None,
) -> CaseProcess:
    """Start ``flow_class`` (its ``start`` node unless ``node`` is given) as ``user``."""
    _load_urls()
    node = node or flow_class.start
    request = _request(node.reverse("execute"), user, data, files)
    process: CaseProcess = _send(node.start_view_path.callback, request).process
    return process


def open_task(process: Any, node: Any) -> CaseTask:
    """The open (new or assigned) task of ``node`` on ``process``."""
    # Its SQL compiled once per node in this process (as ``get()``: exactly one task).
    found = compiled.bound_models(
        compiled.query_key("open_task", node.flow_class, node.name),
        partial(_open_tasks, node),
        (process.pk,),
    )
    if not found:
        raise CaseTask.DoesNotExist(f"no open task of {node} on process {process.pk}")
    if len(found) > 1:
        raise CaseTask.MultipleObjectsReturned(f"{len(found)} open tasks of {node}")
    return cast(CaseTask, found[0])


def _open_tasks(node: Any, process_pk: int) -> Any:
    return CaseTask.objects.filter(process_id=process_pk, flow_task=node, status__in=OPEN)[:2]


def _task(target: Any, node: Any) -> CaseTask:
    if node is not None:
        return open_task(target, node)
    return CaseTask.objects.get(pk=target.pk)


def assign(task: Any, *, user: Any) -> CaseTask:
    """Pick up a task waiting in a queue, as its 「引き受ける」 button does."""
    _load_urls()
    node = task.flow_task
    request = _request(node.reverse("assign", args=[task.process_id, task.pk]), user, {}, None)
    activation = _send(
        node.assign_path.callback, request, process_pk=task.process_id, task_pk=task.pk
    )
    assigned: CaseTask = activation.task
    return assigned


def act(
    target: Any,
    node: Any = None,
    *,
    user: Any,
    data: Mapping[str, Any],
    files: Mapping[str, Any] | None = None,
) -> CaseTask:
    """Post to the step's page as ``user`` (picking the task up first if it waits in a queue);
    the step may stay open. ``target`` is a task, or a process with ``node``."""
    task = _task(target, node)
    if task.status == STATUS.NEW:
        task = assign(task, user=user)
    _load_urls()
    flow_task = task.flow_task
    request = _request(
        flow_task.reverse("execute", args=[task.process_id, task.pk]), user, data, files
    )
    activation = _send(
        flow_task.view_path.callback, request, process_pk=task.process_id, task_pk=task.pk
    )
    done: CaseTask = activation.task
    return done


def complete(
    target: Any,
    node: Any = None,
    *,
    user: Any,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
) -> CaseTask:
    """Do the step as ``user`` with ``data``: the task is done when this returns."""
    task = act(target, node, user=user, data=data or {}, files=files)
    if task.status != STATUS.DONE:
        raise StepRefused([f"{task.flow_task.name}: the step stayed open ({task.status})"])
    return task

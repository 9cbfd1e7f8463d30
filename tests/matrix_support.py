"""The permission matrix's machinery: every URL pattern of the site, read from the resolver;
its keyword arguments filled with department A's or department B's objects; one request per
(URL, role, method) inside a savepoint that is rolled back, and what came of it.

Adding a page adds it to the matrix. A page whose keyword argument this module cannot fill
shows up as "unfillable" in the matrix's first test: add its meaning to ``PK_KINDS`` (for a
bare ``pk``) or ``KWARG_KINDS``.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, models, transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from governance.models import (
    AuditEvent,
    BudgetSeason,
    Case,
    CaseGroupObjectPermission,
    CaseMessage,
    CaseUserObjectPermission,
    Contract,
    Department,
    DocumentVersion,
    EventReport,
    IncidentMember,
    IncidentTask,
    InformationSystem,
    Job,
    LockInTerm,
    Notification,
    Observable,
    Rule,
    Section,
    SecurityEvent,
    TimelineEntry,
    User,
)
from tests.matrix_world import Holdings, World
from tests.second_factor import mark_verified, needs_code

ROLES = (
    "anonymous",
    "staff_a",
    "staff_b",
    "reviewer",
    "approver",
    "auditor",
    "admin",
    "csirt",
    "csirt_lead",
    "ciso",
    "top",
)
METHODS = ("get", "post")

# --- The site's URL patterns ---------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """One URL pattern of the site, as the resolver holds it."""

    route: str  # as ``ResolverMatch.route`` spells it
    name: str  # "namespace:…:name", or "" for an unnamed pattern
    namespaces: tuple[str, ...]
    parts: tuple[Any, ...]  # the pattern objects from the root down, to build a URL
    kwargs: tuple[str, ...]
    flow_class: Any = None

    @property
    def node(self) -> str | None:
        """The flow node of a task page (``consultation:answer:execute`` → ``answer``)."""
        return self.namespaces[1] if self.flow_class and len(self.namespaces) > 1 else None


def site_patterns() -> list[Pattern]:
    """Every URL pattern, walking nested resolvers (viewflow's Site, apps and flow nodes)."""
    found: list[tuple[tuple[Any, ...], tuple[str, ...], URLPattern]] = []

    def walk(resolver: URLResolver, parts: tuple[Any, ...], namespaces: tuple[str, ...]) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespaces + ((entry.namespace,) if entry.namespace else ())
                walk(entry, (*parts, entry.pattern), inner)
            else:
                found.append(((*parts, entry.pattern), namespaces, entry))

    walk(get_resolver(), (), ())
    flows: dict[str, Any] = {}
    for _parts, namespaces, entry in found:
        flow_class = getattr(entry.callback, "view_initkwargs", {}).get("flow_class")
        if flow_class is not None and namespaces:
            flows.setdefault(namespaces[0], flow_class)
    patterns = []
    for parts, namespaces, entry in found:
        route = str(parts[0]) + "".join(str(part).removeprefix("^") for part in parts[1:])
        names = [name for part in parts for name in part.regex.groupindex]
        patterns.append(
            Pattern(
                route=route,
                name=":".join((*namespaces, entry.name)) if entry.name else "",
                namespaces=namespaces,
                parts=parts,
                kwargs=tuple(names),
                flow_class=flows.get(namespaces[0]) if namespaces else None,
            )
        )
    return patterns


_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(part: Any, kwargs: dict[str, Any]) -> str:
    if isinstance(part, RoutePattern):  # a path() route: each converter writes its value
        converters = part.converters
        return _ROUTE_PARAM.sub(
            lambda m: str(converters[m.group(2)].to_url(kwargs[m.group(2)])), str(part)
        )
    # A re_path() regex (Django admin's app index and catch-all).
    text = _REGEX_GROUP.sub(lambda m: str(kwargs[m.group(1)]), str(part))
    return text.removeprefix("^").removesuffix("$")


def build_url(pattern: Pattern, kwargs: dict[str, Any]) -> str:
    return "/" + "".join(_fill(part, kwargs) for part in pattern.parts)


# --- Filling keyword arguments --------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A pattern made into a URL with one department's objects (``owner``), or none."""

    pattern: Pattern
    url: str
    owner: str | None

    @property
    def label(self) -> str:
        return f"{self.url} ({self.pattern.name or self.pattern.route})"


#: What a bare ``pk`` stands for, by the pattern's name.
PK_KINDS: dict[str, str] = {
    "home:case": "case",
    "home:case_share": "case",
    "home:case_trace": "case",
    "home:case_package": "case",
    "home:case_as_of": "case",
    "home:package_download": "job",
    "home:document_preview": "case",
    "home:case_unshare": "case",
    "home:notification_read": "notification",
    "home:task_reassign": "open_task",
    "home:document_download": "document_version",
    "home:document_regenerate": "document",
    "home:attachment_download": "attachment",
    "home:job_retry": "job",
    "jobs:retry": "job",
    "karte:detail": "system",
    "karte:edit": "system",
    "karte:contract_add": "system",
    "karte:contract_delete": "system",
    "karte:costs": "system",
    "karte:monitoring": "system",
    "budget:season_edit": "season",
    "budget:item": "guidance_item",
    "audit:anchor": "anchor",
    "users:detail": "user",
    "users:grant_role": "user",
    "users:revoke_role": "user",
    "users:activate": "user",
    "users:deactivate": "user",
    "users:change_department": "user",
    "users:reset_password": "user",
    "users:unlock": "user",
    "users:reset_second_factor": "user",
    "users:assign_liaison": "department",
    "users:key_approve": "key_request",
    "users:key_reject": "key_request",
    "incidents:event": "event",
    "incidents:my_event": "event",
    # The incident page is probed on the TLP:RED incident (the flow pages show the others).
    "incidents:incident": "red_incident",
    # So are its documents (a report of the TLP:RED incident).
    "incidents:incident_document": "red_incident",
    "incidents:incident_document_download": "red_incident",
    "network:approval": "approval",
    "network:condition": "condition",
    "network:suspend_system": "system",
    # 監査指摘と措置: the world's engagement, its finding and its measure (no department's).
    "oversight:detail": "engagement",
    "oversight:download": "engagement",
    "oversight:finding_create": "engagement",
    "oversight:report_issue": "engagement",
    "oversight:measure_draft": "finding",
    "oversight:finding_close": "finding",
    "oversight:measure_approve": "measure",
    "oversight:measure_report": "measure",
}
#: What every other keyword argument stands for.
KWARG_KINDS: dict[str, str] = {
    "role": "dashboard_role",
    "report": "dashboard_report",
    "process_pk": "process",
    "task_pk": "task",
    "case_pk": "case",
    "contract_pk": "contract",
    "uidb64": "uidb64",
    "token": "token",
    "object_id": "admin_object",
    "content_type_id": "content_type",
    "id": "user",
    "app_label": "app_label",
    "url": "missing_path",
    # The API names systems by code and cases by number.
    "code": "system_code",
    "number": "case_number",
    # Integration keys by prefix (their page is the administrators').
    "prefix": "integration_key",
    # The annual report (事務事業実績) by fiscal year, a figure by key, a file by format and
    # the report's actions by name.
    "year": "report_year",
    "fiscal_year": "report_year",
    "key": "report_figure",
    "fmt": "report_format",
    "action": "report_action",
    # The auditors' saved extractions (監査用抽出) by name.
    "slug": "extraction",
    # The Word master a document preview renders (the budget check's, as the case is one).
    "template": "document_template",
    # A version of an incident's document (the TLP:RED incident's report).
    "version": "red_incident_document_version",
}
#: Keyword arguments whose meaning depends on the page (the API names events by number too).
NAMED_KWARG_KINDS: dict[tuple[str, str], str] = {
    ("v1:security_event", "number"): "event_number",
    # The API's incident and its parts are probed on the TLP:RED incident, as its page.
    ("v1:api_incident", "number"): "red_incident_number",
    ("v1:incident_observables", "number"): "red_incident_number",
    ("v1:incident_obligations", "number"): "red_incident_number",
    ("v1:incident_timeline", "number"): "red_incident_number",
    # Network approvals by their connection's case number.
    ("v1:network_approval", "number"): "approval_number",
}
#: 監査指摘と措置's objects, kept in ``World.shared``.
OVERSIGHT_KINDS = ("engagement", "finding", "measure")
#: Kinds that belong to no department: the pattern is requested once.
SHARED_KINDS = {
    "season",
    "app_label",
    "missing_path",
    "anchor",
    "integration_key",
    "key_request",
    "report_year",
    "report_figure",
    "report_format",
    "report_action",
    "extraction",
    *OVERSIGHT_KINDS,
}
#: The annual report's arguments: FY2024's report, its 相談件数, the Word file, 決裁に回す.
REPORT_KWARGS = {
    "report_year": 2024,
    "report_figure": "consultations",
    "report_format": "docx",
    "report_action": "submit",
}


class Unfillable(LookupError):
    pass


def _anchor() -> Any:
    """The monthly anchor the world holds (``matrix_world.build_world``)."""
    from governance.models import AuditAnchor

    return AuditAnchor.objects.get()


def kind_of(pattern: Pattern, kwarg: str) -> str:
    kind = (
        PK_KINDS.get(pattern.name)
        if kwarg == "pk"
        else NAMED_KWARG_KINDS.get((pattern.name, kwarg), KWARG_KINDS.get(kwarg))
    )
    if kind is None:
        raise Unfillable(f"{pattern.route}: no meaning for {kwarg!r}")
    return kind


def _admin_model(pattern: Pattern) -> type[models.Model] | None:
    from django.apps import apps

    bits = pattern.route.split("/")
    if len(bits) > 3 and bits[0] == "admin":
        try:
            return apps.get_model(bits[1], bits[2])
        except (LookupError, ValueError):
            return None
    return None


def _admin_object(h: Holdings, model: type[models.Model] | None) -> Any:
    """The department's own row of an admin page's model, or any row when none is its own."""
    closed_case = h.cases[0]
    owned: dict[Any, Any] = {
        User: h.staff,
        Department: h.department,
        Section: Section.objects.filter(department=h.department).first(),
        AuditEvent: AuditEvent.objects.filter(case_id=closed_case.pk).first(),
        Job: h.objects["job"],
        Case: closed_case,
    }
    if model is None:
        raise Unfillable("admin object of no model")
    for base, row in owned.items():
        if issubclass(model, base) and row is not None:
            return row.pk
    if model._meta.label_lower == "viewflow.process":
        return closed_case.process_id
    if model._meta.label_lower == "viewflow.task":
        return h.tasks[next(iter(h.tasks))].pk
    row = model._default_manager.order_by("pk").first()
    if row is None:
        raise Unfillable(f"no {model._meta.label} row")
    return row.pk


def _case_for(pattern: Pattern, h: Holdings) -> Case:
    if pattern.flow_class is not None:
        return next(c for c in h.cases if c.process.flow_class is pattern.flow_class)  # type: ignore[union-attr]  # every world case has a process
    return next(c for c in h.cases if c.kind == "budget_check")


def _value(kind: str, pattern: Pattern, h: Holdings | None, world: World) -> Any:
    """The object (its key) a keyword argument of ``kind`` points at, of ``h``'s department."""
    if kind == "season":
        return world.shared["season"].pk
    if kind == "app_label":
        return "governance"
    if kind == "dashboard_role":
        return "department"
    if kind == "dashboard_report":
        return "coverage"
    if kind == "missing_path":
        return "matrix/no-such-page/"
    if kind == "anchor":
        return _anchor().pk
    if kind == "integration_key":
        return world.shared["integration_key"].prefix
    if kind == "key_request":
        return world.shared["key_request"].pk
    if kind in REPORT_KWARGS:
        return REPORT_KWARGS[kind]
    if kind == "extraction":
        return "self-decided"
    if kind in OVERSIGHT_KINDS:
        return world.shared[kind].pk
    assert h is not None
    if kind == "task":
        return h.tasks[(pattern.flow_class, str(pattern.node))].pk
    if kind == "open_task":  # the department's first open human task (担当者の変更)
        return min(
            (t for t in h.tasks.values() if t.status in ("NEW", "ASSIGNED")), key=lambda t: t.pk
        ).pk
    if kind == "process":
        if "task_pk" in pattern.kwargs:  # the task's own process
            return h.tasks[(pattern.flow_class, str(pattern.node))].process_id
        closed, *running = h.processes[pattern.flow_class]
        # Cancelling is tried on a running process; the other pages show the richest one.
        return running[0].pk if pattern.name.endswith("cancel") else closed.pk
    simple = {
        "case": lambda: _case_for(pattern, h).pk,
        "system": lambda: h.system.pk,
        "system_code": lambda: h.system.code,
        "document_template": lambda: "budget_check_result",
        "case_number": lambda: _case_for(pattern, h).number,
        "event_number": lambda: h.objects["event"].number,
        "red_incident_number": lambda: h.objects["red_incident"].number,
        "approval_number": lambda: h.objects["approval"].case.number,
        "contract": lambda: h.contract.pk,
        "user": lambda: h.staff.pk,
        "department": lambda: h.department.pk,
        "anchor": lambda: _anchor().pk,
        "uidb64": lambda: urlsafe_base64_encode(force_bytes(h.staff.pk)),
        "token": lambda: default_token_generator.make_token(h.staff),
        "content_type": lambda: ContentType.objects.get_for_model(Case).pk,
        "admin_object": lambda: (
            h.cases[0].pk
            if "content_type_id" in pattern.kwargs
            else _admin_object(h, _admin_model(pattern))
        ),
    }
    if kind in simple:
        return simple[kind]()
    if kind in h.objects:
        return h.objects[kind].pk
    raise Unfillable(f"{pattern.route}: no {kind!r} object")


def targets(patterns: list[Pattern], world: World) -> tuple[list[Target], list[str]]:
    """Each pattern as URLs: once per department when it points at owned objects."""
    found: dict[str, Target] = {}
    problems: list[str] = []
    for pattern in patterns:
        try:
            kinds = {kwarg: kind_of(pattern, kwarg) for kwarg in pattern.kwargs}
            owners: list[str | None] = (
                list(world.holdings) if set(kinds.values()) - SHARED_KINDS else [None]
            )
            for owner in owners:
                h = world.holdings[owner] if owner else None
                kwargs = {kwarg: _value(kind, pattern, h, world) for kwarg, kind in kinds.items()}
                url = build_url(pattern, kwargs)
                if resolve(urlsplit(url).path).route != pattern.route:
                    raise Unfillable(f"{url} does not resolve to {pattern.route}")
                known = found.get(url)
                if known is None:
                    found[url] = Target(pattern, url, owner)
                elif known.owner != owner:  # an admin page of a row no department owns
                    found[url] = replace(known, owner=None)
        except (Unfillable, KeyError, StopIteration, IndexError, Resolver404) as exc:
            problems.append(f"{pattern.route}: {exc!r}")
    return list(found.values()), problems


# --- What a response shows ------------------------------------------------------------------

#: A department's marker starts a word: "MXA" inside a random token is not data.
_TOKEN = re.compile(r"(?<![A-Za-z0-9])MX[AB][^\s<>\"'&]*|\b[A-Z]{2,4}-\d{4}-\d{4}\b")
#: Random values every page carries (CSP nonces, CSRF tokens, TOTP secrets): a random string
#: can contain "MXA" or "MXB" by chance (about one full sweep in six did), so they are removed
#: before the markers are looked for.
_RANDOM = re.compile(r'nonce="[^"]*"|value="[A-Za-z0-9+/=_-]{20,}"|"csrfToken":\s*"[^"]*"')
#: Prefixes of the registry's strings (systems, their vendors); every other MX… string of a
#: department is case data (titles, questions, guidance, file names).
_SYSTEM_PREFIXES = ("0", "基幹システム", "業務システム", "新規システム", "情報サービス")


def readable_text(response: HttpResponseBase) -> str:
    """What a person could read in the response: HTML, JSON, CSV, or an .xlsx/.docx file."""
    body: bytes = (
        b"".join(getattr(response, "streaming_content", ()))
        if response.streaming
        else getattr(response, "content", b"")
    )
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(body), read_only=True)
        except Exception:  # not a workbook after all: nothing readable
            return ""
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if "wordprocessingml" in kind or body[:2] == b"PK":
        try:
            from tests.spec_docs import docx_text

            return docx_text(body)
        except Exception:  # not a Word file: nothing readable
            return ""
    text = body.decode("utf-8", errors="replace")
    if "json" in kind:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def departments_seen(text: str, numbers: dict[str, str]) -> frozenset[str]:
    """Which departments' data the text shows: ``"A:case"``, ``"B:system"``, ``"A:network"``
    (a network connection: its strings are marked ``MX…NW``), …; ``numbers`` maps each case
    number to its department's letter, or to ``"A:network"`` for a network connection."""
    seen = set()
    for token in set(_TOKEN.findall(_RANDOM.sub("", text))):
        if token.startswith("MX"):
            letter, rest = token[2], token[3:]
            if rest.startswith(_SYSTEM_PREFIXES):
                seen.add(f"{letter}:system")
            elif rest.startswith("IN"):  # incidents and security events (matrix_world)
                seen.add(f"{letter}:{'red' if rest.startswith('IN極秘') else 'incident'}")
            elif rest.startswith("NW"):  # network connections (matrix_world)
                seen.add(f"{letter}:network")
            else:
                seen.add(f"{letter}:case")
        elif token in numbers:
            owner = numbers[token]
            if ":" in owner:
                seen.add(owner)
            else:
                seen.add(f"{owner}:{'incident' if token.startswith('IN-') else 'case'}")
    return frozenset(seen)


# --- Business state -------------------------------------------------------------------------


#: Tables whose row count is part of the business state.
_COUNTED = (
    AuditEvent,
    Case,
    CaseMessage,
    CaseUserObjectPermission,
    CaseGroupObjectPermission,
    Contract,
    DocumentVersion,
    InformationSystem,
    Job,
    User,
    BudgetSeason,
    LockInTerm,
    Rule,
    SecurityEvent,
    EventReport,
    IncidentTask,
    TimelineEntry,
    Observable,
    IncidentMember,
)


class _StateQuery:
    """One SELECT of scalar subqueries: row counts, and sums that move when a task, process,
    case, job, account or department changes (statuses, owners, flags, ``updated_at``)."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.parts: list[str] = []
        self.params: list[Any] = []

    @staticmethod
    def col(model: Any, name: str) -> str:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        return str(connection.ops.quote_name(str(field.column)))

    def add(self, label: str, model: Any, expression: str, where: str = "", *params: Any) -> None:
        table = connection.ops.quote_name(model._meta.db_table)
        # Identifiers come from the models' metadata, values are parameters: no input here.
        sql = f"SELECT {expression} FROM {table}"  # noqa: S608
        self.labels.append(label)
        self.parts.append(f"({sql} WHERE {where})" if where else f"({sql})")
        self.params.extend(params)

    @classmethod
    def build(cls) -> _StateQuery:
        from django.contrib.auth.models import Group
        from viewflow.workflow.models import Process, Task
        from viewflow.workflow.status import STATUS

        query, col = cls(), cls.col
        for model in (*_COUNTED, Group, User.groups.through):
            query.add(model.__name__, model, "COUNT(*)")
        for model in (Task, Process):
            for status in STATUS:
                where = f"{col(model, 'status')} = %s"
                label = f"{model.__name__}.{status}"
                query.add(label, model, f"SUM({col(model, 'id')})", where, str(status))
        owners = f"SUM({col(Task, 'id')} * COALESCE({col(Task, 'owner')}, 0))"
        query.add("Task.owner", Task, owners)
        for value in Job.Status.values:
            query.add(f"Job.{value}", Job, "COUNT(*)", f"{col(Job, 'status')} = %s", value)
        for model in (Case, InformationSystem):
            query.add(f"{model.__name__}.updated_at", model, f"MAX({col(model, 'updated_at')})")
        flags = " + ".join(
            f"{weight} * CASE WHEN {col(User, name)} THEN 1 ELSE 0 END"
            for weight, name in ((1, "is_active"), (2, "is_staff"), (4, "is_superuser"))
        )
        query.add("User.flags", User, f"SUM({col(User, 'id')} * ({flags}))")
        liaison = f"SUM({col(Department, 'id')} * COALESCE({col(Department, 'liaison')}, 0))"
        query.add("Department.liaison", Department, liaison)
        unread = f"{col(Notification, 'read_at')} IS NULL"
        query.add("Notification.unread", Notification, "COUNT(*)", unread)
        return query

    @property
    def sql(self) -> str:
        return "SELECT " + ", ".join(self.parts)


@dataclass
class StateProbe:
    """Reads the business state before and after a request and names what moved."""

    query: _StateQuery = field(default_factory=_StateQuery.build)

    def read(self) -> tuple[Any, ...]:
        with connection.cursor() as cursor:
            cursor.execute(self.query.sql, self.query.params)
            row = cursor.fetchone()
        assert row is not None
        return tuple(row)

    def changes(self, before: tuple[Any, ...], after: tuple[Any, ...]) -> tuple[str, ...]:
        pairs = zip(self.query.labels, before, after, strict=True)
        return tuple(label for label, old, new in pairs if old != new)


# --- Requests -------------------------------------------------------------------------------

#: Roles whose responses are read for other departments' data (the others read everything
#: they can open, or their reach is checked by status alone).
WATCHED = frozenset({"anonymous", "staff_a", "staff_b", "csirt", "csirt_lead", "ciso"})
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


@dataclass(frozen=True)
class Outcome:
    target: Target
    role: str
    method: str
    status: int
    location: str = ""
    #: Departments' data the response (or the page its redirect leads to) shows.
    seen: frozenset[str] = frozenset()
    changed: tuple[str, ...] = ()
    error: str = ""
    #: The status of the page a redirect leads to, when it was followed.
    followed: int | None = None

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.target.label} as {self.role} → {self.status}"


@dataclass
class Sweep:
    """Requests the matrix as each role, with one signed-in client per role."""

    world: World
    probe: StateProbe = field(default_factory=StateProbe)
    clients: dict[str, Client] = field(default_factory=dict)
    #: (role, address) → (status, data seen) of pages requested or led to by a redirect.
    followed: dict[tuple[str, str], tuple[int, frozenset[str]]] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.numbers = {
            case.number: f"{h.letter}:network" if case.kind == "network_connection" else h.letter
            for h in self.world.holdings.values()
            for case in h.cases
        }

    def seen(self, role: str, response: HttpResponseBase) -> frozenset[str]:
        if role not in WATCHED:
            return frozenset()
        return departments_seen(readable_text(response), self.numbers)

    def client(self, role: str) -> Client:
        if role not in self.clients:
            client = Client(raise_request_exception=False)
            if role != "anonymous":
                client.force_login(self.world.cast[role])
                if needs_code(self.world.cast[role]):
                    mark_verified(client, self.world.cast[role])
            self.clients[role] = client
        return self.clients[role]

    def _signed_out(self, role: str, client: Client) -> bool:
        cookie = client.cookies.get("sessionid")
        return role != "anonymous" and (cookie is None or not cookie.value)

    def _follow(self, role: str, client: Client, location: str) -> tuple[int, frozenset[str]]:
        """The page a redirect leads to (one hop; the same address gives the same page)."""
        key = (role, location)
        if key not in self.followed:
            page = client.get(location)
            self.followed[key] = (page.status_code, self.seen(role, page))
        return self.followed[key]

    def request(self, target: Target, role: str, method: str) -> Outcome:
        """One request, in a savepoint rolled back afterwards, so nothing it does lasts."""
        client = self.client(role)
        with transaction.atomic():
            before = self.probe.read()
            response = getattr(client, method)(target.url)
            status = response.status_code
            location = urljoin(target.url, response.get("Location", "")) if status < 400 else ""
            error = ""
            if status >= 500 and getattr(response, "exc_info", None):
                error = repr(response.exc_info[1])[:300]
            seen = self.seen(role, response)
            try:
                changed = (
                    ()
                    if connection.needs_rollback
                    else self.probe.changes(before, self.probe.read())
                )
            except DatabaseError as exc:
                changed, error = ("transaction broken",), error or repr(exc)[:300]
            followed = None
            if (
                300 <= status < 400
                and location.startswith("/")
                and not location.startswith(LOGIN_PAGES)
                and not self._signed_out(role, client)
                and not connection.needs_rollback
            ):
                followed, more = self._follow(role, client, location)
                seen |= more
            transaction.set_rollback(True)
        if method == "get":  # a redirect to this address will lead to this very page
            self.followed.setdefault((role, target.url), (status, seen))
        if self._signed_out(role, client):  # a logout page did its job; sign in again
            del self.clients[role]
        return Outcome(target, role, method, status, location, seen, changed, error, followed)

    def run(self, all_targets: list[Target], roles: tuple[str, ...] = ROLES) -> list[Outcome]:
        """Every target as every role by every method. GETs go first, and the pages that only
        redirect (a task's index, a case's address) last among them, so that most redirects
        lead to a page already requested (and rendered) once."""
        redirects_last = sorted(
            all_targets, key=lambda t: t.pattern.name.endswith((":index", "home:case"))
        )
        return [
            self.request(target, role, method)
            for method in METHODS
            for target in redirects_last
            for role in roles
        ]

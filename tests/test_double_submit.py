"""The same form submitted twice (a double click, a second tab) or racing requests change things
once: the loser gets a Japanese message or page, never a duplicate, a deadlock or a 500.

The races are real: two threads, each with its own database connection, submit at the same
moment (``tests.concurrency.at_once``). They are shown on PostgreSQL; on SQLite the IMMEDIATE
transactions let one writer in at a time, so there is no race to show there and those tests are
skipped, except when PostgreSQL is configured and ``SHINSA_REQUIRE_SERVICES=1``, where a skip
would hide them and fails instead. The Japanese page for a step done meanwhile, the database's
constraint and the answer to a second conflict hold on both databases.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter as Tally
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse
from psycopg import errors as pg_errors

import governance.urls
from forms import budget as budget_forms
from governance.budget.services import GuidanceDraft
from governance.cases.services.documents import STALE_FORM
from governance.conflicts import BUSY, retry_once_on_conflict
from governance.jobs import outbox
from governance.karte.services.systems import CODE_TAKEN
from governance.models import (
    AdvisoryDocument,
    AuditEvent,
    BudgetCheck,
    CaseKind,
    CaseStatus,
    Consultation,
    Counter,
    InformationSystem,
    Job,
    Perspective,
    SpecReview,
    SystemKind,
)
from tests import budget_support as support
from tests.concurrency import Outcome, at_once
from tests.conftest import REQUIRE_SERVICES
from tests.factories import InformationSystemFactory
from tests.second_factor import mark_verified, needs_code
from tests.spec_docs import clean_spec, docx_upload
from workflows.base import ALREADY_HANDLED
from workflows.budget_check import BudgetCheckFlow
from workflows.consultation import ConsultationFlow
from workflows.spec_review import SpecReviewFlow

ALREADY = "この手続は既に処理されています"
ALREADY_REQUESTED = "予算確認はすでに申請されています"
#: Rounds of each race: the old code lost every round of most of them (6 of 6).
ROUNDS = 5
#: The deadlock came in about half the racing pairs: six rounds miss it once in 64 runs.
DEADLOCK_ROUNDS = 6


# --- A probe view that deadlocks, to show the retry -----------------------------------------

_probe: dict[str, Any] = {}


@retry_once_on_conflict
def lock_two_counters(request: HttpRequest, first: str, second: str) -> HttpResponse:
    """Take two counters' row locks in the order given, meeting the other request in between:
    two such requests in opposite orders deadlock on their first attempt."""
    name = threading.current_thread().name
    with transaction.atomic():
        _probe["attempts"][name] += 1
        for step, series in enumerate((first, second)):
            counter = Counter.objects.select_for_update().get(series=series, fiscal_year=0)
            counter.last += 1
            counter.save(update_fields=["last"])
            if step == 0 and _probe["attempts"][name] == 1:
                _probe["barrier"].wait(timeout=30)
    return HttpResponse("ok")


@retry_once_on_conflict
def always_deadlocks(request: HttpRequest) -> HttpResponse:
    """Writes, then fails as PostgreSQL ends a deadlocked transaction, every time."""
    _probe["attempts"]["always"] += 1
    with transaction.atomic():
        Counter.objects.filter(series="probe:a").update(last=99)
        raise OperationalError("deadlock detected") from pg_errors.DeadlockDetected()


urlpatterns = [
    path("probe/lock/<str:first>/<str:second>/", lock_two_counters),
    path("probe/always-deadlocks/", always_deadlocks),
    *governance.urls.urlpatterns,
]

pytestmark = pytest.mark.urls(__name__)


# --- Fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def postgresql() -> None:
    """The race is real only on PostgreSQL (SQLite lets one writer in at a time)."""
    if connection.vendor == "postgresql":
        return
    scheme = os.environ.get("DATABASE_URL", "").split(":")[0]
    if REQUIRE_SERVICES and scheme in ("postgres", "postgresql", "pgsql"):
        pytest.fail("PostgreSQL is configured but not in use (SHINSA_REQUIRE_SERVICES=1)")
    pytest.skip("SQLite's IMMEDIATE transactions run one writer at a time: no race to show")


def _client(user: Any) -> Client:
    """A signed-in browser; a 500 comes back as a response (threads share the test client's
    exception signal, so raising would blame the wrong request)."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    # Approvers pass their second factor first (re-issuing a document is theirs).
    if needs_code(user):
        mark_verified(client, user)
    return client


def _post_at_once(url: str, *posts: tuple[Any, dict[str, Any]]) -> list[Outcome]:
    """Each (user, data) posted to ``url`` from its own browser, all at the same moment."""
    clients = [(_client(user), data) for user, data in posts]
    return at_once(
        *(lambda client=client, data=data: client.post(url, data) for client, data in clients)
    )


def _twice(user: Any, url: str, data: dict[str, Any]) -> list[Outcome]:
    """The same form posted twice at once by one user (a double click, two tabs)."""
    return _post_at_once(url, (user, data), (user, data))


def _statuses(outcomes: list[Outcome]) -> list[int]:
    return sorted(outcome.status for outcome in outcomes)


def _text(outcome: Outcome) -> str:
    return str(outcome.value.content.decode())


def _loser(outcomes: list[Outcome]) -> Outcome:
    [loser] = [outcome for outcome in outcomes if outcome.status != 302]
    return loser


def _guidance() -> list[GuidanceDraft]:
    return [GuidanceDraft(text="複数事業者から見積を取得すること", due_date=support.in_days(90))]


# --- (a) one budget check per system and year; one new system -------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_budget_request_submitted_twice_at_once_makes_one_case(
    postgresql: None, cast: Any, dept_a: Any
) -> None:
    url = BudgetCheckFlow.start.reverse("execute")
    for _round in range(ROUNDS):
        system = InformationSystemFactory.create(department=dept_a)
        data = support.request_post(system)
        outcomes = _twice(cast["staff_a"], url, data)
        assert _statuses(outcomes) == [200, 302]
        [check] = BudgetCheck.objects.filter(system=system)
        assert check.number in _text(_loser(outcomes))
        assert ALREADY_REQUESTED in _text(_loser(outcomes))
        assert check.process is not None
        assert check.process.task_set.count() == 2  # start and review: one process, not two
        assert AuditEvent.objects.filter(action="budget_check.request", case=check).count() == 1
    assert BudgetCheck.objects.count() == ROUNDS


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_new_system_requested_twice_at_once_is_registered_once(
    postgresql: None, cast: Any, dept_a: Any
) -> None:
    url = BudgetCheckFlow.start.reverse("execute")
    for number in range(ROUNDS):
        name = f"新規受付システム{number}"
        data = support.request_post(None, new_system_name=name, new_system_kind=SystemKind.SCRATCH)
        outcomes = _twice(cast["staff_a"], url, data)
        assert _statuses(outcomes) == [200, 302]
        [system] = InformationSystem.objects.filter(name=name)
        [check] = BudgetCheck.objects.filter(system=system)
        assert check.number in _text(_loser(outcomes))
        assert AuditEvent.objects.filter(action="system.register", object_id=system.pk).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_system_code_registered_twice_at_once_is_refused_in_japanese(
    postgresql: None, cast: Any, dept_a: Any
) -> None:
    url = reverse("karte:create")
    # The clash comes at either of two places (Django's unique check, the database's
    # constraint), each in a narrow window: more rounds to meet both.
    for number in range(2 * ROUNDS):
        code = f"NEW-{number}"
        data = {
            "code": code,
            "name": f"新システム{number}",
            "department": dept_a.pk,
            "kind": SystemKind.SCRATCH,
            "status": "active",
            "internet_facing": "0",
        }
        outcomes = _twice(cast["staff_a"], url, data)
        assert _statuses(outcomes) == [200, 302]
        assert CODE_TAKEN.format(code=code) in _text(_loser(outcomes))
        assert InformationSystem.objects.filter(code=code).count() == 1
        assert AuditEvent.objects.filter(action="karte.system.create").count() == number + 1


def test_the_database_holds_one_open_budget_check_per_system_and_year(
    cast: Any, dept_a: Any
) -> None:
    system = InformationSystemFactory.create(department=dept_a)
    check = support.start(cast["staff_a"], system)
    fields = {
        "kind": CaseKind.BUDGET_CHECK,
        "fiscal_year": check.fiscal_year,
        "title": "重複",
        "department": dept_a,
        "system": system,
        "requester": cast["staff_a"],
        "sequence": 99,
        "number": "BC-DUP",
        "initial_cost": 1,
        "running_cost": 1,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetCheck.objects.create(**fields)
    # A withdrawn request does not count: the department may ask again.
    BudgetCheck.objects.filter(pk=check.pk).update(status=CaseStatus.WITHDRAWN)
    BudgetCheck.objects.create(**fields)
    # Another budget year of the same system is another request.
    BudgetCheck.objects.create(
        **{**fields, "fiscal_year": check.fiscal_year + 1, "number": "BC-NEXT", "sequence": 1}
    )
    assert BudgetCheck.objects.filter(system=system).count() == 3


# --- (b) racing requests: no deadlock; a deadlock is retried once ---------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_racing_requests_that_register_systems_and_number_cases_do_not_deadlock(
    postgresql: None, cast: Any, dept_a: Any, caplog: Any
) -> None:
    """A request registering a new system wrote the chain before numbering its case; one for
    an existing system numbered first: the two orders deadlocked (3 of 6 pairs)."""
    url = BudgetCheckFlow.start.reverse("execute")
    for number in range(DEADLOCK_ROUNDS):
        system = InformationSystemFactory.create(department=dept_a)
        new = support.request_post(
            None, new_system_name=f"並行システム{number}", new_system_kind=SystemKind.SCRATCH
        )
        existing = support.request_post(system)
        with caplog.at_level(logging.WARNING, logger="governance.conflicts"):
            outcomes = _post_at_once(url, (cast["staff_a"], new), (cast["staff_a2"], existing))
        assert _statuses(outcomes) == [302, 302]
    assert BudgetCheck.objects.count() == 2 * DEADLOCK_ROUNDS
    assert not caplog.records  # not even a retried deadlock: the locks are taken in one order


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_request_that_deadlocks_is_run_again_once_and_takes_effect_once(
    postgresql: None, cast: Any
) -> None:
    for series in ("probe:a", "probe:b"):
        Counter.objects.create(series=series, fiscal_year=0)
    _probe.update(barrier=threading.Barrier(2), attempts=Tally())
    first, second = _client(cast["staff_a"]), _client(cast["staff_a2"])
    outcomes = at_once(
        lambda: first.post("/probe/lock/probe:a/probe:b/"),
        lambda: second.post("/probe/lock/probe:b/probe:a/"),
    )
    assert _statuses(outcomes) == [200, 200]
    # PostgreSQL ended one of them; it ran again: three attempts, and each request's writes
    # counted once (the deadlocked attempt was rolled back whole).
    assert sorted(_probe["attempts"].values()) == [1, 2]
    assert sorted(Counter.objects.values_list("last", flat=True)) == [2, 2]


@pytest.mark.django_db(transaction=True)
def test_a_request_that_deadlocks_twice_is_told_in_japanese_and_changes_nothing(
    cast: Any,
) -> None:
    Counter.objects.create(series="probe:a", fiscal_year=0)
    _probe.update(attempts=Tally())
    response = _client(cast["staff_a"]).post("/probe/always-deadlocks/")
    assert response.status_code == 503
    assert BUSY in response.content.decode()
    assert _probe["attempts"]["always"] == 2
    assert Counter.objects.get(series="probe:a").last == 0


# --- (c) 再作成 once per request; versions numbered one after the other ----------------------


@pytest.fixture
def document(cast: Any, dept_a: Any, migration_seeds: None) -> AdvisoryDocument:
    system = InformationSystemFactory.create(department=dept_a)
    check = support.start(cast["staff_a"], system)
    check = support.drive_to_closed(
        check, cast["staff_a"], cast["reviewer"], cast["approver"], guidance=_guidance()
    )
    found = AdvisoryDocument.objects.get(case=check)
    assert found.versions.count() == 1
    return found


def _files(document: AdvisoryDocument) -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "documents" / str(document.pk)
    return sorted(path.name for path in folder.iterdir())


def _page_token(client: Client, document: AdvisoryDocument) -> str:
    """The token the case page puts in its 再作成 form."""
    page = client.get(reverse("home:case", args=[document.case_id]), follow=True)
    return str(page.context["request_token"])


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_regenerate_makes_one_version(
    postgresql: None, cast: Any, document: AdvisoryDocument
) -> None:
    url = reverse("home:document_regenerate", args=[document.pk])
    for round_number in range(ROUNDS):
        token = _page_token(_client(cast["approver"]), document)
        outcomes = _twice(cast["approver"], url, {"reason": "誤記の訂正", "request_token": token})
        assert _statuses(outcomes) == [302, 302]
        assert document.versions.count() == round_number + 2
    assert Job.objects.filter(kind="render_document", status=Job.Status.DONE).count() == 1 + ROUNDS
    assert AuditEvent.objects.filter(action="document.regenerate").count() == ROUNDS
    assert _files(document) == [f"v{number}.docx" for number in range(1, ROUNDS + 2)]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_render_jobs_of_one_document_at_once_number_their_versions_in_turn(
    postgresql: None, cast: Any, document: AdvisoryDocument
) -> None:
    jobs = [
        Job.objects.create(
            kind="render_document",
            payload={"document_id": document.pk},
            case_id=document.case_id,
            available_at=document.created_at,
        )
        for _ in range(2)
    ]
    outcomes = at_once(*(lambda job=job: outbox.run(job.pk) for job in jobs))
    assert [outcome.value for outcome in outcomes] == [Job.Status.DONE, Job.Status.DONE]
    versions = list(document.versions.order_by("version"))
    assert [version.version for version in versions] == [1, 2, 3]
    # No stray file: one per version, each the file its row names.
    assert _files(document) == ["v1.docx", "v2.docx", "v3.docx"]
    assert [Path(str(version.file.name)).name for version in versions] == _files(document)


def test_the_same_regeneration_form_posted_again_makes_no_second_version(
    cast: Any, login: Any, document: AdvisoryDocument, run_jobs: Any
) -> None:
    client = login(cast["approver"])
    url = reverse("home:document_regenerate", args=[document.pk])
    data = {"reason": "誤記の訂正", "request_token": _page_token(client, document)}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    run_jobs()
    assert document.versions.count() == 2
    assert AuditEvent.objects.filter(action="document.regenerate").count() == 1
    # A new page (a new token) is a new request.
    data["request_token"] = _page_token(client, document)
    client.post(url, data)
    run_jobs()
    assert document.versions.count() == 3


def test_a_regeneration_posted_without_the_page_token_is_refused_in_japanese(
    cast: Any, login: Any, document: AdvisoryDocument
) -> None:
    """A page from before the token (or a hand-made post) cannot make versions unchecked."""
    client = login(cast["approver"])
    url = reverse("home:document_regenerate", args=[document.pk])
    response = client.post(url, {"reason": "誤記の訂正"}, follow=True)
    assert STALE_FORM in response.content.decode()
    assert not Job.objects.filter(idempotency_key__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="document.regenerate").exists()


# --- (d) a step done meanwhile: a Japanese page that links to the case ----------------------


def _consultation_step(cast: Any) -> tuple[Any, Any, dict[str, str]]:
    _client(cast["staff_a"]).post(
        ConsultationFlow.start.reverse("execute"), {"title": "相談", "question": "手順は？"}
    )
    case = Consultation.objects.latest("pk")
    assert case.process is not None
    task = case.process.task_set.get(flow_task=ConsultationFlow.answer)
    return cast["reviewer"], task, {"answer": "現行構成を整理してください。"}


def _budget_step(cast: Any) -> tuple[Any, Any, dict[str, str]]:
    system = InformationSystemFactory.create(department=cast["staff_a"].department)
    check = support.start(cast["staff_a"], system)
    task = support.open_task(check, BudgetCheckFlow.review)
    data = budget_forms.review_data(
        checklist=support.CHECKLIST_OK,
        result=BudgetCheck.Result.CONFIRMED_WITH_GUIDANCE,
        guidance=_guidance(),
    )
    return cast["reviewer"], task, data


def _spec_step(cast: Any) -> tuple[Any, Any, dict[str, str]]:
    response = _client(cast["staff_a"]).post(
        SpecReviewFlow.start.reverse("execute"),
        {
            "title": "税務システム再構築",
            "fiscal_year": "令和7",
            "procurement_type": "service",
            "estimated_price": "３６，０００，０００円",
            "contract_board_date": "令和7年10月1日",
            "spec_file": docx_upload(clean_spec()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    review = SpecReview.objects.latest("pk")
    assert review.process is not None
    task = review.process.task_set.get(flow_task=SpecReviewFlow.review)
    data = {f"result_{p.value}": "ok" for p in Perspective}
    return cast["reviewer"], task, {**data, "decision": "to_approval"}


STEPS = [_consultation_step, _budget_step, _spec_step]
STEP_IDS = ["consultation", "budget_check", "spec_review"]


def _execute_url(task: Any) -> str:
    return str(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


def _assert_already_handled(response: Any, task: Any) -> None:
    assert response.status_code == 409
    page = response.content.decode()
    assert ALREADY in page
    assert "no transition" not in page
    assert reverse("home:case", args=[task.process.case.pk]) in page


@pytest.mark.parametrize("make_step", STEPS, ids=STEP_IDS)
def test_a_step_posted_again_after_it_was_done_shows_a_japanese_page(
    cast: Any, make_step: Any
) -> None:
    user, task, data = make_step(cast)
    client = _client(user)
    assert client.post(_execute_url(task), data).status_code == 302
    events = AuditEvent.objects.count()
    again = client.post(_execute_url(task), data)
    _assert_already_handled(again, task)
    assert AuditEvent.objects.count() == events  # nothing happened twice
    # Opening the finished step (the back button) says the same.
    _assert_already_handled(client.get(_execute_url(task)), task)


def test_a_double_click_on_take_shows_the_same_page_and_an_outsider_still_gets_403(
    cast: Any, dept_a: Any
) -> None:
    dept_a.liaison = None  # the review waits in the governance queue
    dept_a.save()
    system = InformationSystemFactory.create(department=dept_a)
    task = support.open_task(support.start(cast["staff_a"], system), BudgetCheckFlow.review)
    reviewer = _client(cast["reviewer"])
    assert reviewer.post(support.assign_url(task)).status_code == 302
    _assert_already_handled(reviewer.post(support.assign_url(task)), task)
    # Someone else's refusal is still a refusal, and says nothing of the step.
    assert _client(cast["reviewer2"]).post(support.assign_url(task)).status_code == 403
    assert _client(cast["staff_b"]).post(_execute_url(task), {}).status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("make_step", STEPS, ids=STEP_IDS)
def test_the_loser_of_a_step_submitted_twice_at_once_sees_the_japanese_page(
    cast: Any, migration_seeds: None, make_step: Any
) -> None:
    """On both databases: on PostgreSQL the second waits for the process's row lock, on SQLite
    for the write lock; then it finds the step done."""
    user, task, data = make_step(cast)
    outcomes = _twice(user, _execute_url(task), data)
    assert _statuses(outcomes) == [302, 409]
    _assert_already_handled(_loser(outcomes).value, task)
    task.refresh_from_db()
    assert task.status == "DONE"
    assert ALREADY_HANDLED.startswith(ALREADY)

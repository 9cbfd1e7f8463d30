"""The CSIRT cast and helpers that drive incidents through the real flow pages."""

from __future__ import annotations

from typing import Any

import pytest

from forms.incidents import triage_data
from governance.incidents import services
from governance.models import Department, Incident, SecurityEvent, User
from governance.roles import Role
from tests.factories import make_user
from workflows import driver
from workflows.incident import IncidentFlow


@pytest.fixture
def csirt_cast(cast: dict[str, User]) -> dict[str, User]:
    people = dict(cast)
    people.update(
        csirt2=make_user("csirt2", Role.CSIRT_MEMBER),
        lead=make_user("lead", Role.CSIRT_LEAD),
        lead2=make_user("lead2", Role.CSIRT_LEAD),
        ciso=make_user("ciso", Role.CISO),
    )
    # A lead who also handles incidents holds the member role too.
    from django.contrib.auth.models import Group

    people["lead"].groups.add(Group.objects.get(name=Role.CSIRT_MEMBER))
    return people


def report(user: User, what: str = "不審なメールを開いてしまった", **extra: Any) -> SecurityEvent:
    return services.submit_department_report(actor=user, what=what, **extra)


def promote(
    user: User, events: list[SecurityEvent], *, department: Department, title: str = "事案"
) -> Incident:
    process = driver.start(
        IncidentFlow,
        user=user,
        data={
            "title": title,
            "department": department.pk,
            "category": "other",
            "events": ",".join(str(e.pk) for e in events),
        },
    )
    return Incident.objects.get(process=process)


def triage(user: User, incident: Incident, **kwargs: Any) -> Incident:
    driver.complete(incident.process, IncidentFlow.triage, user=user, data=triage_data(**kwargs))
    return Incident.objects.get(pk=incident.pk)


def finish_tasks(user: User, incident: Incident) -> None:
    for task in incident.tasks.exclude(status__in=["done", "cancelled"]):
        services.set_task_status(actor=user, task=task, status="done", result="済")

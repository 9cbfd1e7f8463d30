"""Helpers for the network connection tests: the network roles beside the fixed cast, a
system to connect, and the application and step data a browser would post."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from forms import network as nc_forms
from governance.models import (
    CaseStatus,
    ConnectionApproval,
    ConnectionFinding,
    InformationSystem,
    MonitoringEnrolment,
    NetworkConnection,
    Proposal,
    User,
)
from governance.roles import Role
from tests.factories import InformationSystemFactory, make_user
from workflows import driver
from workflows.network_connection import NetworkConnectionFlow as Flow

SERVER = nc_forms.asset_row(
    "web01",
    ip_address="192.168.10.5",
    mac_address="AA-BB-CC-00-11-22",
    os_name="Windows Server",
    os_version="2022",
    os_eol_on="2031-10-14",
)
FLOW = nc_forms.flow_row("web01", "10.0.0.0/24", "443", purpose="庁内システムとの連携")


@pytest.fixture
def nc_cast(cast: dict[str, User]) -> dict[str, User]:
    """The cast plus a security reviewer, a second one, a network admin and a CISO."""
    people = dict(cast)
    people["security"] = make_user("security", Role.SECURITY_REVIEWER)
    people["security2"] = make_user("security2", Role.SECURITY_REVIEWER)
    people["netadmin"] = make_user("netadmin", Role.NETWORK_ADMIN)
    people["ciso"] = make_user("ciso", Role.CISO)
    return people


@pytest.fixture
def system(dept_a: Any) -> InformationSystem:
    return InformationSystemFactory.create(
        code="SOMU-NET", name="総務事務システム", department=dept_a
    )


def application(system: InformationSystem, **values: Any) -> dict[str, str]:
    values.setdefault("title", "総務事務サーバの接続")
    values.setdefault("desired_start_on", dt.date(2026, 10, 15))
    values.setdefault("assets", [SERVER])
    values.setdefault("flows", [FLOW])
    return nc_forms.application_data(system=system, **values)


# The smallest file the upload check reads as a PDF.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def diagram() -> SimpleUploadedFile:
    return SimpleUploadedFile("構成図.pdf", PDF, content_type="application/pdf")


def apply(user: User, system: InformationSystem, **values: Any) -> NetworkConnection:
    process = driver.start(
        Flow, user=user, data=application(system, **values), files={"network_diagram": diagram()}
    )
    return NetworkConnection.objects.get(process=process)


def fresh(connection: NetworkConnection) -> NetworkConnection:
    return NetworkConnection.objects.get(pk=connection.pk)


def step(
    connection: NetworkConnection, node: Any, user: User, data: dict[str, str]
) -> NetworkConnection:
    driver.complete(connection.process, node, user=user, data=data)
    return fresh(connection)


def decide_proposals(connection: NetworkConnection, user: User, *, accept: bool = True) -> None:
    """Accept (or dismiss) every pre-filled finding through the reviewer's page."""
    for finding in ConnectionFinding.objects.filter(case=connection, proposal=Proposal.PENDING):
        data = (
            nc_forms.accept_data(finding)
            if accept
            else nc_forms.dismiss_data(finding, "独自に確認済み")
        )
        driver.act(connection.process, Flow.security_review, user=user, data=data)


def review_through(
    connection: NetworkConnection, people: dict[str, User], *, accept: bool = True
) -> NetworkConnection:
    """Security review and technical check done: the case waits for the approver."""
    decide_proposals(connection, people["security"], accept=accept)
    connection = step(
        connection, Flow.security_review, people["security"], nc_forms.security_review_data()
    )
    connection = step(
        connection, Flow.network_review, people["netadmin"], nc_forms.network_review_data()
    )
    assert connection.status == CaseStatus.AWAITING_APPROVAL
    return connection


def approve(connection: NetworkConnection, user: User, **values: Any) -> NetworkConnection:
    task = driver.open_task(connection.process, Flow.approve)
    driver.complete(task, user=user, data=nc_forms.approve_data(**values))
    return fresh(connection)


def connect_and_acknowledge(
    connection: NetworkConnection, people: dict[str, User]
) -> ConnectionApproval:
    connection = step(connection, Flow.connect, people["netadmin"], nc_forms.connect_data())
    connection = step(connection, Flow.acknowledge, people["staff_a"], nc_forms.acknowledge_data())
    assert connection.status == CaseStatus.CLOSED
    return ConnectionApproval.objects.get(case=connection)


def approved(
    people: dict[str, User],
    system: InformationSystem,
    *,
    connect: bool = True,
    conditions: list[dict[str, Any]] | None = None,
    **values: Any,
) -> ConnectionApproval:
    """An application driven through every step to an approval (接続中 unless ``connect`` is
    False: then 承認済・未接続)."""
    connection = review_through(apply(people["staff_a"], system, **values), people)
    decision = "approve_with_conditions" if conditions else "approve"
    connection = approve(connection, people["approver"], decision=decision, conditions=conditions)
    if connection.requires_ciso:
        connection = step(connection, Flow.ciso_approve, people["ciso"], nc_forms.ciso_data())
    if connect:
        return connect_and_acknowledge(connection, people)
    return ConnectionApproval.objects.get(case=connection)


def asset_of(hostname: str, **values: Any) -> dict[str, Any]:
    """Another piece of equipment (no MAC, so it never clashes with ``SERVER``)."""
    return nc_forms.asset_row(
        hostname, os_name="Linux", os_version="9", os_eol_on="2032-05-31", **values
    )


def flow_of(hostname: str) -> dict[str, Any]:
    return nc_forms.flow_row(hostname, "10.0.0.0/24", "443")


def public_values(title: str, hostname: str) -> dict[str, Any]:
    """A public server on the internet segment: the case is routed to the CISO."""
    return {
        "title": title,
        "segment": "internet",
        "internet_exposure": "inbound_public",
        "assets": [asset_of(hostname)],
        "flows": [nc_forms.flow_row("any", hostname, "443", direction="inbound", purpose="公開")],
    }


def through_every_step(
    people: dict[str, User],
    staff: User,
    system: InformationSystem,
    *,
    title: str,
    hostname: str,
    condition: str = "",
) -> NetworkConnection:
    """Sent back once and revised, checked, approved, approved by the CISO, connected and
    acknowledged: every human node of the flow ran (the tour and the permission matrix)."""
    MonitoringEnrolment.objects.get_or_create(
        system=system, service="web_malware", defaults={"enrolled": True}
    )
    values = public_values(title, hostname)
    connection = apply(staff, system, **values)
    connection = step(
        connection,
        Flow.security_review,
        people["security"],
        nc_forms.security_review_data(send_back=True, message="通信先を確認してください。"),
    )
    connection = step(
        connection,
        Flow.revise,
        staff,
        nc_forms.revise_data(answer="確認しました。", application=application(system, **values)),
    )
    connection = review_through(connection, people)
    if condition:
        due = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
        conditions = [{"text": condition, "due_date": due}]
        connection = approve(
            connection,
            people["approver"],
            decision="approve_with_conditions",
            conditions=conditions,
        )
    else:
        connection = approve(connection, people["approver"])
    connection = step(connection, Flow.ciso_approve, people["ciso"], nc_forms.ciso_data())
    connection = step(connection, Flow.connect, people["netadmin"], nc_forms.connect_data())
    connection = step(connection, Flow.acknowledge, staff, nc_forms.acknowledge_data())
    assert connection.status == CaseStatus.CLOSED
    return connection

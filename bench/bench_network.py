"""How long a network connection takes the machine: the 承認書, one whole flow.

    .venv/bin/python bench/bench_network.py [--flows 20] [--documents 30]

Runs on a throw-away test database: SQLite by default, PostgreSQL when DATABASE_URL is set
(the test database ``test_<name>`` is created and dropped). Jobs run in-process after commit
(the embedded default), so the step that issues the approval includes rendering its 承認書.

Prints, in milliseconds (median / mean / 95th percentile):
- render: docxtpl rendering of the 承認書 master alone (``render_docx``);
- document job: the whole ``render_document`` job (render, store the version with its hash,
  audit event);
- flow (driver): application with two assets and three communications → automatic checks →
  security review (one pre-filled finding accepted) → technical check → conditional approval
  (承認書 generated) → connection → acknowledgement, through the headless driver
  (``workflows.driver``: the step views without HTTP, sessions or page rendering);
- flow (HTTP): the same steps as each role would post them through the web pages.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = tempfile.mkdtemp(prefix="shinsa-bench-network-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ["SHINSA_VAR_DIR"] = _TMP
os.environ["MEDIA_ROOT"] = str(Path(_TMP) / "media")
os.environ["JOBS_RUNNER"] = "inline"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.common import report_flow_and_document, signed_in_client  # noqa: E402

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

ROLES = {
    "staff_a": "department_staff",
    "security": "security_reviewer",
    "netadmin": "network_admin",
    "approver": "governance_approver",
    "ciso": "ciso",
}


def _cast() -> dict[str, Any]:
    from governance.models import Department, User

    department = Department.objects.create(code="bench", name="総務部")
    people: dict[str, Any] = {"department": department}
    for username, role in ROLES.items():
        user = User.objects.create(
            username=username,
            last_name="試験",
            first_name=username,
            department=department if role == "department_staff" else None,
        )
        user.groups.add(Group.objects.get(name=role))
        people[username] = user
    return people


def _system(people: dict[str, Any], code: str) -> Any:
    from governance.models import InformationSystem

    return InformationSystem.objects.create(
        code=code, name=f"システム{code}", department=people["department"], kind="scratch"
    )


def _application(system: Any, index: str) -> dict[str, str]:
    from forms import network as nc_forms

    return nc_forms.application_data(
        title=f"サーバ接続 {index}",
        system=system,
        desired_start_on="2099-04-01",
        global_ip=True,
        assets=[
            nc_forms.asset_row(f"ap{index}", ip_address="10.1.1.5", os_eol_on="2099-12-31"),
            nc_forms.asset_row(f"db{index}", ip_address="10.1.1.6", os_eol_on="2099-12-31"),
        ],
        flows=[
            nc_forms.flow_row("10.2.0.0/16", f"ap{index}", "443", direction="inbound"),
            nc_forms.flow_row(f"ap{index}", f"db{index}", "5432"),
            nc_forms.flow_row(f"ap{index}", "*.windowsupdate.com", "443", purpose="更新"),
        ],
    )


def _driver_flow(people: dict[str, Any], index: int) -> None:
    from forms import network as nc_forms
    from governance.models import ApprovalStatus, ConnectionApproval
    from tests import network_support as nc
    from workflows import driver
    from workflows.network_connection import NetworkConnectionFlow as Flow

    system = _system(people, f"DRV-{index:04d}")
    process = driver.start(
        Flow,
        user=people["staff_a"],
        data=_application(system, f"d{index}"),
        files={"network_diagram": nc.diagram()},
    )
    connection = nc.fresh(process.case)
    connection = nc.review_through(connection, people)
    finding = connection.connectionfindings.get(check_code="vulnerability_scan")
    connection = nc.approve(
        connection,
        people["approver"],
        decision="approve_with_conditions",
        conditions=[
            {"text": finding.proposed_condition, "due_date": "2099-01-31", "finding": finding.pk}
        ],
    )
    connection = nc.step(connection, Flow.connect, people["netadmin"], nc_forms.connect_data())
    nc.step(connection, Flow.acknowledge, people["staff_a"], nc_forms.acknowledge_data())
    assert ConnectionApproval.objects.get(case=connection).status == ApprovalStatus.ACTIVE


def _http_flow(people: dict[str, Any], clients: dict[str, Client], index: int) -> None:
    from forms import network as nc_forms
    from governance.models import ConnectionFinding, NetworkConnection
    from tests import network_support as nc
    from workflows import driver
    from workflows.network_connection import NetworkConnectionFlow as Flow

    system = _system(people, f"WEB-{index:04d}")

    def post(name: str, url: str, data: dict[str, Any]) -> None:
        response = clients[name].post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]

    def task_url(connection: Any, node: Any, view: str = "execute") -> str:
        task = driver.open_task(connection.process, node)
        return str(node.reverse(view, args=[task.process_id, task.pk]))

    data = {**_application(system, f"h{index}"), "network_diagram": nc.diagram()}
    post("staff_a", Flow.start.reverse("execute"), data)
    connection = NetworkConnection.objects.get(system=system)
    finding = ConnectionFinding.objects.get(case=connection, check_code="vulnerability_scan")
    post("security", task_url(connection, Flow.security_review, "assign"), {})
    url = task_url(connection, Flow.security_review)
    post("security", url, nc_forms.accept_data(finding))
    post("security", url, nc_forms.security_review_data())
    post("netadmin", task_url(connection, Flow.network_review, "assign"), {})
    post("netadmin", task_url(connection, Flow.network_review), nc_forms.network_review_data())
    post("approver", task_url(connection, Flow.approve, "assign"), {})
    post(
        "approver",
        task_url(connection, Flow.approve),
        nc_forms.approve_data(
            decision="approve_with_conditions",
            conditions=[
                {
                    "text": finding.proposed_condition,
                    "due_date": "2099-01-31",
                    "finding": finding.pk,
                }
            ],
        ),
    )
    post("netadmin", task_url(connection, Flow.connect), nc_forms.connect_data())
    post("staff_a", task_url(connection, Flow.acknowledge), nc_forms.acknowledge_data())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=20)
    parser.add_argument("--documents", type=int, default=30)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        import governance.urls  # noqa: F401  (flow nodes reverse their URLs)
        from governance.network.services import APPROVAL_TEMPLATE, build_approval_document

        people = _cast()
        clients = {name: signed_in_client(people[name]) for name in ROLES}
        report_flow_and_document(
            flows=args.flows,
            documents=args.documents,
            driver_flow=partial(_driver_flow, people),
            http_flow=partial(_http_flow, people, clients),
            template=APPROVAL_TEMPLATE,
            build_context=lambda case: build_approval_document(case).context,
            document_name="one 承認書",
            driver_label="flow via driver (7 steps + doc)",
            http_label="flow via HTTP (13 posts + doc)",
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

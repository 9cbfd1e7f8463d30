"""How long a budget check takes the machine: one advisory document, one whole flow.

    .venv/bin/python bench/bench_budget.py [--flows 20] [--documents 30]

Runs on a throw-away test database: SQLite by default, PostgreSQL when DATABASE_URL is set
(the test database ``test_<name>`` is created and dropped). Jobs run in-process after commit
(the embedded default), so an approval's timing includes rendering its document.

Prints, in milliseconds (median / mean / 95th percentile):
- render: docxtpl rendering of the master alone (``render_docx``);
- document job: the whole ``render_document`` job (render, store the version with its hash,
  audit event);
- flow (driver): request → send back → answer → result with 2 guidance items → approval
  (document generated) → acknowledgement, through the headless driver (``workflows.driver``:
  the step views without HTTP, sessions or page rendering);
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
_TMP = tempfile.mkdtemp(prefix="shinsa-bench-budget-")
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


def _cast() -> dict[str, Any]:
    from governance.models import Department, User
    from governance.roles import Role

    department = Department.objects.create(code="bench", name="総務部")
    people: dict[str, Any] = {}
    for username, role, dept in (
        ("staff", Role.DEPARTMENT_STAFF, department),
        ("reviewer", Role.GOVERNANCE_REVIEWER, None),
        ("approver", Role.GOVERNANCE_APPROVER, None),
    ):
        user = User.objects.create(
            username=username, last_name="試験", first_name=username, department=dept
        )
        user.groups.add(Group.objects.get(name=role))
        people[username] = user
    department.liaison = people["reviewer"]
    department.save()
    people["department"] = department
    return people


def _driver_flow(people: dict[str, Any], index: int) -> None:
    import datetime as dt

    from django.utils import timezone

    from forms import budget as budget_forms
    from governance.budget.services import GuidanceDraft
    from governance.models import CaseStatus, InformationSystem
    from tests import budget_support as support
    from workflows.budget_check import BudgetCheckFlow

    staff, reviewer, approver = people["staff"], people["reviewer"], people["approver"]
    system = InformationSystem.objects.create(
        code=f"ENG-{index:04d}",
        name=f"システム{index}",
        department=people["department"],
        kind="scratch",
    )
    check = support.start(staff, system)
    check = support.step(
        check,
        BudgetCheckFlow.review,
        reviewer,
        budget_forms.review_data(questions="？"),
    )
    check = support.step(
        check,
        BudgetCheckFlow.answer_questions,
        staff,
        budget_forms.resubmit_data(answer="回答", facts=support.facts()),
    )
    due = timezone.localdate() + dt.timedelta(days=90)
    check = support.drive_to_closed(
        check,
        staff,
        reviewer,
        approver,
        [GuidanceDraft("見積を比較すること", due), GuidanceDraft("体制を文書化すること", due)],
    )
    assert check.status == CaseStatus.CLOSED


def _http_flow(people: dict[str, Any], clients: dict[str, Client], index: int) -> None:
    from governance.models import BudgetCheck, InformationSystem
    from tests import budget_support as support
    from workflows.budget_check import BudgetCheckFlow

    system = InformationSystem.objects.create(
        code=f"WEB-{index:04d}",
        name=f"ウェブ{index}",
        department=people["department"],
        kind="scratch",
    )

    def post(name: str, url: str, data: dict[str, Any]) -> None:
        response = clients[name].post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]

    post("staff", BudgetCheckFlow.start.reverse("execute"), support.request_post(system))
    check = BudgetCheck.objects.get(system=system)
    review = {
        "decision": "send_back",
        "questions": "内訳は？",
        "guidance-TOTAL_FORMS": "2",
        "guidance-INITIAL_FORMS": "0",
        "guidance-MIN_NUM_FORMS": "0",
        "guidance-MAX_NUM_FORMS": "30",
    }
    post("reviewer", support.execute_url(support.open_task(check, BudgetCheckFlow.review)), review)
    check.refresh_from_db()
    answer = {
        "answer": "回答します。",
        **{
            key: value
            for key, value in support.request_post(system).items()
            if key
            in (
                "initial_cost",
                "running_cost",
                "purpose",
                "configuration",
                "continuity",
                "operating_structure",
                "network_security",
            )
        },
    }
    post(
        "staff",
        support.execute_url(support.open_task(check, BudgetCheckFlow.answer_questions)),
        answer,
    )
    due = support.in_days(90).isoformat()
    review.update(
        {
            "decision": "record",
            "questions": "",
            "result": "confirmed_with_guidance",
            "check_configuration": "adequate",
            "check_continuity": "adequate",
            "check_cost": "guidance",
            "check_operation": "adequate",
            "check_network_security": "adequate",
            "guidance-0-text": "見積を比較すること",
            "guidance-0-due_date": due,
            "guidance-1-text": "体制を文書化すること",
            "guidance-1-due_date": due,
        }
    )
    post("reviewer", support.execute_url(support.open_task(check, BudgetCheckFlow.review)), review)
    task = support.open_task(check, BudgetCheckFlow.approve)
    post("approver", support.assign_url(task), {})
    post("approver", support.execute_url(task), {"decision": "approve"})
    task = support.open_task(check, BudgetCheckFlow.acknowledge)
    post("staff", support.execute_url(task), {"confirmed": "on"})


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
        from governance.budget.services import RESULT_TEMPLATE, build_result_document

        people = _cast()
        clients = {
            name: signed_in_client(people[name]) for name in ("staff", "reviewer", "approver")
        }
        report_flow_and_document(
            flows=args.flows,
            documents=args.documents,
            driver_flow=partial(_driver_flow, people),
            http_flow=partial(_http_flow, people, clients),
            template=RESULT_TEMPLATE,
            build_context=lambda case: build_result_document(case).context,
            document_name="one document",
            driver_label="flow via driver (6 steps + doc)",
            http_label="flow via HTTP (8 posts + doc)",
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The audit package of a case (issue 15 item 5, NEXT_WAVE §C.2, §C.6, §C.7 check 4): a ZIP
built through the outbox with a manifest of SHA-256s, case.xlsx with its seven sheets,
case.json, the evidence files and the case's chain segment verified at export time; repeating
it gives the same evidence hashes; the command line writes the same package for an auditor or
an approver and refuses anyone else in Japanese."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from governance.decisions import package
from governance.models import AuditEvent, Job
from tests.spec_cases import approved_review

pytestmark = pytest.mark.django_db


def _export(client: Any, review: Any, run_jobs: Any) -> zipfile.ZipFile:
    assert client.post(f"/home/cases/{review.pk}/audit-package/").status_code == 302
    run_jobs()
    job = Job.objects.filter(case=review, kind=package.JOB_KIND).order_by("-created_at").first()
    assert job is not None and job.status == Job.Status.DONE, job and job.last_error
    response = client.get(f"/home/audit-packages/{job.pk}/download/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(content))


def test_every_file_of_the_package_matches_its_manifest_and_the_chain_verifies(
    cast: Any, login: Any, run_jobs: Any
) -> None:
    review = approved_review(cast)
    archive = _export(login(cast["auditor"]), review, run_jobs)
    manifest = json.loads(archive.read("manifest.json"))
    names = set(archive.namelist()) - {"manifest.json"}
    assert set(manifest["files"]) == names
    for name in names:
        assert hashlib.sha256(archive.read(name)).hexdigest() == manifest["files"][name], name
    assert {"case.xlsx", "case.json", "chain.json"} <= names
    evidence = {name for name in names if name.startswith("evidence/")}
    assert len(evidence) >= 2  # both versions of the specification
    for name in evidence:
        assert name == f"evidence/{hashlib.sha256(archive.read(name)).hexdigest()}"
    assert manifest["case"] == review.number
    assert manifest["parameters"]["user"] == "auditor"
    chain = json.loads(archive.read("chain.json"))
    assert chain["verify_chain"]["ok"] is True
    assert chain["segment_check"] == {"ok": True, "verified": len(chain["events"]), "broken": []}
    assert package.verify_segment(chain["events"])["ok"]
    assert {e["action"] for e in chain["events"]} >= {"spec_review.register", "spec_review.approve"}
    workbook = load_workbook(io.BytesIO(archive.read("case.xlsx")))
    assert workbook.sheetnames == list(package.SHEETS)
    decisions = list(workbook["決定記録"].iter_rows(min_row=2, values_only=True))
    assert len(decisions) == 3
    facts = {row[0]: row[1] for row in workbook["案件"].iter_rows(min_row=2, values_only=True)}
    assert facts["予定価格（円）"] == "48,500,000円"
    event = AuditEvent.objects.filter(action="audit.package").get()
    assert event.actor_id == cast["auditor"].pk and event.case_id == review.pk


def test_repeating_the_export_gives_identical_evidence_hashes(
    cast: Any, login: Any, run_jobs: Any
) -> None:
    review = approved_review(cast)
    run_jobs()  # the approval's document is issued first
    client = login(cast["auditor"])
    one, two = _export(client, review, run_jobs), _export(client, review, run_jobs)
    first = json.loads(one.read("manifest.json"))["files"]
    second = json.loads(two.read("manifest.json"))["files"]
    evidence = {k: v for k, v in first.items() if k.startswith("evidence/")}
    assert evidence and evidence == {k: v for k, v in second.items() if k.startswith("evidence/")}
    # Only the trail moved on: the first export is now one more event of the case.
    before, after = json.loads(one.read("case.json")), json.loads(two.read("case.json"))
    assert [e["action"] for e in after.pop("events")][len(before.pop("events")) :] == [
        "audit.package"
    ]
    assert before == after


def test_a_tampered_event_shows_in_the_package_verification(
    cast: Any, login: Any, run_jobs: Any, tmp_path: Path
) -> None:
    from django.db import connection

    review = approved_review(cast)
    event = AuditEvent.objects.filter(case=review).order_by("sequence").first()
    assert event is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE governance_auditevent SET reason = 'x' WHERE id = %s", [event.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    out = tmp_path / "p.zip"
    call_command("audit_package", review.number, "-o", str(out), "--user", "auditor")
    chain = json.loads(zipfile.ZipFile(out).read("chain.json"))
    assert chain["verify_chain"]["ok"] is False
    assert chain["segment_check"]["broken"] == [event.sequence]


def test_the_command_writes_the_package_for_an_auditor_or_an_approver(
    cast: Any, tmp_path: Path
) -> None:
    review = approved_review(cast)
    for name in ("auditor", "approver"):
        out = tmp_path / f"{name}.zip"
        call_command("audit_package", review.number, "-o", str(out), "--user", name)
        manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
        assert manifest["parameters"]["user"] == name
    exporters = AuditEvent.objects.filter(action="audit.package").values_list("actor_id", flat=True)
    assert sorted(exporters) == sorted([cast["auditor"].pk, cast["approver"].pk])


@pytest.mark.parametrize("name", ["staff_a", "reviewer", "admin"])
def test_the_command_refuses_anyone_else_in_japanese(cast: Any, tmp_path: Path, name: str) -> None:
    review = approved_review(cast)
    out = tmp_path / "x.zip"
    with pytest.raises(CommandError, match="監査担当者または決裁者だけです"):
        call_command("audit_package", review.number, "-o", str(out), "--user", name)
    assert not out.exists()
    assert not AuditEvent.objects.filter(action="audit.package").exists()


def test_the_command_exits_non_zero_when_refused(cast: Any, tmp_path: Path) -> None:
    review = approved_review(cast)
    with pytest.raises(SystemExit) as exited:
        _run_from_argv(review.number, tmp_path)
    assert exited.value.code != 0


def _run_from_argv(number: str, tmp_path: Path) -> None:
    from governance.management.commands.audit_package import Command

    Command().run_from_argv(
        ["manage.py", "audit_package", number, "-o", str(tmp_path / "x.zip"), "--user", "staff_a"]
    )


def test_a_failed_package_job_is_shown_and_can_be_retried(
    cast: Any, login: Any, run_jobs: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.JOBS_MAX_ATTEMPTS = 1
    review = approved_review(cast)
    approver = login(cast["approver"])
    real = package.build

    def broken(case: Any, exporter: Any) -> bytes:
        raise OSError("ディスクがいっぱいです")

    monkeypatch.setattr(package, "build", broken)
    approver.post(f"/home/cases/{review.pk}/audit-package/")
    run_jobs()
    job = Job.objects.get(case=review, kind=package.JOB_KIND)
    assert job.status == Job.Status.FAILED
    page = approver.get(f"/home/cases/{review.pk}/audit-package/").content.decode()
    assert "ディスクがいっぱいです" in page and f"/home/jobs/{job.pk}/retry/" in page
    monkeypatch.setattr(package, "build", real)
    assert approver.post(f"/home/jobs/{job.pk}/retry/").status_code == 302
    run_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert approver.get(f"/home/audit-packages/{job.pk}/download/").status_code == 200


def test_department_staff_and_reviewers_get_no_package(
    cast: Any, login: Any, run_jobs: Any
) -> None:
    review = approved_review(cast)
    _export(login(cast["auditor"]), review, run_jobs)
    job = Job.objects.get(case=review, kind=package.JOB_KIND)
    for name in ("staff_a", "staff_b", "reviewer"):
        client = login(cast[name])
        assert client.get(f"/home/cases/{review.pk}/audit-package/").status_code in (403, 404)
        assert client.post(f"/home/cases/{review.pk}/audit-package/").status_code in (403, 404)
        download = client.get(f"/home/audit-packages/{job.pk}/download/")
        assert download.status_code in (403, 404), name
    assert Job.objects.filter(kind=package.JOB_KIND).count() == 1

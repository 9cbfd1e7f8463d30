"""Audit findings and measures (NEXT_WAVE §C.3, §C.7 check 8): a measure's figures are frozen
from the live coverage query at approval and printed in the 措置状況報告 as seed 001 prints them;
auditors read and never write; the drafter never approves; closing needs a reason."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from docx import Document

from governance.models import (
    AuditEngagement,
    AuditEvent,
    AuditFinding,
    AuditMeasure,
    FindingStatus,
    InformationSystem,
    MeasureReportVersion,
    MeasureStatus,
    MonitoringEnrolment,
    SystemKind,
)
from governance.oversight import selectors, services
from governance.oversight.render import seed_date
from governance.permissions import Refused
from governance.roles import Role
from tests.dashboard_world import coverage_registry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FINDING_2 = (
    "情報システムのセキュリティ対策について、関係部局と連携して、主体的に実施状況を把握する"
    "とともに、必要な対策を講じられたい。"
)
MEASURE_2 = (
    "各情報システムにおけるセキュリティ対策の実施状況把握のため、令和５年５月31日に全庁照会を"
    "実施し、３事業への申込み状況及び独自で実施しているサイバー攻撃対策内容を調査した。"
)


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def seed_engagement(actor: Any, department: Any) -> AuditEngagement:
    return services.create_engagement(
        actor=actor,
        kind="kansa_periodic",
        fiscal_year="令和４年度",
        title="スマートシティ戦略部に係る定期監査",
        member_audit_on="令和４年８月１日",
        secretariat_from="令和4年6月1日",
        secretariat_to="2022-08-31",
        departments=[department],
    )


def seed_finding(actor: Any, engagement: AuditEngagement, department: Any) -> AuditFinding:
    return services.create_finding(
        actor=actor,
        engagement=engagement,
        number="２",
        text=FINDING_2,
        facts="申込みのない所属のセキュリティ対策については把握していない。",
        owner_department=department,
    )


@pytest.fixture
def finding(cast: dict[str, Any], dept_a: Any) -> AuditFinding:
    coverage_registry(dept_a)
    engagement = seed_engagement(cast["reviewer"], dept_a)
    return seed_finding(cast["reviewer"], engagement, dept_a)


def coverage_measure(actor: Any, finding: AuditFinding) -> AuditMeasure:
    return services.draft_measure(
        actor=actor,
        finding=finding,
        text=MEASURE_2,
        taken_on="令和5年5月31日",
        figures_query=selectors.COVERAGE,
        figures_as_of="2023-05-31",
    )


def test_check_8_the_measure_report_prints_the_day_and_the_five_figures(
    cast: dict[str, Any], finding: AuditFinding
) -> None:
    measure = coverage_measure(cast["staff_a"], finding)
    services.approve_measure(actor=cast["approver"], measure=measure)
    version = services.issue_measure_report(actor=cast["reviewer"], engagement=finding.engagement)

    text = docx_text(version.file.read())
    assert "令和５年５月31日時点" in text
    figures = dict(re.findall(r"・(.+?)　([\d,]+)システム", text))
    assert list(figures.values()) == ["245", "67", "35", "26", "9"]
    assert "情報システム" in figures and "うち３事業に申込みしていない" in figures
    # Seed 001's sections, in its order, with its way of writing dates.
    order = [text.index(h) for h in ("監査実施年月日", "２　監査の結果", "３　措置の内容")]
    assert order == sorted(order)
    assert "委員：令和４年８月１日、事務局：令和４年６月１日から同年８月31日まで" in text
    assert f"②　{FINDING_2}" in text
    assert version.sha256 and version.number


def test_figures_are_frozen_at_approval_and_do_not_move_with_the_registry(
    cast: dict[str, Any], finding: AuditFinding, dept_a: Any
) -> None:
    measure = coverage_measure(cast["reviewer"], finding)
    # A draft names the query and the day only.
    assert measure.figures == {} and measure.figures_as_of == dt.date(2023, 5, 31)
    measure = services.approve_measure(actor=cast["approver"], measure=measure)
    frozen = dict(measure.figures)
    assert frozen["values"] == {
        "systems": 245,
        "internet_facing": 67,
        "not_enrolled": 35,
        "own_measures": 26,
        "exempt": 9,
    }
    assert frozen["as_of"] == "2023-05-31" and frozen["query"] == selectors.COVERAGE
    assert selectors.snapshot_intact(frozen)

    # The registry moves on: three more internet-facing systems, one of them enrolled.
    for n in range(3):
        system = InformationSystem.objects.create(
            code=f"NEW{n}",
            name=f"新{n}",
            department=dept_a,
            kind=SystemKind.SCRATCH,
            internet_facing=True,
        )
        if n == 0:
            MonitoringEnrolment.objects.create(system=system, service="cyber_attack", enrolled=True)
    assert selectors.coverage_values(cast["approver"])["internet_facing"] == 70

    measure.refresh_from_db()
    assert measure.figures == frozen
    version = services.issue_measure_report(actor=cast["reviewer"], engagement=finding.engagement)
    text = docx_text(version.file.read())
    assert "245システム" in text and "・うち外部（インターネット）公開「有り」　67システム" in text
    assert "70システム" not in text

    # Editing the frozen figures in the database is seen.
    AuditMeasure.objects.filter(pk=measure.pk).update(
        figures={**frozen, "values": {**frozen["values"], "exempt": 8}}
    )
    measure.refresh_from_db()
    assert not selectors.snapshot_intact(measure.figures)


def test_states_run_open_to_measures_reported_to_closed_with_audit_events(
    cast: dict[str, Any], finding: AuditFinding
) -> None:
    assert finding.status == FindingStatus.OPEN
    measure = coverage_measure(cast["staff_a"], finding)
    with pytest.raises(ValueError, match="決裁済の措置ではありません"):
        services.report_measure(actor=cast["reviewer"], measure=measure, reported_on="2023-06-30")
    services.approve_measure(actor=cast["approver"], measure=measure)
    today = timezone.localdate()
    services.report_measure(actor=cast["reviewer"], measure=measure, reported_on=today.isoformat())
    measure.refresh_from_db()
    finding.refresh_from_db()
    assert measure.status == MeasureStatus.REPORTED and measure.reported_on == today
    assert finding.status == FindingStatus.MEASURES_REPORTED

    with pytest.raises(ValueError, match="完了の理由を入力してください"):
        services.close_finding(actor=cast["approver"], finding=finding, reason="　 ")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.MEASURES_REPORTED
    services.close_finding(actor=cast["approver"], finding=finding, reason="措置が完了したため")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED
    with pytest.raises(ValueError, match="完了した監査の結果には措置を追加できません"):
        coverage_measure(cast["staff_a"], finding)

    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    for action in (
        "audit_engagement.create",
        "audit_finding.create",
        "audit_measure.draft",
        "audit_measure.approve",
        "audit_measure.report",
        "audit_finding.close",
    ):
        assert action in actions
    approval = AuditEvent.objects.get(action="audit_measure.approve")
    assert approval.changes["figures_sha256"][1] == measure.figures["sha256"]


def test_a_finding_with_a_draft_measure_cannot_be_closed(
    cast: dict[str, Any], finding: AuditFinding
) -> None:
    coverage_measure(cast["staff_a"], finding)
    with pytest.raises(ValueError, match="決裁されていない措置"):
        services.close_finding(actor=cast["approver"], finding=finding, reason="不要")
    assert AuditFinding.objects.get(pk=finding.pk).status == FindingStatus.OPEN


def test_the_drafter_cannot_approve_their_own_measure(
    cast: dict[str, Any], finding: AuditFinding
) -> None:
    both = UserFactory.create(
        username="both", roles=[Role.GOVERNANCE_REVIEWER, Role.GOVERNANCE_APPROVER]
    )
    measure = coverage_measure(both, finding)
    with pytest.raises(Refused, match="措置を作成した人は、その措置を決裁できません"):
        services.approve_measure(actor=both, measure=measure)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DRAFT and measure.figures == {}
    # A reviewer is no approver at all.
    with pytest.raises(Refused):
        services.approve_measure(actor=cast["reviewer2"], measure=measure)


def test_staff_of_another_department_neither_draft_nor_see_the_finding(
    cast: dict[str, Any], finding: AuditFinding, login: Any
) -> None:
    with pytest.raises(Refused):
        coverage_measure(cast["staff_b"], finding)
    client = login(cast["staff_b"])
    assert client.get(reverse("oversight:detail", args=[finding.engagement_id])).status_code == 404
    assert "定期監査" not in client.get(reverse("oversight:index")).content.decode()
    own = login(cast["staff_a"])
    page = own.get(reverse("oversight:detail", args=[finding.engagement_id]))
    assert page.status_code == 200 and "講じられたい" in page.content.decode()


def test_the_auditor_reads_everything_and_every_post_is_refused(
    cast: dict[str, Any], finding: AuditFinding, login: Any
) -> None:
    measure = coverage_measure(cast["staff_a"], finding)
    client = login(cast["auditor"])
    engagement = finding.engagement
    assert client.get(reverse("oversight:index")).status_code == 200
    page = client.get(reverse("oversight:detail", args=[engagement.pk]))
    assert page.status_code == 200 and "講じられたい" in page.content.decode()
    assert "措置を作成する" not in page.content.decode()
    assert client.get(reverse("oversight:download", args=[engagement.pk])).status_code == 200
    before = AuditEvent.objects.count()
    posts = [
        (
            reverse("oversight:engagement_create"),
            {"kind": "external", "fiscal_year": "2024", "title": "x"},
        ),
        (
            reverse("oversight:finding_create", args=[engagement.pk]),
            {
                "number": "3",
                "text": "対策を講じられたい。",
                "owner_department": str(finding.owner_department_id),
            },
        ),
        (reverse("oversight:measure_draft", args=[finding.pk]), {"text": "措置"}),
        (reverse("oversight:measure_approve", args=[measure.pk]), {}),
        (reverse("oversight:measure_report", args=[measure.pk]), {"reported_on": "2023-06-30"}),
        (reverse("oversight:finding_close", args=[finding.pk]), {"reason": "完了"}),
        (reverse("oversight:report_issue", args=[engagement.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert AuditEvent.objects.count() == before
    assert AuditEngagement.objects.count() == 1 and AuditFinding.objects.count() == 1
    assert AuditMeasure.objects.get().status == MeasureStatus.DRAFT
    assert not MeasureReportVersion.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "セキュリティ対策が不十分である。"}, "「…されたい」"),
        ({"text": ""}, "監査の結果を入力してください"),
        ({"number": "二"}, "番号は 1 以上の数字で入力してください"),
        ({"number": "2"}, "同じ番号の結果が既にあります"),
    ],
)
def test_a_bad_finding_is_refused_with_a_japanese_message_and_nothing_saved(
    cast: dict[str, Any], finding: AuditFinding, fields: dict[str, str], message: str
) -> None:
    before = AuditEvent.objects.count()
    values = {"number": "3", "text": "対策を講じられたい。", **fields}
    with pytest.raises(ValueError, match=re.escape(message)):
        services.create_finding(
            actor=cast["reviewer"],
            engagement=finding.engagement,
            number=values["number"],
            text=values["text"],
            owner_department=finding.owner_department,
        )
    assert AuditFinding.objects.count() == 1 and AuditEvent.objects.count() == before


def test_bad_dates_and_figures_are_refused_and_full_width_digits_are_read(
    cast: dict[str, Any], finding: AuditFinding, login: Any
) -> None:
    client = login(cast["staff_a"])
    url = reverse("oversight:measure_draft", args=[finding.pk])
    response = client.post(
        url,
        {"text": "照会した。", "figures_query": "karte.coverage", "figures_as_of": "5月31日"},
        follow=True,
    )
    assert "日付として読み取れません" in response.content.decode()
    response = client.post(
        url,
        {
            "text": "照会した。",
            "figures_query": "manual",
            "figures_as_of": "R5.5.31",
            "manual_figures": "情報システム: ２４５システム\n外部公開 六十七",
        },
        follow=True,
    )
    assert "2行目" in response.content.decode()
    assert not AuditMeasure.objects.exists()
    client.post(
        url,
        {
            "text": "照会した。",
            "figures_query": "manual",
            "figures_as_of": "令和５年５月３１日",
            "manual_figures": "情報システム: ２４５システム\n外部公開: ６７",
        },
    )
    measure = AuditMeasure.objects.get()
    assert measure.figures_as_of == dt.date(2023, 5, 31)
    measure = services.approve_measure(actor=cast["approver"], measure=measure)
    assert measure.figures["values"] == {"line1": 245, "line2": 67}
    assert measure.figures["lines"][0]["unit"] == "システム"


def test_seed_dates_use_full_width_for_one_digit_numbers() -> None:
    assert seed_date(dt.date(2023, 5, 31)) == "令和５年５月31日"
    assert seed_date(dt.date(2022, 8, 1)) == "令和４年８月１日"
    assert seed_date(dt.date(2030, 12, 10)) == "令和12年12月10日"


def test_the_committed_master_is_what_the_build_script_makes() -> None:
    path = Path(settings.BASE_DIR) / "docs" / "masters" / "build_oversight_master.py"
    spec = importlib.util.spec_from_file_location("build_oversight_master", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = Path(settings.BASE_DIR) / "templates" / "documents" / "audit_measures.docx"
    assert module.build_audit_measures() == committed.read_bytes()
    assert module.build_audit_measures() == module.build_audit_measures()


def test_governance_staff_enter_a_finding_and_issue_the_report_through_the_pages(
    cast: dict[str, Any], dept_a: Any, login: Any
) -> None:
    coverage_registry(dept_a)
    client = login(cast["reviewer"])
    response = client.post(
        reverse("oversight:engagement_create"),
        {
            "kind": "kansa_periodic",
            "fiscal_year": "R4",
            "title": "定期監査",
            "member_audit_on": "令和4年8月1日",
            "departments": [str(dept_a.pk)],
        },
    )
    engagement = AuditEngagement.objects.get()
    assert response.status_code == 302
    client.post(
        reverse("oversight:finding_create", args=[engagement.pk]),
        {"number": "２", "text": FINDING_2, "owner_department": str(dept_a.pk)},
    )
    finding = AuditFinding.objects.get()
    assert finding.number == 2
    client.post(
        reverse("oversight:measure_draft", args=[finding.pk]),
        {"text": MEASURE_2, "figures_query": "karte.coverage", "figures_as_of": "令和5年5月31日"},
    )
    measure = AuditMeasure.objects.get()
    login(cast["approver"]).post(reverse("oversight:measure_approve", args=[measure.pk]))
    client.post(reverse("oversight:report_issue", args=[engagement.pk]))
    download = client.get(reverse("oversight:download", args=[engagement.pk]))
    text = docx_text(download.content)
    assert (
        "令和５年５月31日時点" in text and "・うち３事業への申込みが不要と確認　9システム" in text
    )
    page = client.get(reverse("oversight:detail", args=[engagement.pk])).content.decode()
    assert "245システム" in page and "数値はハッシュと一致しています" in page


def test_the_demo_gives_the_auditor_seed_001s_finding_2_and_its_measure(
    settings: Any, login: Any, tmp_path: Any
) -> None:
    from governance.karte import demo as karte_demo
    from governance.org import demo as org_demo
    from governance.oversight import demo as oversight_demo

    settings.VAR_DIR = tmp_path  # the demo keeps its passwords there
    org_demo.load(io.StringIO())
    karte_demo.load(io.StringIO())
    oversight_demo.load(io.StringIO())
    oversight_demo.load(io.StringIO())  # a second run changes nothing
    engagement = AuditEngagement.objects.get()
    assert engagement.findings.count() == 2
    measure = AuditMeasure.objects.get()
    assert measure.status == MeasureStatus.REPORTED
    # jsonb keeps no key order: the printed order is the lines'.
    assert [line["value"] for line in measure.figures["lines"]] == [245, 67, 35, 26, 9]
    auditor = login(engagement.created_by.__class__.objects.get(username="auditor"))
    home = auditor.get(reverse("home:index")).content.decode()
    assert reverse("oversight:index") in home
    page = auditor.get(reverse("oversight:detail", args=[engagement.pk])).content.decode()
    assert "講じられたい" in page and "245システム" in page


def test_the_approval_of_a_measure_is_a_sealed_decision_record_outside_any_case(
    cast: dict[str, Any], finding: AuditFinding
) -> None:
    from governance.decisions.services import verify_decision_seals
    from governance.models import DecisionRecord

    measure = coverage_measure(cast["reviewer"], finding)
    measure = services.approve_measure(actor=cast["approver"], measure=measure)
    record = DecisionRecord.objects.get(decision="audit_measure.approve")
    assert record.case_id is None
    assert (record.subject_type, record.subject_id) == ("governance.auditmeasure", str(measure.pk))
    assert record.decision_label == "措置の承認"
    assert record.decided_by_id == cast["approver"].pk
    assert record.sod["ok"] is True and record.sod["drafter"]["id"] == cast["reviewer"].pk
    shown = {fact["label"]: fact["value"] for fact in record.inputs["facts"]}
    facing = next(line for line in measure.figures["lines"] if line["key"] == "internet_facing")
    assert shown[f"{facing['label']}（令和5年5月31日時点）"] == f"67{facing['unit']}"
    assert shown["数値のハッシュ"] == measure.figures["sha256"]
    assert record.audit_event.object_id == str(measure.pk)
    assert verify_decision_seals().ok
    # Editing what the approver saw breaks the seal.
    inputs = dict(record.inputs)
    inputs["facts"] = [{"label": "数値のハッシュ", "value": "0" * 64}]
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("the database refuses UPDATE of a decision record (checked elsewhere)")
    DecisionRecord.objects.filter(pk=record.pk).update(inputs=inputs)
    report = verify_decision_seals()
    assert not report.ok and f"決定記録 {record.pk}" in report.problems[0]

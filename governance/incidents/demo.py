"""Demo incidents, driven through the real flow pages: a phishing wave reported by several
staff, a lost laptop, a misdirected e-mail with personal data, ransomware on an LGWAN-segment
system (TLP:RED), one drill closed with four eyes, and new reports waiting in the queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from forms.incidents import triage_data
from governance import flows
from governance.incidents import services
from governance.models import (
    CaseKind,
    Department,
    Incident,
    InformationSystem,
    IntakeSource,
    SecurityEvent,
    SystemKind,
    User,
)


def _flow() -> Any:
    return flows.flow_class(CaseKind.INCIDENT)


def _promote(
    user: User, events: list[SecurityEvent], department: Department, title: str
) -> Incident:
    process = flows.driver().start(
        _flow(),
        user=user,
        data={
            "title": title,
            "department": department.pk,
            "category": "other",
            "events": ",".join(str(e.pk) for e in events),
        },
    )
    return Incident.objects.get(process=process)


def _triage(user: User, incident: Incident, **kwargs: Any) -> Incident:
    flows.driver().complete(incident.process, _flow().triage, user=user, data=triage_data(**kwargs))
    return Incident.objects.get(pk=incident.pk)


def _lgwan_system(department: Department) -> InformationSystem:
    system = InformationSystem.objects.filter(code="DEMO-IN-LGWAN-01").first()
    if system is None:
        system = InformationSystem.objects.create(
            code="DEMO-IN-LGWAN-01",
            name="LGWAN 接続系 文書管理サーバ",
            department=department,
            kind=SystemKind.PACKAGE_CUSTOMISATION,
            is_synthetic=True,
        )
    return system


def load(stdout: Any) -> None:
    if Incident.objects.exists() or SecurityEvent.objects.exists():
        stdout.write("インシデントのデモデータは登録済みです。")
        return
    somu = Department.objects.get(code="somu")
    zaimu = Department.objects.get(code="zaimu")
    staff_somu = User.objects.get(username="staff_somu")
    manager_somu = User.objects.get(username="manager_somu")
    staff_zaimu = User.objects.get(username="staff_zaimu")
    csirt = User.objects.get(username="csirt")
    lead = User.objects.get(username="csirt_lead")
    ciso = User.objects.get(username="ciso")
    desk = IntakeSource.objects.get(code="phishing-desk")
    now = timezone.now()

    # 1. A phishing wave: the same mail forwarded by three staff is one event.
    for reporter in (staff_somu, manager_somu, staff_zaimu):
        event, _new = services.receive_event(
            actor=csirt,
            source=desk,
            channel="mail",
            title="【至急】メールボックス容量超過のお知らせ",
            description=(
                "差出人: it-support@mail-box-update.example\n本文のリンクからログインを求める内容"
            ),
            source_ref="<20261130.phish-01@mail-box-update.example>",
            reporter=reporter,
            personal_data="no",
        )
    phishing = _triage(
        csirt,
        _promote(csirt, [event], somu, "フィッシングメールの一斉着信"),
        category="targeted_mail",
    )
    for kind, value in (
        ("email_address", "it-support[@]mail-box-update[.]example"),
        ("url", "hxxps://mail-box-update[.]example/login"),
        ("domain", "mail-box-update[.]example"),
    ):
        services.add_observable(actor=csirt, incident=phishing, type=kind, value=value)
    services.move_phase(actor=csirt, incident=phishing, phase="analysis")

    # 2. A lost laptop with an encrypted disk.
    laptop_event = services.submit_department_report(
        actor=staff_zaimu,
        what="出張先で業務用ノートパソコンを紛失しました。納税者の一覧ファイルが入っています。",
        personal_data="yes",
        persons="250人",
        category_hint="loss_theft",
        contact_phone="内線 2345",
    )
    laptop = _promote(csirt, [laptop_event], zaimu, "業務用ノートパソコンの紛失")
    services.update_facts(
        actor=csirt,
        incident=laptop,
        pd_items="氏名、住所、税額",
        pd_high_encryption=True,
        pd_encryption_evidence="BitLocker（AES-256）で全体暗号化、回復キーは情報政策課で管理",
    )
    laptop = _triage(csirt, laptop, category="loss_theft", activity_stage="completed")
    services.move_phase(actor=csirt, incident=laptop, phase="analysis")

    # 3. A misdirected e-mail with personal data of 120 people: L3, the CISO is told.
    mail_event = services.submit_department_report(
        actor=staff_somu,
        what="研修案内のメールを、受講者一覧（120名分）を添付したまま外部の業者へ送信しました。",
        personal_data="yes",
        persons="１２０名",
        category_hint="misdelivery_email",
    )
    misdelivery = _promote(csirt, [mail_event], somu, "受講者一覧の誤送信")
    services.update_facts(
        actor=csirt, incident=misdelivery, pd_items="氏名、所属、メールアドレス", pd_persons="120"
    )
    misdelivery = _triage(
        csirt, misdelivery, category="misdelivery_email", activity_stage="completed"
    )
    services.move_phase(actor=csirt, incident=misdelivery, phase="analysis")

    # 4. Ransomware on an LGWAN-segment server, notified by J-LIS: L4, TLP:RED.
    jlis = services.record_manual_event(
        actor=csirt,
        source=IntakeSource.objects.get(code="jlis-attack"),
        channel="phone",
        title="LGWAN 接続系サーバからの不審な通信（J-LIS 通報）",
        description="J-LIS から電話: 文書管理サーバから C2 サーバへの通信を検知",
        source_ref="JLIS-2026-1130-07",
        aware_at=now - dt.timedelta(hours=3),
        department=somu,
        personal_data="unknown",
        tlp="red",
    )
    ransomware = _promote(csirt, [jlis], somu, "文書管理サーバのランサムウェア感染")
    ransomware = _triage(
        csirt,
        ransomware,
        category="ransomware",
        tlp="red",
        activity_stage="ongoing",
        functional_impact="high",
        scope="external_bodies",
    )
    system = _lgwan_system(somu)
    services.add_observable(
        actor=csirt, incident=ransomware, type="ip", value="203.0.113[.]45", note="C2 サーバ"
    )
    services.add_observable(
        actor=csirt, incident=ransomware, type="filename", value="README_RESTORE.txt"
    )
    services.move_phase(actor=csirt, incident=ransomware, phase="containment")
    services.request_emergency_disconnection(
        actor=csirt,
        incident=ransomware,
        system=system,
        reason="暗号化の拡大防止のため LGWAN から遮断",
    )
    services.acknowledge(actor=ciso, incident=ransomware)

    # 5. A drill: a training report, handled and closed with four eyes.
    drill_event = services.record_manual_event(
        actor=csirt,
        source=desk,
        channel="mail",
        title="【訓練】標的型メール訓練の通報",
        personal_data="no",
        is_exercise=True,
    )
    drill = _triage(
        csirt, _promote(csirt, [drill_event], somu, "標的型メール訓練"), category="other"
    )
    for task in drill.tasks.all():
        services.set_task_status(actor=csirt, task=task, status="done", result="訓練で実施")
    flows.driver().complete(
        drill.process, _flow().handle, user=csirt, data={"resolution": "true_positive"}
    )
    flows.driver().complete(
        drill.process, _flow().closure_review, user=lead, data={"decision": "approve"}
    )

    # New reports waiting in the queue.
    services.submit_department_report(
        actor=manager_somu,
        what="職員用ポータルの表示が崩れ、見慣れない文字列が表示されています。",
        personal_data="no",
    )
    services.record_manual_event(
        actor=csirt,
        source=IntakeSource.objects.get(code="homepage-response"),
        channel="mail",
        title="府ホームページの応答遅延（ホームページレスポンス観測）",
        source_ref="HP-RESP-2026-1130-01",
        personal_data="no",
        tlp="green",
    )
    stdout.write(f"インシデントのデモデータを登録しました（{Incident.objects.count()}件）。")

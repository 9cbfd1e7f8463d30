"""A network connection can be driven end to end in a real browser, by each role in turn: a
department applies with a full-width IP address, is sent back and revises, the approver
approves with a condition, the CISO approves, the 承認書 is downloaded and read, and the
system's registry page shows the connection as 接続中."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import pytest

from governance.models import (
    ApprovalStatus,
    CaseStatus,
    ConnectionApproval,
    ConnectionFinding,
    ConnectionPerspective,
    InformationSystem,
    NetworkAsset,
    NetworkConnection,
    User,
)
from tests.browser import open_task_from_inbox, sign_in, sign_out, submit, wait_for_page
from tests.factories import InformationSystemFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

CASE_PAGE = re.compile(r"/network_connection/\d+/$")
START_PAGE = re.compile(r"/network_connection/start/$")
TASK_PAGE = re.compile(r"/network_connection/\d+/\w+/\d+/(execute|assign)/$")
EXECUTE_PAGE = re.compile(r"/network_connection/\d+/\w+/\d+/execute/$")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def system(dept_a: Any) -> InformationSystem:
    # Published on the internet, enrolled in no monitoring service.
    return InformationSystemFactory.create(
        code="SOMU-WEB", name="電子申請受付システム", department=dept_a, internet_facing=True
    )


def take(page: Any, case_number: str) -> None:
    """Open the case's task from the inbox or the queue, picking it up if it waits there."""
    open_task_from_inbox(page, case_number, TASK_PAGE)
    if page.url.endswith("/assign/"):
        page.click("#claim-button")
        wait_for_page(page, EXECUTE_PAGE)


def test_a_conditional_connection_routed_to_the_ciso_ends_connected_on_the_registry_page(
    frozen_now: Any,
    live_server: Any,
    page: Any,
    nc_cast: dict[str, User],
    system: InformationSystem,
) -> None:
    base = live_server.url

    # The department applies, typing the address and the port in full width.
    sign_in(page, base, "staff_a")
    page.click("a[href$='/network_connection/start/']")
    wait_for_page(page, START_PAGE)
    page.fill("input[name=title]", "電子申請受付サーバの公開")
    page.select_option("select[name=system]", str(system.pk))
    page.select_option("select[name=target_kind]", "server")
    page.select_option("select[name=segment]", "internet")
    page.fill("textarea[name=purpose]", "府民からの電子申請を受け付ける")
    page.fill("input[name=desired_start_on]", "令和８年１０月１５日")
    page.fill("input[name=desired_end_on]", "令和９年３月３１日")
    page.select_option("select[name=info_confidentiality]", "2")
    page.select_option("select[name=internet_exposure]", "inbound_public")
    page.fill("input[name=assets-0-hostname]", "web01")
    page.fill("input[name=assets-0-ip_address]", "１９２．１６８．１０．５")
    page.fill("input[name=assets-0-mac_address]", "AA-BB-CC-00-11-22")
    page.fill("input[name=assets-0-os_name]", "Red Hat Enterprise Linux")
    page.fill("input[name=assets-0-os_eol_on]", "令和14年5月31日")
    page.fill("input[name=flows-0-source]", "any")
    page.fill("input[name=flows-0-destination]", "web01")
    page.fill("input[name=flows-0-ports]", "４４３")
    page.select_option("select[name=flows-0-direction]", "inbound")
    page.fill("input[name=flows-0-purpose]", "申請の受付")
    page.set_input_files(
        "input[name=network_diagram]",
        files=[{"name": "構成図.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    submit(page, CASE_PAGE)
    connection = NetworkConnection.objects.get()
    assert NetworkAsset.objects.get(hostname="web01").ip_address == "192.168.10.5"
    assert connection.flows.get().ports == "443"
    assert connection.requires_ciso
    assert "192.168.10.5" in page.inner_text("#nc-assets")
    sign_out(page)

    # The security reviewer adopts the pre-filled monitoring finding and sends it back.
    sign_in(page, base, "security")
    take(page, connection.number)
    assert "監視サービスへの登録も独自対策の登録もありません" in page.inner_text("main")
    proposal = ConnectionFinding.objects.get(case=connection, check_code="monitoring")
    page.click("form:has(input[name=action][value=accept]) button[type=submit]")
    # The decided proposal leaves the page once the page has been reloaded.
    page.wait_for_selector(f"#proposal-{proposal.pk}", state="detached")
    wait_for_page(page, EXECUTE_PAGE)
    page.check("input[name=decision][value=send_back]")
    page.fill("textarea[name=message]", "保守用の通信も記載してください。")
    submit(page, CASE_PAGE)
    assert "差戻し" in page.inner_text("#case-status")
    sign_out(page)

    # The department adds the maintenance traffic and answers.
    sign_in(page, base, "staff_a")
    page.goto(f"{base}/home/cases/{connection.pk}/")
    wait_for_page(page, CASE_PAGE)
    page.click("a.shinsa-task-action")
    wait_for_page(page, TASK_PAGE)
    page.fill("input[name=flows-1-source]", "10.9.0.0/24")
    page.fill("input[name=flows-1-destination]", "web01")
    page.fill("input[name=flows-1-ports]", "２２")
    page.select_option("select[name=flows-1-direction]", "inbound")
    page.fill("input[name=flows-1-purpose]", "保守")
    page.fill("textarea[name=answer]", "保守用の SSH を追記しました。")
    submit(page, CASE_PAGE)
    connection.refresh_from_db()
    assert connection.status == CaseStatus.UNDER_REVIEW
    assert connection.flows.count() == 2
    sign_out(page)

    # The security reviewer completes the checklist; the network admin plans the VLAN.
    sign_in(page, base, "security")
    take(page, connection.number)
    for perspective in ConnectionPerspective:
        page.select_option(f"select[name=result_{perspective.value}]", "ok")
    page.check("input[name=decision][value=complete]")
    submit(page, CASE_PAGE)
    sign_out(page)
    sign_in(page, base, "netadmin")
    take(page, connection.number)
    page.check("input[name=decision][value=complete]")
    page.fill("input[name=assigned_vlan]", "VLAN 210")
    page.fill("input[name=assigned_addresses]", "１９２．１６８．１０．０／２８")
    submit(page, CASE_PAGE)
    sign_out(page)

    # The approver approves with the proposed monitoring condition; the CISO approves too.
    sign_in(page, base, "approver")
    take(page, connection.number)
    assert "監視サービス（ウェブ感染型マルウェア検知 等）" in page.input_value(
        "textarea[name=conditions-0-text]"
    )
    page.check("input[name=decision][value=approve_with_conditions]")
    submit(page, CASE_PAGE)
    connection.refresh_from_db()
    assert connection.status == CaseStatus.AWAITING_APPROVAL
    assert not ConnectionApproval.objects.exists()
    sign_out(page)
    sign_in(page, base, "ciso")
    take(page, connection.number)
    page.check("input[name=decision][value=approve]")
    submit(page, CASE_PAGE)
    connection.refresh_from_db()
    assert connection.status == CaseStatus.APPROVED
    sign_out(page)

    # The department downloads the 条件付承認書 and reads it.
    sign_in(page, base, "staff_a")
    page.goto(f"{base}/home/cases/{connection.pk}/")
    wait_for_page(page, CASE_PAGE)
    with page.expect_download() as download_info:
        page.click("a.shinsa-document-link")
    word = docx.Document(io.BytesIO(download_info.value.path().read_bytes()))
    text = "\n".join(paragraph.text for paragraph in word.paragraphs)
    cells = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]
    assert "ネットワーク接続条件付承認書" in text
    assert "令和9年3月31日まで" in "\n".join(" | ".join(row) for row in cells)
    assert any("監視サービス（ウェブ感染型マルウェア検知 等）" in " ".join(row) for row in cells)
    assert any(row[:5] == ["2", "10.9.0.0/24", "web01", "TCP", "22"] for row in cells)
    sign_out(page)

    # The network admin records the connection; the registry shows it 接続中.
    sign_in(page, base, "netadmin")
    take(page, connection.number)
    page.check("input[name=confirmed]")
    submit(page, CASE_PAGE)
    assert ConnectionApproval.objects.get().status == ApprovalStatus.ACTIVE
    sign_out(page)
    sign_in(page, base, "staff_a")
    page.goto(f"{base}/karte/{system.pk}/")
    wait_for_page(page, re.compile(rf"/karte/{system.pk}/$"))
    assert "接続中" in page.inner_text("#network-connections .shinsa-nc-status")

"""The UI is Japanese unless the user picks English, every marked string has a complete English
translation, and what Shinsa records (audit trail, notices, documents) is Japanese whatever the
language of the request that caused it."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from governance.audit.services import describe
from governance.models import AuditEvent, DocumentVersion, Notification
from tests import budget_support as support
from tests.conftest import REQUIRE_SERVICES
from tests.factories import InformationSystemFactory
from workflows.budget_check import BudgetCheckFlow

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _entries(path: Path) -> list[dict[str, Any]]:
    """The entries of a .po file: msgid, msgstr and flags (enough for these checks).

    makemessages writes the header without a blank line after it, so a new entry also starts
    at a comment or msgid that follows a msgstr.
    """
    entries: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    field = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        starts_entry = line.startswith(("#", "msgctxt", "msgid ")) and not line.startswith("#~")
        if current is not None and (not line.strip() or (starts_entry and "msgstr" in current)):
            entries.append(current)
            current = None
        if not line.strip() or line.startswith("#~"):
            continue
        if current is None:
            current = {"flags": set()}
        if line.startswith("#,"):
            current["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            field, _space, value = line.partition(" ")
            current[field] = ast.literal_eval(value)
    if current is not None:
        entries.append(current)
    return [entry for entry in entries if entry.get("msgid")]


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response: Any) -> str:
    return str(response.content.decode())


def _navigation_and_headings(html: str) -> list[str]:
    """The texts of the page title, headings, menu entries and buttons."""
    found = re.findall(
        r"<(title|h1|h2|h3|button)\b[^>]*>(.*?)</\1>"
        r'|<span class="mdc-list-item__content">(.*?)</span>',
        html,
        flags=re.S,
    )
    texts = [re.sub(r"<[^>]+>", " ", body or item) for _tag, body, item in found]
    return [" ".join(text.split()) for text in texts if text.strip()]


def _assert_no_japanese_in_navigation(html: str, *, allowed: tuple[str, ...] = ()) -> None:
    # "日本語" is the switch back to Japanese, written in its own language on purpose; data
    # (names of people, departments, systems) stays as it was entered.
    allowed = ("日本語", *allowed)
    for text in _navigation_and_headings(html):
        for word in allowed:
            text = text.replace(word, "")
        assert not JAPANESE.search(text), text


@pytest.fixture
def system(dept_a: Any) -> Any:
    return InformationSystemFactory.create(
        code="SOMU-001", name="総務事務システム", department=dept_a
    )


# --- The catalog ----------------------------------------------------------------------------


def test_every_catalog_entry_has_an_english_translation_and_none_is_fuzzy() -> None:
    entries = _entries(CATALOG)
    assert len(entries) > 700
    assert [e["msgid"] for e in entries if not e.get("msgstr", "").strip()] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    # Japanese may remain only where it is quoted from the source: examples of what users
    # type (令和7年10月1日, full-width digits) and sheet names of the import files.
    for entry in entries:
        for run in re.findall(JAPANESE.pattern + "+", entry["msgstr"]):
            assert run in entry["msgid"], (entry["msgid"], entry["msgstr"])


def test_every_translation_has_the_same_placeholders_as_its_source() -> None:
    mismatched = [
        (e["msgid"], e["msgstr"])
        for e in _entries(CATALOG)
        if sorted(PLACEHOLDER.findall(e["msgid"])) != sorted(PLACEHOLDER.findall(e["msgstr"]))
    ]
    assert mismatched == []


def test_the_committed_mo_file_is_compiled_from_the_po_file() -> None:
    with COMPILED.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _entries(CATALOG):
        assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_every_marked_string_in_the_code_and_templates_is_in_the_catalog(
    tmp_path: Path, monkeypatch: Any
) -> None:
    if shutil.which("xgettext") is None:
        if REQUIRE_SERVICES:
            pytest.fail("GNU gettext (xgettext) is not installed")
        pytest.skip("GNU gettext (xgettext) is not installed")
    source = tmp_path / "src"
    # A copy without the catalog, so makemessages writes a fresh one beside it.
    shutil.copytree(
        settings.BASE_DIR,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "var", "locale", "*.docx", "*.xlsx", "__pycache__", ".*_cache"
        ),
    )
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[source / "locale"]):
        call_command("makemessages", locale=["en"], ignore_patterns=[".venv", "var"], verbosity=0)
    extracted = {e["msgid"] for e in _entries(source / "locale/en/LC_MESSAGES/django.po")}
    committed = {e["msgid"] for e in _entries(CATALOG)}
    assert sorted(extracted - committed) == [], "run `make messages` and translate the new strings"
    assert sorted(committed - extracted) == [], "run `make messages` to drop obsolete strings"


# --- Pages ----------------------------------------------------------------------------------


def test_the_login_page_is_in_english_with_the_english_cookie_and_offers_japanese(
    client: Client,
) -> None:
    html = _text(_english(client).get("/accounts/login/"))
    assert "Log in" in html
    assert "Review, consultation and incident management of information systems" in html
    assert 'value="ja"' in html
    _assert_no_japanese_in_navigation(html)


def test_the_login_page_offers_english_and_the_switch_works_before_signing_in(
    client: Client,
) -> None:
    html = _text(client.get("/accounts/login/"))
    assert "ログイン" in html
    assert 'name="language" value="en"' in html
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log in" in _text(client.get("/accounts/login/"))


def test_the_inbox_is_in_english_with_the_english_cookie(
    cast: Any, login: Any, system: Any
) -> None:
    support.start(cast["staff_a"], system)
    html = _text(_english(login(cast["reviewer"])).get("/home/", follow=True))
    for words in ("My tasks", "Home", "System register", "Budget check", "Tasks you can take"):
        assert words in html, words
    # A notice is a record, written in Japanese when it was made (the review's assignment).
    notices = tuple(Notification.objects.values_list("subject", flat=True))
    assert notices
    _assert_no_japanese_in_navigation(html, allowed=("太郎", "試験", *notices))


def test_a_budget_check_case_page_is_in_english_with_the_english_cookie(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    response = _english(login(cast["staff_a"])).get(f"/home/cases/{check.pk}/", follow=True)
    html = _text(response)
    for words in ("Case summary", "Budget request", "Requested amount (total)", "Progress"):
        assert words in html, words
    _assert_no_japanese_in_navigation(html, allowed=(check.title, "太郎", "試験", "総務部"))


def test_english_pages_name_departments_in_english_and_records_keep_the_japanese_name(
    cast: Any, login: Any, system: Any, dept_a: Any
) -> None:
    dept_a.name_en = "General Affairs Department"
    dept_a.save()
    check = support.start(cast["staff_a"], system)
    case_page = f"/home/cases/{check.pk}/"
    english = _text(_english(login(cast["staff_a"])).get(case_page, follow=True))
    assert "General Affairs Department" in english
    japanese = _text(login(cast["staff_a"]).get(case_page, follow=True))
    assert "General Affairs Department" not in japanese
    assert dept_a.name in japanese
    with translation.override("en"):
        assert str(dept_a) == "General Affairs Department"
        assert describe(dept_a)[2] == dept_a.name  # the audit trail names it in Japanese
        dept_a.name_en = ""
        assert str(dept_a) == dept_a.name  # no English name: the Japanese one


def test_the_system_register_list_is_in_english_with_the_english_cookie(
    cast: Any, login: Any, system: Any
) -> None:
    html = _text(_english(login(cast["staff_a"])).get(reverse("karte:index")))
    for words in ("Systems", "System code", "Vendor lock-in", "Department / section"):
        assert words in html, words
    _assert_no_japanese_in_navigation(html, allowed=("太郎", "試験"))


def test_validation_errors_are_in_english_with_the_english_cookie(
    cast: Any, login: Any, system: Any
) -> None:
    client = _english(login(cast["staff_a"]))
    data = support.request_post(system, initial_cost="-100", purpose="", fiscal_year="来年")
    html = _text(client.post(BudgetCheckFlow.start.reverse("execute"), data))
    assert "Enter a number of 0 or more." in html
    assert "This field is required." in html
    assert "Cannot be read as a fiscal year" in html
    assert "0 以上の数値を入力してください。" not in html


def test_pages_are_japanese_without_the_cookie_even_for_an_english_browser(
    cast: Any, login: Any, system: Any
) -> None:
    check = support.start(cast["staff_a"], system)
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert "ログイン" in _text(Client().get("/accounts/login/", headers=english_browser))
    client = login(cast["staff_a"])
    assert "自分のタスク" in _text(client.get("/home/", follow=True, headers=english_browser))
    case_page = _text(client.get(f"/home/cases/{check.pk}/", follow=True, headers=english_browser))
    assert "案件の概要" in case_page
    assert "Case summary" not in case_page
    assert "システム一覧" in _text(client.get(reverse("karte:index"), headers=english_browser))


def test_an_english_request_does_not_leave_english_active_on_its_thread(
    cast: Any, login: Any
) -> None:
    _english(login(cast["staff_a"])).get("/home/", follow=True)
    assert translation.get_language() == settings.LANGUAGE_CODE == "ja"
    assert "自分のタスク" in _text(login(cast["staff_a"]).get("/home/", follow=True))


# --- Records stay Japanese ------------------------------------------------------------------


def test_an_audit_event_recorded_during_an_english_request_is_japanese(
    cast: Any, login: Any, dept_a: Any
) -> None:
    client = _english(login(cast["staff_a"]))
    data = support.request_post(
        None, new_system_name="電子申請受付システム", new_system_kind="service_use"
    )
    response = client.post(BudgetCheckFlow.start.reverse("execute"), data)
    assert response.status_code == 302, _text(response)
    event = AuditEvent.objects.get(action="system.register")
    assert event.reason == "予算確認の申請時に登録"


def test_notices_and_documents_made_during_an_english_request_are_japanese(
    cast: Any, login: Any, system: Any, run_jobs: Any
) -> None:
    check = support.drive_to_approval(support.start(cast["staff_a"], system), cast["reviewer"])
    approver = _english(login(cast["approver"]))
    task = support.open_task(check, BudgetCheckFlow.approve)
    assert approver.post(support.assign_url(task), {}).status_code == 302
    response = approver.post(support.execute_url(task), {"decision": "approve", "comment": ""})
    assert response.status_code == 302, _text(response)
    # Inline jobs run after the commit, still inside the English request.
    with translation.override("en"):
        run_jobs()

    notice = Notification.objects.get(recipient=cast["staff_a"], subject__contains="予算確認の結果")
    assert notice.subject == f"{check.number}: 予算確認の結果が通知されました"
    # The acknowledgement's assignment notice, made in the same English request.
    assigned = Notification.objects.get(recipient=cast["staff_a"], subject__startswith="【担当】")
    assert assigned.subject == f"【担当】「結果の確認」をお願いします: {check.number}"
    assert notice.body == "確認結果: 確認済（指導事項あり）。指導事項を確認してください。"
    version = DocumentVersion.objects.get(document__case=check)
    assert version.document.title == "予算確認結果通知（技術的助言）"
    assert version.case_state["result"] == "確認済（指導事項あり）"
    assert "Checked" not in str(version.case_state)

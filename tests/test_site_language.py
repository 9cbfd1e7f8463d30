"""Every page a user can reach speaks one language: no English leftover of viewflow's stock pages
(nor one of its mistranslations, nor a name in western order with an e-mail) in Japanese mode,
no Japanese in the navigation in English mode. Walks every URL pattern as each role."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from governance.models import (
    AdvisoryDocument,
    Attachment,
    AuditEngagement,
    Case,
    Department,
    InformationSystem,
    LockInTerm,
    Notification,
    SecurityEvent,
    User,
    Vendor,
)
from tests import tour
from tests.second_factor import mark_verified, needs_code

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "staff_a", "reviewer", "approver", "csirt", "auditor", "admin")

#: English that viewflow's stock pages showed in Japanese mode (matched as whole words).
ENGLISH_LEFTOVERS = (
    "Process summary", "Process id", "Process list", "Process", "Brief", "Active tasks",
    "Owner", "Unassigned", "Permission", "Finished", "Created", "Assigned",
    "Previous tasks", "Next tasks", "End", "Start", "Review", "Approve", "Acknowledge",
    "Approval Decision", "Review Decision", "Answer Questions", "Answer", "Close",
    "Check Resolved", "Resubmit", "Route", "After Review", "After Approval", "Assign",
    "Unassign", "Undo", "Revive", "Execute", "Export BPMN", "flow graph", "Select all", "GO",
    "No objects selected", "Tasks was", "Open navigation menu", "Django Material", "Django",
    "no transition", "have no rights", "Log in", "Page not found", "Access Forbidden",
)  # fmt: skip
#: viewflow's Japanese mistranslations and jargon, and the words the claim page used.
JAPANESE_LEFTOVERS = (
    "完成品", "これまでの課題", "次の課題", "割り当て", "アンアサイン", "商品説明", "背面",
    "輸出", "むすぶ", "俺", "アクセスする権利がない", "所有者", "キュー", "受信箱",
    "プロセス", "アクセス禁止", "ステータス",
)  # fmt: skip
PAGINATION = re.compile(r"\d+-\d+ of \d+")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")
#: Japanese formats shown the same in both languages (docs/DEVELOPING.md, "Languages").
JAPANESE_FORMATS = re.compile(
    r"(令和|平成|昭和)(元|\d+)年(度|\d+月\d+日)?|\d[\d,]*円|日本語|（|）|、|。|〜|：|「|」"
)


def _visible(html: str) -> str:
    """The text a user reads or hears: page text and the labels of controls, without scripts,
    styles, code and the ligature names of Material icons."""
    html = re.sub(r"<(script|style|code|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(
        r'(<(i|span|button)\b[^>]*class="[^"]*material-icons[^"]*"[^>]*>)[^<]*(</\2>)',
        r"\1\3",
        html,
    )
    labels = re.findall(r'\b(?:label|placeholder|title|aria-label|alt)="([^"]*)"', html)
    labels += re.findall(r'<input\b[^>]*type="submit"[^>]*value="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " | ", html)
    return " ".join(f"{text} | {' | '.join(labels)}".split())


def _navigation(html: str) -> list[str]:
    """Titles, headings, table headings, buttons and menu entries."""
    found = re.findall(
        r"<(title|h1|h2|h3|th|button)\b[^>]*>(.*?)</\1>"
        r'|<span class="(?:mdc-list-item__content|mdc-button__label)">(.*?)</span>',
        html,
        flags=re.S,
    )
    texts = [re.sub(r"<[^>]+>", " ", body or item) for _tag, body, item in found]
    return [" ".join(text.split()) for text in texts if text.strip()]


#: Pages that show a record as it was written, not wording of the page: the audit trail prints
#: the recorded action codes and values (its readable Japanese trace is issue 15's work), and
#: the administrator's user page shows the person's e-mail address, which the admin needs.
RECORDED = {
    ("audit:index", "Approve"),
    # The network flow's recorded node names (security_review, network_review).
    ("audit:index", "Review"),
    ("users:detail", "an e-mail address"),
}


def english_leftovers(text: str, people: list[Any]) -> list[str]:
    found = [
        word
        for word in ENGLISH_LEFTOVERS
        if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text)
    ]
    found += [word for word in JAPANESE_LEFTOVERS if word in text]
    found += PAGINATION.findall(text)
    found += ["an e-mail address" for _match in re.findall(r"[\w.]+@[\w.]+\.jp", text)[:1]]
    found += [
        f"{user.first_name} {user.last_name} (western order)"
        for user in people
        if user.first_name and user.last_name and f"{user.first_name} {user.last_name}" in text
    ]
    return found


def _data() -> list[str]:
    """What users entered or records hold: shown as it is, in any language."""
    values: list[str] = []
    for model, fields in (
        (Case, ("title", "number")),
        (Department, ("name",)),
        (InformationSystem, ("name",)),
        (Notification, ("subject",)),
        (Vendor, ("name",)),
        (AdvisoryDocument, ("number", "title")),
        (Attachment, ("original_name",)),
        (LockInTerm, ("phrase", "label")),
        (SecurityEvent, ("number", "title")),
        (AuditEngagement, ("title",)),
    ):
        for row in model.objects.values_list(*fields):
            values.extend(str(value) for value in row if value)
    for user in User.objects.all():
        values.extend([user.display_name, user.last_name, user.first_name])
    return sorted({value for value in values if value.strip()}, key=len, reverse=True)


def japanese_in_navigation(html: str, data: list[str]) -> list[str]:
    found = []
    for text in _navigation(html):
        rest = text
        for value in data:
            rest = rest.replace(value, " ")
        rest = JAPANESE_FORMATS.sub(" ", rest)
        if JAPANESE.search(rest):
            found.append(text)
    return found


def _client(user: Any, language: str) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        if needs_code(user):
            mark_verified(client, user)
    if language == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_japanese_in_japanese_mode_and_english_in_english_mode(
    role: str, cast: dict[str, Any], run_jobs: Any, migration_seeds: Any
) -> None:
    objects = tour.build(cast, run_jobs)
    addresses = tour.addresses(objects)
    user = None if role == "anonymous" else cast[role]
    people = list(User.objects.all())
    data = _data()
    japanese, english = _client(user, "ja"), _client(user, "en")
    leftovers: list[tuple[str, str, Any]] = []
    rendered = 0
    for name, url in addresses:
        response = japanese.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        rendered += response.status_code == 200
        for found in english_leftovers(_visible(response.content.decode()), people):
            if (name, found) in RECORDED:
                continue
            leftovers.append(("ja", name, found))
        response = english.get(url)
        for found in japanese_in_navigation(response.content.decode(), data):
            leftovers.append(("en", name, found))
    assert not leftovers, sorted(set(leftovers))
    # The walk reached real pages, not only refusals and redirects to the login page.
    assert rendered >= (1 if role == "anonymous" else 10), rendered


def test_the_tour_fills_every_url_pattern_of_the_site(cast: dict[str, Any], run_jobs: Any) -> None:
    objects = tour.build(cast, run_jobs)
    names = {name for name, _url in tour.addresses(objects)}
    assert len(names) == len(tour.patterns()) > 200
    assert {"budgetcheck:approve:assign", "spec_review:review:unassign", "home:case"} <= names


def test_the_leftover_check_finds_what_viewflows_stock_pages_showed() -> None:
    old_task_page = (
        '<md-outlined-text-field label="Brief"></md-outlined-text-field>'
        "<h1>これまでの課題</h1><td>完成品</td><td>Approval Decision</td>"
        "<div>健太 高橋</div><div>reviewer@example.jp</div><span>1-20 of 20</span>"
    )
    person = User(first_name="健太", last_name="高橋")
    found = english_leftovers(_visible(old_task_page), [person])
    assert found == [
        "Brief",
        "Approval Decision",
        "完成品",
        "これまでの課題",
        "1-20 of 20",
        "an e-mail address",
        "健太 高橋 (western order)",
    ]
    # Icon ligatures and code are not text a user reads.
    icons_and_code = '<i class="material-icons">close</i><code>End</code>'
    assert english_leftovers(_visible(icons_and_code), []) == []
    icon_button = '<button class="material-icons" aria-label="Open navigation menu">menu</button>'
    assert english_leftovers(_visible(icon_button), []) == ["Open navigation menu"]


def test_the_japanese_corrections_only_replace_viewflows_own_strings() -> None:
    """locale/ja corrects viewflow's translations (and keeps Django's wording where Django REST
    framework's catalog differs); Shinsa's own strings need no catalog."""
    import gettext
    from pathlib import Path

    import rest_framework
    import viewflow

    ours = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    corrections = re.findall(r'^msgid "(.+)"$', ours.read_text(encoding="utf-8"), flags=re.M)
    sources = "".join(
        path.read_text(encoding="utf-8")
        for package in (viewflow, rest_framework)
        for pattern in ("*.py", "*.html")
        for path in Path(str(package.__file__)).parent.rglob(pattern)
    )
    assert len(corrections) > 40
    assert [text for text in corrections if text not in sources] == []
    with ours.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    # Looked up through local names, so that makemessages does not take them for our strings.
    lookup, lookup_in = compiled.gettext, compiled.pgettext
    assert lookup("Finished") == "完了"
    assert lookup_in("STATUS", "Assigned") == "担当中"

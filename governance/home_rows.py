"""The rows of the home page's task tables, rendered once in Python.

Rendering ``home/_task_table.html`` row by row cost about a third of the home page: each of
the 50 rows resolved some 15 variables through the template engine, ran the ``date`` filter
and a ``{% blocktrans %}`` (a catalog lookup per row). Here each row is one ``format_html``
with the same markup, escaping and text: the age's translation is looked up once per page, the
date is formatted from the local time as ``|date:"Y/m/d H:i"`` did. The table's head, its
empty row and the pagination stay in the templates. The unread notices likewise carry their
date and their 既読 address, formatted and filled in once (no ``{% url %}`` per notice).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from django.middleware.csrf import get_token
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

from governance import compiled, japanese
from governance.cases import selectors

_ROW = (
    "\n    <tr>\n"
    '      <td><a href="{case_url}">{number}</a></td>\n'
    "      <td>{kind_label}</td>\n"
    "      <td>{title}</td>\n"
    "      <td>{department_label}</td>\n"
    '      <td><a class="shinsa-task-link" href="{task_url}">{task_title}</a></td>\n'
    "      <td>{status_label}</td>\n"
    '      <td class="shinsa-due">{clock}</td>\n'
    '      <td class="shinsa-age">{age}</td>\n'
    "      <td>{created}</td>\n"
    "    </tr>\n  "
)
_CLOCK = (
    '<span class="shinsa-clock-badge{overdue}" title="{kind_label} {due_text}">{left_text}</span>'
    ' <span class="shinsa-muted">{kind_label} {due_text}</span>'
)


def _clock_html(clock: Any) -> SafeString | str:
    if not clock:
        return ""
    return format_html(
        _CLOCK,
        overdue=mark_safe(" shinsa-clock-badge--overdue") if clock.overdue else "",
        kind_label=clock.kind_label,
        due_text=clock.due_text,
        left_text=clock.left_text,
    )


def _local_minute(moment: Any) -> str:
    """``{{ moment|date:"Y/m/d H:i" }}``: the moment in the current time zone, to the minute."""
    if moment in (None, ""):
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{local.year:04d}/{local.month:02d}/{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def attach_row_html(rows: list[Any]) -> None:
    """Set ``row.html`` on each task row (after its clock badge and age are attached): the
    ``<tr>`` that ``home/_task_table.html`` shows for it. No query."""
    age_format = gettext("%(days)s営業日")
    for row in rows:
        row.html = format_html(
            _ROW,
            case_url=row.case_url,
            number=row.number,
            kind_label=row.kind_label,
            title=row.title,
            department_label=row.department_label,
            task_url=row.task_url,
            task_title=row.task_title,
            status_label=row.status_label,
            clock=_clock_html(row.clock),
            # Escaped as a whole (``{% blocktrans %}`` left the translation as it was; neither
            # catalog's "%(days)s営業日" holds a character escaping changes).
            age=age_format % {"days": row.age_days},
            created=_local_minute(row.created),
        )


_DECISION = (
    "\n          <tr><td>{day} {time}</td>\n"
    '            <td class="shinsa-prose">{link}</td>\n'
    '            <td>{label}</td><td class="shinsa-prose">{decided_by}</td>\n'
    "            <td>{sod}</td></tr>\n        "
)
_LINK = '<a href="{url}#decision-{pk}">{number} {title}</a>'
_SOD_OK = mark_safe('<span class="shinsa-ok">\u2713</span>')
_SOD_BREACH = mark_safe('<span class="shinsa-ng">\u2717</span>')


def _escaped(value: Any) -> str:
    """``conditional_escape(value)`` as a plain string: the same text, without the lazy-object
    checks of ``format_html`` (each row had some 20 of them). ``None`` reads "None", as there."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


#: The decisions' rows drawn lately, by everything they are drawn from (``_rows_key``): the
#: auditors' home shows the same 20 latest decisions until the next one is taken.
_DRAWN: dict[tuple[Any, ...], SafeString] = {}
_MAX_DRAWN = 64


def _rows_key(records: list[Any], zone: Any) -> tuple[Any, ...]:
    """Every value the rows show, and the language, time zone, script prefix and URL
    configuration they are drawn in: equal keys draw equal HTML."""
    values = tuple(
        (
            r.pk,
            r.case_id,
            r.decided_at,
            r.decision_label,
            r.decided_by_name,
            bool(r.sod_ok),
            r.case_number,
            r.case_title,
        )
        for r in records
    )
    return (get_language(), zone, get_script_prefix(), get_urlconf(), values)


def decision_rows_html(records: list[Any]) -> SafeString:
    """The ``<tr>`` of each of the auditor's latest decisions, as the template's loop drew them
    (the day as ``|era_date``, the time as ``|time:"H:i"``, the trace link from a pattern
    reversed once instead of a ``{% url %}`` a row). No query.

    The rows are read on every page; what they are drawn into is a function of their values
    (and the language, time zone and addresses), so the text drawn for the same values is
    kept (``_DRAWN``, keyed by all of them) until a new decision changes them."""
    zone = timezone.get_current_timezone()
    key = _rows_key(records, zone)
    drawn = _DRAWN.get(key)
    if drawn is None:
        drawn = _draw_decision_rows(records, zone)
        if len(_DRAWN) >= _MAX_DRAWN:
            _DRAWN.clear()
        _DRAWN[key] = drawn
    return drawn


def _draw_decision_rows(records: list[Any], zone: Any) -> SafeString:
    """The rows: every value from a record is escaped (``_escaped``) as ``format_html``
    escaped it."""
    oversight = ""
    rows = []
    for record in records:
        if record.case_id:
            link = _LINK.format(
                url=_escaped(selectors.case_trace_url(record.case_id)),
                pk=_escaped(record.pk),
                number=_escaped(record.case_number),
                title=_escaped(record.case_title),
            )
        else:
            oversight = oversight or format_html(
                '<a href="{}">{}</a>', reverse("oversight:index"), gettext("監査指摘と措置")
            )
            link = oversight
        local = record.decided_at.astimezone(zone)
        rows.append(
            _DECISION.format(
                day=_escaped(japanese.era_date(local)),
                time=f"{local.hour:02d}:{local.minute:02d}",
                link=link,
                label=_escaped(record.decision_label),
                decided_by=_escaped(record.decided_by_name),
                sod=_SOD_OK if record.sod_ok else _SOD_BREACH,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308  (every value above is escaped)


@dataclass
class NoticeRow:
    """An unread notice as the home pages show it."""

    pk: int
    subject: str
    url: str | None
    created_text: str
    read_url: str


_NOTICE = (
    '\n          <li><form method="post" action="{read_url}">{csrf_input}\n'
    '            <button class="shinsa-linkbutton" type="submit">{subject}</button>\n'
    '            <span class="shinsa-muted">{created_text}</span></form></li>\n        '
)


def notice_items_html(notices: list[NoticeRow], request: Any) -> SafeString:
    """The ``<li>`` of each unread notice on the home page, each a form that marks it read,
    as the template's loop drew them (one CSRF field made for all of them). No query."""
    csrf_input = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )
    return mark_safe(  # noqa: S308  (each item is format_html's, escaped)
        "".join(
            format_html(
                _NOTICE,
                read_url=notice.read_url,
                csrf_input=csrf_input,
                subject=notice.subject,
                created_text=notice.created_text,
            )
            for notice in notices
        )
    )


#: The task tables' column headings (``home/_task_table.html``), drawn once per language.
_HEAD_LABELS = (
    (gettext_noop("案件番号"), gettext_noop("種別"), gettext_noop("件名"), gettext_noop("部局")),
    (
        gettext_noop("作業"),
        gettext_noop("状態"),
        gettext_noop("期限"),
        gettext_noop("経過"),
        gettext_noop("受付日時"),
    ),
)
_HEADS: dict[str, SafeString] = {}


def task_table_head() -> SafeString:
    """The ``<th>`` cells of the task tables in the active language, as their
    ``{% trans %}`` tags drew them (each escaped), made once per language."""
    language = get_language() or ""
    head = _HEADS.get(language)
    if head is None:
        lines = [
            "".join(format_html("<th>{}</th>", gettext(label)) for label in labels)
            for labels in _HEAD_LABELS
        ]
        head = mark_safe("\n    " + "\n    ".join(lines) + "\n  ")  # noqa: S308  (escaped above)
        _HEADS[language] = head
    return head


def notice_rows(user: Any, limit: int = 20) -> list[NoticeRow]:
    """The user's newest unread notices (one query, the columns shown): their subject, the page
    they point to, the date as ``|date:"Y/m/d H:i"`` and the address that marks them read."""

    def query() -> Any:
        return selectors.unread_notifications(user).values_list(
            "pk", "subject", "url", "created_at"
        )[:limit]

    # Its SQL is everyone's but for the user's id: compiled once (governance.compiled).
    notices = compiled.values(compiled.query_key("notices", limit), query, leading=(user.pk,))
    return [
        NoticeRow(
            pk=pk,
            subject=subject,
            url=url,
            created_text=_local_minute(created_at),
            read_url=selectors.notification_read_url(pk),
        )
        for pk, subject, url, created_at in notices
    ]

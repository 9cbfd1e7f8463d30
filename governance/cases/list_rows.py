"""The case list's rows and its filters' options, rendered once in Python.

Rendering the rows of ``cases/list.html`` through the template engine cost more than the two
queries of the page: each of the 50 rows resolved nine variables (each through the engine's
lookup chain) and ran the ``date`` filter. Here the rows are one string made with the same
markup, whitespace and escaping, the date formatted from the local time as ``|date:"Y/m/d"``
did; the page's head, the filters' labels, the empty row and the pagination stay in the
template. The options of the kind and state filters (13 of them, each comparing the chosen
value through the engine) are made likewise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from governance.cases.selectors import CaseListRow

_ROW = (
    "\n          <tr>\n"
    '            <td><a href="{url}">{number}</a></td>\n'
    "            <td>{kind_label}</td>\n"
    "            <td>{title}</td>\n"
    "            <td>{department_label}</td>\n"
    "            <td>{fiscal_year_label}</td>\n"
    "            <td>{status_label}</td>\n"
    "            <td>{reviewer_name}</td>\n"
    "            <td>{created}</td>\n"
    "          </tr>\n        "
)


def rows_html(rows: Iterable[CaseListRow]) -> SafeString:
    """The ``<tr>`` of every row, as ``{% for case in cases %}`` in ``cases/list.html`` made
    them (the text between the rows included). No query."""
    zone = timezone.get_current_timezone()
    parts = []
    for row in rows:
        created = row.created_at
        if timezone.is_aware(created):
            created = created.astimezone(zone)
        parts.append(
            format_html(
                _ROW,
                url=row.url,
                number=row.number,
                kind_label=row.kind_label,
                title=row.title,
                department_label=row.department_label,
                fiscal_year_label=row.fiscal_year_label,
                status_label=row.status_label,
                reviewer_name=row.reviewer_name,
                created=f"{created.year:04d}/{created.month:02d}/{created.day:02d}",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308  (each row is format_html's, escaped)


def options_html(choices: Iterable[tuple[Any, Any]], chosen: str | None) -> SafeString:
    """The ``<option>`` of each (value, label), the ``chosen`` one selected, as
    ``{% for value, label in choices %}<option value="{{ value }}"{% if chosen == value %}
    selected{% endif %}>{{ label }}</option>{% endfor %}`` made them."""
    return mark_safe(  # noqa: S308  (each option is format_html's, escaped)
        "".join(
            format_html(
                '<option value="{}"{}>{}</option>',
                value,
                " selected" if chosen == value else "",
                label,
            )
            for value, label in choices
        )
    )

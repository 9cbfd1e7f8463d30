"""``{% site_menu %}``: viewflow's site menu, rendered once per set of visible applications.

Viewflow's ``site_menu.html`` asks every application of the Site whether the user may open it
and reverses its address, on every page (about 0.8 ms of CPU a page, a fifth of the shell).
What it draws depends only on which applications the user may open, the language, the page's
application namespace and whether the page's viewset turns Turbo off. So the permission checks
still run on every page (``has_view_permission`` of each application, through
``governance.permissions``), and the menu drawn for that answer is kept in this process: a
role granted or revoked changes the answer, hence the menu, on the next page; nothing about the
user other than that answer is in the menu.
"""

from __future__ import annotations

import threading
from typing import Any

from django import template
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString

register = template.Library()

#: viewflow's own template, kept as it was.
MENU_TEMPLATE = "governance/_site_menu.html"
#: Menus kept per process (a handful of role combinations × languages × applications).
MAX_MENUS = 512

_lock = threading.Lock()
_menus: dict[tuple[Any, ...], SafeString] = {}


def clear() -> None:
    """Forget the kept menus (tests)."""
    with _lock:
        _menus.clear()


@register.simple_tag(takes_context=True)
def site_menu(context: Any) -> SafeString:
    request = context["request"]
    site = context.get("site")
    viewset = context.get("viewset")
    match = getattr(request, "resolver_match", None)
    visible = tuple(bool(app.has_view_permission(request.user)) for app in site.menu_items())
    key = (
        id(site),
        visible,
        translation.get_language(),
        bool(getattr(viewset, "turbo_disabled", False)),
        getattr(request, "current_app", None),
        getattr(match, "namespace", None),
        get_script_prefix(),
        context.autoescape,
    )
    menu = _menus.get(key)
    if menu is None:
        menu = context.template.engine.get_template(MENU_TEMPLATE).render(context)
        with _lock:
            if len(_menus) >= MAX_MENUS:
                _menus.clear()
            _menus[key] = menu
    return menu

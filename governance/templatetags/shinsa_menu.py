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

import functools
import itertools
import threading
from typing import Any
from urllib.parse import urljoin

from django import template
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.template.base import Node, NodeList, Parser, TextNode, Token, Variable
from django.template.defaultfilters import title
from django.template.defaulttags import CommentNode, LoadNode, URLNode
from django.template.defaulttags import url as url_tag
from django.template.exceptions import TemplateSyntaxError
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from viewflow.contrib.auth import get_user_avatar_url

register = template.Library()

#: viewflow's own template, kept as it was.
MENU_TEMPLATE = "governance/_site_menu.html"
#: Menus kept per process (a handful of role combinations × languages × applications).
MAX_MENUS = 512

_lock = threading.Lock()
_menus: dict[tuple[Any, ...], SafeString] = {}


def clear() -> None:
    """Forget the kept menus and fragments (tests)."""
    with _lock:
        _menus.clear()
        _fragments.clear()
        _addresses.clear()


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


# --- Fixed fragments ------------------------------------------------------------------------

#: The nodes a ``{% fixed %}`` fragment may hold: text, and tags whose output depends only on
#: the language, the URL configuration and the static files' storage.
_FIXED_NODES = (TextNode, CommentNode, LoadNode, TranslateNode, URLNode, StaticNode)
_fragments: dict[tuple[Any, ...], SafeString] = {}
#: The addresses of ``{% optional_url %}``, kept as the fragments are.
_addresses: dict[tuple[Any, ...], str] = {}
_numbers = itertools.count()


def _constant(expression: Any) -> bool:
    """Whether a template expression is a literal without filters (no context read)."""
    if expression is None:
        return True
    if getattr(expression, "filters", None):
        return False
    var = getattr(expression, "var", expression)
    return not isinstance(var, Variable) or var.lookups is None


def _check_fixed(nodelist: NodeList) -> None:
    for node in nodelist:
        if not isinstance(node, _FIXED_NODES):
            raise TemplateSyntaxError(f"{{% fixed %}} cannot hold {type(node).__name__}")
        if isinstance(node, TranslateNode):
            ok = node.asvar is None and _constant(node.filter_expression)
            ok = ok and _constant(node.message_context)
        elif isinstance(node, URLNode):
            ok = node.asvar is None and _constant(node.view_name)
            ok = ok and all(_constant(a) for a in (*node.args, *node.kwargs.values()))
        elif isinstance(node, StaticNode):
            ok = node.varname is None and _constant(node.path)
        else:
            ok = True
        if not ok:
            raise TemplateSyntaxError(
                "{% fixed %} holds only literal trans, url and static tags (no variable, no as)"
            )


def _fragment_key(number: int, context: Any) -> tuple[Any, ...]:
    """What a kept fragment's text depends on: the language, the script prefix, the URL
    configuration, the application namespace and autoescaping."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return (
        number,
        translation.get_language(),
        get_script_prefix(),
        get_urlconf(),
        getattr(request, "current_app", None),
        getattr(match, "namespace", None),
        context.autoescape,
    )


def _keep(kept: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    with _lock:
        if len(kept) >= MAX_MENUS:
            kept.clear()
        kept[key] = value


class FixedNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        # Not id(self): a template parsed again (DEBUG) could reuse a freed node's id.
        self.number = next(_numbers)

    def render(self, context: Any) -> SafeString:
        key = _fragment_key(self.number, context)
        fragment = _fragments.get(key)
        if fragment is None:
            fragment = mark_safe(self.nodelist.render(context))  # noqa: S308  (rendered by Django)
            _keep(_fragments, key, fragment)
        return fragment


class OptionalURLNode(Node):
    """``{% optional_url 'name' as var %}``: ``{% url 'name' as var %}`` (the address, or ""
    where the name does not reverse), reversed once per language, script prefix, URL
    configuration and application namespace, and kept (viewflow's shell asks on every page
    for addresses this site does not have: a failed reverse raises and catches an error)."""

    def __init__(self, url: URLNode) -> None:
        self.url = url
        self.number = next(_numbers)

    def render(self, context: Any) -> str:
        key = _fragment_key(self.number, context)
        address = _addresses.get(key)
        if address is None:
            self.url.render(context)  # sets the variable ("" where it does not reverse)
            address = str(context[self.url.asvar])
            _keep(_addresses, key, address)
        context[self.url.asvar] = address
        return ""


@register.tag("optional_url")
def optional_url(parser: Parser, token: Token) -> OptionalURLNode:
    node = url_tag(parser, token)
    if node.asvar is None or not (_constant(node.view_name) and not node.args and not node.kwargs):
        raise TemplateSyntaxError(
            "{% optional_url %} takes a literal name without arguments and 'as var'"
        )
    return OptionalURLNode(node)


@register.tag("fixed")
def fixed(parser: Parser, token: Token) -> FixedNode:
    """``{% fixed %}…{% endfixed %}``: text and literal ``{% trans %}``, ``{% url %}`` and
    ``{% static %}`` tags (checked when the template is parsed), rendered once per language,
    script prefix, URL configuration and application namespace, and kept. For the parts of
    the shell that are the same for every user (menus' links, the head's style sheets)."""
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    _check_fixed(nodelist)
    return FixedNode(nodelist)


# --- The drawer's header --------------------------------------------------------------------

#: viewflow's ``page-menu-header`` block (``viewflow/base_page.html``) with Shinsa's
#: ``page-menu-user-info`` (``governance/base.html``), as the template drew it.
_MENU_HEADER = (
    '\n          <header class="mdc-drawer__header vf-page__menu-header">\n'
    '            <div class="vf-page__menu-header-content">\n'
    "              \n"
    '                <img class="vf-page__menu-avatar" src="{avatar}" alt="{alt}">\n'
    "              \n"
    '              <div class="vf-page__menu-info">\n'
    '                <div class="vf-page__menu-user">\n'
    "                  \n"
    '  <div class="vf-page__menu-title">{name}</div>\n'
    '  <div class="vf-page__menu-subtitle">{department}</div>\n'
    "\n"
    "                </div>\n"
    '                <div class="vf-page__menu-toggle">\n'
    '                  <button class="mdc-button vf-page__menu-toggle-button">\n'
    '                    <i class="material-icons">arrow_drop_down</i>\n'
    "                  </button>\n"
    "                </div>\n"
    "              </div>\n"
    "            </div>\n"
    "          </header>\n"
    "        "
)


@functools.cache
def _default_avatar_url() -> str:
    """viewflow's avatar for users without one of their own (its static file's address)."""
    if apps.is_installed("django.contrib.staticfiles"):
        from django.contrib.staticfiles.storage import staticfiles_storage

        return str(staticfiles_storage.url("viewflow/img/user.png"))
    return urljoin(settings.STATIC_URL or "", "viewflow/img/user.png")


def avatar_url(user: Any) -> str:
    """``{{ user|user_avatar_url }}``: viewflow's lookup (``media/avatars/<pk>.png`` with its
    time, else its default picture), without its round trip through the cache for the
    default picture (with the local-memory cache viewflow ignores what it kept anyway)."""
    if default_storage.exists(f"avatars/{user.pk}.png"):
        return str(get_user_avatar_url(user))
    return _default_avatar_url()


@register.simple_tag(takes_context=True)
def menu_header(context: Any) -> SafeString:
    """The drawer's header: the user's avatar and name and department, as viewflow's block
    with Shinsa's user info drew them (each value escaped), in one ``format_html``."""
    user = context["request"].user
    department = getattr(user, "department", None)
    return format_html(
        _MENU_HEADER,
        avatar=avatar_url(user),
        alt=title(user.get_full_name() or user.get_username()),
        name=user.display_name,
        department=getattr(department, "label", "") or "",
    )

"""The site menu shows the applications the user may open now, in the user's language: a kept
menu never outlives a role change and never crosses languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from governance.org import services as org
from governance.roles import Role
from governance.templatetags import shinsa_menu

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_menus() -> Any:
    shinsa_menu.clear()
    yield
    shinsa_menu.clear()


def _menu(client: Client, language: str = "ja") -> str:
    client.cookies["django_language"] = language
    html = client.get("/home/").content.decode()
    return html[
        html.index('<div class="vf-page__menu-primary">') : html.index("vf-page__menu-secondary")
    ]


def test_a_granted_role_adds_its_application_to_the_menu_on_the_next_page(
    cast: dict[str, Any], login: Any
) -> None:
    reviewer = login(cast["reviewer"])
    assert "/users/" not in _menu(reviewer)
    org.grant_role(actor=cast["admin"], user=cast["reviewer"], role=Role.ADMIN, reason="兼務")
    assert "/users/" in _menu(login(cast["reviewer"]))


def test_a_revoked_role_removes_its_application_from_the_menu_on_the_next_page(
    cast: dict[str, Any], login: Any
) -> None:
    auditor = login(cast["auditor"])
    assert "/audit/" in _menu(auditor)
    org.revoke_role(actor=cast["admin"], user=cast["auditor"], role=Role.AUDITOR, reason="異動")
    assert "/audit/" not in _menu(auditor)


def test_the_menu_is_drawn_in_each_users_language(cast: dict[str, Any], login: Any) -> None:
    reviewer, other = login(cast["reviewer"]), login(cast["reviewer2"])
    japanese = _menu(reviewer, "ja")
    english = _menu(other, "en")
    assert "ホーム" in japanese and "Home" not in japanese
    assert "Home" in english and "ホーム" not in english
    assert _menu(reviewer, "ja") == japanese and _menu(other, "en") == english


def test_users_with_different_applications_get_different_menus(
    cast: dict[str, Any], login: Any
) -> None:
    admin_menu, staff_menu = _menu(login(cast["admin"])), _menu(login(cast["staff_a"]))
    assert "/users/" in admin_menu and "/users/" not in staff_menu


@pytest.mark.parametrize(
    "body",
    [
        "{{ user.username }}",
        '{% trans "ホーム" as label %}',
        "{% url 'home:case' case.pk %}",
        "{% static path %}",
        "{% if user %}x{% endif %}",
        "{% trans title|upper %}",
    ],
)
def test_a_fixed_fragment_refuses_anything_that_reads_the_context(body: str) -> None:
    from django.template import TemplateSyntaxError, engines

    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string(
            "{% load i18n static shinsa_menu %}{% fixed %}" + body + "{% endfixed %}"
        )


def test_a_fixed_fragment_is_drawn_in_each_language() -> None:
    from django.template import engines
    from django.utils import translation

    template = engines["django"].from_string(
        "{% load i18n shinsa_menu %}{% fixed %}<a href=\"{% url 'home:cases' %}\">"
        '{% trans "案件一覧" %}</a>{% endfixed %}'
    )
    for _ in range(2):  # drawn, then kept
        with translation.override("ja"):
            assert template.render({}) == '<a href="/home/cases/">案件一覧</a>'
        with translation.override("en"):
            assert template.render({}) == '<a href="/home/cases/">Cases</a>'


#: viewflow's ``page-menu-header`` block with Shinsa's former ``page-menu-user-info``, as the
#: templates drew the drawer's header before ``{% menu_header %}`` drew it in Python.
_TEMPLATE_HEADER = """{% load viewflow %}
          <header class="mdc-drawer__header vf-page__menu-header">
            <div class="vf-page__menu-header-content">
              
                <img class="vf-page__menu-avatar" src="{{ request.user|user_avatar_url }}" alt="{{ request.user.get_full_name|default:request.user.get_username|title }}">
              
              <div class="vf-page__menu-info">
                <div class="vf-page__menu-user">
                  
  <div class="vf-page__menu-title">{{ request.user.display_name }}</div>
  <div class="vf-page__menu-subtitle">{{ request.user.department.label|default:"" }}</div>

                </div>
                <div class="vf-page__menu-toggle">
                  <button class="mdc-button vf-page__menu-toggle-button">
                    <i class="material-icons">arrow_drop_down</i>
                  </button>
                </div>
              </div>
            </div>
          </header>
        """  # noqa: E501, W293


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_drawers_header_drawn_in_python_is_the_templates(
    cast: dict[str, Any], login: Any, language: str
) -> None:
    from django.template import engines

    from governance.models import User

    odd = User.objects.create_user(username="o'brien<x>", password="x")
    for user in (cast["reviewer"], cast["auditor"], odd):
        client = login(user)
        client.cookies["django_language"] = language
        html = client.get("/home/").content.decode()
        request = client.get("/home/").wsgi_request
        expected = engines["django"].from_string(_TEMPLATE_HEADER).render({}, request)
        assert expected in html, user.username

"""``{% shinsa_theme_style %}``: the Site's theme colours in the one ``<style>`` element whose
hash the Content-Security-Policy allows (governance/csp.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from governance.csp import theme_css

register = template.Library()


@register.simple_tag
def shinsa_theme_style(site: Any) -> SafeString:
    css = theme_css(site)
    if not css:
        return SafeString("")
    # theme_css() admits only #rgb colours, so the text needs no escaping and stays the exact
    # text that was hashed.
    return format_html("<style>{}</style>", SafeString(css))

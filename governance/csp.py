"""The Content-Security-Policy header (django-csp): only this site's own scripts run.

The policy itself is ``CONTENT_SECURITY_POLICY`` in settings. Scripts: ``'self'`` only, no
inline script, no eval (viewflow's Material frontend loads everything from files). Styles:
viewflow's templates and its scripts write ``style="…"`` attributes all over (about 80 in
2.4.0's templates), so ``style-src-attr`` allows inline attributes; ``<style>`` elements are
allowed only by hash, and there are few, each the same text wherever it appears:

* the Site's theme colours, which viewflow's ``base.html`` writes in a ``<style>`` (rendered
  here by ``{% shinsa_theme_style %}`` from the same text this module hashes),
* the stylesheet Turbo inserts for its progress bar when it starts, and
* the fixed ``<style>`` of two viewflow templates: the page where a superuser cancels a
  process, and the flow chart (an SVG, drawn in an ``<img>``, or opened on its own).

Hashes rather than nonces because pages are loaded by Turbo Drive: after the first page the
browser keeps that page's policy while Turbo swaps in the next page's body, so a per-request
nonce in the new body would not match, while a hash of the same text does.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase
from django.template.loader import get_template

# Turbo 7.3.0's ProgressBar.defaultCSS (viewflow/js/turbo.es2017-umd.js) as the browser sees
# it; tests/test_csp.py rebuilds it from the installed file, so an upgrade that changes it
# fails there rather than in a user's console.
TURBO_PROGRESS_BAR_CSS = """.turbo-progress-bar {
  position: fixed;
  display: block;
  top: 0;
  left: 0;
  height: 3px;
  background: #0076ff;
  z-index: 2147483647;
  transition:
    width 300ms ease-out,
    opacity 150ms 150ms ease-in;
  transform: translate3d(0, 0, 0);
}
"""

# viewflow templates whose <style> elements are fixed text, hashed from the installed files.
VIEWFLOW_STYLED_TEMPLATES = (
    "viewflow/workflow/process_cancel.html",
    "viewflow/workflow/graph.svg",
)

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{3,8}$")
_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)


def source_hash(text: str) -> str:
    """The CSP source expression that allows an inline element with exactly ``text``."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def theme_css(site: Any) -> str:
    """The theme colours of ``site`` as the text of a ``<style>`` element ("" without any)."""
    declarations = []
    for variable, colour in (
        ("--mdc-theme-primary", getattr(site, "primary_color", None)),
        ("--mdc-theme-secondary", getattr(site, "secondary_color", None)),
    ):
        if colour:
            if not _COLOUR.match(colour):
                raise ValueError(f"theme colour {colour!r} is not #rgb or #rrggbb")
            declarations.append(f"{variable}: {colour};")
    return f":root {{ {' '.join(declarations)} }}" if declarations else ""


def template_style_texts(template_name: str) -> list[str]:
    """The text of each ``<style>`` in a template's source that has no template syntax, as
    the browser hashes it (an SVG's CDATA markers are not part of the text)."""
    source = get_template(template_name).template.source  # type: ignore[attr-defined]  # Django backend's Template
    return [
        body.replace("<![CDATA[", "", 1).replace("]]>", "", 1)
        for body in _STYLE_ELEMENT.findall(source)
        if "{%" not in body and "{{" not in body
    ]


@cache
def inline_style_hashes() -> tuple[str, ...]:
    from governance.site import site  # the URL configuration imports it anyway

    texts = [TURBO_PROGRESS_BAR_CSS, theme_css(site)]
    for template_name in VIEWFLOW_STYLED_TEMPLATES:
        texts.extend(template_style_texts(template_name))
    return tuple(source_hash(text) for text in texts if text)


class ShinsaCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, adding the hashes of the two inline ``<style>`` elements."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            update = dict(parts.update or {})
            styles = update.get("style-src") or []
            update["style-src"] = [*styles, *inline_style_hashes()]
            parts.update = update
        return parts

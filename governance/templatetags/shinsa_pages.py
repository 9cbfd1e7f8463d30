"""Template filters for the pages: who may take a step, in words.

``{% load shinsa_pages %}`` then ``{{ task.owner_permission|role_of_permission }}``
(審査担当（部局担当窓口）rather than ``governance.act_as_reviewer``).
"""

from __future__ import annotations

from typing import Any

from django import template

from governance import permissions
from governance.roles import Role

register = template.Library()


@register.filter
def role_of_permission(value: Any) -> str:
    """The role whose members hold a step's permission; empty when no role carries it."""
    role = permissions.role_for_permission(str(value or ""))
    return str(Role(role).label) if role else ""

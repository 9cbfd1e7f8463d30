"""The roles a user holds, read once per user object (``governance.permissions`` re-exports
these; every role check there starts here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth import get_user_model

from governance import compiled
from governance.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from governance.models import User

    AnyUser: TypeAlias = User | AnonymousUser


def roles_of(user: AnyUser | None) -> frozenset[str]:
    """The role names the user holds, read once per user object."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_shinsa_roles", None)
    if cached is None:
        # Read on every request; only the query's SQL (the same for everyone but the user's
        # id) is compiled once and kept: the ORM's compiling cost more than the query.
        groups = user.groups
        rows = compiled.values(
            compiled.query_key("roles"),
            lambda: groups.values_list("name", flat=True),
            leading=(user.pk,),
        )
        names = {name for (name,) in rows}
        cached = frozenset(names & set(Role.values))
        user._shinsa_roles = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


def note_roles(users: Sequence[AnyUser]) -> None:
    """Read the roles of several people in one query, kept as ``roles_of`` keeps them (a
    queue's members, checked one by one afterwards)."""
    missing = {
        user.pk: user
        for user in users
        if user.is_authenticated and getattr(user, "_shinsa_roles", None) is None
    }
    if not missing:
        return
    held: dict[int, set[str]] = {pk: set() for pk in missing}
    memberships = get_user_model().groups.through.objects.filter(
        user_id__in=list(missing), group__name__in=Role.values
    )
    for user_id, name in memberships.values_list("user_id", "group__name"):
        held[user_id].add(name)
    for pk, user in missing.items():
        user._shinsa_roles = frozenset(held[pk])  # type: ignore[attr-defined]  # roles_of's cache


def forget_roles(user: AnyUser | None) -> None:
    """Drop the cached roles of ``user`` (after a grant or revocation changed them)."""
    if user is not None and hasattr(user, "_shinsa_roles"):
        del user._shinsa_roles  # the per-request cache of roles_of

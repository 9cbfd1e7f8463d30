"""Who may issue, approve, rotate and revoke integration keys, and what a key may read.

The rules of ``governance.permissions`` (roles, ``require``) applied to the keys of
``governance.integrations``: administrators request and approve keys (two different people);
an administrator or the CSIRT lead revokes one (a leak). A key acts as its service user,
limited to its scopes. Kept beside ``permissions`` so that module stays under the size limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from governance.permissions import has_role, is_admin, may_act, require
from governance.roles import Role

if TYPE_CHECKING:
    from governance.permissions import AnyUser

KEY_SAME_PERSON = gettext_noop(
    "APIキーの発行を申請した管理者本人は承認できません。別の管理者が承認してください。"
)
KEY_SCOPE_MISSING = gettext_noop("このAPIキーには、この操作の権限範囲がありません。")


def can_manage_integration_keys(user: AnyUser | None) -> bool:
    """The integration keys page: requesting, approving, rotating keys (the admin role)."""
    return is_admin(user) and may_act(user)


def can_revoke_integration_key(user: AnyUser | None) -> bool:
    """Revoking a key (a leak) is also for the CSIRT lead."""
    return may_act(user) and (is_admin(user) or has_role(user, Role.CSIRT_LEAD))


def can_use_csirt_key_page(user: AnyUser | None) -> bool:
    """The CSIRT's page of keys (revocation only): the CSIRT lead; administrators revoke on
    their own page."""
    return may_act(user) and has_role(user, Role.CSIRT_LEAD)


def require_manage_integration_keys(user: AnyUser | None) -> None:
    require(can_manage_integration_keys(user))


def require_approve_key_request(user: AnyUser | None, key_request: Any) -> None:
    """Another administrator than the one who requested the key (the two-person rule)."""
    require_manage_integration_keys(user)
    require(user is not None and user.pk != key_request.requested_by_id, KEY_SAME_PERSON)


def key_has_scope(key: Any, scope: str) -> bool:
    return key is not None and scope in (key.scopes or ())


def scope_systems_for_key(
    key: Any, queryset: QuerySet[Any], scope: str = "systems:read"
) -> QuerySet[Any]:
    """Systems an integration key may read: all with ``scope`` (``systems:read``, or
    ``targets:read`` for the monitored targets), none otherwise."""
    return queryset if key_has_scope(key, scope) else queryset.none()

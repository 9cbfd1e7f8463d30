"""Requesting, approving, rotating and revoking integration keys; recording their use.

The only write path for ``IntegrationKeyRequest`` and ``IntegrationKey``: keyword-only,
``actor`` first, one transaction, permission checked in ``governance.permissions``, an audit
event in the same transaction. The secret is returned once by ``approve_key_request`` and
``rotate_key`` and is never stored or recorded (only its prefix).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import key_permissions, permissions
from governance.audit.services import record_event
from governance.clocks.models import DeadlineKind
from governance.clocks.schedule import local_date
from governance.clocks.services import cancel_deadline, open_deadline_for, start_deadline
from governance.integrations.models import (
    IntegrationKey,
    IntegrationKeyRequest,
    KeyScope,
    KeyState,
    RequestStatus,
)
from governance.japanese import in_japanese
from governance.models import User
from governance.roles import Role

#: A key lives at most this long (NEXT_WAVE §D.2: at most a year).
MAX_KEY_LIFETIME = dt.timedelta(days=365)
#: A rotated key keeps working this long, so the vendor can switch (§D.3b: 7 days).
ROTATION_GRACE = dt.timedelta(days=7)

NOT_INTEGRATION_USER = gettext_noop(
    "連携用のシステム利用者には「外部連携（システム利用者）」のロールを持つ有効な利用者を指定してください。"
)
SOURCE_REQUIRED = gettext_noop("受付ソースを指定してください。")
NAME_REQUIRED = gettext_noop("名称を入力してください。")
SCOPES_REQUIRED = gettext_noop("権限範囲を一つ以上選択してください。")
UNKNOWN_SCOPE = gettext_noop("存在しない権限範囲です: {scope}")
CIDRS_REQUIRED = gettext_noop("接続元ネットワークを一つ以上指定してください（例: 192.0.2.0/24）。")
BAD_CIDR = gettext_noop("接続元ネットワークの形式が正しくありません: {cidr}")
NAIVE_EXPIRY = gettext_noop("タイムゾーン（例: +09:00）を含む日時を指定してください")
EXPIRY_IN_PAST = gettext_noop("有効期限には将来の日時を指定してください。")
EXPIRY_TOO_LONG = gettext_noop("有効期限は発行から1年以内にしてください。")
REASON_REQUIRED = gettext_noop("理由を入力してください。")
NOT_PENDING = gettext_noop("この申請は既に承認または却下されています。")
KEY_NOT_ACTIVE = gettext_noop("有効なキーのみ切り替えできます。")
KEY_ALREADY_REVOKED = gettext_noop("このキーは既に失効しています。")


def _text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValueError(_(message))
    return value


def _scopes(scopes: Iterable[str]) -> list[str]:
    result = sorted({str(scope) for scope in scopes})
    if not result:
        raise ValueError(_(SCOPES_REQUIRED))
    for scope in result:
        if scope not in KeyScope.values:
            raise ValueError(_(UNKNOWN_SCOPE).format(scope=scope))
    return result


def normalise_cidrs(cidrs: Iterable[str]) -> list[str]:
    result = []
    for cidr in cidrs:
        cidr = str(cidr).strip()
        if not cidr:
            continue
        try:
            result.append(str(ipaddress.ip_network(cidr, strict=False)))
        except ValueError:
            raise ValueError(_(BAD_CIDR).format(cidr=cidr)) from None
    if not result:
        raise ValueError(_(CIDRS_REQUIRED))
    return sorted(set(result))


def _expiry(expires_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    if timezone.is_naive(expires_at):
        raise ValueError(_(NAIVE_EXPIRY))
    if expires_at <= now:
        raise ValueError(_(EXPIRY_IN_PAST))
    if expires_at > now + MAX_KEY_LIFETIME:
        raise ValueError(_(EXPIRY_TOO_LONG))
    return expires_at


def _check_service_user(user: User) -> None:
    if not (user.is_active and permissions.has_role(user, Role.INTEGRATION)):
        raise ValueError(_(NOT_INTEGRATION_USER))


def _described(key: IntegrationKey) -> dict[str, list[object]]:
    return {
        "prefix": [None, key.prefix],
        "service_user": [None, str(key.service_user)],
        "source_code": [None, key.source_code],
        "scopes": [None, list(key.scopes)],
        "allowed_cidrs": [None, list(key.allowed_cidrs)],
        "expiry_date": [None, key.expiry_date.isoformat() if key.expiry_date else None],
    }


def request_key(
    *,
    actor: User,
    service_user: User,
    source_code: str,
    name: str,
    scopes: Iterable[str],
    allowed_cidrs: Iterable[str],
    expires_at: dt.datetime,
    reason: str,
    contact: str = "",
) -> IntegrationKeyRequest:
    """File a request to issue a key; another administrator approves it."""
    key_permissions.require_manage_integration_keys(actor)
    now = timezone.now()
    _check_service_user(service_user)
    key_request = IntegrationKeyRequest(
        service_user=service_user,
        source_code=_text(source_code, SOURCE_REQUIRED)[:50],
        name=_text(name, NAME_REQUIRED)[:50],
        scopes=_scopes(scopes),
        allowed_cidrs=normalise_cidrs(allowed_cidrs),
        expires_at=_expiry(expires_at, now),
        contact=(contact or "").strip()[:200],
        reason=_text(reason, REASON_REQUIRED),
        requested_by=actor,
    )
    with transaction.atomic():
        key_request.save()
        record_event(
            actor=actor,
            action="integration_key.request",
            obj=key_request,
            changes={
                "service_user": [None, str(service_user)],
                "source_code": [None, key_request.source_code],
                "scopes": [None, key_request.scopes],
                "allowed_cidrs": [None, key_request.allowed_cidrs],
                "expires_at": [None, key_request.expires_at.isoformat()],
            },
            reason=key_request.reason,
        )
    return key_request


def _pending(key_request: IntegrationKeyRequest) -> IntegrationKeyRequest:
    locked = IntegrationKeyRequest.objects.select_for_update().get(pk=key_request.pk)
    if locked.status != RequestStatus.PENDING:
        raise ValueError(_(NOT_PENDING))
    return locked


def _make_key(
    source: IntegrationKeyRequest | IntegrationKey,
    *,
    key_request: IntegrationKeyRequest,
    expiry: dt.datetime,
    replaces: IntegrationKey | None = None,
) -> tuple[IntegrationKey, str]:
    key = IntegrationKey(
        name=source.name,
        service_user=source.service_user,
        source_code=source.source_code,
        scopes=list(source.scopes),
        allowed_cidrs=list(source.allowed_cidrs),
        contact=source.contact,
        expiry_date=expiry,
        request=key_request,
        replaces=replaces,
    )
    secret = IntegrationKey.objects.assign_key(key)
    key.save(force_insert=True)
    return key, secret


# The clock's subject is the request: a key's primary key holds its hash and is too long for a
# clock's (or an audit event's) object id, and a rotated key keeps the request's expiry.


def _start_expiry_clock(actor: User, key: IntegrationKey) -> None:
    assert key.expiry_date is not None
    with in_japanese():
        basis = _("連携用APIキーの有効期限（発行から1年以内）")
    start_deadline(
        actor=actor,
        kind=DeadlineKind.API_KEY_EXPIRY,
        starts_at=key.created,
        subject=key.request,
        due_on=local_date(key.expiry_date),
        holder_role=Role.ADMIN,
        basis=basis,
    )


def _stop_expiry_clock(actor: User, key: IntegrationKey, reason: str) -> None:
    if IntegrationKey.objects.filter(replaces=key).exists():
        return  # the replacement carries the request's clock on
    clock = open_deadline_for(key.request, DeadlineKind.API_KEY_EXPIRY)
    if clock is not None:
        # The CSIRT lead may revoke a leaked key but holds no administrators' clocks: the
        # system stops the clock then, as a consequence of the revocation.
        clock_actor = actor if permissions.is_admin(actor) else None
        cancel_deadline(actor=clock_actor, deadline=clock, reason=reason)


def approve_key_request(
    *, actor: User, key_request: IntegrationKeyRequest, reason: str = ""
) -> tuple[IntegrationKey, str]:
    """Approve a request filed by another administrator: the key is made now and its secret
    returned (show it once; it is not stored). Starts the ``api_key_expiry`` clock."""
    key_permissions.require_approve_key_request(actor, key_request)
    now = timezone.now()
    with transaction.atomic():
        locked = _pending(key_request)
        _check_service_user(locked.service_user)
        expiry = _expiry(locked.expires_at, now)
        locked.status = RequestStatus.APPROVED
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_reason = (reason or "").strip()
        locked.save()
        key, secret = _make_key(locked, key_request=locked, expiry=expiry)
        record_event(
            actor=actor,
            action="integration_key.issue",
            obj=locked,
            changes={"requested_by": [None, str(locked.requested_by)], **_described(key)},
            reason=locked.decision_reason,
        )
        _start_expiry_clock(actor, key)
    return key, secret


def reject_key_request(
    *, actor: User, key_request: IntegrationKeyRequest, reason: str
) -> IntegrationKeyRequest:
    key_permissions.require_approve_key_request(actor, key_request)
    reason = _text(reason, REASON_REQUIRED)
    with transaction.atomic():
        locked = _pending(key_request)
        locked.status = RequestStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.save()
        record_event(
            actor=actor,
            action="integration_key.reject",
            obj=locked,
            changes={"status": [RequestStatus.PENDING.label, RequestStatus.REJECTED.label]},
            reason=reason,
        )
    return locked


def _locked_key(key: IntegrationKey) -> IntegrationKey:
    return IntegrationKey.objects.select_for_update().get(pk=key.pk)


def rotate_key(*, actor: User, key: IntegrationKey, reason: str) -> tuple[IntegrationKey, str]:
    """Issue a replacement with the same binding and expiry; the old key keeps working for
    ``ROTATION_GRACE`` (state ``rotating``) and is then refused."""
    key_permissions.require_manage_integration_keys(actor)
    reason = _text(reason, REASON_REQUIRED)
    now = timezone.now()
    with transaction.atomic():
        old = _locked_key(key)
        if old.state != KeyState.ACTIVE or old.revoked:
            raise ValueError(_(KEY_NOT_ACTIVE))
        assert old.expiry_date is not None
        _check_service_user(old.service_user)
        old.state = KeyState.ROTATING
        old.grace_until = min(now + ROTATION_GRACE, old.expiry_date)
        old.save()
        new, secret = _make_key(old, key_request=old.request, expiry=old.expiry_date, replaces=old)
        record_event(
            actor=actor,
            action="integration_key.rotate",
            obj=new.request,
            changes={
                "replaces": [None, old.prefix],
                "grace_until": [None, old.grace_until.isoformat()],
                **_described(new),
            },
            reason=reason,
        )
    return new, secret


def revoke_key(*, actor: User, key: IntegrationKey, reason: str) -> IntegrationKey:
    """Refuse the key from now on (e.g. it leaked). Cannot be undone."""
    if not key_permissions.can_revoke_integration_key(actor):
        permissions.require(False)
    reason = _text(reason, REASON_REQUIRED)
    with transaction.atomic():
        locked = _locked_key(key)
        if locked.revoked:
            raise ValueError(_(KEY_ALREADY_REVOKED))
        before = locked.state
        locked.state = KeyState.REVOKED
        locked.revoked = True
        locked.revoked_at = timezone.now()
        locked.revoke_reason = reason
        locked.save()
        record_event(
            actor=actor,
            action="integration_key.revoke",
            obj=locked.request,
            changes={
                "prefix": [locked.prefix, locked.prefix],
                "state": [KeyState(before).label, KeyState.REVOKED.label],
            },
            reason=reason,
        )
        _stop_expiry_clock(actor, locked, reason)
    return locked


def record_key_use(*, key: IntegrationKey, now: dt.datetime | None = None) -> None:
    """Stamp ``last_used_at`` (a use, not a change of state: no audit event)."""
    IntegrationKey.objects.filter(pk=key.pk).update(last_used_at=now or timezone.now())

"""Second-factor helpers for tests: a confirmed TOTP device per user, a session marked verified
the way ``django_otp.login`` does, and the code an authenticator app would show, computed with
django-otp's own TOTP."""

from __future__ import annotations

import time
from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import permissions
from governance.models import User


def device_for(user: User) -> TOTPDevice:
    """The user's confirmed TOTP device, made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return device


def mark_verified(client: Any, user: User) -> None:
    """What ``django_otp.login(request, device)`` stores in the session, for a test client."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_for(user).persistent_id
    session.save()


def needs_code(user: User) -> bool:
    permissions.forget_roles(user)
    return permissions.requires_second_factor(user)


def code_for(device: TOTPDevice) -> str:
    """A code the device accepts now: the current one, or a neighbour within the device's
    tolerance when the current one was already used (a code is accepted once), the next
    step's before the previous step's."""
    for _attempt in range(3):
        device.refresh_from_db()
        # The current code first, then the next ones, the previous ones last: a code of the
        # previous step goes out of the tolerance when a step boundary passes between filling
        # it in and the server checking it (a slow sign-in under load was refused so, 422).
        offsets = [*range(device.tolerance + 1), *range(-1, -device.tolerance - 1, -1)]
        for offset in offsets:
            totp = TOTP(
                device.bin_key, device.step, device.t0, device.digits, device.drift + offset
            )
            totp.time = time.time()
            if totp.t() > device.last_t:
                return f"{totp.token():0{device.digits}d}"
        time.sleep(device.step)  # every acceptable code was used: wait for the next one
    raise AssertionError("no unused TOTP code")

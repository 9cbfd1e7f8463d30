"""Signed-in test clients for the benchmarks, past the second factor where the role needs it.

Approvers, the CISO, CSIRT leads, auditors and administrators are asked for their TOTP code
before any page; a client that only logged in would be redirected there, and a benchmark that
posts a step as them would time the redirect instead of the step. (``bench_ratios`` keeps its
own copy, so that it can still run against older checkouts that lack this module.)
"""

from __future__ import annotations

from typing import Any


def signed_in_client(user: Any) -> Any:
    """A test client logged in as ``user``, with the session marked as ``django_otp.login``
    marks it after a correct code when the user's roles require one."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from governance import permissions

    client = Client()
    client.force_login(user)
    if permissions.requires_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client

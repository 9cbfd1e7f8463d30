"""The second factor (TOTP): the code page after the password, and enrolment of a device.

A session of a role that needs a second factor reaches only these pages and logout until a
code is accepted (``governance.middleware.SecondFactorRequiredMiddleware``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from forms.org import TokenForm
from governance import permissions
from governance.org import services as services

WRONG_CODE = gettext_noop(
    "確認コードが正しくありません。端末の時刻を確認し、新しいコードを入力してください。"
)
THROTTLED = gettext_noop("確認コードの誤りが続いたため、しばらく待ってから入力してください。")
ENROLLED = gettext_noop("二要素認証を登録しました。次回からログイン時に確認コードを入力します。")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def _device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the current code of the user's authenticator app."""
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]  # OTPMiddleware adds it
        return redirect(_next_url(request))
    device = _device(user)
    if device is None:
        return redirect(f"{reverse('otp_enrol')}?next={quote(_next_url(request))}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        verified = verify_token(user, device.persistent_id, form.cleaned_data["token"])
        if verified is not None:
            otp_login(request, verified)
            return redirect(_next_url(request))
        form.add_error("token", _(WRONG_CODE if allowed else THROTTLED))
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _next_url(request)},
    )


def enrol(request: HttpRequest) -> HttpResponse:
    """Show a new secret (and its QR code) and confirm it with a first code."""
    user: Any = request.user
    if services.has_second_factor(user):
        if not user.is_verified():
            return redirect(f"{reverse('otp_verify')}?next={quote(_next_url(request))}")
        return render(
            request,
            "registration/otp_enrolled.html",
            {"required": permissions.requires_second_factor(user)},
        )
    try:
        device = services.start_second_factor_enrolment(actor=user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = services.confirm_second_factor_enrolment(
            actor=user, token=form.cleaned_data["token"]
        )
        if confirmed is not None:
            otp_login(request, confirmed)
            messages.success(request, _(ENROLLED))
            return redirect(_next_url(request))
        form.add_error("token", _(WRONG_CODE))
    uri = device.config_url
    return render(
        request,
        "registration/otp_enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "secret": secret_of(device),
            "otpauth_uri": uri,
            "qr_svg": segno.make(uri, error="m").svg_inline(scale=4),
            "required": permissions.requires_second_factor(user),
        },
    )


def secret_of(device: TOTPDevice) -> str:
    """The device's key as authenticator apps take it (base32, in groups of four)."""
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> Any:
    """The page django-axes answers with while a username is locked out at this address."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": settings.AXES_COOLOFF_MINUTES,
        },
        status=429,
    )

"""The administrators' integration keys page: requests, approvals (the secret shown once),
rotation, revocation and the notice (everything but the secret). Views parse and call the
services; the page is the admin role's (``key_permissions.can_manage_integration_keys``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forms.integrations import KeyRequestForm, ReasonForm
from governance import key_permissions, permissions
from governance.clocks.schedule import end_of_day
from governance.documents import render_docx
from governance.integrations import services
from governance.integrations.selectors import (
    NOTICE_TEMPLATE,
    key_notice,
    keys_page,
    revocable_keys,
)
from governance.models import IntegrationKey, IntegrationKeyRequest

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require(request: Any) -> None:
    key_permissions.require_manage_integration_keys(request.user)


def key_list(request: Any) -> HttpResponse:
    _require(request)
    return render(
        request,
        "integrations/keys.html",
        {**keys_page(), "form": KeyRequestForm(), "reason_form": ReasonForm()},
    )


@require_POST
def request_key(request: Any) -> HttpResponse:
    _require(request)
    form = KeyRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("users:keys")
    data = form.cleaned_data
    try:
        services.request_key(
            actor=request.user,
            service_user=data["service_user"],
            source_code=data["source_code"],
            name=data["name"],
            scopes=data["scopes"],
            allowed_cidrs=form.cidr_list(),
            expires_at=end_of_day(data["expires_on"]),
            contact=data["contact"],
            reason=data["reason"],
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("発行を申請しました。別の管理者が承認すると発行されます。"))
    return redirect("users:keys")


def _reason(request: Any) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def _secret_page(request: Any, key: IntegrationKey, secret: str) -> HttpResponse:
    response = render(request, "integrations/secret.html", {"key": key, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def approve(request: Any, pk: int) -> HttpResponse:
    _require(request)
    key_request = get_object_or_404(IntegrationKeyRequest, pk=pk)
    try:
        key, secret = services.approve_key_request(
            actor=request.user, key_request=key_request, reason=_reason(request)
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("users:keys")
    return _secret_page(request, key, secret)


@require_POST
def reject(request: Any, pk: int) -> HttpResponse:
    _require(request)
    key_request = get_object_or_404(IntegrationKeyRequest, pk=pk)
    try:
        services.reject_key_request(
            actor=request.user, key_request=key_request, reason=_reason(request)
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("申請を却下しました。"))
    return redirect("users:keys")


@require_POST
def rotate(request: Any, prefix: str) -> HttpResponse:
    _require(request)
    key = get_object_or_404(IntegrationKey, prefix=prefix)
    try:
        new, secret = services.rotate_key(actor=request.user, key=key, reason=_reason(request))
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("users:keys")
    return _secret_page(request, new, secret)


@require_POST
def revoke(request: Any, prefix: str) -> HttpResponse:
    _require(request)
    key = get_object_or_404(IntegrationKey, prefix=prefix)
    try:
        services.revoke_key(actor=request.user, key=key, reason=_reason(request))
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("キーを失効させました。"))
    return redirect("users:keys")


def notice(request: Any, prefix: str) -> HttpResponse:
    """連携用APIキー発行通知 as a Word document: the key's binding and expiry, never its
    secret. Rendered on each download from the master and kept nowhere."""
    _require(request)
    key = get_object_or_404(IntegrationKey.objects.select_related("service_user"), prefix=prefix)
    response = HttpResponse(render_docx(NOTICE_TEMPLATE, key_notice(key)), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="api-key-notice-{key.prefix}.docx"'
    response["Cache-Control"] = "no-store"
    return response


def csirt_keys(request: Any) -> HttpResponse:
    """The CSIRT lead's page of usable keys, each with a revocation form (a leaked key)."""
    permissions.require(key_permissions.can_use_csirt_key_page(request.user))
    return render(request, "integrations/csirt_keys.html", {"keys": revocable_keys()})


@require_POST
def csirt_revoke(request: Any, prefix: str) -> HttpResponse:
    """Revoking from the CSIRT's page; the service checks who may and records the reason."""
    permissions.require(key_permissions.can_use_csirt_key_page(request.user))
    key = get_object_or_404(IntegrationKey, prefix=prefix)
    try:
        services.revoke_key(actor=request.user, key=key, reason=_reason(request))
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("キーを失効させました。"))
    return redirect("incidents:keys")

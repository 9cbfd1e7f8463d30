"""Forms of the user and role pages and of the second factor. They check the shape of input
only: who may change whom, and the rules (a liaison must be a reviewer, nobody changes
themselves), are decided by ``governance.org.services``."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import Department, Section, User
from governance.roles import Role

REASON = forms.Textarea(attrs={"rows": 2, "cols": 40})


def _reason_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("理由"),
        required=required,
        max_length=1000,
        widget=REASON,
        help_text=_("監査証跡に記録されます。"),
    )


class UserFilterForm(forms.Form):
    """The filters of the user list (all optional)."""

    q = forms.CharField(label=_("氏名・ユーザー名"), required=False, max_length=100)
    department = forms.ModelChoiceField(
        label=_("部局"), queryset=Department.objects.all(), required=False
    )
    role = forms.ChoiceField(
        label=_("ロール"), choices=[("", "---------"), *Role.choices], required=False
    )
    active = forms.ChoiceField(
        label=_("状態"),
        choices=[("", _("すべて")), ("1", _("有効")), ("0", _("無効"))],
        required=False,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("ロール"), choices=Role.choices)
    reason = _reason_field(required=True)


class ReasonForm(forms.Form):
    reason = _reason_field(required=True)


class DepartmentForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("部局"), queryset=Department.objects.all(), required=False
    )
    section = forms.ModelChoiceField(
        label=_("所属"),
        queryset=Section.objects.select_related("department"),
        required=False,
    )
    reason = _reason_field(required=False)


class LiaisonForm(forms.Form):
    liaison = forms.ModelChoiceField(
        label=_("部局担当窓口"),
        queryset=User.objects.filter(groups__name=Role.GOVERNANCE_REVIEWER, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username"),
        required=False,
        empty_label=_("（なし：ガバナンス担当のだれでも引き受け可）"),
    )
    reason = _reason_field(required=False)


class TokenForm(forms.Form):
    """A six-digit code from an authenticator app; full-width digits and spaces are accepted."""

    token = forms.CharField(
        label=_("確認コード（6桁）"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        value: Any = self.cleaned_data["token"]
        token = "".join(unicodedata.normalize("NFKC", value).split())
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("6桁の数字を入力してください。"), code="invalid")
        return token

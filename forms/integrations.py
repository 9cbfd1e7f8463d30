"""Forms of the integration keys page: the shape of a key request and of a decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import KeyScope, User
from governance.roles import Role


class KeyRequestForm(forms.Form):
    service_user = forms.ModelChoiceField(
        label=_("連携用のシステム利用者"),
        queryset=User.objects.filter(groups__name=Role.INTEGRATION, is_active=True).order_by(
            "username"
        ),
    )
    source_code = forms.CharField(label=_("受付ソース"), max_length=50)
    name = forms.CharField(label=_("名称"), max_length=50)
    scopes = forms.MultipleChoiceField(
        label=_("権限範囲"), choices=KeyScope.choices, widget=forms.CheckboxSelectMultiple
    )
    allowed_cidrs = forms.CharField(
        label=_("接続元ネットワーク（1行に1つ）"), widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_on = forms.DateField(label=_("有効期限（1年以内）"))
    contact = forms.CharField(label=_("連絡先"), max_length=200, required=False)
    reason = forms.CharField(label=_("発行の理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def cidr_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["allowed_cidrs"].splitlines()]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), required=False, max_length=1000)

"""Notices, delegations (代理) and reassigning a task: the shape of the input only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forms.fields import JapaneseDateField
from governance.models import EmailDigest, User


class EmailDigestForm(forms.Form):
    email_digest = forms.ChoiceField(
        label=_("メール通知"), choices=EmailDigest.choices, widget=forms.RadioSelect
    )


class ReadAllForm(forms.Form):
    """Mark read every unread notice up to the newest the page showed."""

    up_to = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class DelegationForm(forms.Form):
    """A delegate for a period. ``principals`` (an approver's choice of whose delegation it
    is) is None for someone setting their own."""

    principal = forms.ModelChoiceField(label=_("本人"), queryset=User.objects.none())
    delegate = forms.ModelChoiceField(label=_("代理者"), queryset=User.objects.none())
    starts_on = JapaneseDateField(label=_("開始日"))
    ends_on = JapaneseDateField(label=_("終了日"))
    reason = forms.CharField(label=_("理由"), max_length=200)

    def __init__(self, *args: Any, people: Any, principals: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = people  # type: ignore[attr-defined]  # a ModelChoiceField
        if principals is None:
            del self.fields["principal"]
        else:
            self.fields["principal"].queryset = principals  # type: ignore[attr-defined]  # a ModelChoiceField
        for name in ("principal", "delegate"):
            if name in self.fields:
                self.fields[name].label_from_instance = lambda user: user.label  # type: ignore[attr-defined]  # a ModelChoiceField


class EndDelegationForm(forms.Form):
    delegation = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ReassignTaskForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("新しい担当者"), queryset=User.objects.none())
    reason = forms.CharField(
        label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_user"]
        field.queryset = User.objects.filter(pk__in=[c.pk for c in candidates]).select_related(  # type: ignore[attr-defined]  # a ModelChoiceField
            "department"
        )
        field.label_from_instance = lambda user: user.label  # type: ignore[attr-defined]  # a ModelChoiceField

"""Forms of the consultation flow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import ConsultationTopic, InformationSystem

CHOICES_RESOLVED = (("yes", _("解決した（相談を終了する）")), ("no", _("追加で質問する")))


class OpenConsultationForm(forms.Form):
    title = forms.CharField(label=_("件名"), max_length=200)
    system = forms.ModelChoiceField(
        label=_("対象システム"), queryset=InformationSystem.objects.none(), required=False
    )
    question = forms.CharField(label=_("相談内容"), widget=forms.Textarea(attrs={"rows": 6}))
    # What it is about, for the annual report's counts by type; left empty it is その他.
    topic = forms.ChoiceField(
        label=_("相談の分類"),
        choices=[("", "---------"), *ConsultationTopic.choices],
        required=False,
    )

    def __init__(self, *args: Any, systems: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if systems is not None:
            self.fields["system"].queryset = systems  # type: ignore[attr-defined]  # a ModelChoiceField


class AnswerConsultationForm(forms.Form):
    answer = forms.CharField(label=_("回答"), widget=forms.Textarea(attrs={"rows": 6}))


class CloseConsultationForm(forms.Form):
    resolved = forms.ChoiceField(
        label=_("結果"), choices=CHOICES_RESOLVED, widget=forms.RadioSelect
    )
    follow_up = forms.CharField(
        label=_("追加の質問"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("resolved") == "no" and not (data.get("follow_up") or "").strip():
            self.add_error("follow_up", _("追加の質問を入力してください。"))
        return data

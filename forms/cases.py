"""Forms shared by every kind of case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import Department


class ShareCaseForm(forms.Form):
    """Share a case with another department (read only), or take the share back."""

    department = forms.ModelChoiceField(label=_("部局"), queryset=Department.objects.none())
    # Blank is left to the service, whose message says which reason is missing.
    reason = forms.CharField(label=_("理由"), max_length=500, required=False)

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The case's own department sees it already; any other may be chosen, in the
        # departments' own order (Department.Meta.ordering: 表示順, then name).
        others = Department.objects.exclude(pk=case.department_id)
        self.fields["department"].queryset = others  # type: ignore[attr-defined]

"""Form fields for how people in a Japanese office type: full-width digits, eras, 円."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.japanese import JapaneseInputError, parse_amount, parse_date, parse_fiscal_year


class LookupChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose chosen row is read by ``lookup(pk)`` when the form is given
    one (a query compiled once, ``governance.compiled``) instead of compiling
    ``queryset.get(pk=…)`` on every post; ``lookup`` must apply the rules ``queryset`` applies
    (it may read related rows with the choice). Without it, the field is Django's."""

    lookup: Callable[[Any], Any] | None = None

    def to_python(self, value: Any) -> Any:
        if self.lookup is None or self.to_field_name or isinstance(value, self.queryset.model):  # type: ignore[union-attr]  # set by the form
            return super().to_python(value)
        if value in self.empty_values:
            return None
        invalid = forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
        try:
            pk = self.queryset.model._meta.pk.to_python(value)  # type: ignore[union-attr]  # set by the form
        except forms.ValidationError:
            raise invalid from None
        found = self.lookup(pk) if pk is not None else None
        if found is None:
            raise invalid
        return found


class YenField(forms.CharField):
    """An amount in integer yen: accepts 36,000,000 / ３６，０００，０００円 / 36000000."""

    default_error_messages = {
        "too_large": _("金額が大きすぎます。"),
    }

    def __init__(self, *, max_value: int = 10**13, **kwargs: Any) -> None:
        self.max_value = max_value
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]  # int, not Field's str
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            amount = parse_amount(value)
        except JapaneseInputError as exc:
            raise forms.ValidationError(_(str(exc)), code="invalid") from None
        if amount > self.max_value:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return amount

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return f"{value:,}"
        return value


class FiscalYearField(forms.CharField):
    """A fiscal year: 2025 / 令和7 / R7 / 令和７年度 → 2025."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("例: 2025、令和7、R7、令和７年度"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]  # int, not Field's str
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_fiscal_year(value)
        except JapaneseInputError as exc:
            raise forms.ValidationError(_(str(exc)), code="invalid") from None


class JapaneseDateField(forms.CharField):
    """A date: 2025-10-01 / 2025/10/1 / 令和7年10月1日 / R7.10.1 / full-width digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("例: 2025-10-01、令和7年10月1日、R7.10.1"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_date(value)
        except JapaneseInputError as exc:
            raise forms.ValidationError(_(str(exc)), code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

"""Forms of the system registry (システムカルテ). They check the shape of input only: who may
change what is decided by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forms.fields import FiscalYearField, YenField
from governance.japanese import JapaneseInputError, normalize, parse_amount
from governance.models import (
    CostCategory,
    CostKind,
    CostPerspective,
    Department,
    InformationSystem,
    MonitoringService,
    Section,
    ServerLocation,
    SystemKind,
)

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class CountField(forms.CharField):
    """A whole number of people, records or thousand yen: accepts １，２００ and 1,200."""

    def __init__(self, *, max_value: int = 10**15, **kwargs: Any) -> None:
        self.max_value = max_value
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "size": 10}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]  # int, not Field's str
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            number = parse_amount(normalize(str(value)).removesuffix("千円"))
        except JapaneseInputError as exc:
            raise forms.ValidationError(_(str(exc)), code="invalid") from None
        if number > self.max_value:
            raise forms.ValidationError(_("値が大きすぎます。"), code="too_large")
        return number

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return f"{value:,}"
        return value


class SystemForm(forms.Form):
    """A system's own fields. ``code`` is asked only when registering."""

    code = forms.RegexField(
        label=_("システムコード"),
        regex=r"^[A-Za-z0-9_.\-]{1,30}$",
        max_length=30,
        help_text=_("半角英数字と - _ . の30文字以内。登録後は変更できません。"),
        error_messages={"invalid": _("半角英数字と - _ . の30文字以内で入力してください。")},
    )
    name = forms.CharField(label=_("システム名"), max_length=200)
    department = forms.ModelChoiceField(label=_("部局"), queryset=Department.objects.none())
    section = forms.ModelChoiceField(
        label=_("所属"), queryset=Section.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("区分"), choices=SystemKind.choices)
    status = forms.ChoiceField(label=_("状態"), choices=InformationSystem.Status.choices)
    first_fiscal_year = FiscalYearField(label=_("初期運用開始年度"), required=False)
    internet_facing = forms.TypedChoiceField(
        label=_("インターネット公開"),
        choices=[("0", _("無")), ("1", _("有"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    server_location = forms.ChoiceField(
        label=_("サーバ設置場所"),
        choices=[("", "—"), *ServerLocation.choices],
        required=False,
    )
    staff_total = CountField(label=_("職員数"))
    staff_it = CountField(label=_("うち情報系職員数"))
    vendor_staff = CountField(label=_("常駐委託業者人数"))
    ledger_records = CountField(label=_("台帳管理件数"))
    scale_notes = forms.CharField(label=_("規模に関する補足"), required=False, widget=TEXTAREA)
    known_issues = forms.CharField(label=_("課題"), required=False, widget=TEXTAREA)
    renewal_plan = forms.CharField(label=_("更新計画"), required=False, widget=TEXTAREA)

    def __init__(
        self,
        *args: Any,
        departments: Any,
        creating: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["section"].queryset = Section.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            department__in=departments
        ).select_related("department")
        if not creating:
            del self.fields["code"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        total, it = cleaned.get("staff_total"), cleaned.get("staff_it")
        if total is not None and it is not None and it > total:
            self.add_error("staff_it", _("うち情報系職員数が職員数を超えています。"))
        department, section = cleaned.get("department"), cleaned.get("section")
        if department and section and section.department_id != department.pk:
            self.add_error("section", _("選んだ部局の所属を選んでください。"))
        return cleaned

    @staticmethod
    def initial_for(system: InformationSystem) -> dict[str, Any]:
        return {
            "name": system.name,
            "department": system.department_id,
            "section": system.section_id,
            "kind": system.kind,
            "status": system.status,
            "first_fiscal_year": system.first_fiscal_year,
            "internet_facing": "1" if system.internet_facing else "0",
            "server_location": system.server_location,
            "staff_total": system.staff_total,
            "staff_it": system.staff_it,
            "vendor_staff": system.vendor_staff,
            "ledger_records": system.ledger_records,
            "scale_notes": system.scale_notes,
            "known_issues": system.known_issues,
            "renewal_plan": system.renewal_plan,
        }


class ContractForm(forms.Form):
    fiscal_year = FiscalYearField(label=_("年度"))
    vendor_name = forms.CharField(label=_("事業者名"), max_length=200)
    contract_type = forms.CharField(
        label=_("契約種別"),
        max_length=100,
        required=False,
        help_text=_("例: 委託役務、物品調達、リース"),
    )
    amount = YenField(label=_("契約金額（円）"), required=False)


def cost_field_name(kind: str, category: str, perspective: str) -> str:
    return f"{kind}__{category}__{perspective}"


class CostYearForm(forms.Form):
    """One fiscal year's cost figures in thousand yen; a blank cell removes the figure.
    The fiscal year itself is chosen before the form is shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, kind_label in CostKind.choices:
            for category, category_label in CostCategory.choices:
                for perspective, perspective_label in CostPerspective.choices:
                    self.fields[cost_field_name(kind, category, perspective)] = CountField(
                        label=f"{kind_label} {category_label} {perspective_label}"
                    )

    def grid(self) -> list[tuple[str, list[Any]]]:
        """Rows per perspective, bound fields in ``COST_COLUMNS`` order, for the template."""
        rows = []
        for perspective, label in CostPerspective.choices:
            rows.append(
                (
                    str(label),
                    [
                        self[cost_field_name(kind, category, perspective)]
                        for kind in CostKind.values
                        for category in CostCategory.values
                    ],
                )
            )
        return rows

    def figures(self) -> dict[tuple[str, str, str], int | None]:
        return {
            (kind, category, perspective): self.cleaned_data.get(
                cost_field_name(kind, category, perspective)
            )
            for kind in CostKind.values
            for category in CostCategory.values
            for perspective in CostPerspective.values
        }


ENROLMENT_CHOICES = [("", _("記録なし")), ("1", _("有")), ("0", _("無"))]


class MonitoringForm(forms.Form):
    """The system's record for each of the three monitoring services."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for service, label in MonitoringService.choices:
            self.fields[f"{service}__enrolled"] = forms.ChoiceField(
                label=f"{label} — {_('登録')}", choices=ENROLMENT_CHOICES, required=False
            )
            self.fields[f"{service}__own_measures"] = forms.CharField(
                label=f"{label} — {_('独自対策')}", required=False, widget=TEXTAREA
            )
            self.fields[f"{service}__exemption_reason"] = forms.CharField(
                label=f"{label} — {_('対象外理由')}", required=False, max_length=500
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for service in MonitoringService.values:
            if cleaned.get(f"{service}__enrolled") == "1" and cleaned.get(
                f"{service}__exemption_reason"
            ):
                self.add_error(
                    f"{service}__exemption_reason",
                    _("登録している監視サービスに対象外理由は書けません。"),
                )
            if not cleaned.get(f"{service}__enrolled") and (
                cleaned.get(f"{service}__own_measures")
                or cleaned.get(f"{service}__exemption_reason")
            ):
                self.add_error(
                    f"{service}__enrolled",
                    _("独自対策や対象外理由を書くときは登録の有無を選んでください。"),
                )
        return cleaned

    def rows(self) -> list[tuple[str, list[Any]]]:
        return [
            (
                str(label),
                [
                    self[f"{service}__enrolled"],
                    self[f"{service}__own_measures"],
                    self[f"{service}__exemption_reason"],
                ],
            )
            for service, label in MonitoringService.choices
        ]

    def entries(self) -> dict[str, tuple[bool, str, str] | None]:
        result: dict[str, tuple[bool, str, str] | None] = {}
        for service in MonitoringService.values:
            enrolled = self.cleaned_data.get(f"{service}__enrolled")
            if not enrolled:
                result[service] = None
                continue
            result[service] = (
                enrolled == "1",
                self.cleaned_data.get(f"{service}__own_measures", ""),
                self.cleaned_data.get(f"{service}__exemption_reason", ""),
            )
        return result


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("取り込むファイル"),
        help_text=_(
            "Excel ブック（.xlsx、シート: システム・契約・経費・監視）または 1 シート分の CSV"
        ),
    )

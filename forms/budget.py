"""Forms of the budget check (予算確認), its guidance-item ledger and its season.

They check the shape of input only (required fields, numbers, dates as people type them);
what may be done, by whom and in which state is decided by ``governance.budget.services``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from forms.fields import FiscalYearField, JapaneseDateField, LookupChoiceField, YenField
from governance.models import (
    CHECKLIST_FIELDS,
    BudgetCheck,
    BudgetPerspective,
    CheckOutcome,
    InformationSystem,
    SystemKind,
)

SYSTEM_CHOICE_REQUIRED = _("対象のシステムを選ぶか、新しいシステムの名称を入力してください。")
SYSTEM_CHOICE_BOTH = _("既存のシステムを選んだ場合は、新しいシステムの名称は空欄にしてください。")
KIND_REQUIRED = _("新しいシステムの区分を選んでください。")
QUESTIONS_REQUIRED = _("差し戻す場合は質問・差戻しの理由を入力してください。")
RESULT_REQUIRED = _("確認結果を選んでください。")
CHECK_REQUIRED = _("結果を選んでください。")
DUE_REQUIRED = _("対応期限を入力してください。")
TEXT_REQUIRED = _("指導事項の内容を入力してください。")
REASON_REQUIRED = _("差し戻す場合は理由を入力してください。")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the service checks their type and size."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _text(label: Any, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class BudgetFactsForm(forms.Form):
    """The facts of a request, shared by the request and the answer to questions."""

    initial_cost = YenField(
        label=_("要求額（イニシャルコスト・円）"),
        help_text=_("例: 12,000,000 / １２，０００，０００円"),
    )
    running_cost = YenField(label=_("要求額（ランニングコスト・円）"))
    purpose = _text(_("事業の目的・概要"))
    configuration = _text(
        _("システム構成"), help_text=_("サーバ・端末・クラウドの構成、設置場所など")
    )
    continuity = _text(_("業務継続性（障害時・災害時の対応）"))
    operating_structure = _text(_("運用体制"), help_text=_("職員数・情報系職員・委託事業者の体制"))
    network_security = _text(_("ネットワーク・セキュリティ要件"))
    attachments = MultipleFileField(
        label=_("添付ファイル"),
        help_text=_("見積書・構成図など（PDF、Word、Excel、CSV、テキスト）"),
    )


class RequestBudgetCheckForm(BudgetFactsForm):
    system = LookupChoiceField(
        label=_("対象システム"), queryset=InformationSystem.objects.none(), required=False
    )
    new_system_name = forms.CharField(
        label=_("新しいシステムの名称（カルテ未登録の場合）"), max_length=200, required=False
    )
    new_system_kind = forms.ChoiceField(
        label=_("新しいシステムの区分"),
        choices=[("", "---------"), *SystemKind.choices],
        required=False,
    )
    fiscal_year = FiscalYearField(label=_("予算年度"))

    field_order = ["system", "new_system_name", "new_system_kind", "fiscal_year"]

    def __init__(
        self, *args: Any, systems: Any = None, system_lookup: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if systems is not None:
            self.fields["system"].queryset = systems  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["system"].lookup = system_lookup  # type: ignore[attr-defined]  # a LookupChoiceField

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        system, name = data.get("system"), (data.get("new_system_name") or "").strip()
        if system is None and not name and "system" not in self.errors:
            self.add_error("system", SYSTEM_CHOICE_REQUIRED)
        elif system is not None and name:
            self.add_error("new_system_name", SYSTEM_CHOICE_BOTH)
        elif system is None and name and not data.get("new_system_kind"):
            self.add_error("new_system_kind", KIND_REQUIRED)
        return data


class ResubmitBudgetCheckForm(BudgetFactsForm):
    answer = _text(_("質問への回答"), rows=5)

    field_order = ["answer"]


def _check_field_name(perspective: str) -> str:
    return CHECKLIST_FIELDS[perspective]


class ReviewBudgetCheckForm(forms.Form):
    """The reviewer's checklist and decision: send back with questions, or record a result."""

    SEND_BACK = "send_back"
    RECORD = "record"

    decision = forms.ChoiceField(
        label=_("処理"),
        choices=[
            (SEND_BACK, _("質問して差し戻す")),
            (RECORD, _("確認結果を記録して決裁に回す")),
        ],
        widget=forms.RadioSelect,
    )
    questions = _text(_("質問・差戻しの理由"), rows=4, required=False)
    result = forms.ChoiceField(
        label=_("確認結果"),
        choices=[("", "---------"), *BudgetCheck.Result.choices],
        required=False,
    )
    review_notes = _text(_("審査所見"), rows=3, required=False)
    # The checklist's fields (one per perspective) are added below the class.
    field_order = ["decision", *CHECKLIST_FIELDS.values(), "result", "review_notes", "questions"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision == self.SEND_BACK and not (data.get("questions") or "").strip():
            self.add_error("questions", QUESTIONS_REQUIRED)
        if decision == self.RECORD:
            if not data.get("result"):
                self.add_error("result", RESULT_REQUIRED)
            for field in CHECKLIST_FIELDS.values():
                if not data.get(field):
                    self.add_error(field, CHECK_REQUIRED)
        return data

    def checklist(self) -> dict[str, str]:
        return {
            perspective: self.cleaned_data.get(field) or ""
            for perspective, field in CHECKLIST_FIELDS.items()
        }


# One result field per perspective, declared once with the form's other fields (not built again
# for every form: each form copies its declared fields, as it does the others).
ReviewBudgetCheckForm.base_fields.update(
    {
        _check_field_name(perspective): forms.ChoiceField(
            label=format_lazy(_("確認: {label}"), label=label),
            choices=[("", "---------"), *CheckOutcome.choices],
            required=False,
        )
        for perspective, label in BudgetPerspective.choices
    }
)


class GuidanceItemForm(forms.Form):
    """One row of guidance items; an empty row is ignored."""

    text = forms.CharField(
        label=_("指導事項"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 30, "style": "width: 100%"}),
        required=False,
    )
    perspective = forms.ChoiceField(
        label=_("観点"), choices=[("", "---------"), *BudgetPerspective.choices], required=False
    )
    due_date = JapaneseDateField(
        label=_("対応期限"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "令和8年3月31日", "size": 14}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get("text") or "").strip()
        if text and not data.get("due_date") and "due_date" not in self.errors:
            self.add_error("due_date", DUE_REQUIRED)
        if not text and data.get("due_date"):
            self.add_error("text", TEXT_REQUIRED)
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("text") or "").strip() and not data.get("due_date")


GuidanceItemFormSet = forms.formset_factory(
    GuidanceItemForm, extra=3, max_num=30, validate_max=True
)


class ApprovalForm(forms.Form):
    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("決裁"),
        choices=[(APPROVE, _("承認して通知する")), (RETURN, _("審査担当に差し戻す"))],
        widget=forms.RadioSelect,
    )
    comment = _text(_("コメント（差し戻す場合は理由）"), rows=3, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", REASON_REQUIRED)
        return data


class AcknowledgeBudgetCheckForm(forms.Form):
    confirmed = forms.BooleanField(label=_("確認結果と指導事項の内容を確認しました"))
    comment = _text(_("コメント"), rows=2, required=False)


class ResolveGuidanceItemForm(forms.Form):
    evidence = _text(_("対応内容（根拠）"), rows=4)
    file = forms.FileField(label=_("根拠資料（任意）"), required=False)


class WaiveGuidanceItemForm(forms.Form):
    reason = _text(_("対応不要とする理由"), rows=3)


class ReopenGuidanceItemForm(forms.Form):
    reason = _text(_("差し戻す理由"), rows=3)


class BudgetSeasonForm(forms.Form):
    fiscal_year = FiscalYearField(label=_("予算年度"))
    opens_on = JapaneseDateField(label=_("受付開始日"))
    deadline = JapaneseDateField(label=_("締切日"))
    reminder_lead_days = forms.IntegerField(
        label=_("締切の何営業日前から督促するか"), min_value=0, max_value=30, initial=3
    )
    notes = _text(_("備考"), rows=2, required=False)


class EditBudgetSeasonForm(BudgetSeasonForm):
    reason = _text(_("変更の理由"), rows=2, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["fiscal_year"]


# --- The data a browser posts to the budget check's steps -----------------------------------
# Demo data and tests drive the flow headlessly (``workflows.driver``) with these, so they
# post exactly what the pages' forms read.


def facts_data(facts: Any) -> dict[str, str]:
    """The request's facts (a ``BudgetRequestFacts``) as typed into the form."""
    return {name: str(value) for name, value in asdict(facts).items()}


def request_data(
    *,
    fiscal_year: int,
    facts: Any,
    system: Any = None,
    new_system_name: str = "",
    new_system_kind: str = "",
) -> dict[str, str]:
    return {
        "system": str(system.pk) if system is not None else "",
        "new_system_name": new_system_name,
        "new_system_kind": new_system_kind,
        "fiscal_year": str(fiscal_year),
        **facts_data(facts),
    }


def resubmit_data(*, answer: str, facts: Any) -> dict[str, str]:
    return {"answer": answer, **facts_data(facts)}


def review_data(
    *,
    checklist: Mapping[str, str] | None = None,
    result: str = "",
    guidance: Sequence[Any] = (),
    review_notes: str = "",
    questions: str = "",
) -> dict[str, str]:
    """Record a result with guidance items (``GuidanceDraft``s), or, with ``questions``, send
    the request back."""
    data = {
        "decision": ReviewBudgetCheckForm.SEND_BACK if questions else ReviewBudgetCheckForm.RECORD,
        "questions": questions,
        "result": result,
        "review_notes": review_notes,
        "guidance-TOTAL_FORMS": str(len(guidance)),
        "guidance-INITIAL_FORMS": "0",
        "guidance-MIN_NUM_FORMS": "0",
        "guidance-MAX_NUM_FORMS": "30",
    }
    for perspective, field in CHECKLIST_FIELDS.items():
        data[field] = (checklist or {}).get(perspective, "")
    for index, item in enumerate(guidance):
        data[f"guidance-{index}-text"] = item.text
        data[f"guidance-{index}-perspective"] = item.perspective
        data[f"guidance-{index}-due_date"] = item.due_date.isoformat() if item.due_date else ""
    return data


def approval_data(*, approve: bool = True, comment: str = "") -> dict[str, str]:
    decision = ApprovalForm.APPROVE if approve else ApprovalForm.RETURN
    return {"decision": decision, "comment": comment}


def acknowledge_data(*, comment: str = "") -> dict[str, str]:
    return {"confirmed": "on", "comment": comment}

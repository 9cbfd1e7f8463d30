"""Forms of the spec review flow. They check the shape of input only; the services decide.

Uploaded files are checked here too (type, size, zip limits) so that a refusal is shown next to
the field; the services check them again, since they never trust their callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forms.fields import FiscalYearField, JapaneseDateField, YenField
from governance.japanese import fiscal_year_of
from governance.models import (
    ChecklistResult,
    InformationSystem,
    LedgerStatus,
    LockInTermKind,
    Perspective,
    ProcurementType,
    SpecReviewRound,
)
from governance.spec_review.scan import MAX_SPEC_XML_PART
from governance.uploads import UPLOAD_EMPTY, UploadRejected, check_upload

FILE_HELP = _("Word 文書（.docx）。上限 20MB。")
# Django's own message for an empty file differs from the upload check's; say it one way.
FILE_ERRORS = {"empty": _(UPLOAD_EMPTY)}
REFERENCE_HELP = _("図面・カタログ等の参考資料（PDF、任意）。閲覧用として保存し、走査はしません。")


def _checked_file(form: forms.Form, name: str, allowed: tuple[str, ...]) -> Any:
    upload = form.cleaned_data.get(name)
    if not upload:
        return None
    try:
        return check_upload(upload, allowed=allowed, max_xml_part=MAX_SPEC_XML_PART)
    except UploadRejected as exc:
        raise forms.ValidationError(str(exc), code="rejected") from None


class RegisterSpecReviewForm(forms.Form):
    title = forms.CharField(label=_("件名"), max_length=200)
    system = forms.ModelChoiceField(
        label=_("対象システム"),
        queryset=InformationSystem.objects.none(),
        required=False,
        help_text=_(
            "システムカルテに登録されている場合は選んでください（ロックイン状況を表示します）。"
        ),
    )
    fiscal_year = FiscalYearField(label=_("調達年度"))
    procurement_type = forms.ChoiceField(
        label=_("調達種別"), choices=ProcurementType.choices, widget=forms.RadioSelect
    )
    estimated_price = YenField(
        label=_("予定価格（円）"), help_text=_("例: 36,000,000 または ３６，０００，０００円")
    )
    contract_board_date = JapaneseDateField(
        label=_("契約局審査会の予定日"),
        required=False,
        help_text=_("予定価格が基準額以上の場合は必須です。例: 2025-10-01、令和7年10月1日"),
    )
    review_requested = forms.BooleanField(
        label=_("基準額未満でも仕様書確認を依頼する"), required=False
    )
    spec_file = forms.FileField(label=_("仕様書"), help_text=FILE_HELP, error_messages=FILE_ERRORS)
    reference_file = forms.FileField(
        label=_("参考資料（PDF）"),
        required=False,
        help_text=REFERENCE_HELP,
        error_messages=FILE_ERRORS,
    )

    def __init__(self, *args: Any, systems: Any = None, **kwargs: Any) -> None:
        # A FormView always passes ``initial`` (empty unless the view fills it), so merge.
        kwargs["initial"] = {
            "fiscal_year": fiscal_year_of(timezone.localdate()),
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)
        if systems is not None:
            self.fields["system"].queryset = systems  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean_spec_file(self) -> Any:
        return _checked_file(self, "spec_file", ("docx",))

    def clean_reference_file(self) -> Any:
        return _checked_file(self, "reference_file", ("pdf",))


class FindingForm(forms.Form):
    perspective = forms.ChoiceField(label=_("観点"), choices=Perspective.choices)
    text = forms.CharField(label=_("指摘事項"), widget=forms.Textarea(attrs={"rows": 3}))
    requested_revision = forms.CharField(
        label=_("修正依頼内容"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptScanResultForm(forms.Form):
    result = forms.IntegerField(widget=forms.HiddenInput)
    perspective = forms.ChoiceField(
        label=_("観点"), choices=Perspective.choices, initial=Perspective.NEUTRALITY
    )
    text = forms.CharField(label=_("指摘事項"), widget=forms.Textarea(attrs={"rows": 2}))
    requested_revision = forms.CharField(
        label=_("修正依頼内容"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DismissScanResultForm(forms.Form):
    result = forms.IntegerField(widget=forms.HiddenInput)
    # Required by the service, which says so in its own words.
    reason = forms.CharField(label=_("不採用の理由"), max_length=500, required=False)


class SettleFindingForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    # A finding is settled by the reviewer: the department's 対応報告 is for guidance items.
    status = forms.ChoiceField(
        label=_("対応状況"),
        choices=[c for c in LedgerStatus.choices if c[0] != LedgerStatus.REPORTED],
    )
    resolution = forms.CharField(
        label=_("対応内容・理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


CARRIED_NOTE_UNCONFIRMED = _(
    "前回の所見がそのまま残っています。今回の判断に合わせて書き直すか、"
    "「前回の所見を確認し、今回もこのとおりとする」にチェックしてください。"
)

DECISIONS = (
    (SpecReviewRound.Decision.RETURNED, _("部局へ差し戻す（指摘事項への回答と修正版を求める）")),
    (SpecReviewRound.Decision.TO_APPROVAL, _("決裁へ回す")),
)


class CompleteReviewForm(forms.Form):
    """The checklist (one result and note per perspective) and the round's decision."""

    decision = forms.ChoiceField(label=_("判断"), choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("部局・決裁者への連絡"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, carried_notes: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Notes written in an earlier round and shown again here: drafts until confirmed.
        self.carried_notes = {k: v for k, v in (carried_notes or {}).items() if v.strip()}
        for perspective in Perspective:
            self.fields[f"result_{perspective.value}"] = forms.ChoiceField(
                label=perspective.label,
                choices=[("", "---------"), *ChecklistResult.choices],
                required=False,
            )
            self.fields[f"note_{perspective.value}"] = forms.CharField(
                label=_("{perspective} の所見").format(perspective=perspective.label),
                required=False,
                max_length=1000,
            )
            if perspective.value in self.carried_notes:
                self.fields[f"note_{perspective.value}"].help_text = _(
                    "前回の確認で記入した所見です（下書き）。今回の判断に合うか確認してください。"
                )
                self.fields[f"confirm_{perspective.value}"] = forms.BooleanField(
                    label=_("前回の所見を確認し、今回もこのとおりとする"), required=False
                )
        # The decision comes after the checklist on the page.
        self.order_fields([name for name in self.fields if name not in ("decision", "comment")])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for perspective, carried in self.carried_notes.items():
            note = (cleaned.get(f"note_{perspective}") or "").strip()
            if note == carried.strip() and not cleaned.get(f"confirm_{perspective}"):
                self.add_error(f"note_{perspective}", CARRIED_NOTE_UNCONFIRMED)
        return cleaned

    def checklist(self) -> dict[str, tuple[str, str]]:
        return {
            perspective.value: (
                self.cleaned_data.get(f"result_{perspective.value}") or "",
                self.cleaned_data.get(f"note_{perspective.value}") or "",
            )
            for perspective in Perspective
        }


class ResubmitSpecForm(forms.Form):
    """The revised specification and one answer per open finding (``answer_<finding id>``)."""

    spec_file = forms.FileField(
        label=_("修正した仕様書"), help_text=FILE_HELP, error_messages=FILE_ERRORS
    )
    note = forms.CharField(
        label=_("修正内容の説明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reference_file = forms.FileField(
        label=_("参考資料（PDF）"),
        required=False,
        help_text=REFERENCE_HELP,
        error_messages=FILE_ERRORS,
    )

    def __init__(self, *args: Any, findings: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.findings = list(findings)
        for finding in self.findings:
            self.fields[f"answer_{finding.pk}"] = forms.CharField(
                label=_("指摘{number}への回答").format(number=finding.number),
                help_text=f"{finding.text} ／ {_('修正依頼')}: {finding.requested_revision}",
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def clean_spec_file(self) -> Any:
        return _checked_file(self, "spec_file", ("docx",))

    def clean_reference_file(self) -> Any:
        return _checked_file(self, "reference_file", ("pdf",))

    def answers(self) -> dict[int, str]:
        return {
            finding.pk: self.cleaned_data.get(f"answer_{finding.pk}", "")
            for finding in self.findings
        }


APPROVAL_CHOICES = (
    ("approve", _("承認する（確認結果を通知する）")),
    ("return", _("審査担当へ差し戻す")),
)


class ApproveSpecReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("決裁"), choices=APPROVAL_CHOICES, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("コメント（差し戻す場合は理由）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("差し戻す理由を入力してください。"))
        return data


class LockInTermForm(forms.Form):
    kind = forms.ChoiceField(label=_("種類"), choices=LockInTermKind.choices)
    phrase = forms.CharField(
        label=_("語句・条件"),
        max_length=300,
        help_text=_(
            "必須条項は、候補を「|」、同じ段落に揃うべきまとまりを「&」で区切ります"
            "（例: 契約終了|契約満了 & データ）。"
        ),
    )
    label = forms.CharField(label=_("名称"), max_length=200, required=False)
    suggested_revision = forms.CharField(
        label=_("修正依頼の文案"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LockInTermStateForm(forms.Form):
    term = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由"), max_length=500)


# --- The data a browser posts to the spec review's steps ------------------------------------
# Demo data and tests drive the flow headlessly (``workflows.driver``) with these; files go in
# the driver's ``files`` (``spec_file``, ``reference_file``).


def register_data(
    *,
    title: str,
    fiscal_year: int,
    procurement_type: str,
    estimated_price: int,
    system: Any = None,
    contract_board_date: dt.date | None = None,
    review_requested: bool = False,
) -> dict[str, str]:
    data = {
        "title": title,
        "system": str(system.pk) if system is not None else "",
        "fiscal_year": str(fiscal_year),
        "procurement_type": procurement_type,
        "estimated_price": str(estimated_price),
        "contract_board_date": contract_board_date.isoformat() if contract_board_date else "",
    }
    if review_requested:
        data["review_requested"] = "on"
    return data


def accept_data(result: Any) -> dict[str, str]:
    """Adopt a draft of the scan as a finding, with the wording the page proposes."""
    return {
        "action": "accept",
        "result": str(result.pk),
        "perspective": Perspective.NEUTRALITY,
        "text": result.suggested_text,
        "requested_revision": result.suggested_revision,
    }


def dismiss_data(result: Any, reason: str) -> dict[str, str]:
    return {"action": "dismiss", "result": str(result.pk), "reason": reason}


def finding_data(*, perspective: str, text: str, requested_revision: str) -> dict[str, str]:
    return {
        "action": "add_finding",
        "perspective": perspective,
        "text": text,
        "requested_revision": requested_revision,
    }


def settle_data(finding: Any, *, status: str, resolution: str = "") -> dict[str, str]:
    return {
        "action": "settle",
        "finding": str(finding.pk),
        "status": status,
        "resolution": resolution,
    }


def complete_review_data(
    *, checklist: dict[str, tuple[str, str]], decision: str, comment: str = ""
) -> dict[str, str]:
    """``checklist``: perspective → (result, note)."""
    data = {"decision": decision, "comment": comment}
    for perspective, (result, note) in checklist.items():
        data[f"result_{perspective}"] = result
        data[f"note_{perspective}"] = note
    return data


def resubmit_data(*, answers: dict[int, str], note: str = "") -> dict[str, str]:
    """``answers``: finding id → answer."""
    return {"note": note, **{f"answer_{pk}": text for pk, text in answers.items()}}


def approve_data(*, approve: bool = True, comment: str = "") -> dict[str, str]:
    return {"decision": "approve" if approve else "return", "comment": comment}

"""Forms of the CSIRT: the department report (a phone-sized page, at most eight fields), manual
entry, the flow's steps and the buttons of the incident page. Shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.incidents.escalation.models import Escalation, EscalationLevel
from governance.incidents.models import Channel, Incident, Phase, Severity, YesNoUnknown
from governance.models import (
    Department,
    IncidentCategory,
    IncidentTask,
    InformationSystem,
    IntakeSource,
    NoticeChoice,
    ObligationSubmission,
    Observable,
    PublicationChoice,
    ReportingBody,
    ReportingObligation,
    SubmissionMethod,
    TimelineEntry,
    Tlp,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _when(label: Any, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


CATEGORY_HINTS = (
    ("", _("わからない・その他")),
    ("targeted_mail", _("不審なメールを受け取った・開いた")),
    ("malware", _("パソコンの様子がおかしい（ウイルスの疑い）")),
    ("loss_theft", _("パソコン・USB メモリ・書類をなくした・盗まれた")),
    ("misdelivery_email", _("メールを誤って送信した")),
    ("misdelivery_post", _("郵便・FAX を誤って送った")),
    ("mispublication", _("ホームページに誤って掲載した")),
)


class DepartmentReportForm(forms.Form):
    """部局からの報告: eight fields, usable on a phone."""

    what = forms.CharField(
        label=_("何が起きましたか"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    aware_at = _when(_("気づいた日時（空欄なら今）"))
    system = forms.ModelChoiceField(
        label=_("関係するシステム"),
        queryset=InformationSystem.objects.none(),
        required=False,
        empty_label=_("不明・該当なし"),
    )
    personal_data = forms.ChoiceField(
        label=_("個人情報が含まれますか"),
        choices=YesNoUnknown.choices,
        initial="unknown",
        widget=forms.RadioSelect,
    )
    persons = forms.CharField(label=_("およその人数"), required=False, max_length=40)
    category_hint = forms.ChoiceField(
        label=_("どのような事案ですか"), choices=CATEGORY_HINTS, required=False
    )
    contact_phone = forms.CharField(label=_("連絡先（内線・携帯）"), required=False, max_length=40)

    def __init__(self, *args: Any, systems: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if systems is not None:
            self.fields["system"].queryset = systems  # type: ignore[attr-defined]  # a ModelChoiceField


class ManualEventForm(forms.Form):
    """A phone call or a notice (J-LIS, NCO, police, a contractor) typed in by the CSIRT."""

    source = forms.ModelChoiceField(
        label=_("通報元"), queryset=IntakeSource.objects.filter(active=True)
    )
    channel = forms.ChoiceField(label=_("受付経路"), choices=Channel.choices, initial="phone")
    source_ref = forms.CharField(
        label=_("通報元の識別子（通知番号など）"), required=False, max_length=200
    )
    title = forms.CharField(label=_("件名"), max_length=200)
    description = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    aware_at = _when(_("覚知日時（空欄なら今）"))
    department = forms.ModelChoiceField(
        label=_("関係部局"), queryset=Department.objects.all(), required=False
    )
    personal_data = forms.ChoiceField(
        label=_("個人情報"), choices=YesNoUnknown.choices, initial="unknown"
    )
    persons = forms.CharField(label=_("およその人数"), required=False, max_length=40)
    tlp = forms.ChoiceField(label=_("TLP"), choices=[("", "—"), *Tlp.choices], required=False)
    is_exercise = forms.BooleanField(label=_("訓練"), required=False)


class OpenIncidentForm(forms.Form):
    """The flow's start: promote events (or reopen a closed incident) into an incident."""

    title = forms.CharField(label=_("件名"), max_length=200)
    department = forms.ModelChoiceField(label=_("主管部局"), queryset=Department.objects.all())
    category = forms.ChoiceField(label=_("分類"), choices=IncidentCategory.choices, initial="other")
    aware_at = _when(_("覚知日時（空欄なら通報の覚知日時）"))
    description = forms.CharField(
        label=_("概要"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    tlp = forms.ChoiceField(label=_("TLP"), choices=[("", "—"), *Tlp.choices], required=False)
    events = forms.CharField(widget=forms.HiddenInput, required=False)
    follow_up_of = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("再開の理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def event_ids(self) -> list[int]:
        raw = self.cleaned_data.get("events") or ""
        return [int(part) for part in raw.split(",") if part.strip().isdigit()]


FACTOR_FIELDS = (
    "scope",
    "functional_impact",
    "information_impact",
    "recoverability",
    "activity_stage",
    "threat_actor",
)


class TriageForm(forms.Form):
    category = forms.ChoiceField(label=_("分類"), choices=IncidentCategory.choices)
    scope = forms.ChoiceField(label=_("影響範囲"), choices=Incident.Scope.choices)
    functional_impact = forms.ChoiceField(
        label=_("機能への影響"), choices=Incident.FunctionalImpact.choices
    )
    information_impact = forms.ChoiceField(
        label=_("情報への影響"), choices=Incident.InformationImpact.choices
    )
    recoverability = forms.ChoiceField(label=_("復旧性"), choices=Incident.Recoverability.choices)
    activity_stage = forms.ChoiceField(
        label=_("攻撃の段階"), choices=Incident.ActivityStage.choices
    )
    threat_actor = forms.ChoiceField(label=_("脅威主体"), choices=Incident.ThreatActor.choices)
    mynumber_system = forms.BooleanField(label=_("マイナンバー利用事務系"), required=False)
    public_service_down = forms.BooleanField(label=_("住民向けサービス停止"), required=False)
    tlp = forms.ChoiceField(label=_("TLP"), choices=Tlp.choices, initial="amber")
    dismiss_reason = forms.ChoiceField(
        label=_("対象外とする場合の理由"),
        choices=[("", _("対象外にしない（対応を始める）")), *Incident.DismissReason.choices],
        required=False,
    )

    def factors(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **{key: data[key] for key in FACTOR_FIELDS},
            "mynumber_system": data["mynumber_system"],
            "public_service_down": data["public_service_down"],
        }


class RequestClosureForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("判定"), choices=[("", "—"), *Incident.Resolution.choices], required=False
    )
    root_cause = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    recurrence_prevention = forms.CharField(
        label=_("再発防止策"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    lessons_learned = forms.CharField(
        label=_("教訓"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


DECISIONS = (("approve", _("承認する")), ("send_back", _("差し戻す")))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("判断"), choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("コメント"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


# --- The incident page's buttons ------------------------------------------------------------


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(
        label=_("対応段階"),
        choices=[(p.value, p.label) for p in Phase if p not in ("closed", "dismissed")],
    )
    reason = forms.CharField(label=_("理由（戻す場合）"), required=False, max_length=1000)


class TimelineForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("種類"), choices=TimelineEntry.Kind.choices, initial="observation"
    )
    at = _when(_("日時（空欄なら今）"))
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}))
    corrects = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("作業"), max_length=200)


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状態"), choices=IncidentTask.Status.choices)
    result = forms.CharField(label=_("結果・理由"), required=False, max_length=2000)


class ObservableForm(forms.Form):
    type = forms.ChoiceField(label=_("種類"), choices=Observable.Type.choices)
    value = forms.CharField(label=_("値（hxxp や [.] のままでも可）"), max_length=500)
    note = forms.CharField(label=_("メモ"), required=False, max_length=1000)


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("重大度"), choices=Severity.choices)
    reason = forms.CharField(label=_("理由（下げる場合は必須）"), required=False, max_length=1000)


class TlpForm(forms.Form):
    tlp = forms.ChoiceField(label=_("TLP"), choices=Tlp.choices)
    reason = forms.CharField(label=_("理由（緩める場合は必須）"), required=False, max_length=1000)


class PersonalDataForm(forms.Form):
    pd_involved = forms.ChoiceField(label=_("個人情報の有無"), choices=YesNoUnknown.choices)
    pd_items = forms.CharField(label=_("漏えい等した項目"), required=False, max_length=2000)
    pd_persons = forms.CharField(label=_("本人の数"), required=False, max_length=40)
    pd_persons_is_estimate = forms.BooleanField(label=_("概数"), required=False)
    pd_persons_upper = forms.CharField(label=_("本人の数の上限"), required=False, max_length=40)
    pd_sensitive = forms.BooleanField(label=_("要配慮個人情報"), required=False)
    pd_financial_risk = forms.BooleanField(label=_("財産的被害のおそれ"), required=False)
    pd_malicious = forms.BooleanField(label=_("不正の目的のおそれ"), required=False)
    pd_high_encryption = forms.BooleanField(label=_("高度な暗号化等"), required=False)
    pd_encryption_evidence = forms.CharField(
        label=_("暗号化等の根拠"), required=False, max_length=2000
    )
    pd_recovered_unviewed = forms.BooleanField(label=_("閲覧前に全て回収"), required=False)
    pd_recovery_evidence = forms.CharField(label=_("回収の根拠"), required=False, max_length=2000)
    pd_my_number = forms.BooleanField(label=_("特定個人情報（マイナンバー）"), required=False)
    pd_my_number_system = forms.BooleanField(
        label=_("情報提供ネットワークシステム・個人番号利用事務のシステムからの漏えい等"),
        required=False,
    )
    pd_ordinance_sensitive = forms.BooleanField(label=_("条例要配慮個人情報"), required=False)
    pd_publicly_viewable = forms.BooleanField(
        label=_("不特定多数の者が閲覧できる状態"), required=False
    )
    pd_reporting_body = forms.ChoiceField(
        label=_("報告主体"), choices=[("", "—"), *ReportingBody.choices], required=False
    )
    vendor_notice_received_at = _when(_("委託先からの通知の受領日時（委託先での漏えい等）"))


class SubmissionForm(forms.Form):
    """A report sent for one or more obligations (the checkboxes are the panel's rows)."""

    obligations = forms.ModelMultipleChoiceField(
        label=_("対象の報告義務"),
        queryset=ReportingObligation.objects.filter(status="pending"),
        widget=forms.CheckboxSelectMultiple,
    )
    submitted_at = _when(_("提出日時"), required=True)
    method = forms.ChoiceField(label=_("提出方法"), choices=SubmissionMethod.choices)
    reference = forms.CharField(label=_("受付番号"), required=False, max_length=100)
    receipt = forms.FileField(label=_("受付の控え（PDF）"), required=False)
    note = forms.CharField(label=_("備考"), required=False, max_length=2000)


class ApproveSubmissionForm(forms.Form):
    submission = forms.ModelChoiceField(
        label=_("提出"),
        queryset=ObligationSubmission.objects.filter(approval="awaiting"),
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(label=_("コメント"), required=False, max_length=1000)


class WaiveObligationForm(forms.Form):
    obligation = forms.ModelChoiceField(
        label=_("報告義務"),
        queryset=ReportingObligation.objects.filter(status="pending"),
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(label=_("免除の理由"), max_length=2000)


class PublicationDecisionForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("公表の判断"), choices=PublicationChoice.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("判断の理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoticeDecisionForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("本人通知の判断"), choices=NoticeChoice.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("判断の理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequestEscalationForm(forms.Form):
    reason = forms.CharField(
        label=_("エスカレーションを求める理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EscalateForm(forms.Form):
    level = forms.ModelChoiceField(
        label=_("エスカレーション先"),
        queryset=EscalationLevel.objects.filter(active=True).order_by("order"),
    )
    reason = forms.CharField(
        label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AckEscalationForm(forms.Form):
    escalation = forms.ModelChoiceField(
        label=_("エスカレーション"),
        queryset=Escalation.objects.filter(acknowledged_at__isnull=True),
        widget=forms.HiddenInput,
    )


class DismissEventForm(forms.Form):
    reason = forms.ChoiceField(label=_("理由"), choices=Incident.DismissReason.choices)


class MergeEventForm(forms.Form):
    incident = forms.CharField(label=_("統合先のインシデント番号"), max_length=30)


class DisconnectForm(forms.Form):
    system = forms.ModelChoiceField(label=_("システム"), queryset=InformationSystem.objects.all())
    reason = forms.CharField(label=_("理由"), max_length=1000)


def report_data(**values: Any) -> dict[str, Any]:
    """What the department report posts (for the driver and tests)."""
    return {"personal_data": "unknown", **values}


def triage_data(
    *, category: str, tlp: str = "amber", dismiss_reason: str = "", **factors: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": category,
        "tlp": tlp,
        "dismiss_reason": dismiss_reason,
        "scope": "one_terminal",
        "functional_impact": "none",
        "information_impact": "none",
        "recoverability": "regular",
        "activity_stage": "attempted",
        "threat_actor": "unknown",
    }
    for key, value in factors.items():
        if value is True:
            data[key] = "on"
        elif value is not False:
            data[key] = value
    return data

"""Forms of the network connection flow and its approval pages. They check the shape of input
only (full-width addresses, ports, MAC notations and era dates are read with
``governance.netinput`` and ``forms.fields``, each refusal naming its field); the services
decide everything else. The ``*_data`` builders say what each step's page posts, for the
headless driver (demo data, tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forms.fields import JapaneseDateField
from governance import netinput
from governance.karte.services import AssetFacts
from governance.models import (
    AssetKind,
    CheckResult,
    Confidentiality,
    ConnectionPerspective,
    DataLocation,
    Direction,
    InformationSystem,
    InternetExposure,
    IsmapStatus,
    NetworkSegment,
    Protocol,
    RequestKind,
    TargetKind,
    WirelessAuth,
)
from governance.uploads import UploadRejected, check_upload

BLANK: list[tuple[str, Any]] = [("", "---------")]
YES_NO = forms.NullBooleanSelect


def _bool(label: Any, help_text: Any = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text)


class AssetRowForm(forms.Form):
    """One piece of equipment (機器) of the application."""

    hostname = forms.CharField(label=_("ホスト名"), max_length=253)
    # A select's first option is what a browser posts for an untouched row: it is the initial
    # value, so a blank row counts as unchanged and is ignored.
    kind = forms.ChoiceField(
        label=_("機器の種類"), choices=AssetKind.choices, initial=AssetKind.SERVER
    )
    ip_address = forms.CharField(
        label=_("IP アドレス"), max_length=60, required=False, help_text=_("例: 192.168.10.5")
    )
    mac_address = forms.CharField(
        label=_("MAC アドレス"),
        max_length=40,
        required=False,
        help_text=_("例: aa:bb:cc:dd:ee:ff、AA-BB-CC-DD-EE-FF、aabb.ccdd.eeff"),
    )
    os_name = forms.CharField(label=_("OS"), max_length=100, required=False)
    os_version = forms.CharField(label=_("OS のバージョン"), max_length=50, required=False)
    os_eol_on = JapaneseDateField(label=_("OS のサポート終了日"), required=False)
    has_storage = _bool(_("記憶媒体あり"))
    wireless = _bool(_("無線LAN"))
    wireless_auth = forms.ChoiceField(
        label=_("無線LANの認証方式"), choices=BLANK + list(WirelessAuth.choices), required=False
    )

    def clean_ip_address(self) -> str:
        value = self.cleaned_data.get("ip_address", "")
        if not value.strip():
            return ""
        try:
            return netinput.parse_cidr(value, field=str(self.fields["ip_address"].label))
        except netinput.NetInputError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None

    def clean_mac_address(self) -> str:
        value = self.cleaned_data.get("mac_address", "")
        if not value.strip():
            return ""
        try:
            return netinput.parse_mac(value, field=str(self.fields["mac_address"].label))
        except netinput.NetInputError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None

    def facts(self) -> AssetFacts:
        data = self.cleaned_data
        return AssetFacts(
            hostname=data["hostname"],
            kind=data["kind"],
            ip_address=data.get("ip_address", ""),
            mac_address=data.get("mac_address", ""),
            os_name=data.get("os_name", ""),
            os_version=data.get("os_version", ""),
            os_eol_on=data.get("os_eol_on"),
            has_storage=bool(data.get("has_storage")),
            wireless=bool(data.get("wireless")),
            wireless_auth=data.get("wireless_auth", ""),
        )


class FlowRowForm(forms.Form):
    """One row of the communication matrix (通信)."""

    source = forms.CharField(
        label=_("通信元"), max_length=300, help_text=_("ホスト名、IP アドレス、CIDR 又は any")
    )
    destination = forms.CharField(
        label=_("通信先"),
        max_length=300,
        help_text=_("IP アドレス、CIDR、FQDN（外向きは *.example.jp も可）又は any"),
    )
    ports = forms.CharField(label=_("ポート"), max_length=300, help_text=_("例: 443、8000-8080"))
    protocol = forms.ChoiceField(
        label=_("プロトコル"), choices=Protocol.choices, initial=Protocol.TCP
    )
    direction = forms.ChoiceField(
        label=_("方向"),
        choices=[
            (Direction.OUTBOUND, Direction.OUTBOUND.label),
            (Direction.INBOUND, Direction.INBOUND.label),
        ],
        initial=Direction.OUTBOUND,
    )
    purpose = forms.CharField(label=_("用途"), max_length=300)

    def _endpoint(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        if netinput.is_host_label(value):
            return value  # the host name of an asset of this application: the service reads it
        try:
            netinput.parse_endpoint(value, field=str(self.fields[name].label))
        except netinput.NetInputError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        return value

    def clean_source(self) -> str:
        return self._endpoint("source")

    def clean_destination(self) -> str:
        return self._endpoint("destination")

    def clean_ports(self) -> str:
        try:
            return netinput.parse_ports(
                self.cleaned_data.get("ports", ""), field=str(self.fields["ports"].label)
            )
        except netinput.NetInputError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class _RowFormSet(forms.BaseFormSet):
    """Blank rows are ignored; the service says when a required list is empty."""

    def filled(self) -> list[Any]:
        return [form for form in self.forms if form.has_changed() and form.is_valid()]


AssetFormSet = forms.formset_factory(AssetRowForm, formset=_RowFormSet, extra=2, max_num=50)
FlowFormSet = forms.formset_factory(FlowRowForm, formset=_RowFormSet, extra=3, max_num=100)


class ApplicationForm(forms.Form):
    """The application (申請) itself; its equipment and communications are formsets."""

    title = forms.CharField(label=_("件名"), max_length=200)
    system = forms.ModelChoiceField(
        label=_("情報システム"), queryset=InformationSystem.objects.none()
    )
    request_kind = forms.ChoiceField(
        label=_("申請区分"), choices=RequestKind.choices, initial=RequestKind.NEW
    )
    # Offered: the department's approvals in force; any other is refused by the service with
    # its reason (revoked, expired), not as an unknown choice.
    renews = forms.IntegerField(label=_("更新する承認"), required=False, widget=forms.Select)
    target_kind = forms.ChoiceField(label=_("接続するもの"), choices=TargetKind.choices)
    segment = forms.ChoiceField(label=_("接続先セグメント"), choices=NetworkSegment.choices)
    segment_other_name = forms.CharField(
        label=_("その他の閉域網の名称"), max_length=100, required=False
    )
    crosses_segments = _bool(_("セグメントをまたぐ通信がある"))
    crossing_method = forms.CharField(
        label=_("セグメント間の連携方法"),
        max_length=200,
        required=False,
        help_text=_("例: 無害化、画面転送"),
    )
    purpose = forms.CharField(label=_("接続の目的"), widget=forms.Textarea(attrs={"rows": 3}))
    desired_start_on = JapaneseDateField(label=_("接続開始希望日"))
    desired_end_on = JapaneseDateField(label=_("接続終了予定日"), required=False)
    location = forms.CharField(label=_("設置場所"), max_length=200, required=False)
    info_confidentiality = forms.ChoiceField(
        label=_("取り扱う情報の機密性"), choices=Confidentiality.choices
    )
    handles_personal_info = _bool(_("個人情報を取り扱う"))
    handles_my_number = _bool(_("特定個人情報（マイナンバー）を取り扱う"))
    internet_exposure = forms.ChoiceField(
        label=_("インターネットとの通信"), choices=InternetExposure.choices
    )
    global_ip = _bool(_("グローバル IP アドレスを使用する"))
    wireless = _bool(_("無線LANを使用する"))
    wireless_auth = forms.ChoiceField(
        label=_("無線LANの認証方式"), choices=BLANK + list(WirelessAuth.choices), required=False
    )
    remote_maintenance = _bool(_("リモート保守がある"))
    remote_method = forms.CharField(label=_("リモート接続の方式"), max_length=200, required=False)
    mfa = _bool(_("多要素認証を使う"))
    cloud_provider = forms.CharField(label=_("クラウド事業者"), max_length=200, required=False)
    cloud_service_name = forms.CharField(
        label=_("クラウドサービス名"), max_length=200, required=False
    )
    ismap_status = forms.ChoiceField(
        label=_("ISMAP 登録状況"), choices=BLANK + list(IsmapStatus.choices), required=False
    )
    data_location = forms.ChoiceField(
        label=_("データの保存場所"), choices=BLANK + list(DataLocation.choices), required=False
    )
    lgwan_asp = _bool(_("LGWAN-ASP"))
    av_product = forms.CharField(label=_("ウイルス対策ソフト"), max_length=100, required=False)
    edr = _bool(_("EDR を導入している"))
    av_auto_update = _bool(_("定義ファイルを自動更新する"))
    compensating_measures = forms.CharField(
        label=_("ウイルス対策ができない場合の代替策"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    patch_policy = forms.CharField(
        label=_("パッチ適用の方針"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    default_password_changed = _bool(_("初期パスワードを変更済み"))
    logging = forms.CharField(
        label=_("ログの取得・保存"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    network_diagram = forms.FileField(
        label=_("ネットワーク構成図"),
        required=False,
        help_text=_("PDF・画像・Excel・Word。サーバ・ネットワーク機器・外部回線の申請では必須。"),
    )

    def __init__(self, *args: Any, systems: Any = None, renewable: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if systems is not None:
            self.fields["system"].queryset = systems  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["renews"].widget.choices = BLANK + [
            (approval.pk, f"{approval.case.number} {approval.system.name}")
            for approval in renewable
        ]

    def clean_network_diagram(self) -> Any:
        upload = self.cleaned_data.get("network_diagram")
        if not upload:
            return None
        try:
            return check_upload(upload, allowed=("pdf", "png", "jpg", "xlsx", "docx"))
        except UploadRejected as exc:
            raise forms.ValidationError(str(exc), code="rejected") from None


CHECK_CHOICES = BLANK + list(CheckResult.choices)


class SecurityReviewForm(forms.Form):
    """The checklist (one result and note per perspective) and the decision of the round."""

    decision = forms.ChoiceField(
        label=_("判断"),
        choices=(("complete", _("審査を完了し技術確認へ回す")), ("send_back", _("部局へ差し戻す"))),
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("部局への連絡（差し戻す場合は必須）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for perspective in ConnectionPerspective:
            self.fields[f"result_{perspective.value}"] = forms.ChoiceField(
                label=perspective.label, choices=CHECK_CHOICES, required=False
            )
            self.fields[f"note_{perspective.value}"] = forms.CharField(
                label=_("{perspective} の所見").format(perspective=perspective.label),
                required=False,
                max_length=1000,
            )
        self.order_fields([name for name in self.fields if name not in ("decision", "message")])

    def checklist(self) -> dict[str, tuple[str, str]]:
        return {
            p.value: (
                self.cleaned_data.get(f"result_{p.value}") or "",
                self.cleaned_data.get(f"note_{p.value}") or "",
            )
            for p in ConnectionPerspective
        }


class FindingForm(forms.Form):
    perspective = forms.ChoiceField(label=_("観点"), choices=ConnectionPerspective.choices)
    text = forms.CharField(label=_("指摘事項"), widget=forms.Textarea(attrs={"rows": 3}))
    proposed_condition = forms.CharField(
        label=_("承認条件の案（任意）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ProposalForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("指摘事項"), required=False)
    reason = forms.CharField(label=_("不採用の理由"), max_length=500, required=False)


class SettleFindingForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("対応状況"), choices=(("open", _("未対応")), ("resolved", _("対応済")))
    )
    resolution = forms.CharField(label=_("対応内容"), required=False)


class NetworkReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("判断"),
        choices=(("complete", _("技術確認を完了し決裁へ回す")), ("send_back", _("部局へ差し戻す"))),
        widget=forms.RadioSelect,
    )
    assigned_vlan = forms.CharField(label=_("割当 VLAN"), max_length=50, required=False)
    assigned_addresses = forms.CharField(label=_("割当アドレス"), max_length=300, required=False)
    fw_change_ref = forms.CharField(
        label=_("FW 設定変更の管理番号"), max_length=100, required=False
    )
    message = forms.CharField(
        label=_("連絡（差し戻す場合は必須）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_assigned_addresses(self) -> str:
        value = self.cleaned_data.get("assigned_addresses", "")
        parts = [part for part in netinput.normalize(value).replace("、", ",").split(",") if part]
        try:
            return ", ".join(
                netinput.parse_cidr(part, field=str(self.fields["assigned_addresses"].label))
                for part in parts
            )
        except netinput.NetInputError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class ConditionRowForm(forms.Form):
    text = forms.CharField(label=_("条件"), widget=forms.Textarea(attrs={"rows": 2}))
    due_date = JapaneseDateField(label=_("履行期限"), required=False)
    evidence_required = forms.CharField(label=_("求める証跡"), max_length=300, required=False)
    finding = forms.IntegerField(widget=forms.HiddenInput, required=False)


ConditionFormSet = forms.formset_factory(ConditionRowForm, formset=_RowFormSet, extra=2, max_num=30)


class ApproveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("決裁"),
        choices=(
            ("approve", _("承認する")),
            ("approve_with_conditions", _("条件を付して承認する")),
            ("return", _("セキュリティ審査へ差し戻す")),
            ("reject", _("不承認とする")),
        ),
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("コメント（差戻し・不承認の場合は理由）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CisoForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("CISO の決裁"),
        choices=(("approve", _("承認する")), ("reject", _("不承認とする"))),
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("コメント（不承認の場合は理由）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConnectForm(forms.Form):
    confirmed = forms.BooleanField(label=_("承認の範囲で接続したことを確認しました"))
    note = forms.CharField(
        label=_("作業の記録"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcknowledgeForm(forms.Form):
    confirmed = forms.BooleanField(label=_("承認の内容と条件を確認しました"))
    comment = forms.CharField(
        label=_("コメント"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviseForm(ApplicationForm):
    """The revised application and the department's answer."""

    answer = forms.CharField(label=_("差戻しへの回答"), widget=forms.Textarea(attrs={"rows": 3}))
    withdraw = _bool(_("この申請を取り下げる（回答欄に理由を記入）"))

    field_order = ["answer", "withdraw"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=1000)


class ConditionReportForm(forms.Form):
    evidence = forms.CharField(label=_("対応内容"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("証跡ファイル（任意）"), required=False)


# --- The data a browser posts to the network connection's steps ---------------------------


def _formset(prefix: str, rows: list[dict[str, Any]], *, max_num: int) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": str(max_num),
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"{prefix}-{index}-{key}"] = "on"
            elif value is not None:
                data[f"{prefix}-{index}-{key}"] = (
                    value.isoformat() if isinstance(value, dt.date) else str(value)
                )
    return data


def asset_row(hostname: str, kind: str = AssetKind.SERVER, **values: Any) -> dict[str, Any]:
    return {"hostname": hostname, "kind": kind, **values}


def flow_row(
    source: str,
    destination: str,
    ports: str,
    *,
    protocol: str = Protocol.TCP,
    direction: str = Direction.OUTBOUND,
    purpose: str = "業務通信",
) -> dict[str, Any]:
    return {
        "source": source,
        "destination": destination,
        "ports": ports,
        "protocol": protocol,
        "direction": direction,
        "purpose": purpose,
    }


def application_data(
    *,
    title: str,
    system: Any,
    target_kind: str = TargetKind.SERVER,
    segment: str = NetworkSegment.LGWAN,
    purpose: str = "業務システムのサーバを庁内ネットワークに接続する",
    desired_start_on: dt.date | str = "",
    desired_end_on: dt.date | str | None = None,
    info_confidentiality: str = Confidentiality.C2,
    internet_exposure: str = InternetExposure.NONE,
    assets: list[dict[str, Any]] | None = None,
    flows: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, str]:
    """What the application page posts (the network diagram goes in the driver's files)."""
    data: dict[str, Any] = {
        "title": title,
        "system": str(system.pk),
        "request_kind": fields.pop("request_kind", RequestKind.NEW),
        "target_kind": target_kind,
        "segment": segment,
        "purpose": purpose,
        "desired_start_on": desired_start_on,
        "desired_end_on": desired_end_on or "",
        "info_confidentiality": info_confidentiality,
        "internet_exposure": internet_exposure,
        **fields,
    }
    result: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, bool):
            if value:
                result[key] = "on"
        elif isinstance(value, dt.date):
            result[key] = value.isoformat()
        elif value is not None:
            result[key] = str(value)
    result.update(_formset("assets", assets or [], max_num=50))
    result.update(_formset("flows", flows or [], max_num=100))
    return result


def security_review_data(
    *,
    checklist: dict[str, tuple[str, str]] | None = None,
    send_back: bool = False,
    message: str = "",
) -> dict[str, str]:
    """``checklist``: perspective → (result, note); every perspective 適 by default."""
    checklist = checklist or {p.value: (CheckResult.OK, "") for p in ConnectionPerspective}
    data = {"decision": "send_back" if send_back else "complete", "message": message}
    for perspective, (result, note) in checklist.items():
        data[f"result_{perspective}"] = result
        data[f"note_{perspective}"] = note
    return data


def accept_data(finding: Any, text: str = "") -> dict[str, str]:
    return {"action": "accept", "finding": str(finding.pk), "text": text}


def dismiss_data(finding: Any, reason: str) -> dict[str, str]:
    return {"action": "dismiss", "finding": str(finding.pk), "reason": reason}


def finding_data(*, perspective: str, text: str, proposed_condition: str = "") -> dict[str, str]:
    return {
        "action": "add_finding",
        "perspective": perspective,
        "text": text,
        "proposed_condition": proposed_condition,
    }


def network_review_data(
    *,
    send_back: bool = False,
    vlan: str = "VLAN 120",
    addresses: str = "10.20.30.0/28",
    fw_change_ref: str = "FW-2026-001",
    message: str = "",
) -> dict[str, str]:
    return {
        "decision": "send_back" if send_back else "complete",
        "assigned_vlan": vlan,
        "assigned_addresses": addresses,
        "fw_change_ref": fw_change_ref,
        "message": message,
    }


def approve_data(
    *,
    decision: str = "approve",
    comment: str = "",
    conditions: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """``conditions``: rows of ``text``, ``due_date``, ``evidence_required``, ``finding`` (id)."""
    data = {"decision": decision, "comment": comment}
    data.update(_formset("conditions", conditions or [], max_num=30))
    return data


def ciso_data(*, approve: bool = True, comment: str = "") -> dict[str, str]:
    return {"decision": "approve" if approve else "reject", "comment": comment}


def connect_data(note: str = "") -> dict[str, str]:
    return {"confirmed": "on", "note": note}


def acknowledge_data(comment: str = "") -> dict[str, str]:
    return {"confirmed": "on", "comment": comment}


def revise_data(
    *, answer: str, application: dict[str, str], withdraw: bool = False
) -> dict[str, str]:
    data = {**application, "answer": answer}
    if withdraw:
        data["withdraw"] = "on"
    return data

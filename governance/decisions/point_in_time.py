"""The case as it stood at a chosen moment (時点表示, NEXT_WAVE §C.2 "Point in time").

``case_as_of`` starts from the case as it is now and undoes, newest first, every change the
audit chain recorded on the case after the moment (each event's ``changes`` holds
``[old, new]``). What it can reconstruct is exactly what services record: the case's own
columns. What it cannot: anything changed without an event (``updated_at``), files' contents
(their hashes are in the trace), and the workflow's tasks. Before the case was registered the
answer is 「この時点では案件は存在しません」.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import permissions
from governance.decisions.package import can_export_package
from governance.decisions.selectors import _status_text, _users_named, format_value
from governance.models import AuditEvent, Case, DecisionRecord, DocumentVersion, User

#: Columns no service records in the chain: they are shown as "not reconstructed".
NOT_RECORDED = {"updated_at"}


@dataclass
class FieldAt:
    label: str
    value: str
    now: str
    changed_since: bool
    reconstructed: bool = True


@dataclass
class CaseAsOf:
    moment: dt.datetime
    existed: bool
    fields: list[FieldAt] = field(default_factory=list)
    decisions: list[DecisionRecord] = field(default_factory=list)
    documents: list[DocumentVersion] = field(default_factory=list)
    events_undone: int = 0


def _own_events(case: Case) -> Any:
    labels = {f"{case._meta.app_label}.{case._meta.model_name}", "governance.case"}
    return AuditEvent.objects.filter(case_id=case.pk, object_id=str(case.pk)).filter(
        object_type__in=labels
    )


def _raw(case: Case, model_field: Any) -> Any:
    value = getattr(case, model_field.attname)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _shown(case: Case, model_field: Any, value: Any, users: dict[int, str]) -> str:
    if model_field.name == "status":
        return _status_text(value)
    if model_field.is_relation and model_field.related_model is not User and value is not None:
        current = getattr(case, model_field.attname)
        if value == current:
            return str(getattr(case, model_field.name))
        if isinstance(value, dict) and "label" in value:
            return str(value["label"])
    return format_value(model_field, value, users)


def case_as_of(user: Any, case: Case, moment: dt.datetime) -> CaseAsOf:
    """For auditors and the approvers who may see the case (NEXT_WAVE §C.5b)."""
    permissions.require(can_export_package(user, case))
    first = _own_events(case).order_by("sequence").values_list("occurred_at", flat=True).first()
    born = first or case.created_at
    if moment < born:
        return CaseAsOf(moment=moment, existed=False)
    later = list(_own_events(case).filter(occurred_at__gt=moment).order_by("-sequence"))
    concrete = [f for f in case._meta.concrete_fields if not f.name.endswith("_ptr")]
    by_name = {f.name: f for f in concrete}
    values = {f.name: _raw(case, f) for f in concrete}
    for event in later:
        for name, change in (event.changes or {}).items():
            if name in by_name and isinstance(change, list) and len(change) == 2:
                values[name] = change[0]
    ids = {
        value
        for name, value in [*values.items(), *((f.name, _raw(case, f)) for f in concrete)]
        if by_name[name].is_relation
        and by_name[name].related_model is User
        and isinstance(value, int)
    }
    users = _users_named(ids)
    fields = []
    for model_field in concrete:
        if model_field.name in ("process",):
            continue
        then = _shown(case, model_field, values[model_field.name], users)
        now = _shown(case, model_field, _raw(case, model_field), users)
        fields.append(
            FieldAt(
                label=str(model_field.verbose_name),
                value=then if model_field.name not in NOT_RECORDED else now,
                now=now,
                changed_since=then != now,
                reconstructed=model_field.name not in NOT_RECORDED,
            )
        )
    return CaseAsOf(
        moment=moment,
        existed=True,
        fields=fields,
        decisions=list(
            DecisionRecord.objects.filter(case=case, decided_at__lte=moment).order_by(
                "decided_at", "pk"
            )
        ),
        documents=list(
            DocumentVersion.objects.filter(document__case=case, created_at__lte=moment)
            .select_related("document")
            .order_by("created_at", "pk")
        ),
        events_undone=len(later),
    )


NOT_EXISTING = gettext_noop("この時点では案件は存在しません")


def limits() -> tuple[list[str], list[str]]:
    """What the page says can and cannot be reconstructed."""
    return (
        [
            _("案件の各項目（状態、担当者、金額、日付など、サービスが監査記録に変更を残す項目）"),
            _("その時点までの決定記録と作成済みの文書の版"),
        ],
        [
            _("更新日時など、監査記録に残らない内部項目（現在の値を表示）"),
            _("ファイルの内容（ハッシュは決定の経緯で確認できます）"),
            _("ワークフローの作業（タスク）の割当て状況"),
        ],
    )

"""予算確認 (budget checks): the messages every step refuses with, the request's facts,
routing, the review with its send-back loop, the result, approval and acknowledgement. The
request, the advisory document and the guidance-item ledger are in their own modules beside
this one.

Every function checks permission itself (``governance.permissions``), runs in one
transaction and records its audit event. A refusal the user should read is a ``ValueError``
with one of the Japanese messages below; nothing is written before every check has passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from governance import compiled_writes, permissions
from governance.cases.selectors import case_page_url
from governance.cases.services import (
    STATUS_FIELDS,
    locked,
    refresh_from,
    reviewer_for,
    set_status,
)
from governance.cases.services.documents import issue_document
from governance.cases.services.notifications import notify
from governance.decisions.services import Fact, record_decision
from governance.japanese import fiscal_year_of, in_japanese
from governance.models import (
    CHECKLIST_FIELDS,
    BudgetCheck,
    BudgetPerspective,
    Case,
    CaseMessage,
    CaseStatus,
    CheckOutcome,
    GuidanceItem,
    User,
)
from governance.roles import Role
from governance.uploads import CheckedUpload, check_upload, store_attachment

# --- Messages (tests assert on these) -------------------------------------------------------

SYSTEM_REQUIRED = gettext_noop("対象のシステムを選ぶか、新しいシステムの名称を入力してください。")
SYSTEM_AND_NEW_SYSTEM = gettext_noop("既存のシステムと新しいシステムは同時に指定できません。")
NEW_SYSTEM_KIND_REQUIRED = gettext_noop("新しいシステムの区分を選んでください。")
NEW_SYSTEM_EXISTS = gettext_noop(
    "「{name}」はすでにシステムカルテに登録されています。対象システムから選んでください。"
)
FISCAL_YEAR_OUT_OF_RANGE = gettext_noop("予算年度は{first}から{last}までの間で指定してください。")
FIELD_REQUIRED = gettext_noop("「{field}」を入力してください。")
AMOUNT_INVALID = gettext_noop("「{field}」は 0 以上の整数（円）で入力してください。")
ALREADY_REQUESTED = gettext_noop(
    "このシステムの{year}の予算確認はすでに申請されています（{number}）。"
)
WRONG_STATUS = gettext_noop(
    "この案件は現在この操作を行える状態ではありません（現在の状態: {status}）。"
)
QUESTIONS_REQUIRED = gettext_noop("差戻しの理由・質問を入力してください。")
ANSWER_REQUIRED = gettext_noop("質問への回答を入力してください。")
CHECKLIST_INCOMPLETE = gettext_noop("確認項目「{perspective}」の結果を選んでください。")
RESULT_REQUIRED = gettext_noop("確認結果を選んでください。")
GUIDANCE_REQUIRED = gettext_noop(
    "「確認済（指導事項あり）」の場合は指導事項を1件以上入力してください。"
)
GUIDANCE_NOT_ALLOWED = gettext_noop(
    "「確認済」の場合は指導事項を登録できません。「確認済（指導事項あり）」を選んでください。"
)
CHECKLIST_NEEDS_GUIDANCE = gettext_noop(
    "確認項目に「指導事項あり」があります。"
    "「確認済（指導事項あり）」を選び、指導事項を入力してください。"
)
GUIDANCE_TEXT_REQUIRED = gettext_noop("指導事項の内容を入力してください。")
GUIDANCE_DUE_REQUIRED = gettext_noop("指導事項の対応期限を入力してください。")
GUIDANCE_DUE_IN_PAST = gettext_noop("指導事項の対応期限には今日以降の日付を指定してください。")
RETURN_REASON_REQUIRED = gettext_noop("差戻しの理由を入力してください。")
EVIDENCE_REQUIRED = gettext_noop("対応内容（根拠）を入力してください。")
WAIVE_REASON_REQUIRED = gettext_noop("対応不要とする理由を入力してください。")
ITEM_NOT_REPORTED = gettext_noop("この指導事項は対応報告を待っている状態ではありません。")
REOPEN_REASON_REQUIRED = gettext_noop("対応報告を差し戻す理由を入力してください。")
ITEM_NOT_OPEN = gettext_noop("この指導事項はすでに対応済みまたは対応不要になっています。")
ITEM_NOT_ISSUED = gettext_noop(
    "この指導事項はまだ通知されていません（決裁後に対応を登録できます）。"
)

#: The label of a guidance item in a decision record (translated where it is shown).
GUIDANCE_FACT = gettext_noop("指導事項")

#: The Word master of the advisory document (templates/documents/budget_check_result.docx).
RESULT_TEMPLATE = "budget_check_result"
RESULT_TITLE = "予算確認結果通知（技術的助言）"
#: The office that issues the advisory document.
ISSUING_OFFICE = "スマートシティ戦略部 行政DX推進課"

#: File types a department may attach to a request or to a resolved guidance item.
ATTACHMENT_TYPES = ("pdf", "docx", "xlsx", "csv", "txt")

#: Statuses in which the review step is open (first review, or after an answer or a return).
REVIEWABLE = (CaseStatus.SUBMITTED, CaseStatus.UNDER_REVIEW)
#: Statuses of a check that is decided: its guidance items are issued and in the ledger.
ISSUED = (CaseStatus.APPROVED, CaseStatus.AWAITING_ACKNOWLEDGEMENT, CaseStatus.CLOSED)
#: Statuses of a check not yet decided; these count against the season's deadline.
PENDING = (
    CaseStatus.SUBMITTED,
    CaseStatus.UNDER_REVIEW,
    CaseStatus.RETURNED,
    CaseStatus.AWAITING_APPROVAL,
)

MAX_AMOUNT = 10**13


@dataclass(frozen=True)
class BudgetRequestFacts:
    """What the department states in its request (and may revise when answering questions)."""

    initial_cost: int
    running_cost: int
    purpose: str
    configuration: str
    continuity: str
    operating_structure: str
    network_security: str

    @classmethod
    def of(cls, check: BudgetCheck) -> BudgetRequestFacts:
        return cls(**{f.name: getattr(check, f.name) for f in fields(cls)})

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> BudgetRequestFacts:
        values: dict[str, Any] = {f.name: data.get(f.name) for f in fields(cls)}
        return cls(**values)


@dataclass(frozen=True)
class GuidanceDraft:
    """One guidance item as the reviewer writes it."""

    text: str
    due_date: dt.date | None
    perspective: str = ""


# --- Checks shared by the services ----------------------------------------------------------


def _label(model: type[Any], field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def _clean_facts(facts: BudgetRequestFacts) -> BudgetRequestFacts:
    """The facts with text trimmed; ``ValueError`` naming the first field that is wrong."""
    cleaned: dict[str, Any] = {}
    for item in fields(BudgetRequestFacts):
        value = getattr(facts, item.name)
        label = _label(BudgetCheck, item.name)
        if item.name in ("initial_cost", "running_cost"):
            if value is None:
                raise ValueError(_(FIELD_REQUIRED).format(field=label))
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(_(AMOUNT_INVALID).format(field=label))
            if not 0 <= value <= MAX_AMOUNT:
                raise ValueError(_(AMOUNT_INVALID).format(field=label))
            cleaned[item.name] = value
        else:
            text = (value or "").strip()
            if not text:
                raise ValueError(_(FIELD_REQUIRED).format(field=label))
            cleaned[item.name] = text
    return BudgetRequestFacts(**cleaned)


def _check_uploads(uploads: Sequence[Any]) -> list[CheckedUpload]:
    """Read and check every file before anything is written (``UploadRejected`` otherwise)."""
    return [check_upload(upload, allowed=ATTACHMENT_TYPES) for upload in uploads if upload]


def _require_status(check: BudgetCheck, *allowed: str) -> None:
    if check.status not in allowed:
        raise ValueError(_(WRONG_STATUS).format(status=check.get_status_display()))


def _locked(check: BudgetCheck) -> BudgetCheck:
    """The check re-read under a row lock, so two clicks cannot both move it (PostgreSQL)."""
    return locked(check, BudgetCheck)


def _case_url(case: Case) -> str:
    return case_page_url(case.pk)


def request_fiscal_years(today: dt.date | None = None) -> tuple[int, int]:
    """The budget years a department may request a check for: this fiscal year to two ahead."""
    current = fiscal_year_of(today or timezone.localdate())
    return current, current + 2


def _decision_facts(check: BudgetCheck, items: Sequence[GuidanceItem] | None = None) -> list[Fact]:
    """What the review and approval pages show beside the case's columns: the checklist and
    the guidance items (worded in Japanese, for the decision record); ``items`` are the
    case's guidance items in order when the caller has just written them (not read again)."""
    with in_japanese():
        facts = [
            Fact(
                label=str(BudgetPerspective(perspective).label),
                value=str(CheckOutcome(value).label) if value in CheckOutcome.values else "",
            )
            for perspective, field in CHECKLIST_FIELDS.items()
            if (value := getattr(check, field))
        ]
        if items is None:
            items = list(check.guidanceitems.order_by("sequence"))
        for item in items:
            facts.append(
                Fact(
                    label=GUIDANCE_FACT,
                    value=_("{number}. {text}（期限 {due}）").format(
                        number=item.sequence,
                        text=item.text,
                        due=item.due_date.isoformat() if item.due_date else "—",
                    ),
                )
            )
    return facts


# --- Routing ------------------------------------------------------------------------------


def review_assignee(check: Case) -> User | None:
    """Who works the review step: the reviewer who already handled the case (after an answer
    or a return from approval), else the department's liaison; None puts it in the queue."""
    reviewer = check.reviewer
    if (
        reviewer is not None
        and reviewer.is_active
        and permissions.can_act(reviewer, check, Role.GOVERNANCE_REVIEWER)
    ):
        return reviewer
    return reviewer_for(check)


def department_assignee(check: Case) -> User | None:
    """Department steps go to the requester while they can act; else to the queue."""
    requester = check.requester
    if requester.is_active and permissions.can_act(requester, check, Role.DEPARTMENT_STAFF):
        return requester
    return None


# --- 2. Review: send back with questions, and the department's answer -----------------------


def _apply_checklist(check: BudgetCheck, checklist: Mapping[str, str]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for perspective, field in CHECKLIST_FIELDS.items():
        value = checklist.get(perspective) or ""
        if value and value not in CheckOutcome.values:
            raise ValueError(
                _(CHECKLIST_INCOMPLETE).format(perspective=BudgetPerspective(perspective).label)
            )
        old = getattr(check, field)
        if old != value:
            changes[field] = [old or None, value or None]
            setattr(check, field, value)
    return changes


def send_back_budget_check(
    *,
    actor: User,
    budget_check: BudgetCheck,
    questions: str,
    checklist: Mapping[str, str] | None = None,
    review_notes: str | None = None,
) -> BudgetCheck:
    """The reviewer sends the request back to the department with questions."""
    permissions.require_act(actor, budget_check, Role.GOVERNANCE_REVIEWER)
    _require_status(budget_check, *REVIEWABLE)
    questions = (questions or "").strip()
    if not questions:
        raise ValueError(_(QUESTIONS_REQUIRED))
    with transaction.atomic():
        check = _locked(budget_check)
        _require_status(check, *REVIEWABLE)
        changes = _apply_checklist(check, checklist or {})
        if review_notes is not None:
            check.review_notes = review_notes.strip()
        old_reviewer = check.reviewer_id
        check.reviewer = actor
        check.send_back_count += 1
        CaseMessage.objects.create(
            case=check, kind=CaseMessage.Kind.QUESTION, body=questions, author=actor
        )
        changes["reviewer"] = [old_reviewer, actor.pk]
        changes["send_back_count"] = [check.send_back_count - 1, check.send_back_count]
        set_status(
            actor=actor,
            case=check,
            status=CaseStatus.RETURNED,
            action="budget_check.send_back",
            reason=questions,
            extra_changes=changes,
            save=False,
        )
        compiled_writes.update(check)
        record_decision(
            actor=actor,
            case=check,
            decision="budget_check.send_back",
            role=Role.GOVERNANCE_REVIEWER,
            reason=questions,
            facts=_decision_facts(check),
            node="budget_check/BudgetCheckFlow.review",
        )
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[check.requester],
                subject=_("{number}: 予算確認の質問があります（差戻し）").format(
                    number=check.number
                ),
                body=questions,
                url=_case_url(check),
                case=check,
            )
    return refresh_from(budget_check, check)


def resubmit_budget_check(
    *,
    actor: User,
    budget_check: BudgetCheck,
    answer: str,
    facts: BudgetRequestFacts,
    uploads: Sequence[Any] = (),
) -> BudgetCheck:
    """The department answers the questions, revises its request if needed, and resubmits."""
    permissions.require_act(actor, budget_check, Role.DEPARTMENT_STAFF)
    _require_status(budget_check, CaseStatus.RETURNED)
    answer = (answer or "").strip()
    if not answer:
        raise ValueError(_(ANSWER_REQUIRED))
    facts = _clean_facts(facts)
    checked = _check_uploads(uploads)
    with transaction.atomic():
        check = _locked(budget_check)
        _require_status(check, CaseStatus.RETURNED)
        changes: dict[str, list[Any]] = {}
        for item in fields(BudgetRequestFacts):
            old, new = getattr(check, item.name), getattr(facts, item.name)
            if old != new:
                changes[item.name] = [old, new]
                setattr(check, item.name, new)
        CaseMessage.objects.create(
            case=check, kind=CaseMessage.Kind.ANSWER, body=answer, author=actor
        )
        names = [
            store_attachment(
                case=check, upload=upload, purpose="budget_answer", actor=actor
            ).original_name
            for upload in checked
        ]
        if names:
            changes["attachments"] = [None, names]
        set_status(
            actor=actor,
            case=check,
            status=CaseStatus.UNDER_REVIEW,
            action="budget_check.resubmit",
            extra_changes=changes,
            save=False,
        )
        compiled_writes.update(check)
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[check.reviewer],
                subject=_("{number}: 部局から回答がありました").format(number=check.number),
                body=answer,
                url=_case_url(check),
                case=check,
            )
    return refresh_from(budget_check, check)


# --- 3. Result ------------------------------------------------------------------------------


def _clean_guidance(items: Sequence[GuidanceDraft], today: dt.date) -> list[GuidanceDraft]:
    cleaned = []
    for item in items:
        text = (item.text or "").strip()
        if not text:
            raise ValueError(_(GUIDANCE_TEXT_REQUIRED))
        if item.due_date is None:
            raise ValueError(_(GUIDANCE_DUE_REQUIRED))
        if item.due_date < today:
            raise ValueError(_(GUIDANCE_DUE_IN_PAST))
        perspective = item.perspective or ""
        if perspective and perspective not in BudgetPerspective.values:
            perspective = ""
        cleaned.append(GuidanceDraft(text=text, due_date=item.due_date, perspective=perspective))
    return cleaned


def record_budget_result(
    *,
    actor: User,
    budget_check: BudgetCheck,
    checklist: Mapping[str, str],
    result: str,
    guidance_items: Sequence[GuidanceDraft] = (),
    review_notes: str = "",
) -> BudgetCheck:
    """The reviewer completes the checklist and records the result (with guidance items, each
    with a due date); the case goes to the approver."""
    permissions.require_act(actor, budget_check, Role.GOVERNANCE_REVIEWER)
    _require_status(budget_check, *REVIEWABLE)
    for perspective in CHECKLIST_FIELDS:
        if checklist.get(perspective) not in CheckOutcome.values:
            raise ValueError(
                _(CHECKLIST_INCOMPLETE).format(perspective=BudgetPerspective(perspective).label)
            )
    if result not in BudgetCheck.Result.values:
        raise ValueError(_(RESULT_REQUIRED))
    drafts = _clean_guidance(guidance_items, timezone.localdate())
    if result == BudgetCheck.Result.CONFIRMED_WITH_GUIDANCE and not drafts:
        raise ValueError(_(GUIDANCE_REQUIRED))
    if result == BudgetCheck.Result.CONFIRMED:
        if drafts:
            raise ValueError(_(GUIDANCE_NOT_ALLOWED))
        if CheckOutcome.GUIDANCE in checklist.values():
            raise ValueError(_(CHECKLIST_NEEDS_GUIDANCE))

    with transaction.atomic():
        check = _locked(budget_check)
        _require_status(check, *REVIEWABLE)
        changes = _apply_checklist(check, checklist)
        # Items are drafts until approval: a new result (after a return) replaces them.
        previous = list(check.guidanceitems.order_by("sequence").values_list("text", flat=True))
        check.guidanceitems.all().delete()
        items = compiled_writes.create_many(
            GuidanceItem,
            [
                GuidanceItem(
                    case=check,
                    department_id=check.department_id,
                    system_id=check.system_id,
                    sequence=number,
                    perspective=draft.perspective,
                    text=draft.text,
                    due_date=draft.due_date,
                    created_by=actor,
                )
                for number, draft in enumerate(drafts, start=1)
            ],
        )
        old = {"result": check.result, "reviewer": check.reviewer_id}
        check.result = result
        check.review_notes = (review_notes or "").strip()
        check.reviewer = actor
        check.result_recorded_at = timezone.now()
        changes.update(
            {
                "result": [old["result"] or None, result],
                "reviewer": [old["reviewer"], actor.pk],
                "guidance_items": [
                    previous or None,
                    [f"{d.text}（期限 {d.due_date.isoformat()}）" for d in drafts if d.due_date],
                ],
            }
        )
        set_status(
            actor=actor,
            case=check,
            status=CaseStatus.AWAITING_APPROVAL,
            action="budget_check.record_result",
            extra_changes=changes,
            save=False,
        )
        compiled_writes.update(check)
        record_decision(
            actor=actor,
            case=check,
            decision="budget_check.record_result",
            role=Role.GOVERNANCE_REVIEWER,
            reason=check.review_notes,
            facts=_decision_facts(check, items),
            node="budget_check/BudgetCheckFlow.review",
        )
    return refresh_from(budget_check, check)


# --- 4. Approval ----------------------------------------------------------------------------


def approve_budget_check(
    *, actor: User, budget_check: BudgetCheck, comment: str = ""
) -> BudgetCheck:
    """A governance approver (never the requester or the reviewer) approves the result; the
    advisory document is generated in the background and the department is notified."""
    permissions.require_act(actor, budget_check, Role.GOVERNANCE_APPROVER)
    _require_status(budget_check, CaseStatus.AWAITING_APPROVAL)
    with transaction.atomic():
        check = _locked(budget_check)
        # Re-checked under the lock: the reviewer may have changed since the page was read.
        permissions.require_act(actor, check, Role.GOVERNANCE_APPROVER)
        _require_status(check, CaseStatus.AWAITING_APPROVAL)
        check.approver = actor
        check.approved_at = timezone.now()
        comment = (comment or "").strip()
        if comment:
            CaseMessage.objects.create(
                case=check, kind=CaseMessage.Kind.REMARK, body=comment, author=actor
            )
        with in_japanese():  # records stay Japanese
            document = issue_document(
                actor=actor, case=check, template=RESULT_TEMPLATE, title=_(RESULT_TITLE)
            )
        set_status(
            actor=actor,
            case=check,
            status=CaseStatus.AWAITING_ACKNOWLEDGEMENT,
            action="budget_check.approve",
            reason=comment,
            extra_changes={"approver": [None, actor.pk], "document": [None, document.number]},
            save=False,
        )
        compiled_writes.update(check, ["approver", "approved_at", *STATUS_FIELDS])
        record_decision(
            actor=actor,
            case=check,
            decision="budget_check.approve",
            role=Role.GOVERNANCE_APPROVER,
            reason=comment,
            facts=_decision_facts(check),
            node="budget_check/BudgetCheckFlow.approve",
        )
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[check.requester, check.reviewer],
                subject=_("{number}: 予算確認の結果が通知されました").format(number=check.number),
                body=_("確認結果: {result}。指導事項を確認してください。").format(
                    result=check.get_result_display()
                ),
                url=_case_url(check),
                case=check,
            )
    return refresh_from(budget_check, check)


def return_budget_check_to_reviewer(
    *, actor: User, budget_check: BudgetCheck, reason: str
) -> BudgetCheck:
    """The approver returns the result to the reviewer, with the reason."""
    permissions.require_act(actor, budget_check, Role.GOVERNANCE_APPROVER)
    _require_status(budget_check, CaseStatus.AWAITING_APPROVAL)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_(RETURN_REASON_REQUIRED))
    with transaction.atomic():
        check = _locked(budget_check)
        _require_status(check, CaseStatus.AWAITING_APPROVAL)
        check.approval_return_count += 1
        CaseMessage.objects.create(
            case=check, kind=CaseMessage.Kind.REMARK, body=reason, author=actor
        )
        set_status(
            actor=actor,
            case=check,
            status=CaseStatus.UNDER_REVIEW,
            action="budget_check.return_from_approval",
            reason=reason,
            extra_changes={
                "approval_return_count": [
                    check.approval_return_count - 1,
                    check.approval_return_count,
                ]
            },
            save=False,
        )
        compiled_writes.update(check, ["approval_return_count", *STATUS_FIELDS])
        record_decision(
            actor=actor,
            case=check,
            decision="budget_check.return_from_approval",
            role=Role.GOVERNANCE_APPROVER,
            reason=reason,
            facts=_decision_facts(check),
            node="budget_check/BudgetCheckFlow.approve",
        )
        with in_japanese():  # records stay Japanese
            notify(
                recipients=[check.reviewer],
                subject=_("{number}: 決裁者から差し戻されました").format(number=check.number),
                body=reason,
                url=_case_url(check),
                case=check,
            )
    return refresh_from(budget_check, check)


# --- 6. Acknowledgement ---------------------------------------------------------------------


def acknowledge_budget_check(
    *, actor: User, budget_check: BudgetCheck, comment: str = ""
) -> BudgetCheck:
    """The department acknowledges the result and its guidance items; the case ends."""
    permissions.require_act(actor, budget_check, Role.DEPARTMENT_STAFF)
    _require_status(budget_check, CaseStatus.AWAITING_ACKNOWLEDGEMENT)
    with transaction.atomic():
        check = _locked(budget_check)
        _require_status(check, CaseStatus.AWAITING_ACKNOWLEDGEMENT)
        check.acknowledged_at = timezone.now()
        check.acknowledged_by = actor
        comment = (comment or "").strip()
        if comment:
            CaseMessage.objects.create(
                case=check, kind=CaseMessage.Kind.REMARK, body=comment, author=actor
            )
        set_status(
            actor=actor,
            case=check,
            status=CaseStatus.CLOSED,
            action="budget_check.acknowledge",
            reason=comment,
            extra_changes={"acknowledged_by": [None, actor.pk]},
            save=False,
        )
        compiled_writes.update(check, ["acknowledged_at", "acknowledged_by", *STATUS_FIELDS])
    return refresh_from(budget_check, check)

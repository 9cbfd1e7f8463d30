"""Who reviewed a case, in any round of any flow: the segregation of duties keeps them from
approving it (``governance.permissions`` re-exports these for its checks and the queues)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from governance import compiled
from governance import permissions_network as net
from governance.models import AuditEvent, Case, Finding, SpecReviewRound, SpecScanResult
from governance.writes import events_recorded

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from governance.models import User

    AnyUser: TypeAlias = User | AnonymousUser


#: The audit actions that make their actor one of a case's reviewers, in every flow: sending
#: it back, recording a result (even one the approver later returned), completing a round,
#: raising or settling findings, deciding scan drafts, answering a consultation. A new flow's
#: reviewing steps add their actions here.
REVIEW_ACTIONS = frozenset(
    {
        "budget_check.send_back",
        "budget_check.record_result",
        "spec_review.begin",
        "spec_review.complete_round",
        "spec_review.finding.add",
        "spec_review.finding.settle",
        "spec_review.scan.accept",
        "spec_review.scan.dismiss",
        "consultation.answer",
    }
    | net.NETWORK_REVIEW_ACTIONS
)


def reviewed_by_q(user_pk: int | None, prefix: str = "") -> Q:
    """Cases ``user_pk`` reviewed, in any round of any flow: the reviewer of record, anyone
    whose audit trail on the case holds a reviewing act (``REVIEW_ACTIONS``), the reviewer of
    a spec review round, the author of a finding, or whoever accepted or dismissed a scan
    result. None of them may approve the case (``segregation_error``, ``task_queue_q``).
    ``prefix`` leads from the queried model to the case (``"process__case__"`` for tasks).

    The audit chain is the record of who did what and is append-only, so a later result by
    someone else, or a role granted afterwards, does not wash out an earlier review.

    Each source is an ``EXISTS`` correlated with the case, so a queue that excludes them
    (``~reviewed_by_q``) is planned as anti-joins on their indexes; ``NOT IN`` sub-queries
    made PostgreSQL guess the exclusions and scan every case (0.4 s at 100,000 cases)."""
    case = OuterRef(f"{prefix}pk")
    return (
        Q(**{f"{prefix}reviewer": user_pk})
        | Q(
            Exists(
                AuditEvent.objects.filter(case_id=case, actor_id=user_pk, action__in=REVIEW_ACTIONS)
            )
        )
        | Q(Exists(SpecReviewRound.objects.filter(review_id=case, reviewer_id=user_pk)))
        | Q(Exists(Finding.objects.filter(case_id=case, created_by_id=user_pk)))
        | Q(Exists(SpecScanResult.objects.filter(version__review_id=case, decided_by_id=user_pk)))
        | net.network_reviewed_by_q(user_pk, prefix)
    )


#: Where ``has_reviewed`` keeps its answers on a case object: {user pk: (mark, reviewed)}.
_REVIEWED_MEMO = "_shinsa_reviewed_by"


def has_reviewed(user: AnyUser, case: Case) -> bool:
    """Whether ``user`` reviewed ``case`` in any round (``reviewed_by_q``): one query per user
    and case object (the step's page asks, then its service), kept only while this connection
    records no audit event (reviewing is a service's, which records it: ``events_recorded``)."""
    if user.pk is None:
        return False
    memo: dict[int, tuple[int, bool]] = case.__dict__.setdefault(_REVIEWED_MEMO, {})
    mark = events_recorded()
    kept = memo.get(user.pk)
    if kept is not None and kept[0] == mark:
        return kept[1]
    # Six correlated sub-queries: their SQL is compiled once in this process, run every time.
    found = compiled.bound_values(
        compiled.query_key("has_reviewed"), _reviewed_query, (case.pk, user.pk)
    )
    reviewed = bool(found)
    memo[user.pk] = (mark, reviewed)
    return reviewed


def _reviewed_query(case_pk: int, user_pk: int) -> QuerySet[Case, tuple[int]]:
    return Case.objects.filter(pk=case_pk).filter(reviewed_by_q(user_pk)).values_list("id")[:1]


def _reviewed_by_each_query(case_pk: int, *user_pks: int) -> QuerySet[Case, Any]:
    answers = {
        f"reviewed_{n}": ExpressionWrapper(reviewed_by_q(pk), output_field=BooleanField())
        for n, pk in enumerate(user_pks)
    }
    return Case.objects.filter(pk=case_pk).annotate(**answers).values_list(*answers)[:1]


def note_reviewed(users: Sequence[AnyUser], case: Case) -> None:
    """``has_reviewed`` of several people on one case in one query (a queue's members), kept
    as ``has_reviewed`` keeps its answers: while this connection records no audit event."""
    memo: dict[int, tuple[int, bool]] = case.__dict__.setdefault(_REVIEWED_MEMO, {})
    mark = events_recorded()
    pending = sorted(
        {user.pk for user in users if user.pk is not None and memo.get(user.pk, (-1,))[0] != mark}
    )
    if not pending:
        return
    rows = compiled.bound_values(
        compiled.query_key("reviewed_by_each", len(pending)),
        _reviewed_by_each_query,
        (case.pk, *pending),
    )
    row = rows[0] if rows else (False,) * len(pending)
    for pk, reviewed in zip(pending, row, strict=True):
        memo[pk] = (mark, bool(reviewed))
